"""OCPI 2.2.1 mod_tokens.asciidoc: the Token models against the spec's tables, our own documents
(tests/documents/) and, where the spec is there, its examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiResponse
from openroam.models.v221.tokens import (
    AllowedType,
    AuthorizationInfo,
    ProfileType,
    Token,
    TokenPatch,
    TokenType,
    WhitelistType,
)
from tests import documents
from tests.spec_examples import example_bytes, spec_example

TOKEN_EXAMPLES = [
    "token_example_1_app_user.json",
    "token_example_2_full_rfid.json",
    "token_put_example.json",
]


def _as_decimal_json(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


def _token(**changes: Any) -> dict[str, Any]:
    """Our APP_USER Token (tests/documents/token.json), with ``changes`` (None removes)."""
    token: dict[str, Any] = documents.load("token.json")
    token.update(changes)
    return {key: value for key, value in token.items() if value is not None}


def _error_locs(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str | int, ...]]:
    return [e["loc"] for e in error.value.errors()]


# --- our own documents ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["token.json", "token_rfid.json"])
def test_token_documents_round_trip(name: str) -> None:
    """mod_tokens.asciidoc "Token Object": our Tokens parse and serialise back equal."""
    token = Token.from_json(documents.raw(name))
    assert _as_decimal_json(token.to_json()) == _as_decimal_json(documents.raw(name))


def test_full_rfid_values() -> None:
    token = Token.from_json(documents.raw("token_rfid.json"))
    assert token.type is TokenType.RFID
    assert token.whitelist is WhitelistType.ALWAYS
    assert token.default_profile_type is ProfileType.CHEAP
    assert token.energy_contract is not None
    assert token.energy_contract.supplier_name == "Stadtwerke Beispielstadt"


def test_token_patch_round_trips() -> None:
    """mod_tokens.asciidoc "PATCH Method": invalidating a Token is a PATCH with valid=false."""
    patch = TokenPatch.from_json(documents.raw("token_patch.json"))
    assert patch.model_dump(exclude_none=True)["valid"] is False
    assert _as_decimal_json(patch.to_json()) == _as_decimal_json(documents.raw("token_patch.json"))


@pytest.mark.parametrize(
    ("name", "data_type"),
    [("envelope_token.json", Token), ("envelope_token_list.json", list[Token])],
)
def test_token_response_envelope_documents_round_trip(name: str, data_type: Any) -> None:
    """transport_and_format.asciidoc "Response format": Tokens GET responses, one object and
    a list."""
    response = OcpiResponse[data_type].from_json(documents.raw(name))
    assert _as_decimal_json(response.to_json()) == _as_decimal_json(documents.raw(name))


# --- the spec's examples ---------------------------------------------------------------------


@spec_example
@pytest.mark.parametrize("name", TOKEN_EXAMPLES)
def test_token_examples_round_trip(name: str) -> None:
    """mod_tokens.asciidoc "Examples" and "put a new Token": parse and serialise back equal."""
    token = Token.from_json(example_bytes(name))
    assert _as_decimal_json(token.to_json()) == _as_decimal_json(example_bytes(name))


@spec_example
def test_full_rfid_example_values() -> None:
    token = Token.from_json(example_bytes("token_example_2_full_rfid.json"))
    assert token.type is TokenType.RFID
    assert token.whitelist is WhitelistType.ALLOWED
    assert token.default_profile_type is ProfileType.GREEN
    assert token.energy_contract is not None
    assert token.energy_contract.supplier_name == "Greenpeace Energy eG"


@spec_example
def test_token_patch_example_round_trips() -> None:
    """mod_tokens.asciidoc "invalidate a Token": a PATCH body with valid=false."""
    patch = TokenPatch.from_json(example_bytes("token_patch_example.json"))
    assert patch.model_dump(exclude_none=True)["valid"] is False
    expected = _as_decimal_json(example_bytes("token_patch_example.json"))
    assert _as_decimal_json(patch.to_json()) == expected


@spec_example
@pytest.mark.parametrize(
    ("name", "data_type"),
    [
        ("transport_and_format_get_token_example.json", Token),
        ("transport_and_format_get_token_list_example.json", list[Token]),
    ],
)
def test_token_response_envelopes_round_trip(name: str, data_type: Any) -> None:
    """transport_and_format.asciidoc: Tokens GET responses, one object and a list."""
    response = OcpiResponse[data_type].from_json(example_bytes(name))
    assert _as_decimal_json(response.to_json()) == _as_decimal_json(example_bytes(name))


# --- Token object table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "uid",
        "type",
        "contract_id",
        "issuer",
        "valid",
        "whitelist",
        "last_updated",
    ],
)
def test_token_required_fields(field: str) -> None:
    """mod_tokens.asciidoc "Token Object": fields with cardinality 1 are required."""
    data = _token()
    del data[field]
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(data))
    assert _error_locs(error) == [(field,)]


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("country_code", 2),
        ("party_id", 3),
        ("uid", 36),
        ("contract_id", 36),
        ("visual_number", 64),
        ("issuer", 64),
        ("group_id", 36),
        ("language", 2),
    ],
)
def test_token_field_lengths(field: str, limit: int) -> None:
    """mod_tokens.asciidoc "Token Object": the (n) after a type is the maximum length."""
    assert getattr(Token.from_json(json.dumps(_token(**{field: "A" * limit}))), field)
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(_token(**{field: "A" * (limit + 1)})))
    assert _error_locs(error) == [(field,)]


def test_token_uid_is_ascii_cistring() -> None:
    """types.asciidoc "CiString": printable ASCII only."""
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(_token(uid="t\u00f6ken")))
    assert _error_locs(error) == [("uid",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "rfid"), ("whitelist", "SOMETIMES"), ("default_profile_type", "SLOW")],
)
def test_token_enums_reject_unknown_values(field: str, value: str) -> None:
    """mod_tokens.asciidoc "Data types": enum values are case-sensitive and closed."""
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(_token(**{field: value})))
    assert _error_locs(error) == [(field,)]


def test_token_valid_must_be_boolean() -> None:
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(_token(valid="true")))
    assert _error_locs(error) == [("valid",)]


def test_energy_contract_needs_supplier_name() -> None:
    """mod_tokens.asciidoc "EnergyContract class": supplier_name has cardinality 1."""
    data = _token(energy_contract={"contract_id": "0123456789"})
    with pytest.raises(ValidationError) as error:
        Token.from_json(json.dumps(data))
    assert _error_locs(error) == [("energy_contract", "supplier_name")]


# --- PATCH -----------------------------------------------------------------------------------


def test_token_patch_requires_last_updated() -> None:
    """mod_tokens.asciidoc "PATCH Method": every PATCH carries last_updated."""
    with pytest.raises(ValidationError) as error:
        TokenPatch.from_json(b'{"valid": false}')
    assert _error_locs(error) == [("last_updated",)]


def test_token_patch_validates_values_like_a_put() -> None:
    body = b'{"whitelist": "SOMETIMES", "last_updated": "2019-06-19T02:11:11Z"}'
    with pytest.raises(ValidationError) as error:
        TokenPatch.from_json(body)
    assert _error_locs(error) == [("whitelist",)]


# --- AuthorizationInfo -----------------------------------------------------------------------


def _authorization(**changes: Any) -> dict[str, Any]:
    info = {
        "allowed": "ALLOWED",
        "token": _token(),
        "location": {"location_id": "UTR-STATION-01", "evse_uids": ["UTR01-E1"]},
        "authorization_reference": "MSP-AUTH-5F2A",
        "info": {"language": "en", "text": "Welcome"},
    }
    info.update(changes)
    return info


def test_authorization_info_parses() -> None:
    """mod_tokens.asciidoc "AuthorizationInfo Object": the answer to a real-time authorization."""
    info = AuthorizationInfo.from_json(json.dumps(_authorization()))
    assert info.allowed is AllowedType.ALLOWED
    assert info.location is not None
    assert info.location.evse_uids == ["UTR01-E1"]
    assert info.token.uid == "7c0f3a52-9d41-4e0b-a8a6-3f2b61c4d9e7"


def test_authorization_info_needs_the_complete_token() -> None:
    """mod_tokens.asciidoc "AuthorizationInfo Object": token is "the complete Token object"."""
    partial = {"uid": "012345678", "type": "RFID"}
    with pytest.raises(ValidationError) as error:
        AuthorizationInfo.from_json(json.dumps(_authorization(token=partial)))
    assert ("token", "contract_id") in _error_locs(error)


def test_authorization_info_reference_length() -> None:
    with pytest.raises(ValidationError) as error:
        AuthorizationInfo.from_json(json.dumps(_authorization(authorization_reference="R" * 37)))
    assert _error_locs(error) == [("authorization_reference",)]


def test_location_references_need_location_id() -> None:
    """mod_tokens.asciidoc "LocationReferences class": location_id has cardinality 1."""
    body = _authorization(location={"evse_uids": ["UTR01-E1"]})
    with pytest.raises(ValidationError) as error:
        AuthorizationInfo.from_json(json.dumps(body))
    assert _error_locs(error) == [("location", "location_id")]


def test_profile_type_values() -> None:
    """mod_sessions.asciidoc "ProfileType enum" (defined in tokens to avoid an import cycle)."""
    assert [p.value for p in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]
