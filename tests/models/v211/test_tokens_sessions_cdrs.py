"""OCPI 2.1.1 mod_tokens.md, mod_sessions.md and mod_cdrs.md: Token, AuthorizationInfo, Session
and CDR read and written back unchanged, and the 2.1.1 rules enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v211.cdrs import CDR, ChargingPeriod
from openroam.models.v211.sessions import Session, SessionPatch
from openroam.models.v211.tokens import AuthorizationInfo, LocationReferences, Token, TokenPatch
from tests.models.v211.documents import (
    AUTHORIZATION_INFO,
    CHARGING_PERIODS,
    SESSION,
    TOKEN,
    changed,
    without,
)
from tests.models.v211.documents import (
    CDR as CDR_DOC,
)
from tests.models.v211.roundtrip import as_json, round_trip

DOCUMENTS: list[tuple[type[OcpiModel], dict[str, Any]]] = [
    (Token, TOKEN),
    (AuthorizationInfo, AUTHORIZATION_INFO),
    (AuthorizationInfo, {"allowed": "NOT_ALLOWED"}),
    (LocationReferences, {"location_id": "LOC-1"}),
    (Session, SESSION),
    (ChargingPeriod, CHARGING_PERIODS[0]),
    (CDR, CDR_DOC),
    (TokenPatch, {"valid": False}),
    (SessionPatch, {"total_cost": 0.6}),
    (SessionPatch, {"status": "ACTIVE", "kwh": 1.5, "last_updated": "2026-03-16T10:20:00Z"}),
]


@pytest.mark.parametrize(("model", "document"), DOCUMENTS)
def test_document_round_trips_unchanged(model: type[OcpiModel], document: dict[str, Any]) -> None:
    assert round_trip(model, document) == as_json(document)


def _refused(model: type[OcpiModel], document: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps(document))
    return [error["loc"] for error in caught.value.errors()]


@pytest.mark.parametrize(
    ("model", "document", "field"),
    [
        (Token, TOKEN, "auth_id"),
        (Token, TOKEN, "issuer"),
        (Token, TOKEN, "whitelist"),
        (AuthorizationInfo, AUTHORIZATION_INFO, "allowed"),
        (Session, SESSION, "auth_id"),
        (Session, SESSION, "location"),
        (Session, SESSION, "currency"),
        (Session, SESSION, "start_datetime"),
        (CDR, CDR_DOC, "stop_date_time"),
        (CDR, CDR_DOC, "total_cost"),
        (CDR, CDR_DOC, "charging_periods"),
        (CDR, CDR_DOC, "location"),
    ],
)
def test_required_fields(model: type[OcpiModel], document: dict[str, Any], field: str) -> None:
    assert (field,) in _refused(model, without(document, field))


@pytest.mark.parametrize(
    ("model", "document", "path", "value"),
    [
        (Token, TOKEN, ["type"], "APP_USER"),  # 2.2.1 only
        (Token, TOKEN, ["issuer"], "\u00d6ffentliche Werke"),  # ASCII only
        (Token, TOKEN, ["uid"], "x" * 37),  # string(36)
        (Token, TOKEN, ["last_updated"], "2026-03-16T10:10:02-05:00"),  # UTC only
        (AuthorizationInfo, AUTHORIZATION_INFO, ["allowed"], "allowed"),  # case-sensitive
        (AuthorizationInfo, AUTHORIZATION_INFO, ["location", "evse_uids", 0], "x" * 40),
        (Session, SESSION, ["status"], "RESERVATION"),  # 2.2.1 only
        (Session, SESSION, ["auth_method"], "COMMAND"),  # 2.2.1 only
        (Session, SESSION, ["total_cost"], {"excl_vat": 8.75}),  # a number, not a 2.2.1 Price
        (Session, SESSION, ["location", "country"], "NL"),  # ISO 3166-1 alpha-3
        (Session, SESSION, ["start_datetime"], "2026-03-16 10:10:02Z"),
        (CDR, CDR_DOC, ["charging_periods"], []),  # at least one period
        (CDR, CDR_DOC, ["charging_periods", 0, "dimensions", 0, "type"], "STATE_OF_CHARGE"),
        (CDR, CDR_DOC, ["id"], "x" * 37),  # CiString(36)
        (CDR, CDR_DOC, ["remark"], "Gestoppt \u2013 Fahrer"),  # ASCII only
        (CDR, CDR_DOC, ["tariffs", 0, "elements"], []),
    ],
)
def test_refuses(
    model: type[OcpiModel], document: dict[str, Any], path: list[str | int], value: Any
) -> None:
    _refused(model, changed(document, path, value))


def test_patches_need_no_last_updated_but_check_values() -> None:
    _refused(TokenPatch, {"whitelist": "SOMETIMES"})
    _refused(SessionPatch, {"kwh": "1.5"})
