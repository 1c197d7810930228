"""OCPI 2.2.1 version_information_endpoint.asciidoc: Version, VersionDetails and Endpoint."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from openroam.models.common import OcpiResponse
from openroam.models.v221.versions import (
    Endpoint,
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
    VersionNumber,
)
from tests import documents
from tests.spec_examples import example_bytes, spec_example

VERSION_LIST = TypeAdapter(list[Version])


def _as_decimal_json(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


def _locs(model: Any, data: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as error:
        model.model_validate_json(json.dumps(data))
    return [e["loc"] for e in error.value.errors()]


def _endpoint(**changes: Any) -> dict[str, Any]:
    endpoint = {"identifier": "locations", "role": "SENDER", "url": "https://example.com/loc"}
    endpoint.update(changes)
    return endpoint


# --- our own documents ------------------------------------------------------------------------


def test_versions_document_round_trips() -> None:
    """version_information_endpoint.asciidoc "Version information endpoint": a list of Version."""
    versions = VERSION_LIST.validate_json(documents.raw("versions.json"))
    assert [v.version for v in versions] == [VersionNumber.V2_1_1, VersionNumber.V2_2_1]
    dumped = [json.loads(v.to_json()) for v in versions]
    assert dumped == _as_decimal_json(documents.raw("versions.json"))


@pytest.mark.parametrize("name", ["version_details.json", "version_details_both_roles.json"])
def test_version_details_documents_round_trip(name: str) -> None:
    """version_information_endpoint.asciidoc "Version details endpoint"."""
    details = VersionDetails.from_json(documents.raw(name))
    assert details.version is VersionNumber.V2_2_1
    assert _as_decimal_json(details.to_json()) == _as_decimal_json(documents.raw(name))


@pytest.mark.parametrize(
    ("name", "data_type"),
    [("envelope_versions.json", list[Version]), ("envelope_version_details.json", VersionDetails)],
)
def test_version_response_envelope_documents_round_trip(name: str, data_type: Any) -> None:
    """transport_and_format.asciidoc "Response format": the version information and details
    responses."""
    response = OcpiResponse[data_type].from_json(documents.raw(name))
    assert _as_decimal_json(response.to_json()) == _as_decimal_json(documents.raw(name))


def test_combined_platform_lists_both_roles() -> None:
    """A platform that is CPO and eMSP lists a module once per role it implements."""
    details = VersionDetails.from_json(documents.raw("version_details_both_roles.json"))
    tokens = [e.role for e in details.endpoints if e.identifier is ModuleID.TOKENS]
    assert tokens == [InterfaceRole.RECEIVER, InterfaceRole.SENDER]


# --- the spec's examples ---------------------------------------------------------------------


@spec_example
def test_versions_info_example_round_trips() -> None:
    """version_information_endpoint.asciidoc "Version information endpoint" example."""
    versions = VERSION_LIST.validate_json(example_bytes("versions_info_example.json"))
    assert [v.version for v in versions] == [VersionNumber.V2_1_1, VersionNumber.V2_2_1]
    dumped = [json.loads(v.to_json()) for v in versions]
    assert dumped == _as_decimal_json(example_bytes("versions_info_example.json"))


@spec_example
@pytest.mark.parametrize("name", ["version_details_example.json", "version_details_example2.json"])
def test_version_details_examples_round_trip(name: str) -> None:
    """version_information_endpoint.asciidoc "Version details endpoint" examples (both say
    version 2.2; example2 gives credentials the role RECEIVER, docs/spec-decisions.md "Role of
    the credentials endpoint")."""
    details = VersionDetails.from_json(example_bytes(name))
    assert details.version is VersionNumber.V2_2
    assert _as_decimal_json(details.to_json()) == _as_decimal_json(example_bytes(name))


@spec_example
@pytest.mark.parametrize(
    ("name", "data_type"),
    [
        ("transport_and_format_version_info_example.json", list[Version]),
        ("transport_and_format_version_details_example.json", VersionDetails),
    ],
)
def test_version_response_envelopes_round_trip(name: str, data_type: Any) -> None:
    """transport_and_format.asciidoc: the version information and details responses."""
    response = OcpiResponse[data_type].from_json(example_bytes(name))
    assert _as_decimal_json(response.to_json()) == _as_decimal_json(example_bytes(name))


@spec_example
def test_combined_platform_example_lists_both_roles() -> None:
    details = VersionDetails.from_json(example_bytes("version_details_example2.json"))
    tokens = [e.role for e in details.endpoints if e.identifier is ModuleID.TOKENS]
    assert tokens == [InterfaceRole.RECEIVER, InterfaceRole.SENDER]


# --- enums -----------------------------------------------------------------------------------


def test_version_number_values() -> None:
    """version_information_endpoint.asciidoc "VersionNumber enum"."""
    assert {v.name: v.value for v in VersionNumber} == {
        "V2_0": "2.0",
        "V2_1": "2.1",
        "V2_1_1": "2.1.1",
        "V2_2": "2.2",
        "V2_2_1": "2.2.1",
    }


def test_module_id_values() -> None:
    """version_information_endpoint.asciidoc "ModuleID enum"."""
    assert sorted(m.value for m in ModuleID) == [
        "cdrs",
        "chargingprofiles",
        "commands",
        "credentials",
        "hubclientinfo",
        "locations",
        "sessions",
        "tariffs",
        "tokens",
    ]


# --- Endpoint --------------------------------------------------------------------------------


@pytest.mark.parametrize("module", list(ModuleID))
def test_endpoint_standard_identifier_is_the_enum(module: ModuleID) -> None:
    endpoint = Endpoint.from_json(json.dumps(_endpoint(identifier=module.value)))
    assert endpoint.identifier is module


@pytest.mark.parametrize("identifier", ["nltnm-tokens", "Locations", "nl-tnm-payments"])
def test_endpoint_custom_identifier_kept(identifier: str) -> None:
    """version_information_endpoint.asciidoc "Custom Modules": ModuleID "can be extended with
    additional custom moduleIDs", advised to be prefixed (nltnm-tokens)."""
    endpoint = Endpoint.from_json(json.dumps(_endpoint(identifier=identifier)))
    assert endpoint.identifier == identifier
    assert not isinstance(endpoint.identifier, ModuleID)
    assert json.loads(endpoint.to_json())["identifier"] == identifier


@pytest.mark.parametrize("identifier", ["t\u00f6kens", "x" * 256, 7])
def test_endpoint_custom_identifier_is_a_cistring255(identifier: object) -> None:
    locs = _locs(Endpoint, _endpoint(identifier=identifier))
    assert locs
    assert all(loc[0] == "identifier" for loc in locs)


@pytest.mark.parametrize("role", ["BOTH", "sender"])
def test_endpoint_role_is_an_interface_role(role: str) -> None:
    """version_information_endpoint.asciidoc "InterfaceRole enum": SENDER or RECEIVER."""
    assert _locs(Endpoint, _endpoint(role=role)) == [("role",)]


@pytest.mark.parametrize("field", ["identifier", "role", "url"])
def test_endpoint_required_fields(field: str) -> None:
    data = _endpoint()
    del data[field]
    assert _locs(Endpoint, data) == [(field,)]


# --- VersionDetails and Version --------------------------------------------------------------


def test_version_details_needs_an_endpoint() -> None:
    """version_information_endpoint.asciidoc "Data": endpoints has cardinality +."""
    assert _locs(VersionDetails, {"version": "2.2.1", "endpoints": []}) == [("endpoints",)]


@pytest.mark.parametrize("version", ["2.3.0", "3", 2.2])
def test_version_details_version_is_known(version: object) -> None:
    data = {"version": version, "endpoints": [_endpoint()]}
    assert _locs(VersionDetails, data) == [("version",)]


def test_version_details_reports_endpoint_errors_by_index() -> None:
    data = {"version": "2.2.1", "endpoints": [_endpoint(), _endpoint(role="BOTH")]}
    assert _locs(VersionDetails, data) == [("endpoints", 1, "role")]


def test_version_list_keeps_unknown_newer_versions() -> None:
    """A partner's versions list may name a version newer than this enum (2.3.0); the client
    skips it, so reading the list must not fail on it."""
    listed = [
        {"version": "2.2.1", "url": "https://x/2.2.1"},
        {"version": "2.3.0", "url": "https://x/2.3.0"},
    ]
    versions = VERSION_LIST.validate_json(json.dumps(listed))
    assert versions[0].version is VersionNumber.V2_2_1
    assert versions[1].version == "2.3.0"
    assert not isinstance(versions[1].version, VersionNumber)


@pytest.mark.parametrize("data", [{"url": "https://x/2.2.1"}, {"version": "2.2.1"}])
def test_version_required_fields(data: dict[str, str]) -> None:
    missing = ({"version", "url"} - data.keys()).pop()
    assert _locs(Version, data) == [(missing,)]


def test_version_number_must_be_a_string() -> None:
    assert [loc[0] for loc in _locs(Version, {"version": 2.2, "url": "https://x"})] == [
        "version",
        "version",
    ]
