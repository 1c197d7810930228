"""Version negotiation and endpoint lookup (version_information_endpoint.asciidoc;
credentials.asciidoc registration sequence: the initiator picks the latest mutual version)."""

from __future__ import annotations

import json

import pytest

from openroam.client import choose_version, endpoint_url, version_key
from openroam.models.v221.versions import InterfaceRole, ModuleID, Version, VersionDetails
from tests.client.ocpi_fakes import document, example
from tests.spec_examples import spec_example


def _versions(*numbers: str) -> list[Version]:
    return [
        Version.model_validate_json(json.dumps({"version": n, "url": f"https://p.example/{n}"}))
        for n in numbers
    ]


def _chosen(ours: list[str], theirs: list[Version]) -> str | None:
    """The version number choose_version picks, as a string."""
    chosen = choose_version(ours, theirs)
    return None if chosen is None else str(chosen.version)


def _details(name: str) -> VersionDetails:
    """One of our VersionDetails documents (tests/documents/)."""
    return VersionDetails.model_validate_json(json.dumps(document(name)))


def _spec_details(name: str) -> VersionDetails:
    return VersionDetails.model_validate_json(json.dumps(example(name)))


def test_version_key_orders_as_numbers() -> None:
    assert version_key("2.2.1") == (2, 2, 1)
    ordered = ["2.0", "2.1.1", "2.2", "2.2.1", "2.9", "2.10"]
    shuffled = ["2.10", "2.2", "2.0", "2.9", "2.2.1", "2.1.1"]
    assert sorted(shuffled, key=lambda v: version_key(v) or ()) == ordered
    assert version_key("2.2-d2") is None
    assert version_key("") is None


def test_choose_version_picks_the_latest_mutual_version() -> None:
    """CRED registration sequence: the initiator picks the latest mutual version."""
    theirs = _versions("2.1.1", "2.2", "2.2.1")
    assert _chosen(["2.1.1", "2.2.1"], theirs) == "2.2.1"
    assert _chosen(["2.2", "2.1.1"], theirs) == "2.2"
    assert _chosen(["2.1.1"], theirs) == "2.1.1"


def test_choose_version_returns_the_partner_entry_with_its_url() -> None:
    chosen = choose_version(["2.2.1"], _versions("2.2.1", "2.1.1"))
    assert chosen is not None
    assert chosen.url == "https://p.example/2.2.1"


def test_choose_version_does_not_depend_on_list_order() -> None:
    assert _chosen(["2.1.1", "2.2.1"], _versions("2.2.1", "2.1.1")) == "2.2.1"


def test_choose_version_skips_versions_we_do_not_support() -> None:
    """A partner listing a newer version (2.3.0) still negotiates the latest we share."""
    theirs = _versions("2.1.1", "2.2.1", "2.3.0")
    assert _chosen(["2.1.1", "2.2.1"], theirs) == "2.2.1"


def test_choose_version_without_a_mutual_version_is_none() -> None:
    """No mutual version: the caller reports 3002 Unsupported version (status_codes.asciidoc)."""
    assert choose_version(["2.2.1"], _versions("2.0", "2.1.1")) is None
    assert choose_version(["2.2.1"], []) is None
    assert choose_version([], _versions("2.2.1")) is None


def test_choose_version_ignores_unparseable_versions() -> None:
    assert _chosen(["beta", "2.2.1"], _versions("beta", "2.2.1")) == "2.2.1"
    assert choose_version(["beta"], _versions("beta")) is None


def test_endpoint_url_by_module_and_role() -> None:
    """VER "Version details endpoint": one details list may serve both CPO and eMSP interfaces."""
    details = _details("version_details_both_roles.json")
    locations = ModuleID.LOCATIONS
    assert endpoint_url(details, locations, InterfaceRole.SENDER) == (
        "https://node.openroam.example.org/ocpi/cpo/2.2.1/locations"
    )
    assert endpoint_url(details, locations, InterfaceRole.RECEIVER) == (
        "https://node.openroam.example.org/ocpi/emsp/2.2.1/locations"
    )
    assert endpoint_url(details, "tokens", InterfaceRole.SENDER) == (
        "https://node.openroam.example.org/ocpi/emsp/2.2.1/tokens"
    )


def test_endpoint_url_missing_module_or_role_is_none() -> None:
    """CRED "Required endpoints not available": the caller decides (do not POST, or 3003)."""
    details = _details("version_details.json")
    assert endpoint_url(details, ModuleID.CDRS, InterfaceRole.RECEIVER) is None
    assert endpoint_url(details, ModuleID.LOCATIONS, InterfaceRole.RECEIVER) is None


@pytest.mark.parametrize("role", [InterfaceRole.SENDER, InterfaceRole.RECEIVER, None])
def test_endpoint_url_ignores_role_for_credentials(role: InterfaceRole | None) -> None:
    """VER "Endpoint class" NOTE: disregard the role of another platform's credentials endpoint;
    our combined platform publishes it as RECEIVER, as the spec's version_details_example2 does
    (docs/spec-decisions.md "Role of the credentials endpoint")."""
    details = _details("version_details_both_roles.json")
    assert endpoint_url(details, ModuleID.CREDENTIALS, role) == (
        "https://node.openroam.example.org/ocpi/2.2.1/credentials"
    )


@spec_example
@pytest.mark.parametrize("role", [InterfaceRole.SENDER, InterfaceRole.RECEIVER, None])
def test_endpoint_url_ignores_role_for_credentials_of_the_example(
    role: InterfaceRole | None,
) -> None:
    """version_details_example2 publishes the credentials endpoint as RECEIVER
    (docs/spec-decisions.md "Role of the credentials endpoint"); the role is disregarded."""
    details = _spec_details("version_details_example2.json")
    assert endpoint_url(details, ModuleID.CREDENTIALS, role) == (
        "https://example.com/ocpi/2.2/credentials"
    )


def test_endpoint_url_without_role_takes_the_first_of_the_module() -> None:
    details = _details("version_details_both_roles.json")
    assert endpoint_url(details, ModuleID.TOKENS) == (
        "https://node.openroam.example.org/ocpi/cpo/2.2.1/tokens"
    )


def test_endpoint_url_custom_module_case_insensitive() -> None:
    """VER "Custom Modules": prefixed custom ids such as ``nltnm-tokens`` (CiString)."""
    data = document("version_details.json")
    data["endpoints"].append({"identifier": "nltnm-tokens", "role": "SENDER", "url": "https://c"})
    details = VersionDetails.model_validate_json(json.dumps(data))
    assert endpoint_url(details, "NLTNM-tokens", InterfaceRole.SENDER) == "https://c"
