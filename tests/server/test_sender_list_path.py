"""The GET list of a Sender interface is answered ahead of FastAPI's request stack
(_server/app.py ``OcpiApp``): it must behave as every other OCPI answer does — the same path with a
trailing slash, request ids echoed, an unexpected failure answered 3000 with the request id and
logged (docs/architecture.md "What the code has settled": the one ASGI middleware), OCPI errors
with the routing headers, and the other
methods 405 with ``Allow`` (RFC 9110 §15.5.6). SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from openroam._store.db import Database
from tests.server.roaming_support import Roaming, location, open_roaming, sender_url
from tests.server.support import FakePartner, envelope_of

LOCATIONS = sender_url("locations")


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        await setup.own_put("locations", location(setup.cpo, "L1"), location(setup.cpo, "L2"))
        yield setup


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["data"]]


async def test_a_trailing_slash_gets_the_same_page_and_headers(roaming: Roaming) -> None:
    plain = await roaming.get(LOCATIONS)
    assert _ids(envelope_of(plain, 200, 1000)) == ["L1", "L2"]
    # Two slashes are not matched ahead of FastAPI: the path's route answers them alike.
    for slashed in (await roaming.get(LOCATIONS + "/"), await roaming.get(LOCATIONS + "//")):
        assert _ids(envelope_of(slashed, 200, 1000)) == ["L1", "L2"]
        for name in ("x-total-count", "x-limit", "ocpi-from-party-id", "ocpi-to-party-id"):
            assert slashed.headers[name] == plain.headers[name], name


async def test_request_ids_are_echoed_or_generated(roaming: Roaming) -> None:
    ids = {"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    echoed = await roaming.get(LOCATIONS, auth=roaming.auth | ids)
    assert echoed.headers["x-request-id"] == "req-1"
    assert echoed.headers["x-correlation-id"] == "corr-1"
    generated = await roaming.get(LOCATIONS)
    # Generated: UUIDs (a malformed one would raise).
    uuid.UUID(generated.headers["x-request-id"])
    uuid.UUID(generated.headers["x-correlation-id"])


async def test_ocpi_errors_carry_the_routing_headers_once_the_caller_is_known(
    roaming: Roaming,
) -> None:
    """2001 for a bad parameter, with the routing headers (T&F "Message Routing": on every
    response of a Functional module); 401 without a valid token, with its challenge."""
    bad = await roaming.get(LOCATIONS, params={"offset": "-1"})
    envelope_of(bad, 200, 2001)
    assert bad.headers["ocpi-to-party-id"] == roaming.partner_cpo[1]
    unknown = await roaming.get(LOCATIONS, auth={"Authorization": "Token bm8tc3VjaC10b2tlbg=="})
    envelope_of(unknown, 401, 2000)
    assert unknown.headers["www-authenticate"] == "Token"


async def test_an_unexpected_failure_is_500_3000_with_the_request_id(
    roaming: Roaming, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(roaming.node.roaming, "sender_page", failing)
    with caplog.at_level(logging.ERROR, logger="openroam.ocpi"):
        response = await roaming.get(LOCATIONS, auth=roaming.auth | {"X-Request-ID": "boom-1"})
    body = envelope_of(response, 500, 3000)
    assert "boom-1" in body["status_message"]
    assert "secret internals" not in response.text
    assert [r for r in caplog.records if getattr(r, "request_id", None) == "boom-1"]


async def test_other_methods_are_405_with_allow(roaming: Roaming) -> None:
    for method in ("HEAD", "POST", "PUT", "DELETE"):
        response = await roaming.client.request(method, LOCATIONS, headers=roaming.auth)
        assert response.status_code == 405, method
        assert response.headers["allow"] == "GET", method
        if method != "HEAD":
            envelope_of(response, 405, 2000)
