"""A Hub node in process and the parties behind it as small real HTTP servers, for the tests of
Hub forwarding (``test_forward*.py``, ``test_relay*.py``).

The Hub is a node hosting the HUB party NL*HUB (``HUB_URL``); a test talks to it through
``httpx.ASGITransport``. Each party connected to it is a registered partner whose endpoints are
on a :class:`Target`: a real HTTP server on 127.0.0.1 that records every request (method, path
with query, every header, body) and answers what the test set for a path.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from sqlalchemy import update

from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam._store.tables import Partner
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.loopback import serving

HUB_URL = "https://hub.example.com"
HUB = ("NL", "HUB")
HUB_PLATFORM = Platform(
    public_url=HUB_URL, parties=(OwnParty("NL", "HUB", Role.HUB, "openroam test Hub"),)
)
#: seconds a forwarded request may take in these tests
FORWARD_TIMEOUT = 0.5


def envelope(data: Any = None, status_code: int = 1000, message: str | None = None) -> bytes:
    body: dict[str, Any] = {"status_code": status_code, "timestamp": "2024-05-01T10:00:00Z"}
    if data is not None:
        body = {"data": data, **body}
    if message is not None:
        body["status_message"] = message
    return json.dumps(body).encode()


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = field(default_factory=envelope)
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds before answering
    delay: float = 0.0


@dataclass(frozen=True)
class Got:
    """One request a Target received."""

    method: str
    #: the path with its query, as sent
    path: str
    #: by lower-case name
    headers: dict[str, str]
    body: bytes


@dataclass
class Target:
    """A party's platform: records requests, answers what :meth:`reply` set (by path, with its
    query, or by path without it), else an empty 1000 envelope."""

    url: str = ""
    got: list[Got] = field(default_factory=list)
    replies: dict[str, Reply] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, path: str, reply: Reply) -> None:
        self.replies[path] = reply

    def answer(self, got: Got) -> Reply:
        with self.lock:
            self.got.append(got)
            return (
                self.replies.get(got.path) or self.replies.get(got.path.split("?", 1)[0]) or Reply()
            )


def _handler(target: Target) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            got = Got(
                self.command,
                self.path,
                {name.lower(): value for name, value in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            reply = target.answer(got)
            time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in reply.headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the Hub gave up waiting (a timeout test)

        do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_target() -> Iterator[Target]:
    target = Target()
    with serving(_handler(target), poll_interval=0.05) as url:
        target.url = url
        yield target


@dataclass(frozen=True)
class Party:
    """A party connected to the Hub: its partner record's name and tokens."""

    name: str
    partner_id: int
    country_code: str
    party_id: str
    #: the token it calls the Hub with
    token: str
    #: the token the Hub calls it with
    outgoing_token: str
    base: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {base64.b64encode(self.token.encode()).decode()}"}

    @property
    def hub_auth(self) -> str:
        """The Authorization header the Hub sends it."""
        return f"Token {base64.b64encode(self.outgoing_token.encode()).decode()}"

    def routing(self, to: tuple[str, str] | None = None) -> dict[str, str]:
        """Headers FROM this party, TO ``to``."""
        headers = self.auth | {
            "OCPI-from-country-code": self.country_code,
            "OCPI-from-party-id": self.party_id,
        }
        if to is not None:
            headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to
        return headers

    @property
    def key(self) -> tuple[str, str]:
        return self.country_code, self.party_id


#: every Functional module interface a party of each role offers in these tests
ENDPOINTS: dict[Role, tuple[tuple[ModuleID, InterfaceRole], ...]] = {
    Role.CPO: (
        (ModuleID.LOCATIONS, InterfaceRole.SENDER),
        (ModuleID.TARIFFS, InterfaceRole.SENDER),
        (ModuleID.SESSIONS, InterfaceRole.SENDER),
        (ModuleID.CDRS, InterfaceRole.SENDER),
        (ModuleID.TOKENS, InterfaceRole.RECEIVER),
        (ModuleID.COMMANDS, InterfaceRole.RECEIVER),
        (ModuleID.CHARGINGPROFILES, InterfaceRole.RECEIVER),
    ),
    Role.EMSP: (
        (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
        (ModuleID.SESSIONS, InterfaceRole.RECEIVER),
        (ModuleID.CDRS, InterfaceRole.RECEIVER),
        (ModuleID.TOKENS, InterfaceRole.SENDER),
        (ModuleID.COMMANDS, InterfaceRole.SENDER),
        (ModuleID.CHARGINGPROFILES, InterfaceRole.SENDER),
    ),
}


def endpoint_url(base: str, module: ModuleID, role: InterfaceRole) -> str:
    """Where a test party serves an interface: ``{base}/ocpi/2.2.1/{module}`` for its own role's
    side, ``…/{module}/{sender|receiver}`` for the other (both differ from the Hub's paths)."""
    return f"{base}/ocpi/2.2.1/{module}/{role.lower()}"


async def connect(
    node: Node,
    name: str,
    roles: tuple[tuple[Role, str, str], ...],
    base: str,
    *,
    endpoints: tuple[tuple[ModuleID, InterfaceRole], ...] | None = None,
    version: str = "2.2.1",
) -> Party:
    """Register ``name`` at the Hub with ``roles`` (granted) and endpoints under ``base``."""
    await node.credentials.invite(name, grants=[Grant(r, cc, pid) for r, cc, pid in roles])
    token = f"token-c-{uuid.uuid4().hex}"
    outgoing = f"token-b-{uuid.uuid4().hex}"
    offered = endpoints if endpoints is not None else ENDPOINTS[roles[0][0]]
    async with node.db.session() as session, session.begin():
        invited = await repo.get_partner_by_name(session, name)
        assert invited is not None
        record = await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{base}/ocpi/versions",
            version=version,
            roles=[
                CredentialsRole(
                    role=role,
                    business_details=BusinessDetails(name=f"{name} {role}"),
                    party_id=party_id,
                    country_code=country_code,
                )
                for role, country_code, party_id in roles
            ],
            endpoints=[
                Endpoint(identifier=module, role=role, url=endpoint_url(base, module, role))
                for module, role in offered
            ],
            incoming_token=token,
            outgoing_token=outgoing,
        )
    # A completed registration makes the party CONNECTED at the Hub (the credentials service
    # does it; here the registration is written directly): an invited one is PLANNED.
    await set_connection_status(node.db, record.id, "CONNECTED")
    _, country_code, party_id = roles[0]
    return Party(name, record.id, country_code, party_id, token, outgoing, base)


async def set_connection_status(db: Database, partner_id: int, status: str | None) -> None:
    async with db.session() as session, session.begin():
        await session.execute(
            update(Partner).where(Partner.id == partner_id).values(connection_status=status)
        )
