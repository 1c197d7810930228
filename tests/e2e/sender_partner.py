"""A fake partner platform (CPO and eMSP) for end-to-end tests: a small real HTTP server on
127.0.0.1 (a thread of the test process) that one registers with (versions, version details,
credentials POST) and that serves Sender GET lists of Locations, Tariffs and Tokens in pages.

A module named in ``failing`` answers its list with HTTP 500 and an OCPI 3000 envelope, as a
partner whose server broke does. With ``slash_redirect`` its lists live at ``…/{module}/`` and a
URL without the trailing slash (the one its version details and Link headers name) gets a 307
there, as web frameworks with strict slashes answer. Every request is recorded (method, path and
Authorization).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import serving

CPO = ("DE", "ACP")
EMSP = ("DE", "AMS")
TOKEN_C = "token-c-of-the-fake-partner"
STAMP = "2026-01-01T10:00:00Z"


def location(number: int) -> dict[str, Any]:
    country_code, party_id = CPO
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": f"LOC{number}",
        "publish": True,
        "address": "Hauptstrasse 1",
        "city": "Berlin",
        "country": "DEU",
        "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
        "time_zone": "Europe/Berlin",
        "evses": [
            {
                "uid": f"LOC{number}-E1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "last_updated": STAMP,
                    }
                ],
                "last_updated": STAMP,
            }
        ],
        "last_updated": STAMP,
    }


def tariff(number: int) -> dict[str, Any]:
    country_code, party_id = CPO
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": f"T{number}",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": STAMP,
    }


def token(number: int) -> dict[str, Any]:
    country_code, party_id = EMSP
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": f"0400{number:04d}",
        "type": "RFID",
        "contract_id": f"DE-AMS-C{number:04d}",
        "issuer": "Acme Mobility",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": STAMP,
    }


@dataclass
class SenderPartner:
    base_url: str = ""
    page_size: int = 2
    #: module -> its objects, served by its Sender GET list
    objects: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "locations": [location(n) for n in range(3)],
            "tariffs": [tariff(n) for n in range(2)],
            "tokens": [token(n) for n in range(5)],
        }
    )
    #: modules whose list answers HTTP 500 with OCPI 3000
    failing: set[str] = field(default_factory=set)
    #: lists answer a URL without a trailing slash with a 307 to the URL with one
    slash_redirect: bool = False
    #: (method, path, Authorization header) of every request
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/ocpi/2.2.1{path}"

    def endpoints(self) -> list[dict[str, str]]:
        credentials = self._url("/credentials")
        listed = [{"identifier": "credentials", "role": "RECEIVER", "url": credentials}]
        listed += [
            {"identifier": module, "role": "SENDER", "url": self._url(f"/{module}")}
            for module in self.objects
        ]
        # As a CPO it also receives our eMSP's Tokens (we push them).
        listed.append({"identifier": "tokens", "role": "RECEIVER", "url": self._url("/in/tokens")})
        return listed

    def answer(self, method: str, target: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(HTTP status, body, headers) for one request."""
        parts = urlsplit(target)
        path = parts.path
        if method == "GET" and path == "/ocpi/versions":
            return 200, _ok([{"version": "2.2.1", "url": self._url("")}]), {}
        if method == "GET" and path == "/ocpi/2.2.1":
            return 200, _ok({"version": "2.2.1", "endpoints": self.endpoints()}), {}
        if method == "POST" and path == "/ocpi/2.2.1/credentials":
            return 200, _ok(self._credentials()), {}
        module = path.removeprefix("/ocpi/2.2.1/")
        if self.slash_redirect and method == "GET":
            if module in self.objects:
                query = f"?{parts.query}" if parts.query else ""
                return 307, _envelope(1000, None), {"Location": f"{path}/{query}"}
            module = module.removesuffix("/")
        if method == "GET" and module in self.objects:
            if module in self.failing:
                return 500, _envelope(3000, "Generic server error"), {}
            offset = int(parse_qs(parts.query).get("offset", ["0"])[0])
            return self._page(module, offset)
        return 404, _envelope(2000, f"no {method} {path} here"), {}

    def _page(self, module: str, offset: int) -> tuple[int, dict[str, Any], dict[str, str]]:
        items = self.objects[module]
        headers = {"X-Total-Count": str(len(items)), "X-Limit": str(self.page_size)}
        following = offset + self.page_size
        if following < len(items):
            headers["Link"] = f'<{self._url(f"/{module}")}?offset={following}>; rel="next"'
        return 200, _ok(items[offset:following]), headers

    def _credentials(self) -> dict[str, Any]:
        return {
            "token": TOKEN_C,
            "url": self.versions_url,
            "roles": [
                {
                    "role": role,
                    "business_details": {"name": f"Acme {role}"},
                    "country_code": country_code,
                    "party_id": party_id,
                }
                for role, (country_code, party_id) in (("CPO", CPO), ("EMSP", EMSP))
            ],
        }


def _envelope(code: int, message: str | None) -> dict[str, Any]:
    envelope: dict[str, Any] = {"status_code": code, "timestamp": "2026-01-01T00:00:00Z"}
    if message is not None:
        envelope["status_message"] = message
    return envelope


def _ok(data: Any) -> dict[str, Any]:
    return _envelope(1000, None) | {"data": data}


def _handler(partner: SenderPartner) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with partner.lock:
                partner.requests.append(
                    (self.command, self.path, self.headers.get("Authorization"))
                )
            status, body, headers = partner.answer(self.command, self.path)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 (http.server)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def sender_partner(**options: Any) -> Iterator[SenderPartner]:
    """A running :class:`SenderPartner` on a loopback port."""
    partner = SenderPartner(**options)
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner
