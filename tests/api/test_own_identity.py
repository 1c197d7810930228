"""Our own objects keep their identity through the backend API (REST and Python), as on the
Receiver interface: a PUT or PATCH whose body names another country_code, party_id, id, uid or
Token type than the URL is refused (2001, HTTP 400 in this API) and nothing is stored or queued
for partners (transport_and_format "Errors"; docs/spec-decisions.md "Ids in a PATCH body").
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from openroam._api import Backend
from openroam._services.node import Node
from openroam._store import outbox
from openroam._store.outbox import DeliveryRecord
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.locations import Location
from openroam.models.v221.tokens import Token
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import data_of, error_of, evse, location, session, tariff, token

LOC = "/api/locations/NL/ORM/LOC1"
TOKEN = "/api/tokens/NL/ORM/UID1"
SESSION = "/api/sessions/NL/ORM/S1"
TARIFF = "/api/tariffs/NL/ORM/T1"
T1 = "2026-01-01T11:00:00Z"
#: Owner fields of another party: the probe's DE/EMS, and each field alone.
ELSEWHERE: list[dict[str, Any]] = [
    {"country_code": "DE", "party_id": "EMS"},
    {"country_code": "DE"},
    {"party_id": "EMS"},
]
RECEIVES_ALL = (
    ("credentials", "SENDER"),
    ("locations", "RECEIVER"),
    ("tariffs", "RECEIVER"),
    ("tokens", "RECEIVER"),
    ("sessions", "RECEIVER"),
)


async def _queued(node: Node) -> list[DeliveryRecord]:
    async with node.db.session() as session_, session_.begin():
        later = datetime.now(UTC) + timedelta(days=1)
        return await outbox.claim_deliveries(session_, now=later, limit=100, lease_seconds=3600)


async def refused(response: httpx.Response) -> None:
    assert "in the body differs from the URL" in error_of(response, 400, 2001)


async def test_patch_changing_owner_or_ids_of_own_objects_is_refused(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    """The probe: PATCH /api/locations/NL/ORM/LOC1 with country_code DE, party_id EMS moved our
    Location, which was then served and pushed as DE/EMS. Now 2001 at every module and depth,
    nothing changed and nothing queued."""
    originals = {
        LOC: location(),
        TOKEN: token("UID1"),
        SESSION: session("S1", emsp=("DE", "MSP")),
    }
    for url, body in originals.items():
        data_of(await client.put(url, json=body), 201)
    await register_partner(
        "receiver",
        roles=((Role.EMSP, "DE", "MSP"), (Role.CPO, "DE", "MSP")),
        endpoints=RECEIVES_ALL,
    )
    for url, id_field in ((LOC, "id"), (TOKEN, "uid"), (SESSION, "id")):
        for fields in [*ELSEWHERE, {id_field: "OTHER"}]:
            await refused(await client.patch(url, json={**fields, "last_updated": T1}))
    await refused(await client.patch(TOKEN, json={"type": "APP_USER", "last_updated": T1}))
    await refused(await client.patch(f"{LOC}/E1", json={"uid": "E2", "last_updated": T1}))
    await refused(await client.patch(f"{LOC}/E1/1", json={"id": "2", "last_updated": T1}))
    for url, body in originals.items():
        assert data_of(await client.get(url)) == body, url
    error_of(await client.get("/api/locations/DE/EMS/LOC1"), 404, 2000)
    assert [item["id"] for item in data_of(await client.get("/api/locations"))] == ["LOC1"]
    assert await _queued(node) == []


async def test_put_with_body_ids_other_than_the_url_is_refused(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await register_partner(
        "receiver",
        roles=((Role.EMSP, "DE", "MSP"), (Role.CPO, "DE", "MSP")),
        endpoints=RECEIVES_ALL,
    )
    bodies = {
        LOC: location(),
        TARIFF: tariff("T1"),
        TOKEN: token("UID1"),
        SESSION: session("S1", emsp=("DE", "MSP")),
    }
    for url, body in bodies.items():
        id_field = "uid" if url == TOKEN else "id"
        for fields in [*ELSEWHERE, {id_field: "OTHER"}]:
            await refused(await client.put(url, json={**body, **fields}))
        error_of(await client.get(url), 404, 2000)
    await refused(await client.put(TOKEN, json=token("UID1", type="APP_USER")))
    data_of(await client.put(LOC, json=location()), 201)
    await refused(await client.put(f"{LOC}/E1", json=evse("E2")))
    assert [(d.method, d.path) for d in await _queued(node)] == [("PUT", "NL/ORM/LOC1")]


async def test_python_backend_patch_cannot_change_identity(node: Node) -> None:
    backend = Backend(node)
    await backend.put_location(Location.model_validate_json(orjson.dumps(location())))
    for fields in ELSEWHERE:
        with pytest.raises(InvalidOrMissingParameters, match="differs from the URL"):
            await backend.patch_location("NL", "ORM", "LOC1", fields)
    await backend.put_token(Token.model_validate_json(orjson.dumps(token("UID1"))))
    with pytest.raises(InvalidOrMissingParameters, match="differs from the URL"):
        await backend.patch_token("NL", "ORM", "UID1", {"type": "APP_USER"})
    assert (await backend.get_location("NL", "ORM", "LOC1")).to_dict() == location()
    assert (await backend.get_token("NL", "ORM", "UID1")).to_dict() == token("UID1")
