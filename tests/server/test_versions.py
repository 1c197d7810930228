"""Versions module (version_information_endpoint.asciidoc) and trailing slashes on every route,
on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from openroam._server.v221.modules import served_modules
from tests.server.conftest import PLATFORM, PUBLIC_URL
from tests.server.support import CREDENTIALS, envelope_of, partner_credentials, token_header

VERSION_URL = f"{PUBLIC_URL}/ocpi/2.2.1"


async def test_version_information_lists_2_2_1_with_the_public_url(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """VER "Version information endpoint": a list of Version (version, url), url being where
    partners reach this node (its configured public URL, not the request's host); by default
    2.2.1 and 2.1.1, newest first (setting ``ocpi_versions``)."""
    body = envelope_of(await client.get("/ocpi/versions", headers=token_header(token_a)), 200, 1000)
    assert body["data"] == [
        {"version": "2.2.1", "url": VERSION_URL},
        {"version": "2.1.1", "url": f"{PUBLIC_URL}/ocpi/2.1.1"},
    ]


async def test_version_details_list_credentials_as_sender(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """VER "Version details endpoint": credentials is listed once, with role SENDER (the NOTE
    under "Endpoint class": the role is irrelevant for credentials, SENDER is advised), and
    every other entry is a module interface served for this node's own roles."""
    body = envelope_of(await client.get("/ocpi/2.2.1", headers=token_header(token_a)), 200, 1000)
    assert body["data"]["version"] == "2.2.1"
    endpoints = body["data"]["endpoints"]
    credentials = [e for e in endpoints if e["identifier"] == "credentials"]
    assert credentials == [
        {"identifier": "credentials", "role": "SENDER", "url": f"{VERSION_URL}/credentials"}
    ]
    expected = [
        {"identifier": m.identifier, "role": m.role, "url": f"{VERSION_URL}/{m.path}"}
        for m in served_modules(PLATFORM.roles)
    ]
    assert endpoints == expected
    pairs = [(e["identifier"], e["role"]) for e in endpoints]
    assert len(pairs) == len(set(pairs)), "each module interface is listed once"


async def test_versions_answer_the_same_with_a_trailing_slash(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """docs/architecture.md "What the code has settled" (the one ASGI middleware strips a
    trailing slash): ``/ocpi/versions/`` answers like ``/ocpi/versions`` (no 307 redirect,
    which OCPI clients do not follow)."""
    headers = token_header(token_a)
    for path in ("/ocpi/versions", "/ocpi/2.2.1", CREDENTIALS):
        plain = envelope_of(await client.get(path, headers=headers), 200, 1000)
        slashed_response = await client.get(f"{path}/", headers=headers)
        slashed = envelope_of(slashed_response, 200, 1000)
        assert "location" not in slashed_response.headers
        assert slashed["data"] == plain["data"], path


async def test_credentials_answer_every_method_with_a_trailing_slash(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """A trailing slash on POST, PUT and DELETE: a 307 would make a client re-send (or drop) the
    body; the slashed path must register, update and unregister exactly like the plain one."""
    slashed = f"{CREDENTIALS}/"
    posted = await client.post(
        slashed, json=partner_credentials("token-b-slash"), headers=token_header(token_a)
    )
    token_c = envelope_of(posted, 200, 1000)["data"]["token"]
    envelope_of(await client.get(slashed, headers=token_header(token_a)), 401, 2000)
    put = await client.put(
        slashed, json=partner_credentials("token-b-slash-2"), headers=token_header(token_c)
    )
    new_c = envelope_of(put, 200, 1000)["data"]["token"]
    assert new_c != token_c
    envelope_of(await client.delete(slashed, headers=token_header(new_c)), 200, 1000)
    envelope_of(await client.get(slashed, headers=token_header(new_c)), 401, 2000)
