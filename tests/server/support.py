"""Helpers for in-process server tests: a fake partner platform, Authorization headers, and the
check that an answer is an OCPI envelope."""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
from typing import Any

import httpx

PARTNER = "https://partner.example.com/ocpi"
PARTNER_VERSIONS = f"{PARTNER}/versions"
PARTNER_DETAILS = f"{PARTNER}/2.2.1"
PARTNER_CREDENTIALS = f"{PARTNER}/2.2.1/credentials"

CREDENTIALS = "/ocpi/2.2.1/credentials"

# transport_and_format.asciidoc "Response format": the four envelope fields, and no others.
ENVELOPE_FIELDS = {"data", "status_code", "status_message", "timestamp"}
# types.asciidoc "DateTime": we always produce UTC with a Z.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Start at "A00": no clash with the fixed party ids of the other tests ("ORM", "PRT").
_numbers = itertools.count(10 * 36 * 36)


def unique_party_id() -> str:
    """A party id (CiString(3)) that no other test of this process uses."""
    number = next(_numbers)
    return "".join(_BASE36[number // 36**power % 36] for power in (2, 1, 0))


#: The eMSP party the partner of the running test is invited as, and registers (the server
#: tests of a backend share one database, and a party belongs to one partner: conftest gives
#: every test a fresh one).
PARTNER_PARTY = ["DE", "PRT"]


def partner_party() -> tuple[str, str]:
    return PARTNER_PARTY[0], PARTNER_PARTY[1]


def token_header(token: str, *, encode: bool = True) -> dict[str, str]:
    """``Authorization: Token <base64(token)>`` (or the raw token for legacy peers)."""
    value = base64.b64encode(token.encode()).decode() if encode else token
    return {"Authorization": f"Token {value}"}


def envelope_of(response: httpx.Response, http_status: int, status_code: int) -> dict[str, Any]:
    """Assert that ``response`` is an OCPI envelope with these statuses; return its body."""
    assert response.status_code == http_status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) <= ENVELOPE_FIELDS, body
    assert body["status_code"] == status_code, body
    assert TIMESTAMP.match(body["timestamp"]), body
    return body


def envelope(data: Any) -> dict[str, Any]:
    return {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


def partner_credentials(token_b: str, **changes: Any) -> dict[str, Any]:
    """What a partner POSTs or PUTs (credentials.asciidoc "Credentials object")."""
    country_code, party_id = partner_party()
    body = {
        "token": token_b,
        "url": PARTNER_VERSIONS,
        "roles": [
            {
                "role": "EMSP",
                "business_details": {"name": "Partner eMSP"},
                "party_id": party_id,
                "country_code": country_code,
            }
        ],
    }
    return body | changes


class FakePartner:
    """The partner's platform as the node sees it while it registers: versions and details.

    ``versions`` and ``endpoints`` say what it serves; ``broken`` maps a URL to the answer (or
    the exception) that replaces the normal one; ``gate`` holds every call until enough have
    arrived. ``transport = None`` sends the calls over the real network instead (for a refused
    connection).
    """

    def __init__(self) -> None:
        self.versions: list[dict[str, str]] = [{"version": "2.2.1", "url": PARTNER_DETAILS}]
        self.endpoints: list[dict[str, str]] = [
            {"identifier": "credentials", "role": "SENDER", "url": PARTNER_CREDENTIALS},
            {"identifier": "locations", "role": "RECEIVER", "url": f"{PARTNER}/2.2.1/locations"},
        ]
        self.broken: dict[str, httpx.Response | Exception] = {}
        #: when set, every call waits here first (to line up concurrent registrations)
        self.gate: asyncio.Barrier | None = None
        self.requests: list[httpx.Request] = []
        self.transport: httpx.AsyncBaseTransport | None = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        url = str(request.url)
        if url in self.broken:
            answer = self.broken[url]
            if isinstance(answer, Exception):
                raise answer
            return answer
        if url == PARTNER_VERSIONS:
            return httpx.Response(200, json=envelope(self.versions))
        if url == PARTNER_DETAILS:
            details = {"version": "2.2.1", "endpoints": self.endpoints}
            return httpx.Response(200, json=envelope(details))
        return httpx.Response(404, json={"status_code": 2000, "timestamp": "2026-01-01T00:00:00Z"})

    def tokens_seen(self) -> set[str]:
        """The Authorization values the node sent us, decoded."""
        seen = set()
        for request in self.requests:
            value = request.headers["authorization"].removeprefix("Token ")
            seen.add(base64.b64decode(value).decode())
        return seen
