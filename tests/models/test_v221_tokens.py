"""OCPI 2.2.1 mod_tokens.asciidoc: the Token models against the spec's examples and tables."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
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

# The verbatim spec sits beside the repository (../shared/ocpi-spec), not inside it.
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO.parent / "shared" / "ocpi-spec" / "2.2.1" / "examples"

TOKEN_EXAMPLES = [
    "token_example_1_app_user.json",
    "token_example_2_full_rfid.json",
    "token_put_example.json",
]


def _raw(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _as_decimal_json(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


def _token(**changes: Any) -> dict[str, Any]:
    token = json.loads(_raw("token_example_1_app_user.json"))
    token.update(changes)
    return {key: value for key, value in token.items() if value is not None}


def _error_locs(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str | int, ...]]:
    return [e["loc"] for e in error.value.errors()]


# --- the spec's examples ---------------------------------------------------------------------


@pytest.mark.parametrize("name", TOKEN_EXAMPLES)
def test_token_examples_round_trip(name: str) -> None:
    """mod_tokens.asciidoc "Examples" and "put a new Token": parse and serialise back equal."""
    token = Token.from_json(_raw(name))
    assert _as_decimal_json(token.to_json()) == _as_decimal_json(_raw(name))


def test_full_rfid_example_values() -> None:
    token = Token.from_json(_raw("token_example_2_full_rfid.json"))
    assert token.type is TokenType.RFID
    assert token.whitelist is WhitelistType.ALLOWED
    assert token.default_profile_type is ProfileType.GREEN
    assert token.energy_contract is not None
    assert token.energy_contract.supplier_name == "Greenpeace Energy eG"


def test_token_patch_example_round_trips() -> None:
    """mod_tokens.asciidoc "invalidate a Token": a PATCH body with valid=false."""
    patch = TokenPatch.from_json(_raw("token_patch_example.json"))
    assert patch.model_dump(exclude_none=True)["valid"] is False
    assert _as_decimal_json(patch.to_json()) == _as_decimal_json(_raw("token_patch_example.json"))


@pytest.mark.parametrize(
    ("name", "data_type"),
    [
        ("transport_and_format_get_token_example.json", Token),
        ("transport_and_format_get_token_list_example.json", list[Token]),
    ],
)
def test_token_response_envelopes_round_trip(name: str, data_type: Any) -> None:
    """transport_and_format.asciidoc: Tokens GET responses, one object and a list."""
    response = OcpiResponse[data_type].from_json(_raw(name))
    assert _as_decimal_json(response.to_json()) == _as_decimal_json(_raw(name))


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
        "location": {"location_id": "LOC1", "evse_uids": ["3256"]},
        "authorization_reference": "567890",
        "info": {"language": "en", "text": "Welcome"},
    }
    info.update(changes)
    return info


def test_authorization_info_parses() -> None:
    """mod_tokens.asciidoc "AuthorizationInfo Object": the answer to a real-time authorization."""
    info = AuthorizationInfo.from_json(json.dumps(_authorization()))
    assert info.allowed is AllowedType.ALLOWED
    assert info.location is not None
    assert info.location.evse_uids == ["3256"]
    assert info.token.uid == "bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1"


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
    body = _authorization(location={"evse_uids": ["3256"]})
    with pytest.raises(ValidationError) as error:
        AuthorizationInfo.from_json(json.dumps(body))
    assert _error_locs(error) == [("location", "location_id")]


def test_profile_type_values() -> None:
    """mod_sessions.asciidoc "ProfileType enum" (defined in tokens to avoid an import cycle)."""
    assert [p.value for p in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]
