"""Own Sessions through the backend API and their delivery (mod_sessions; services.addressing):
a Session concerns the eMSP of its cdr_token, so its changes are queued for that eMSP's partner
only; a change adding charging_periods goes out as a PUT (the receiver would append a PATCH's
periods again on a retry). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson

from openroam._api.python import Backend
from openroam._delivery.push import _body
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import SESSIONS
from openroam._services.pulled import store_pulled
from openroam._store import object_repo as objects
from openroam._store import outbox_admin
from openroam._store.outbox_admin import DeliveryRow
from openroam.models.v221.sessions import Session
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import charging_period, session

SESSIONS_RECEIVER = (("credentials", "SENDER"), ("sessions", "RECEIVER"))
T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"


async def _queued(node: Node) -> list[DeliveryRow]:
    """The deliveries queued since the last call: listed, then set aside (skipped), so a later
    call does not see them again. (A claim takes one row per object since deliveries are
    ordered per object: docs/architecture.md, Delivery.)"""
    async with node.db.session() as db_session, db_session.begin():
        rows = await outbox_admin.list_deliveries(db_session, states=["pending"])
        for row in rows:
            await outbox_admin.skip_delivery(db_session, row.id, now=datetime.now(UTC), note="seen")
    return rows


async def test_mod_sessions_push_goes_to_the_emsp_of_the_cdr_token(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    """mod_sessions "Receiver Interface" / mod_cdrs "CdrToken": a Session is sent to the partner
    that registered the cdr_token's party, not to every partner with a Sessions Receiver; with
    no such partner, to the Hubs; else to no one."""
    de = await register_partner(roles=((Role.EMSP, "DE", "MSP"),), endpoints=SESSIONS_RECEIVER)
    await register_partner(roles=((Role.EMSP, "BE", "MSP"),), endpoints=SESSIONS_RECEIVER)
    response = await client.put("/api/sessions/NL/ORM/S1", json=session(emsp=("de", "msp")))
    assert response.status_code == 201, response.text
    queued = [(d.partner_id, d.method, d.path) for d in await _queued(node)]
    assert queued == [(de.partner_id, "PUT", "NL/ORM/S1")]

    await client.put("/api/sessions/NL/ORM/S2", json=session("S2", emsp=("FR", "XYZ")))
    assert await _queued(node) == []
    hub = await register_partner(roles=((Role.HUB, "EU", "HUB"),), endpoints=SESSIONS_RECEIVER)
    await client.put("/api/sessions/NL/ORM/S3", json=session("S3", emsp=("FR", "XYZ")))
    await client.put("/api/sessions/NL/ORM/S4", json=session("S4", emsp=("DE", "MSP")))
    queued = [(d.partner_id, d.path) for d in await _queued(node)]
    assert queued == [(hub.partner_id, "NL/ORM/S3"), (de.partner_id, "NL/ORM/S4")]


async def test_mod_sessions_patch_with_charging_periods_is_sent_as_put(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    """mod_sessions "PATCH Method": the receiver appends a PATCH's charging_periods, and the
    outbox resends a change whose answer was lost; so a change adding periods goes out as a PUT
    of the whole Session (idempotent), and any other PATCH never carries charging_periods."""
    await client.put("/api/sessions/NL/ORM/S1", json=session(emsp=("DE", "MSP"), periods=2))
    # Registered after the PUT: what is queued comes from the PATCHes below.
    await register_partner(roles=((Role.EMSP, "DE", "MSP"),), endpoints=SESSIONS_RECEIVER)
    added = {"kwh": 3, "charging_periods": [charging_period(T1)], "last_updated": T1}
    assert (await client.patch("/api/sessions/NL/ORM/S1", json=added)).status_code == 200
    status = {"status": "COMPLETED", "charging_periods": [], "last_updated": T2}
    assert (await client.patch("/api/sessions/NL/ORM/S1", json=status)).status_code == 200
    queued = {d.method: d for d in await _queued(node)}
    assert set(queued) == {"PUT", "PATCH"}
    assert queued["PUT"].fields is None
    assert queued["PATCH"].fields == ("last_updated", "status")
    async with node.db.session() as db_session:
        stored = await objects.get_object(db_session, "sessions", objects.OWN, "NL", "ORM", "S1")
    assert stored is not None
    sent = orjson.loads(_body(queued["PUT"], stored.document) or b"")
    assert len(sent["charging_periods"]) == 3
    assert orjson.loads(_body(queued["PATCH"], stored.document) or b"") == {
        "status": "COMPLETED",
        "last_updated": T2,
    }


async def test_backend_api_own_and_partner_sessions(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    """Backend API: PUT/PATCH/GET of own Sessions (PATCH appends charging_periods as an OCPI
    receiver would), the own list with date filters, and a partner CPO's Sessions."""
    await client.put("/api/sessions/NL/ORM/S1", json=session(periods=1))
    await client.put("/api/sessions/NL/ORM/S2", json=session("S2", last_updated=T2))
    patch = {"charging_periods": [charging_period(T1)], "last_updated": T1}
    answer = (await client.patch("/api/sessions/NL/ORM/s1", json=patch)).json()["data"]
    assert answer == {"created": False, "applied": True, "last_updated": T1}
    got = (await client.get("/api/sessions/NL/ORM/S1")).json()["data"]
    assert len(got["charging_periods"]) == 2
    listed = (await client.get("/api/sessions", params={"date_to": T2})).json()["data"]
    assert [s["id"] for s in listed] == ["S1"]

    cpo = await register_partner(roles=((Role.CPO, "DE", "CPO"),))
    theirs = session("P1", country_code="DE", party_id="CPO")
    await node.roaming.receive_put(
        cpo, SESSIONS, ObjectPath("DE", "CPO", "P1"), orjson.dumps(theirs)
    )
    listed = (await client.get(f"/api/partners/{cpo.partner_name}/sessions")).json()["data"]
    assert listed == [theirs]
    one = await client.get(f"/api/partners/{cpo.partner_name}/sessions/DE/CPO/P1")
    assert one.json()["data"] == theirs

    backend = Backend(node)
    assert [s.id for s in (await backend.list_sessions(partner=cpo.partner_name)).items] == ["P1"]
    result = await backend.patch_session("NL", "ORM", "S2", {"kwh": 4})
    assert result.applied
    fetched = await backend.get_session("NL", "ORM", "S2")
    assert isinstance(fetched, Session)
    assert fetched.kwh == 4


async def test_pulled_sessions_of_other_emsps_are_ignored(
    node: Node, register_partner: RegisterPartner
) -> None:
    """transport_and_format "Pull": objects that are not ours may be ignored — a pulled page
    keeps the partner CPO's Sessions for our eMSP (with their counterparty, so they are found by
    it) and drops another eMSP's."""
    cpo = await register_partner(roles=((Role.CPO, "DE", "CPO"),))
    ours = session("P1", country_code="DE", party_id="CPO")
    other = session("P2", country_code="DE", party_id="CPO", emsp=("BE", "MSP"))
    result = await store_pulled(node.roaming, cpo, SESSIONS, [ours, other])
    assert (result.stored, result.foreign) == (1, 1)
    async with node.db.session() as db_session:
        stored = await objects.get_object(db_session, "sessions", cpo.partner_id, "DE", "CPO", "P1")
        assert stored is not None
        assert stored.counterparty == "NL/ORM"
        gone = await objects.get_object(db_session, "sessions", cpo.partner_id, "DE", "CPO", "P2")
        assert gone is None
