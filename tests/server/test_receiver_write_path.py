"""PUT and PATCH on a Receiver interface are answered ahead of FastAPI's request stack
(_server/app.py ``OcpiApp``, _server/v221/roaming.py ``ReceiverWrite``): they must behave as every
other OCPI answer does — the same path with a trailing slash, request ids echoed, an unexpected
failure answered 3000 with the request id and logged, OCPI errors with the routing headers once
the caller is known, the other methods 405 with ``Allow`` (RFC 9110 §15.5.6) — and be taken
ahead of FastAPI for exactly the requests their routes match. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from starlette.routing import Match, Route

from openroam._server.app import create_app
from openroam._server.v221 import roaming as routes
from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.server.roaming_support import (
    SQLITE_ONLY,
    Roaming,
    location,
    open_roaming,
    receiver_url,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of

T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def _url(roaming: Roaming, *ids: str) -> str:
    return receiver_url("locations", roaming.partner_cpo, *ids)


async def test_a_trailing_slash_is_the_same_write(roaming: Roaming) -> None:
    """One slash is taken ahead of FastAPI, two reach the route (the middleware strips both):
    the same answers and the same object stored."""
    for ids, slash in ((("TS1",), "/"), (("TS2",), "//")):
        url = _url(roaming, *ids)
        created = await roaming.put(url + slash, location(roaming.partner_cpo, ids[0]))
        envelope_of(created, 201, 1000)
        assert created.headers["ocpi-to-party-id"] == roaming.partner_cpo[1]
        assert created.headers["ocpi-from-party-id"] == roaming.emsp[1]
        patched = await roaming.patch(url + slash, {"name": "Renamed", "last_updated": T2})
        envelope_of(patched, 200, 1000)
        stored = envelope_of(await roaming.get(url), 200, 1000)["data"]
        assert stored["name"] == "Renamed"
        assert stored["last_updated"] == T2


async def test_request_ids_are_echoed(roaming: Roaming) -> None:
    ids = {"X-Request-ID": "req-w1", "X-Correlation-ID": "corr-w1"}
    body = location(roaming.partner_cpo, "RID")
    response = await roaming.put(_url(roaming, "RID"), body, auth=roaming.auth | ids)
    envelope_of(response, 201, 1000)
    assert response.headers["x-request-id"] == "req-w1"
    assert response.headers["x-correlation-id"] == "corr-w1"


async def test_ocpi_errors_carry_the_routing_headers_once_the_caller_is_known(
    roaming: Roaming,
) -> None:
    """2001 for a too long id, a body that is not JSON (HTTP 400) or an id that is not the
    URL's, each with the routing headers; 401 without a valid token, with its challenge; 404
    for a partner whose roles may not call the interface."""
    too_long = await roaming.put(_url(roaming, "X" * 37), location(roaming.partner_cpo, "X"))
    envelope_of(too_long, 200, 2001)
    not_json = await roaming.client.put(
        _url(roaming, "NJ"), content=b"{", headers=roaming.auth | {"Content-Type": "text/plain"}
    )
    envelope_of(not_json, 400, 2001)
    other_id = await roaming.put(_url(roaming, "ID1"), location(roaming.partner_cpo, "ID2"))
    envelope_of(other_id, 200, 2001)
    for response in (too_long, not_json, other_id):
        assert response.headers["ocpi-to-party-id"] == roaming.partner_cpo[1]
    unknown = await roaming.put(
        _url(roaming, "U1"),
        location(roaming.partner_cpo, "U1"),
        auth={"Authorization": "Token bm8tc3VjaC10b2tlbg=="},
    )
    envelope_of(unknown, 401, 2000)
    assert unknown.headers["www-authenticate"] == "Token"
    emsp_party = ("NL", unique_party_id())
    _, emsp_auth = await roaming.register([(Role.EMSP, emsp_party)])
    refused = await roaming.put(
        receiver_url("locations", emsp_party, "E1"), location(emsp_party, "E1"), auth=emsp_auth
    )
    envelope_of(refused, 404, 2000)
    assert refused.headers["ocpi-to-party-id"] == emsp_party[1]


async def test_an_older_update_is_ignored(roaming: Roaming) -> None:
    url = _url(roaming, "OLD")
    first = location(roaming.partner_cpo, "OLD", last_updated=T2)
    envelope_of(await roaming.put(url, first), 201, 1000)
    older = {"name": "Older", "last_updated": T1}
    envelope_of(await roaming.patch(url, older), 200, 1000)
    stored = envelope_of(await roaming.get(url), 200, 1000)["data"]
    assert stored["last_updated"] == T2
    assert "name" not in stored or stored["name"] != "Older"


@SQLITE_ONLY
async def test_an_unexpected_failure_is_500_3000_with_the_request_id(
    roaming: Roaming, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(roaming.node.roaming, "receive_patch", failing)
    with caplog.at_level(logging.ERROR, logger="openroam.ocpi"):
        response = await roaming.patch(
            _url(roaming, "BOOM"),
            {"name": "x", "last_updated": T1},
            auth=roaming.auth | {"X-Request-ID": "boom-w1"},
        )
    body = envelope_of(response, 500, 3000)
    assert "boom-w1" in body["status_message"]
    assert "secret internals" not in response.text
    assert [r for r in caplog.records if getattr(r, "request_id", None) == "boom-w1"]


@SQLITE_ONLY
async def test_methods_a_path_does_not_serve_are_405_with_allow(roaming: Roaming) -> None:
    """PATCH where the module has none (Tariffs), POST anywhere: 405, every method in Allow."""
    tariff_url = receiver_url("tariffs", roaming.partner_cpo, "T1")
    for method, url, allowed in (
        ("PATCH", tariff_url, "GET, PUT, DELETE"),
        ("POST", _url(roaming, "L1"), "GET, PUT, PATCH"),
        ("DELETE", _url(roaming, "L1", "E1"), "GET, PUT, PATCH"),
    ):
        response = await roaming.client.request(method, url, headers=roaming.auth, content=b"{}")
        envelope_of(response, 405, 2000)
        assert response.headers["allow"] == allowed, (method, url)


_PATHS = [
    "/ocpi/2.2.1/receiver/locations/NL/CPO/L1",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/L1/E1",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/L1/E1/C1",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/L1/E1/C1/X",
    "/ocpi/2.2.1/receiver/locations/NL/CPO",
    "/ocpi/2.2.1/receiver/locations/NL//L1",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/L1/",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/ /E 1",
    "/ocpi/2.2.1/receiver/locations/NL/CPO/%2F",
    "/ocpi/2.2.1/receiver/tariffs/NL/CPO/T1",
    "/ocpi/2.2.1/receiver/tariffs/NL/CPO/T1/X",
    "/ocpi/2.2.1/receiver/tokens/NL/CPO/012345678",
    "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1",
    "/ocpi/2.2.1/receiver/cdrs/NL/CPO/CDR1",
    "/ocpi/2.2.1/receiver/unknown/NL/CPO/X",
    "/ocpi/2.2.1/receiver/",
    "/ocpi/2.2.1/receiver",
    "/ocpi/2.2.1/sender/locations/L1",
    "/ocpi/2.2.1/receiver/locationsX/NL/CPO/L1",
]


@pytest.mark.parametrize("path", _PATHS)
def test_the_requests_taken_ahead_are_those_the_routes_match(path: str) -> None:
    """``receiver_write_of`` takes a request ahead of FastAPI exactly when the app's router
    would give it to a ReceiverWrite route, with the same path parameters (the plain routes
    come first in the app, so the first of them to match is the router's choice)."""
    first: list[Route] = []
    for route in create_app(None).router.routes:
        if not isinstance(route, Route) or not isinstance(
            route.app, routes.ReceiverWrite | routes.SenderList
        ):
            break
        first.append(route)
    assert any(isinstance(route.app, routes.ReceiverWrite) for route in first)
    for method in ("GET", "PUT", "PATCH", "POST", "DELETE"):
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        routed = None
        for route in first:
            match, child = route.matches(scope)
            if match == Match.FULL:
                routed = route.app, child["path_params"]
                break
        taken = routes.receiver_write_of(method, path)
        if taken is None:
            assert routed is None or not isinstance(routed[0], routes.ReceiverWrite), (method, path)
        else:
            assert routed == taken, (method, path)
