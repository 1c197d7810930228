"""Writes through the backend API reach partners: each is queued, in the same transaction, for
every registered partner with a Receiver endpoint for the module (docs/architecture.md
"Roaming objects (Locations, Tariffs, Tokens, Sessions)", Delivery); the worker sends it from
there."""

from __future__ import annotations

import httpx

from openroam._services.node import Node
from openroam._store import outbox_admin
from openroam._store.outbox_admin import DeliveryRow
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import location, tariff


async def _queued(node: Node) -> list[DeliveryRow]:
    # Listed, not claimed: a claim takes one row per object (docs/architecture.md, Delivery).
    async with node.db.session() as session:
        return await outbox_admin.list_deliveries(session, states=["pending"])


async def test_api_writes_are_queued_for_receivers_only(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    receiver = await register_partner(
        "emsp-receiver",
        roles=((Role.EMSP, "DE", "MSP"),),
        endpoints=(("credentials", "SENDER"), ("locations", "RECEIVER"), ("tariffs", "RECEIVER")),
    )
    await register_partner(
        "emsp-sender-only",
        roles=((Role.EMSP, "BE", "MSP"),),
        endpoints=(("credentials", "SENDER"), ("locations", "SENDER")),
    )
    assert (await client.put("/api/locations/NL/ORM/LOC1", json=location())).status_code == 201
    status = await client.put("/api/locations/NL/ORM/LOC1/E1/status", json={"status": "CHARGING"})
    assert status.status_code == 200
    await client.put("/api/tariffs/NL/ORM/T1", json=tariff())
    await client.delete("/api/tariffs/NL/ORM/T1")

    queued = {(d.partner_id, d.module, d.method, d.path, d.fields) for d in await _queued(node)}
    assert queued == {
        (receiver.partner_id, "locations", "PUT", "NL/ORM/LOC1", None),
        # mod_locations "PATCH": an EVSE status change goes out as a PATCH of that EVSE.
        (receiver.partner_id, "locations", "PATCH", "NL/ORM/LOC1/E1", ("last_updated", "status")),
        (receiver.partner_id, "tariffs", "PUT", "NL/ORM/T1", None),
        (receiver.partner_id, "tariffs", "DELETE", "NL/ORM/T1", None),
    }


async def test_an_ignored_older_write_is_not_queued(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    newer = location(last_updated="2026-05-01T00:00:00Z")
    assert (await client.put("/api/locations/NL/ORM/LOC1", json=newer)).status_code == 201
    # Registered after the first write: whatever is queued for it came from the second one.
    await register_partner(
        "receiver", roles=((Role.EMSP, "DE", "MSP"),), endpoints=(("locations", "RECEIVER"),)
    )
    stale = await client.put("/api/locations/NL/ORM/LOC1", json=location())
    assert stale.json()["data"]["applied"] is False
    assert await _queued(node) == []
