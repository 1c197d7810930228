"""The ``Authorization`` header (transport_and_format.asciidoc "Authorization header"), on
SQLite and PostgreSQL: who may call which route, and how the token is encoded."""

from __future__ import annotations

import asyncio
import base64
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from starlette.responses import JSONResponse

from openroam._server.auth import AnyCaller, RegisteredCaller
from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.tables import Partner
from tests.server.conftest import Registration
from tests.server.support import CREDENTIALS, envelope_of, partner_credentials, token_header

# Every route that needs a credentials token, with a body where the method takes one.
AUTHENTICATED_ROUTES = [
    ("GET", "/ocpi/versions"),
    ("GET", "/ocpi/2.2.1"),
    ("GET", CREDENTIALS),
    ("POST", CREDENTIALS),
    ("PUT", CREDENTIALS),
    ("DELETE", CREDENTIALS),
]


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    body = partner_credentials("token-b") if method in {"POST", "PUT"} else None
    return await client.request(method, path, json=body, headers=headers)


async def test_missing_authorization_header_is_401(client: httpx.AsyncClient) -> None:
    """T&F "Authorization header": a request without the header → HTTP 401, on every route,
    with the ``Token`` challenge a 401 MUST carry (RFC 9110 §15.5.2)."""
    for method, path in AUTHENTICATED_ROUTES:
        response = await _call(client, method, path, {})
        body = envelope_of(response, 401, 2000)
        assert "Authorization" in body["status_message"], (method, path)
        assert response.headers["www-authenticate"] == "Token", (method, path)


async def test_malformed_authorization_header_is_401(client: httpx.AsyncClient) -> None:
    """T&F "Authorization header": the value is ``Token <token>``; anything else → HTTP 401."""
    for value in ("Bearer abc", "Token", "Token ", "Basic dXNlcjpwYXNz", "tokenabc", ""):
        response = await client.get(CREDENTIALS, headers={"Authorization": value})
        body = envelope_of(response, 401, 2000)
        assert "Authorization" in body["status_message"], value


async def test_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    """T&F "Authorization header": a token that matches no party → HTTP 401, on every route,
    Base64-encoded or raw."""
    unknown = f"unknown-{uuid.uuid4().hex}"
    for encode in (True, False):
        for method, path in AUTHENTICATED_ROUTES:
            headers = token_header(unknown, encode=encode)
            body = envelope_of(await _call(client, method, path, headers), 401, 2000)
            assert body["status_message"] == "Unknown credentials token", (method, path)


async def test_base64_token_is_accepted(client: httpx.AsyncClient, token_a: str) -> None:
    """T&F "Authorization header" (2.2.1): ``Token <Base64(UTF-8 token)>``."""
    body = envelope_of(await client.get(CREDENTIALS, headers=token_header(token_a)), 200, 1000)
    assert body["data"]["token"] == token_a


async def test_raw_legacy_token_is_accepted(client: httpx.AsyncClient, token_a: str) -> None:
    """T&F "Authorization header" compatibility note: 2.1.1/2.2 peers send the token raw."""
    headers = token_header(token_a, encode=False)
    body = envelope_of(await client.get(CREDENTIALS, headers=headers), 200, 1000)
    assert body["data"]["token"] == token_a


async def test_raw_legacy_token_that_looks_like_base64_is_accepted(
    client: httpx.AsyncClient, node: Node
) -> None:
    """T&F "Authorization header" compatibility note: a raw token that is itself valid Base64 of
    printable text decodes to an unknown token first; the raw value must still be tried."""
    raw = base64.b64encode(f"legacy-{uuid.uuid4().hex}".encode()).decode()
    async with node.db.session() as session, session.begin():
        await repo.create_invitation(session, f"legacy-{uuid.uuid4().hex}", raw)
    headers = token_header(raw, encode=False)
    body = envelope_of(await client.get(CREDENTIALS, headers=headers), 200, 1000)
    assert body["data"]["token"] == raw


async def test_base64_with_trailing_newline_is_not_the_same_token(
    client: httpx.AsyncClient, node: Node
) -> None:
    """docs/spec-decisions.md "Authorization header example encodes a newline" (T&F
    "Authorization header" example erratum): ``ZXhhbXBsZS10b2tlbgo=`` encodes
    ``example-token\\n``, not ``example-token``; it must not be accepted as ``example-token``."""
    async with node.db.session() as session, session.begin():
        await repo.create_invitation(session, f"legacy-{uuid.uuid4().hex}", "example-token")
    assert base64.b64decode("ZXhhbXBsZS10b2tlbgo=") == b"example-token\n"
    spec_example = {"Authorization": "Token ZXhhbXBsZS10b2tlbgo="}
    envelope_of(await client.get(CREDENTIALS, headers=spec_example), 401, 2000)
    correct = {"Authorization": "Token ZXhhbXBsZS10b2tlbg=="}
    envelope_of(await client.get(CREDENTIALS, headers=correct), 200, 1000)
    raw = {"Authorization": "Token example-token"}
    envelope_of(await client.get(CREDENTIALS, headers=raw), 200, 1000)


