"""Our own Tokens by contract_id (mod_sessions.md 3.1, mod_cdrs.md 3.1: a 2.1.1 Session or CDR
names its Token by ``auth_id``, the Token's ``contract_id``): every Token write keeps the
folded contract_id in ``ocpi_objects.contract_id`` (backend PUT and PATCH, a partner's PUT and
PATCH, a pulled page), and ``own_token_by_contract`` finds the own Token by it among the given
parties, the most recently updated of several. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import TOKENS
from openroam._services.platform import OwnParty, Platform
from openroam._services.pulled import store_pulled
from openroam._services.roaming import RoamingService
from openroam._store.db import Database
from openroam._store.objects import OcpiObject
from openroam.models.v221.types import Role
from tests.api.support import token

OURS = OwnParty("DE", "MSP", Role.EMSP, "Our eMSP")
OTHER_OWN = OwnParty("DE", "MS2", Role.EMSP, "Our other eMSP")
PARTNER = 7
#: a partner eMSP pushing its Tokens to our CPO side
EMSP = Caller(PARTNER, "emsp", "", "C", "registered", (("EMSP", "NL", "EMP"),))
PARTIES = [("DE", "MSP"), ("DE", "MS2")]


def _service(database: Database) -> RoamingService:
    parties = (OURS, OTHER_OWN, OwnParty("DE", "CPO", Role.CPO, "Our CPO"))
    return RoamingService(database, Platform("http://node.test", parties))


def _ours(uid: str, contract_id: str, stamp: str = "2026-01-01T10:00:00Z", **kw: Any) -> bytes:
    body = token(uid, country_code="DE", party_id="MSP", contract_id=contract_id)
    return orjson.dumps(body | {"last_updated": stamp} | kw)


async def _columns(database: Database, origin: int) -> dict[str, str | None]:
    """object_id → the stored contract_id column of the Tokens of ``origin``."""
    stmt = select(OcpiObject.object_id, OcpiObject.contract_id).where(
        OcpiObject.module == "tokens", OcpiObject.origin == origin
    )
    async with database.session() as session:
        return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


async def test_own_put_and_patch_keep_the_contract_id(database: Database) -> None:
    """Backend PUT and PATCH of our Token: the column follows the document's contract_id,
    folded; the Token is found by it case-insensitively, and no longer by the old one."""
    service = _service(database)
    path = ObjectPath("DE", "MSP", "U1", (), "RFID")
    await service.own_put(TOKENS, path, _ours("U1", "de-msp-c1"))
    assert await _columns(database, 0) == {"U1": "DE-MSP-C1"}
    found = await service.own_token_by_contract(PARTIES, "DE-MSP-C1")
    assert found is not None
    assert (found["uid"], found["type"], found["contract_id"]) == ("U1", "RFID", "de-msp-c1")
    patch = {"contract_id": "DE-MSP-C2", "last_updated": "2026-01-01T11:00:00Z"}
    await service.own_patch(TOKENS, path, orjson.dumps(patch))
    assert await _columns(database, 0) == {"U1": "DE-MSP-C2"}
    assert await service.own_token_by_contract(PARTIES, "de-msp-c1") is None
    assert (await service.own_token_by_contract(PARTIES, "de-msp-c2") or {})["uid"] == "U1"


async def test_partner_put_patch_and_pull_keep_the_contract_id(database: Database) -> None:
    """A partner's Tokens (PUT, PATCH, a pulled page) carry the column too, but are never
    found as our own."""
    service = _service(database)
    body = token("P1", country_code="NL", party_id="EMP", contract_id="NL-EMP-C1")
    path = ObjectPath("NL", "EMP", "P1", (), "RFID")
    await service.receive_put(EMSP, TOKENS, path, orjson.dumps(body))
    patch = {"contract_id": "NL-EMP-C9", "last_updated": "2026-01-01T11:00:00Z"}
    await service.receive_patch(EMSP, TOKENS, path, orjson.dumps(patch))
    page = [
        token(f"Q{n}", country_code="NL", party_id="EMP", contract_id=f"nl-emp-q{n}")
        for n in range(3)
    ]
    result = await store_pulled(service, EMSP, TOKENS, page)
    assert result.stored == 3
    assert await _columns(database, PARTNER) == {
        "P1": "NL-EMP-C9",
        "Q0": "NL-EMP-Q0",
        "Q1": "NL-EMP-Q1",
        "Q2": "NL-EMP-Q2",
    }
    assert await service.own_tokens_by_contract([("NL", "EMP")], ["NL-EMP-C9", "NL-EMP-Q1"]) == {}


async def test_several_matches_the_most_recently_updated(database: Database) -> None:
    """A contract_id shared by several of our Tokens (a card and an app): the most recently
    updated; only among the parties asked for; many contract_ids in one call."""
    service = _service(database)
    older = _ours("CARD", "DE-MSP-SHARED", "2026-01-01T10:00:00Z")
    newer = _ours("APP", "DE-MSP-SHARED", "2026-01-02T10:00:00Z", type="APP_USER")
    await service.own_put(TOKENS, ObjectPath("DE", "MSP", "CARD", (), "RFID"), older)
    await service.own_put(TOKENS, ObjectPath("DE", "MSP", "APP", (), "APP_USER"), newer)
    other = orjson.dumps(token("X", country_code="DE", party_id="MS2", contract_id="DE-MS2-X"))
    await service.own_put(TOKENS, ObjectPath("DE", "MS2", "X", (), "RFID"), other)
    found = await service.own_token_by_contract(PARTIES, "de-msp-shared")
    assert found is not None
    assert (found["uid"], found["type"]) == ("APP", "APP_USER")
    assert await service.own_token_by_contract([("DE", "MSP")], "DE-MS2-X") is None
    many = await service.own_tokens_by_contract(PARTIES, ["DE-MSP-SHARED", "de-ms2-x", "NONE"])
    assert {key: doc["uid"] for key, doc in many.items()} == {
        "DE-MSP-SHARED": "APP",
        "DE-MS2-X": "X",
    }
    assert await service.own_tokens_by_contract([], ["DE-MS2-X"]) == {}
    # What cannot be a contract_id (CiString(36)) is not looked up: none is found.
    assert await service.own_token_by_contract(PARTIES, "DE-MS2-X\x00") is None
    assert await service.own_token_by_contract(PARTIES, "X" * 37) is None
