"""Who may call what: every interface x method x kind of caller, with the answer (HTTP status and
OCPI status) and, for every refusal, nothing changed in the store (_server/v221/modules.py
``MODULES``, docs/spec-decisions.md "Which partner roles may call an interface").

Callers: the right partner (the interface's role, its own party), the right partner addressing one
of *our* parties, another partner of the right role addressing the right partner's party, an
unknown token, a partner with the wrong role, and a partner granted HUB. Run on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest_asyncio
from sqlalchemy import text

from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api import support as api_objects
from tests.server.roaming_support import (
    JSON,
    Party,
    Roaming,
    location,
    open_roaming,
    receiver_url,
    sender_url,
    session,
    tariff,
    token,
)
from tests.server.support import FakePartner, envelope_of, token_header, unique_party_id

BASE = "/ocpi/2.2.1"


@dataclass
class Caller:
    auth: dict[str, str]
    #: the party it writes under (its own, or whatever the row says)
    party: Party


@dataclass
class World:
    roaming: Roaming
    cpo: Caller
    cpo2: Caller
    emsp: Caller
    emsp2: Caller
    hub: Caller
    unknown: Caller


@pytest_asyncio.fixture(loop_scope="session")
async def world(database: Database, partner: FakePartner) -> AsyncIterator[World]:
    async with open_roaming(database, partner) as roaming:

        async def partner_as(role: Role) -> Caller:
            party = ("DE", unique_party_id())
            _, auth = await roaming.register([(role, party)])
            return Caller(auth, party)

        yield World(
            roaming=roaming,
            cpo=await partner_as(Role.CPO),
            cpo2=await partner_as(Role.CPO),
            emsp=await partner_as(Role.EMSP),
            emsp2=await partner_as(Role.EMSP),
            hub=await partner_as(Role.HUB),
            unknown=Caller(token_header("no-such-token"), ("DE", "UNK")),
        )


_COUNTED = ("ocpi_objects", "commands", "profile_requests", "deliveries")


async def _snapshot(roaming: Roaming) -> dict[str, int]:
    async with roaming.node.db.session() as db_session:
        counts = {}
        for table in _COUNTED:
            counts[table] = (
                await db_session.execute(text(f"SELECT COUNT(*) FROM {table}"))
            ).scalar()
        newest = "SELECT MAX(last_updated) FROM ocpi_objects"
        counts["newest"] = str((await db_session.execute(text(newest))).scalar())  # type: ignore[assignment]
    return counts


Request = Callable[[World, Caller, Party], tuple[str, str, Any]]


def _put(module: str, body: Callable[[World, Party], dict[str, Any]], object_id: str) -> Request:
    def build(world: World, caller: Caller, party: Party) -> tuple[str, str, Any]:
        url = receiver_url(module, party, object_id, type_="RFID" if module == "tokens" else None)
        return "PUT", url, body(world, party)

    return build


def _patch(module: str, object_id: str) -> Request:
    def build(world: World, caller: Caller, party: Party) -> tuple[str, str, Any]:
        url = receiver_url(module, party, object_id, type_="RFID" if module == "tokens" else None)
        return "PATCH", url, {"last_updated": "2026-01-01T00:00:00Z"}

    return build


def _at(method: str, path: str, body: Any = None) -> Request:
    return lambda world, caller, party: (method, f"{BASE}/{path}", body)


def _get(module: str) -> Request:
    return lambda world, caller, party: ("GET", sender_url(module), None)


def _post(path: str, body: Callable[[World, Party], dict[str, Any]]) -> Request:
    return lambda world, caller, party: ("POST", f"{BASE}/{path}", body(world, party))


def _cdr(world: World, party: Party) -> dict[str, Any]:
    return api_objects.cdr(f"C-{unique_party_id()}", owner=party, token_party=world.roaming.emsp)


OK_201, OK_200, NOT_YOURS, NO_TOKEN = (201, 1000), (200, 1000), (404, 2000), (401, 2000)
UNKNOWN_TOKEN = (404, 2004)
_PROFILE_QUERY = "duration=60&response_url=https%3A%2F%2Fpartner.example.com%2Fr"

# (name, request, right role, wrong role, answer for the right caller, for a Hub)
INTERFACES: list[tuple[str, Request, str, str, tuple[int, int], tuple[int, int]]] = [
    ("PUT Location", _put("locations", lambda w, p: location(p, "L1"), "L1"), "cpo", "emsp",
     OK_201, OK_201),
    ("PUT Tariff", _put("tariffs", lambda w, p: tariff(p, "T1"), "T1"), "cpo", "emsp",
     OK_201, OK_201),
    ("PUT Session", _put("sessions", lambda w, p: session(p, w.roaming.emsp, "S1"), "S1"), "cpo",
     "emsp", OK_201, OK_201),
    ("PUT Token", _put("tokens", lambda w, p: token(p, "TOK1"), "TOK1"), "emsp", "cpo",
     OK_201, OK_201),
    ("POST CDR", _post("receiver/cdrs", _cdr), "cpo", "emsp", OK_201, OK_201),
    ("PATCH Location", _patch("locations", "UNKNOWN"), "cpo", "emsp", NOT_YOURS, NOT_YOURS),
    ("PATCH Session", _patch("sessions", "UNKNOWN"), "cpo", "emsp", NOT_YOURS, NOT_YOURS),
    ("PATCH Token", _patch("tokens", "UNKNOWN"), "emsp", "cpo", NOT_YOURS, NOT_YOURS),
    ("GET Locations", _get("locations"), "emsp", "cpo", OK_200, OK_200),
    ("GET Location", _at("GET", "sender/locations/UNKNOWN"), "emsp", "cpo", NOT_YOURS, NOT_YOURS),
    ("GET Tariffs", _get("tariffs"), "emsp", "cpo", OK_200, OK_200),
    ("GET Tokens", _get("tokens"), "cpo", "emsp", OK_200, OK_200),
    ("GET Sessions", _get("sessions"), "emsp", "cpo", OK_200, OK_200),
    ("GET CDRs", _get("cdrs"), "emsp", "cpo", OK_200, OK_200),
    ("POST authorize", _at("POST", "sender/tokens/UNKNOWN/authorize"), "cpo", "emsp",
     UNKNOWN_TOKEN, UNKNOWN_TOKEN),
    ("PUT charging_preferences", _at(
        "PUT", "sender/sessions/UNKNOWN/charging_preferences",
        {"profile_type": "FAST", "energy_need": 10},
    ), "emsp", "cpo", NOT_YOURS, NOT_YOURS),
    ("GET ChargingProfile", _at("GET", f"receiver/chargingprofiles/UNKNOWN?{_PROFILE_QUERY}"),
     "emsp", "cpo", OK_200, OK_200),
    ("POST StopSession", _post(
        "receiver/commands/STOP_SESSION",
        lambda w, p: {"response_url": "https://partner.example.com/r", "session_id": "NONE"},
    ), "emsp", "cpo", OK_200, OK_200),
    ("POST CommandResult", _post(
        "sender/commands/STOP_SESSION/no-such-command", lambda w, p: {"result": "ACCEPTED"}
    ), "cpo", "emsp", NOT_YOURS, NOT_YOURS),
    ("POST ChargingProfile result", _post(
        "sender/chargingprofiles/results/no-such-reference",
        lambda w, p: {"result": "ACCEPTED", "profile": None},
    ), "cpo", "emsp", NOT_YOURS, NOT_YOURS),
]  # fmt: skip


async def _call(world: World, caller: Caller, request: Request, party: Party) -> httpx.Response:
    method, url, body = request(world, caller, party)
    content = orjson.dumps(body) if body is not None else None
    headers = caller.auth | (JSON if content is not None else {})
    return await world.roaming.client.request(method, url, content=content, headers=headers)


async def _refused(
    world: World, caller: Caller, request: Request, party: Party, answer: tuple[int, int]
) -> None:
    before = await _snapshot(world.roaming)
    response = await _call(world, caller, request, party)
    envelope_of(response, *answer)
    assert await _snapshot(world.roaming) == before, response.text


async def test_access_matrix(world: World) -> None:
    roaming = world.roaming
    for name, request, right_role, wrong_role, right_answer, hub_answer in INTERFACES:
        right: Caller = getattr(world, right_role)
        other: Caller = getattr(world, f"{right_role}2")
        wrong: Caller = getattr(world, wrong_role)
        writes = name.startswith(("PUT", "PATCH", "POST CDR")) and "preferences" not in name
        ours = roaming.cpo if right_role == "cpo" else roaming.emsp
        try:
            # No token, and a partner whose roles may not call this interface.
            await _refused(world, world.unknown, request, right.party, NO_TOKEN)
            await _refused(world, wrong, request, wrong.party, NOT_YOURS)
            if writes:
                # One of our parties, and the right partner's party written by another partner.
                expected = (200, 2001) if name == "POST CDR" else NOT_YOURS
                await _refused(world, right, request, ours, expected)
                await _refused(world, other, request, right.party, expected)
            if right_answer[1] != 1000:
                await _refused(world, right, request, right.party, right_answer)
                await _refused(world, world.hub, request, world.hub.party, hub_answer)
                continue
            envelope_of(await _call(world, right, request, right.party), *right_answer)
            hub_party = ("DE", unique_party_id()) if writes else world.hub.party
            envelope_of(await _call(world, world.hub, request, hub_party), *hub_answer)
            if writes:
                # Not even a Hub writes under one of our parties, or another partner's.
                expected = (200, 2001) if name == "POST CDR" else NOT_YOURS
                await _refused(world, world.hub, request, ours, expected)
                await _refused(world, world.hub, request, right.party, expected)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error
