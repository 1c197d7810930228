"""Request logging: one structured log line for every OCPI request and its response (method,
path, partner, status_code, duration), and what registration stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from openroam._services.node import Node
from openroam._store import repositories as repo
from tests.server.conftest import partner_grants, register
from tests.server.support import CREDENTIALS, PARTNER_VERSIONS, partner_party, token_header


def _records(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "openroam.ocpi" and getattr(r, "request_id", None) == request_id
    ]


async def test_every_request_is_logged_with_partner_and_status(
    client: httpx.AsyncClient, node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    """One structured line per request: method, path, partner, HTTP status, OCPI status_code,
    duration, request id — for an authenticated call and for a rejected one."""
    name = f"partner-{uuid.uuid4().hex}"
    token_a = await node.credentials.invite(name, grants=partner_grants())
    with caplog.at_level(logging.INFO, logger="openroam.ocpi"):
        await client.get(CREDENTIALS + "/", headers=token_header(token_a) | {"X-Request-ID": "r1"})
        await client.get(CREDENTIALS, headers={"X-Request-ID": "r2"})
    (ok,) = [vars(r) for r in _records(caplog, "r1")]
    assert (ok["method"], ok["path"], ok["partner"]) == ("GET", CREDENTIALS, name)
    assert (ok["http_status"], ok["status_code"]) == (200, 1000)
    assert ok["duration_ms"] >= 0
    (rejected,) = [vars(r) for r in _records(caplog, "r2")]
    assert rejected["partner"] is None
    assert (rejected["http_status"], rejected["status_code"]) == (401, 2000)


async def test_registration_stores_the_clients_version_endpoints_and_token_b(
    client: httpx.AsyncClient, node: Node
) -> None:
    """CRED "Registration" steps 5-7: the server stores token B (to call the client), the
    negotiated version, the client's endpoints and roles; the partner is REGISTERED."""
    name = f"partner-{uuid.uuid4().hex}"
    registration = await register(
        client, await node.credentials.invite(name, grants=partner_grants())
    )
    async with node.db.session() as session:
        partner = await repo.get_partner_by_name(session, name)
    assert partner is not None
    assert partner.status == repo.PartnerStatus.REGISTERED
    assert partner.versions_url == PARTNER_VERSIONS
    assert partner.version == "2.2.1"
    assert partner.outgoing_token == registration.token_b
    assert [(e.identifier, e.role) for e in partner.endpoints] == [
        ("credentials", "SENDER"),
        ("locations", "RECEIVER"),
    ]
    assert [(r.role, r.country_code, r.party_id) for r in partner.roles] == [
        ("EMSP", *partner_party())
    ]
