"""A fake OCPI partner for delivery tests: a small real HTTP server (a thread of the test
process) with Receiver endpoints that keeps a copy of every object pushed to it and records each
request. It applies what it receives in the order it receives it, as a real receiver does, so a
delivery that arrives out of order shows in its copy.

Modules: whole objects at ``/ocpi/2.2.1/{module}/{cc}/{party}/{id}``: PUT stores the body,
PATCH merges its fields, DELETE removes the object. ``refuse`` names ids answered with OCPI 2001
(a permanent refusal); ``unavailable`` ids get HTTP 503 without an envelope (transient) for as
many requests as their count says.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.loopback import serving

PREFIX = "/ocpi/2.2.1/"


@dataclass
class Received:
    method: str
    module: str
    key: str
    body: Any


@dataclass
class FakePartner:
    base_url: str = ""
    #: ids (upper case) refused with OCPI 2001
    refuse: set[str] = field(default_factory=set)
    #: ids (upper case) → how many more requests get HTTP 503
    unavailable: dict[str, int] = field(default_factory=dict)
    #: seconds each request takes before it is applied, per method (e.g. slow DELETEs)
    delays: dict[str, float] = field(default_factory=dict)
    #: set when a DELETE arrives (a test may kill a worker in the middle of sending one)
    delete_arrived: threading.Event = field(default_factory=threading.Event)
    copies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint(self, module: str) -> str:
        return f"{self.base_url}{PREFIX}{module}"

    def copy_of(self, module: str) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {key: dict(doc) for (kind, key), doc in self.copies.items() if kind == module}

    def answer(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, envelope or None) for one request; applies it to the copies."""
        module, _, rest = path.removeprefix(PREFIX).partition("/")
        key = rest.partition("?")[0].upper()
        object_id = key.rsplit("/", 1)[-1]
        if method == "DELETE":
            self.delete_arrived.set()
        time.sleep(self.delays.get(method, 0.0))
        with self.lock:
            self.received.append(Received(method, module, key, body))
            if self.unavailable.get(object_id, 0) > 0:
                self.unavailable[object_id] -= 1
                return 503, None
            if object_id in self.refuse:
                return 200, _envelope(2001, "refused by the fake partner")
            if key.count("/") != 2:
                return 200, _envelope(2001, "only whole objects here")
            if method == "PUT":
                self.copies[(module, key)] = body
            elif method == "PATCH":
                if (module, key) not in self.copies:
                    return 404, _envelope(2003, "unknown object")
                self.copies[(module, key)] = {**self.copies[(module, key)], **body}
            elif method == "DELETE":
                self.copies.pop((module, key), None)
            else:
                return 405, _envelope(2000, "method not allowed")
        return 200, _envelope(1000, None)


def _envelope(code: int, message: str | None) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "status_code": code,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if message:
        envelope["status_message"] = message
    return envelope


def _handler(partner: FakePartner) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, envelope = partner.answer(self.command, self.path, body)
            payload = json.dumps(envelope).encode() if envelope is not None else b"down"
            kind = "application/json" if envelope is not None else "text/plain"
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the caller is gone (a worker killed mid-request)

        do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server names)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_partner(**options: Any) -> Iterator[FakePartner]:
    """A running :class:`FakePartner` on a loopback port."""
    partner = FakePartner(**options)
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner


async def register(db: Database, partner: FakePartner, name: str, modules: list[str]) -> int:
    """Store ``partner`` as registered with Receiver endpoints for ``modules`` (as after the
    credentials handshake); its id."""
    return await register_receiver(db, name, partner.base_url, modules)


async def register_receiver(
    db: Database,
    name: str,
    base_url: str,
    modules: list[str],
    *,
    grants: Sequence[repo.Grant] = (),
) -> int:
    """Store a partner registered (as after the credentials handshake) as the eMSP DE*MSP, with
    ``grants`` and Receiver endpoints under ``base_url`` for ``modules``; its id."""
    async with db.session() as session, session.begin():
        invited = await repo.create_invitation(session, name, f"token-a-{name}", grants=grants)
        record = await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{base_url}/ocpi/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=Role.EMSP,
                    business_details=BusinessDetails(name=name),
                    party_id="MSP",
                    country_code="DE",
                )
            ],
            endpoints=[
                Endpoint(
                    identifier=ModuleID(module),
                    role=InterfaceRole.RECEIVER,
                    url=f"{base_url}{PREFIX}{module}",
                )
                for module in modules
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )
    return record.id
