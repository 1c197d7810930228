"""Concurrent writes of one object through the backend API never fail: a DELETE racing PUTs
and other DELETEs of the same Tariff gets 200/404, never a 5xx (docs/architecture.md
"Delivery")."""

from __future__ import annotations

import asyncio

import httpx

from openroam._services.node import Node
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import tariff


async def test_concurrent_delete_and_put_of_one_tariff_never_fail(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await register_partner(
        "receiver", roles=((Role.EMSP, "DE", "MSP"),), endpoints=(("tariffs", "RECEIVER"),)
    )
    statuses: list[int] = []
    for round_ in range(15):
        stamp = f"2026-05-01T00:{round_:02d}:00Z"
        put = await client.put("/api/tariffs/NL/ORM/T1", json=tariff(last_updated=stamp))
        assert put.status_code in (200, 201)
        answers = await asyncio.gather(
            client.delete("/api/tariffs/NL/ORM/T1"),
            client.delete("/api/tariffs/NL/ORM/T1"),
            client.put("/api/tariffs/NL/ORM/T1", json=tariff(last_updated=stamp)),
            client.delete("/api/tariffs/NL/ORM/T1"),
        )
        statuses += [answer.status_code for answer in answers]
    assert not [status for status in statuses if status >= 500], statuses
