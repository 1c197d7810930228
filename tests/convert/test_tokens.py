"""Tokens and real-time authorization between 2.2.1 and 2.1.1 (2.1.1 mod_tokens.md 3.1, 3.2,
4.1-4.3)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from openroam._convert.locations import Unconvertible
from openroam._convert.tokens import (
    CONVERTER,
    authorization_info_from_v211,
    authorization_info_to_v211,
    location_references_from_v211,
    location_references_to_v211,
)
from openroam.models import v211, v221
from tests.convert.docs import CONTEXT, TOKEN_221, Doc, fresh, valid
from tests.convert.strategies import TOKENS_221

TOKEN_211: Doc = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "it",
    "last_updated": "2026-03-16T10:10:02Z",
}


def test_to_v211_renames_contract_id_and_drops_what_2_1_1_lacks() -> None:
    assert valid(v211.Token, TOKEN_211)
    assert CONVERTER.to_v211(fresh(TOKEN_221)) == TOKEN_211


def test_from_v211_takes_the_owner_from_the_context() -> None:
    token = CONVERTER.from_v211(fresh(TOKEN_211), CONTEXT)
    assert valid(v221.Token, token)
    assert token["country_code"] == "NL"
    assert token["party_id"] == "CPO"
    assert token["contract_id"] == "DE8ACC12E46L89"
    lost = {"group_id", "default_profile_type", "energy_contract", "country_code", "party_id"}
    assert {k: v for k, v in token.items() if k not in lost} == {
        k: v for k, v in TOKEN_221.items() if k not in lost
    }


@pytest.mark.parametrize(("kind", "expected"), [
    ("AD_HOC_USER", "OTHER"), ("APP_USER", "OTHER"), ("OTHER", "OTHER"), ("RFID", "RFID"),
])  # fmt: skip
def test_token_types_2_1_1_lacks_become_other(kind: str, expected: str) -> None:
    token = CONVERTER.to_v211({**TOKEN_221, "type": kind})
    assert valid(v211.Token, token).type == expected


def test_text_becomes_printable_ascii() -> None:
    token = CONVERTER.to_v211({**TOKEN_221, "issuer": "Énergie Zürich"})
    assert valid(v211.Token, token).issuer == "Energie Zurich"


def test_patch_variants() -> None:
    assert CONVERTER.patch_to_v211({"valid": False, "last_updated": "2026-03-17T00:00:00Z"}) == {
        "valid": False,
        "last_updated": "2026-03-17T00:00:00Z",
    }
    assert CONVERTER.patch_to_v211({"contract_id": "X1", "group_id": "G"}) == {"auth_id": "X1"}
    assert valid(v211.TokenPatch, CONVERTER.patch_to_v211({"contract_id": "X1", "valid": True}))
    patch = CONVERTER.patch_from_v211({"valid": False, "auth_id": "X1"}, CONTEXT)
    assert patch["valid"] is False
    assert patch["contract_id"] == "X1"
    assert "country_code" not in patch  # a PATCH names no owner: the URL does
    assert valid(v221.TokenPatch, patch).last_updated  # 2.2.1 requires last_updated


def test_authorization_info_to_v211_drops_token_and_reference() -> None:
    info = {
        "allowed": "NOT_ALLOWED",
        "token": TOKEN_221,
        "location": {"location_id": "LOC1", "evse_uids": ["3256"]},
        "authorization_reference": "REF-7",
        "info": {"language": "en", "text": "Not here"},
    }
    assert valid(v211.AuthorizationInfo, authorization_info_to_v211(info))
    assert authorization_info_to_v211(info) == {
        "allowed": "NOT_ALLOWED",
        "location": {"location_id": "LOC1", "evse_uids": ["3256"]},
        "info": {"language": "en", "text": "Not here"},
    }


def test_authorization_info_from_v211_adds_the_requested_token() -> None:
    info_211 = {
        "allowed": "ALLOWED",
        "location": {"location_id": "LOC1", "evse_uids": ["3256"], "connector_ids": ["1"]},
    }
    assert valid(v211.AuthorizationInfo, info_211)
    info = authorization_info_from_v211(info_211, TOKEN_221)
    parsed = valid(v221.AuthorizationInfo, info)
    assert parsed.token.uid == "012345678"
    assert info["location"] == {"location_id": "LOC1", "evse_uids": ["3256"]}


@pytest.mark.parametrize("allowed", ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"])
def test_every_allowed_value_maps_to_itself(allowed: str) -> None:
    assert authorization_info_to_v211({"allowed": allowed, "token": TOKEN_221}) == {
        "allowed": allowed
    }
    assert authorization_info_from_v211({"allowed": allowed}, TOKEN_221)["allowed"] == allowed


def test_unknown_allowed_value_is_unconvertible() -> None:
    with pytest.raises(Unconvertible):
        authorization_info_from_v211({"allowed": "MAYBE"}, TOKEN_221)


def test_location_references_connector_ids_are_lost() -> None:
    refs_211 = {"location_id": "LOC1", "evse_uids": ["3256", "3257"], "connector_ids": ["1"]}
    refs = location_references_from_v211(refs_211)
    assert valid(v221.LocationReferences, refs)
    assert refs == {"location_id": "LOC1", "evse_uids": ["3256", "3257"]}
    assert valid(v211.LocationReferences, location_references_to_v211(refs))
    assert location_references_to_v211(refs) == refs


@settings(max_examples=50, derandomize=True, deadline=None)
@given(TOKENS_221)
def test_round_trip_keeps_every_field_2_1_1_carries(token: Doc) -> None:
    assert valid(v221.Token, token)
    as_v211 = CONVERTER.to_v211(token)
    assert valid(v211.Token, as_v211)
    back = CONVERTER.from_v211(as_v211, CONTEXT)
    assert valid(v221.Token, back)
    lost = {"group_id", "default_profile_type", "energy_contract", "country_code", "party_id"}
    expected = {k: v for k, v in token.items() if k not in lost}
    if expected["type"] in ("AD_HOC_USER", "APP_USER"):
        expected["type"] = "OTHER"
    assert {k: v for k, v in back.items() if k not in {"country_code", "party_id"}} == expected
