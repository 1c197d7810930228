"""Never a 5xx: hypothesis-generated requests against every route of the node's app (the OCPI
server and the backend API, enumerated from the app itself, so a new route is covered without
touching this file), as a registered partner, as the backend (admin token) and unauthenticated.

Every answer must be below 500, never a 307, and in the shape of its side: an OCPI envelope
(transport_and_format.asciidoc "Response format") on OCPI paths, the backend API's ``{"data": …}``
or ``{"error": {"status_code", "message"}}`` (docs/backend-api.md) under ``/api/`` — never a
framework's ``{"detail": …}``.

Bounded and reproducible: a fixed number of examples per route and caller, derandomized (the
same examples on every run), in process (httpx ``ASGITransport``). SQLite; PostgreSQL too with
``OPENROAM_PROPERTIES_POSTGRES=1``. A failure prints the falsifying request.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from starlette.routing import BaseRoute

from openroam._api import api_router, include_api
from openroam._server.app import create_app
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.client import OcpiClient
from openroam.models.v221.types import Role
from tests.api import support as objects
from tests.server.conftest import PLATFORM, PUBLIC_URL
from tests.server.support import (
    CREDENTIALS,
    ENVELOPE_FIELDS,
    FakePartner,
    partner_credentials,
    partner_party,
    token_header,
)
from tests.server.v211 import support as v211

ADMIN_TOKEN = "admin-token-for-properties"
#: Examples per route and caller; ``OPENROAM_PROPERTIES_EXAMPLES`` raises it for a longer hunt
#: (``OPENROAM_PROPERTIES_SEED`` then draws other examples than CI's).
EXAMPLES = int(os.environ.get("OPENROAM_PROPERTIES_EXAMPLES", "6"))
SEED = os.environ.get("OPENROAM_PROPERTIES_SEED")
BACKENDS = (
    ["sqlite", "postgresql"] if os.environ.get("OPENROAM_PROPERTIES_POSTGRES") else ["sqlite"]
)


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    # FastAPI keeps an included router as one entry holding the router's own routes.
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(original.routes, prefix + getattr(context, "prefix", ""))
        else:
            yield prefix, route


def _routes() -> list[tuple[str, str]]:
    """(method, path template) of every route of the app as the runtime builds it, and a path
    that no route serves on each side."""
    app = create_app(None)
    include_api(app, ADMIN_TOKEN, _router())
    found: set[tuple[str, str]] = set()
    for prefix, route in _walk(app.router.routes):
        path = getattr(route, "path", None)
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD" and path is not None:
                found.add((method, prefix + path))
    found |= {("GET", "/ocpi/2.2.1/nowhere"), ("POST", "/nowhere"), ("PATCH", "/api/nowhere")}
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


@functools.cache
def _router() -> APIRouter:
    # Building the backend API's router costs FastAPI a few hundred milliseconds.
    return api_router(ADMIN_TOKEN)


ROUTES = _routes()
#: Paths for probes and monitoring, not partners (docs/operations.md)
OPERATIONS = {"/health", "/ready"}
PARAMETER = re.compile(r"\{(\w+)(:path)?\}")

# Values a partner or a backend might send, good and bad; hypothesis adds its own.
KNOWN_SEGMENTS = [
    "NL", "ORM", "DE", "PRT", "nl", "LOC1", "E1", "1", "S1", "CDR1", "T1", "012345678",
    "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR", "results", "0", "9" * 25, str(2**63),
    "x" * 37, "%00", "a b", "..",
]  # fmt: skip
QUERY_NAMES = [
    "offset", "limit", "after", "date_from", "date_to", "type", "duration", "response_url",
    "subject", "webhook", "side", "partner",
]  # fmt: skip
NASTY_TEXT = [
    "", "-1", "0", str(2**63 - 1), str(2**63), str(2**64), "9" * 5000, "1e400", "NaN", "\x00",
    "a\x00b", "2026-01-01T10:00:00Z", "2026-13-45T99:00:00Z", "RFID", "sent", "pending",
    "https://partner.example.com/result", "é", "\ud7ff",
]  # fmt: skip
NASTY_VALUES: list[Any] = [
    2**63,
    2**64,
    -(2**63) - 1,
    10**40,
    1e308,
    "\x00",
    "a\x00b",
    None,
    [],
    {},
    "x" * 300,
    True,
]


def _templates() -> list[dict[str, Any]]:
    return [
        objects.location(),
        objects.evse(),
        objects.connector(),
        objects.tariff(),
        objects.token(),
        objects.session(),
        objects.cdr(),
        partner_credentials("token-b"),
        {"charging_profile": {"charging_rate_unit": "W"}, "response_url": "https://x.example"},
        {"result": "ACCEPTED"},
        {"partner": "nobody", "location_id": "LOC1", "evse_uid": "E1"},
        # OCPI 2.1.1 shapes, for the /ocpi/2.1.1/ routes (converted at the edge)
        v211.location(),
        v211.evse(),
        v211.connector(),
        v211.tariff(),
        v211.token(),
        v211.session(),
        v211.cdr(),
        {"response_url": "https://x.example", "token": v211.token(), "location_id": "LOC1"},
        {"location_id": "LOC1", "evse_uids": ["E1"], "connector_ids": ["1"]},
    ]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
TEXT = st.one_of(st.sampled_from(NASTY_TEXT), st.integers().map(str), st.text(max_size=30))


ROUTING_HEADERS = [
    "OCPI-to-country-code", "OCPI-to-party-id", "OCPI-from-country-code", "OCPI-from-party-id",
    "X-Request-ID", "X-Correlation-ID", "Content-Length",
]  # fmt: skip
# What a header may carry on the wire (visible Latin-1 and spaces; no control characters).
HEADER_TEXT = st.one_of(
    st.sampled_from(["NL", "ORM", "DE", "PRT", "", "0", "-1", "9" * 30]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
            max_size=40).map(str.strip),
)  # fmt: skip


@st.composite
def segments(draw: st.DrawFn, whole_path: bool) -> str:
    value = draw(st.one_of(st.sampled_from(KNOWN_SEGMENTS), st.text(min_size=1, max_size=40)))
    return quote(value, safe="/" if whole_path else "")


@st.composite
def mutated_template(draw: st.DrawFn) -> bytes:
    document = draw(st.sampled_from(_templates()))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.one_of(st.sampled_from(sorted(document)), st.text(max_size=8)))
        value = draw(st.one_of(st.sampled_from(NASTY_VALUES), JSON_VALUES))
        document = document | {key: value}
    return json.dumps(document).encode()


BODIES = st.one_of(
    mutated_template(),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of one node's app as the runtime builds it (the OCPI server and the backend
    API), shared by the module's tests: a node per test would cost more than its examples."""
    partner = FakePartner()

    def api_factory(token: str, encode_token: bool) -> PartnerApi:
        return OcpiClient(token, encode_token=encode_token, transport=partner.transport, timeout=5)

    node = Node.build(PLATFORM, database, api_factory)
    app = create_app(node)
    include_api(app, ADMIN_TOKEN, _router())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