async def test_token_a_is_accepted_on_versions_and_credentials(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """T&F "Authorization header": token A is valid on the versions and credentials modules."""
    headers = token_header(token_a)
    for path in ("/ocpi/versions", "/ocpi/2.2.1", CREDENTIALS):
        envelope_of(await client.get(path, headers=headers), 200, 1000)


def _add_probe_routes(app: FastAPI) -> None:
    # Stand-ins for a functional module (none exists yet): one route behind RegisteredCaller,
    # one behind AnyCaller that shows what the server knows about the caller.
    @app.get("/ocpi/2.2.1/probe")
    async def functional(caller: RegisteredCaller) -> JSONResponse:
        return JSONResponse({"registered": caller.registered})

    @app.get("/ocpi/2.2.1/whoami")
    async def whoami(caller: AnyCaller) -> JSONResponse:
        return JSONResponse({"registered": caller.registered, "kind": caller.token_kind})


async def test_token_a_on_a_functional_module_is_401(
    app: FastAPI, client: httpx.AsyncClient, token_a: str
) -> None:
    """T&F "Authorization header": token A on any module other than credentials and versions
    → HTTP 401."""
    _add_probe_routes(app)
    whoami = await client.get("/ocpi/2.2.1/whoami", headers=token_header(token_a))
    assert whoami.json() == {"registered": False, "kind": "A"}
    response = await client.get("/ocpi/2.2.1/probe", headers=token_header(token_a))
    body = envelope_of(response, 401, 2000)
    assert "versions and credentials" in body["status_message"]


async def test_token_c_is_accepted_on_a_functional_module(
    app: FastAPI, client: httpx.AsyncClient, registered: Registration
) -> None:
    """CRED "Registration" step 8: after registration the partner calls us with token C."""
    _add_probe_routes(app)
    headers = token_header(registered.token_c)
    whoami = await client.get("/ocpi/2.2.1/whoami", headers=headers)
    assert whoami.json() == {"registered": True, "kind": "C"}
    response = await client.get("/ocpi/2.2.1/probe", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"registered": True}


async def test_token_of_a_suspended_partner_is_401_on_a_functional_module(
    app: FastAPI, client: httpx.AsyncClient, node: Node, registered: Registration
) -> None:
    """A registered partner that is no longer REGISTERED (suspended) may not use functional
    modules: ``Caller.registered`` requires both token C and the REGISTERED state."""
    _add_probe_routes(app)
    headers = token_header(registered.token_c)
    async with node.db.session() as session, session.begin():
        found = await repo.find_partner_by_token(session, registered.token_c)
        assert found is not None
        await repo.set_status(session, found[0].id, repo.PartnerStatus.SUSPENDED)
    envelope_of(await client.get("/ocpi/2.2.1/probe", headers=headers), 401, 2000)


async def test_a_registration_completed_by_another_process_takes_effect_at_once(
    node: Node,
) -> None:
    """The cache of known tokens (1 s) holds registered partners only: when ``openroam register``
    (another process) completes a registration, the partner's next call with its token must be
    accepted at once, not refused as "registration only" until the cache expires."""
    name, token = f"other-process-{uuid.uuid4().hex}", uuid.uuid4().hex
    async with node.db.session() as session, session.begin():
        await repo.create_invitation(session, name, token)
    pending = await node.credentials.authenticate([token])
    assert pending is not None
    assert pending.status == repo.PartnerStatus.PENDING
    async with node.db.session() as session, session.begin():
        # What the other process's registration does to the row; this process is not told.
        await session.execute(
            update(Partner).where(Partner.name == name).values(status=repo.PartnerStatus.REGISTERED)
        )
    registered = await node.credentials.authenticate([token])
    assert registered is not None
    assert registered.status == repo.PartnerStatus.REGISTERED


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
async def test_a_known_token_is_not_looked_up_again_while_nothing_changed(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a token lookup stays exact until any process commits: when the 1 s cache
    expires under load, requests do not queue for the database (they did: p99 ~100 ms)."""
    name, token = f"exact-{uuid.uuid4().hex}", uuid.uuid4().hex
    async with node.db.session() as session, session.begin():
        await repo.create_invitation(session, name, token)
        await session.execute(
            update(Partner).where(Partner.name == name).values(status=repo.PartnerStatus.REGISTERED)
        )
    lookups = 0
    find = node.credentials._find_caller

    async def counting(candidates: list[str]) -> object:
        nonlocal lookups
        lookups += 1
        return await find(candidates)

    monkeypatch.setattr(node.credentials, "_find_caller", counting)
    assert await node.credentials.authenticate([token]) is not None
    node.credentials._callers.clear()  # as if its second had passed
    assert await node.credentials.authenticate([token]) is not None
    assert lookups == 1

    async with node.db.session() as session, session.begin():
        # Another process suspends the partner: the next request sees it.
        await session.execute(
            update(Partner).where(Partner.name == name).values(status=repo.PartnerStatus.SUSPENDED)
        )
    node.credentials._callers.clear()
    caller = await node.credentials.authenticate([token])
    assert caller is not None
    assert caller.status == repo.PartnerStatus.SUSPENDED
    assert lookups == 2


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
async def test_a_token_confirmed_by_the_marker_is_trusted_for_another_second(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the 1 s cache expired and the change marker confirmed the token, the token is cached
    for another second, as after a lookup: not every later request reads the marker again."""
    name, token = f"rearmed-{uuid.uuid4().hex}", uuid.uuid4().hex
    async with node.db.session() as session, session.begin():
        await repo.create_invitation(session, name, token)
        await session.execute(
            update(Partner).where(Partner.name == name).values(status=repo.PartnerStatus.REGISTERED)
        )
    assert await node.credentials.authenticate([token]) is not None
    node.credentials._callers.clear()  # as if its second had passed
    reads = 0
    read_marker = node.db.change_marker

    def counting() -> int | None:
        nonlocal reads
        reads += 1
        return read_marker()

    monkeypatch.setattr(node.db, "change_marker", counting)
    for _ in range(3):
        assert await node.credentials.authenticate([token]) is not None
    assert reads == 1


async def test_concurrent_requests_with_one_token_share_one_lookup(
    app: FastAPI,
    client: httpx.AsyncClient,
    node: Node,
    registered: Registration,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the token cache has expired, the requests in flight with that token wait for one
    lookup instead of each querying the database."""
    _add_probe_routes(app)
    lookups = 0
    find = node.credentials._find_caller
    release = asyncio.Event()

    async def counting(candidates: list[str]) -> object:
        nonlocal lookups
        lookups += 1
        await release.wait()
        return await find(candidates)

    monkeypatch.setattr(node.credentials, "_find_caller", counting)
    node.credentials.forget_callers()  # as if its second had passed, and the store changed
    headers = token_header(registered.token_c)
    calls = [
        asyncio.create_task(client.get("/ocpi/2.2.1/probe", headers=headers)) for _ in range(8)
    ]
    for _ in range(100):  # until all eight wait for the lookup
        await asyncio.sleep(0)
    release.set()
    for response in await asyncio.gather(*calls):
        assert response.status_code == 200
        assert response.json() == {"registered": True}
    assert lookups == 1


async def test_a_token_removed_during_a_shared_lookup_is_looked_up_again(
    client: httpx.AsyncClient,
    node: Node,
    registered: Registration,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request after this process changed the partners does not join a lookup that started
    before the change: a token removed by the partner's credentials DELETE stops working at
    once, as without the sharing."""
    started = asyncio.Event()
    release = asyncio.Event()
    find = node.credentials._find_caller

    async def held(candidates: list[str]) -> object:
        started.set()
        await release.wait()
        return await find(candidates)

    headers = token_header(registered.token_c)
    caller = await node.credentials.authenticate([registered.token_c])
    assert caller is not None
    monkeypatch.setattr(node.credentials, "_find_caller", held)
    node.credentials.forget_callers()
    before = asyncio.create_task(node.credentials.authenticate([registered.token_c]))
    await asyncio.wait_for(started.wait(), 10)
    monkeypatch.setattr(node.credentials, "_find_caller", find)
    envelope_of(await client.delete(CREDENTIALS, headers=headers), 200, 1000)
    # (bounded: joining the held lookup would wait for it)
    assert await asyncio.wait_for(node.credentials.authenticate([registered.token_c]), 10) is None
    release.set()
    await before  # what it read before the DELETE is not kept
    assert await node.credentials.authenticate([registered.token_c]) is None
    envelope_of(await client.get(CREDENTIALS, headers=headers), 401, 2000)