_partner_token: dict[str, str] = {}


async def _partner_headers(client: httpx.AsyncClient, node: Node) -> dict[str, str]:
    """The Authorization of a registered partner: registered again when an example
    unregistered it (DELETE credentials) or changed its token (PUT credentials)."""
    token = _partner_token.get("token")
    if token is not None:
        headers = token_header(token)
        if (await client.get(CREDENTIALS, headers=headers)).status_code == 200:
            return headers
    # A Hub: the one partner role every interface is open to (docs/security.md "Roles per
    # interface"), so the examples reach each route's own handling, not only the role check.
    hub = Grant(Role.HUB, *partner_party())
    token_a = await node.credentials.invite(f"partner-{uuid.uuid4().hex}", grants=[hub])
    credentials = partner_credentials(f"token-b-{uuid.uuid4().hex}")
    credentials["roles"][0]["role"] = Role.HUB.value
    response = await client.post(CREDENTIALS, json=credentials, headers=token_header(token_a))
    assert response.json()["status_code"] == 1000, response.text
    token_c: str = response.json()["data"]["token"]
    _partner_token["token"] = token_c
    return token_header(token_c)


async def _headers(client: httpx.AsyncClient, caller: str) -> dict[str, str]:
    if caller == "partner":
        node: Node = client.app.state.node  # type: ignore[attr-defined]
        return await _partner_headers(client, node)
    if caller == "backend":
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return {}


def _check(response: httpx.Response, method: str) -> None:
    where = f"{method} {response.request.url} → {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, where
    assert response.status_code != 307, where
    if response.headers["content-type"].startswith("text/plain"):
        # /metrics: Prometheus' text format (docs/operations.md), the only answer not in JSON.
        assert response.request.url.path.rstrip("/") == "/metrics", where
        assert response.text.startswith("# HELP "), where
        return
    body = response.json()
    assert isinstance(body, dict), where
    assert "detail" not in body, where
    # The path as sent decides the side ("/api/x/../.." is "/api", an OCPI path).
    if response.request.url.path.startswith("/api/"):
        if response.status_code >= 400:
            assert set(body) == {"error"}, where
            assert set(body["error"]) == {"status_code", "message"}, where
        else:
            assert "data" in body or "openapi" in body, where
    elif response.request.url.path.rstrip("/") in OPERATIONS and response.status_code < 400:
        # Not OCPI: a probe's plain JSON (docs/operations.md).
        assert isinstance(body["status"], str), where
    else:
        assert set(body) <= ENVELOPE_FIELDS, where
        assert {"status_code", "timestamp"} <= set(body), where


@pytest.mark.parametrize("migrated_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("caller", ["partner", "backend", "anonymous"])
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@seed(int(SEED or 0))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: a failure is reported with the request that found it, in bounded time
    # (shrinking repeats requests against the app hundreds of times).
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data())
async def test_every_route_answers_in_its_shape_and_never_5xx(
    shared: httpx.AsyncClient,
    method: str,
    path: str,
    caller: str,
    data: st.DataObject,
) -> None:
    url = PARAMETER.sub(
        lambda found: data.draw(segments(whole_path=found.group(2) is not None)), path
    )
    query = data.draw(
        st.dictionaries(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), TEXT, max_size=4)
    )
    content = data.draw(BODIES) if method in {"POST", "PUT", "PATCH"} else None
    extra = data.draw(st.dictionaries(st.sampled_from(ROUTING_HEADERS), HEADER_TEXT, max_size=3))
    if "Content-Length" in extra and content is None:
        content = b""
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    headers |= await _headers(shared, caller)
    # As bytes: httpx encodes str headers as ASCII, but the wire carries Latin-1.
    headers |= {name: value.encode("latin-1") for name, value in extra.items()}
    response = await shared.request(method, url, params=query, content=content, headers=headers)
    _check(response, method)
