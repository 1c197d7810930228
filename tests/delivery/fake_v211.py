"""A fake OCPI 2.1.1 partner for delivery tests: a small real HTTP server (a thread of the test
process) that checks what it receives as a 2.1.1 platform would, with the 2.1.1 models.

* It takes only the raw token (transport_and_format.md "Request format": ``Token <token>``, not
  Base64): anything else gets HTTP 401. It needs no routing headers (2.1.1 has none) and records
  every request, so a test can see that none were sent.
* eMSP side (``/ocpi/2.1.1/emsp/``): the Receivers of Locations (with EVSE and Connector URLs),
  Tariffs and Sessions (PUT, PATCH at ``{cc}/{party}/{id}[/…]``; a PUT body validated by the
  object's 2.1.1 model, a PATCH body by its 2.1.1 PATCH model), the CDRs Receiver (POST, answered
  with a ``Location``), command results (POST to ``commands/{TYPE}/{uid}``: a 2.1.1
  CommandResponse) and real-time authorization (POST ``tokens/{uid}/authorize``: a 2.1.1
  LocationReferences or nothing; the answer from ``allowed``), and the Tokens Sender list
  (``lists["tokens"]``, paged as below). A body that does not validate is
  answered with OCPI 2001 and the problems, as a 2.1.1 platform answers.
* CPO side (``/ocpi/2.1.1/cpo/``): Sender lists of ``lists[module]`` in pages of ``page_size``
  with ``Link`` and ``X-Total-Count``, ``date_from`` read as 2.1.1 says ("after"; required for
  Sessions, mod_sessions.md 2.1.1 "GET Method"), the Tokens Receiver (PUT, PATCH at
  ``{cc}/{party}/{uid}``, no query) and the Commands Receiver (POST
  ``commands/{TYPE}``: a 2.1.1 command object, answered with ``command_answer``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models import v211
from openroam.models.common import OcpiModel, parse_datetime
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.loopback import serving

EMSP = "/ocpi/2.1.1/emsp/"
CPO = "/ocpi/2.1.1/cpo/"
TOKEN = "raw-token-of-the-2.1.1-partner"

_OBJECTS: dict[str, tuple[type[OcpiModel], ...]] = {
    "locations": (v211.Location, v211.EVSE, v211.Connector),
    "tariffs": (v211.Tariff,),
    "sessions": (v211.Session,),
    "tokens": (v211.Token,),
}
_PATCHES: dict[str, tuple[type[OcpiModel], ...]] = {
    "locations": (v211.LocationPatch, v211.EVSEPatch, v211.ConnectorPatch),
    "tariffs": (v211.TariffPatch,),
    "sessions": (v211.SessionPatch,),
    "tokens": (v211.TokenPatch,),
}
_COMMANDS: dict[str, type[OcpiModel]] = {
    "RESERVE_NOW": v211.ReserveNow,
    "START_SESSION": v211.StartSession,
    "STOP_SESSION": v211.StopSession,
    "UNLOCK_CONNECTOR": v211.UnlockConnector,
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeV211:
    base_url: str = ""
    #: Receiver copies: (module, "CC/PARTY/ID[/…]") → the 2.1.1 document as last PUT/PATCHed
    copies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: CDRs POSTed, in order
    cdrs: list[dict[str, Any]] = field(default_factory=list)
    #: command results POSTed: (TYPE, uid, 2.1.1 CommandResponse)
    results: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: commands received: (TYPE, 2.1.1 command object)
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    command_answer: str = "ACCEPTED"
    #: real-time authorization: Token uid → Allowed
    allowed: dict[str, str] = field(default_factory=dict)
    #: Sender lists (2.1.1 documents, oldest first)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 2
    #: bodies refused with 2001 (what did not validate), with the problems
    refused: list[tuple[str, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def emsp(self, module: str) -> str:
        return f"{self.base_url}{EMSP}{module}"

    def cpo(self, module: str) -> str:
        return f"{self.base_url}{CPO}{module}"

    def answer(self, request: Request) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """(HTTP status, envelope, headers) for one request."""
        with self.lock:
            self.requests.append(request)
        if request.headers.get("authorization") != f"Token {TOKEN}":
            return 401, _envelope(2000, "Token: raw 2.1.1 token expected"), {}
        path = request.path
        if path.startswith(EMSP):
            return self._emsp(request, path.removeprefix(EMSP).split("/"))
        if path.startswith(CPO):
            return self._cpo(request, path.removeprefix(CPO).split("/"))
        return 404, _envelope(2000, "unknown path"), {}

    def _refuse(
        self, what: str, error: ValidationError
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        problems = "; ".join(f"{e['loc']}: {e['msg']}" for e in error.errors()[:3])
        with self.lock:
            self.refused.append((what, problems))
        return 200, _envelope(2001, f"{what}: {problems}"), {}

    def _emsp(
        self, request: Request, parts: list[str]
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        module, rest = parts[0], parts[1:]
        body = request.body
        if module == "cdrs" and request.method == "POST" and not rest:
            try:
                v211.CDR.model_validate_json(json.dumps(body))
            except ValidationError as error:
                return self._refuse("CDR", error)
            with self.lock:
                self.cdrs.append(body)
            return 201, _envelope(1000), {"Location": f"{self.emsp('cdrs')}/{body['id']}"}
        if module == "commands" and request.method == "POST" and len(rest) == 2:
            try:
                v211.CommandResponse.model_validate_json(json.dumps(body))
            except ValidationError as error:
                return self._refuse("CommandResponse", error)
            with self.lock:
                self.results.append((rest[0], rest[1], body))
            return 200, _envelope(1000), {}
        if request.method == "GET" and not rest:
            return self._list(request, module)
        if module == "tokens" and request.method == "POST" and rest[1:] == ["authorize"]:
            if body is not None:
                try:
                    v211.LocationReferences.model_validate_json(json.dumps(body))
                except ValidationError as error:
                    return self._refuse("LocationReferences", error)
            allowed = self.allowed.get(rest[0])
            if allowed is None:
                return 404, _envelope(2000, "unknown Token"), {}
            info: dict[str, Any] = {"allowed": allowed}
            if body is not None and allowed == "ALLOWED":
                info["location"] = body
            return 200, _envelope(1000, data=info), {}
        return self._objects(request, module, rest)

    def _objects(
        self, request: Request, module: str, rest: list[str]
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """A Receiver of ``module``: PUT or PATCH at ``{cc}/{party}/{id}[/{evse}[/{connector}]]``,
        applied to the copy of the whole object."""
        if module not in _OBJECTS or not 3 <= len(rest) <= 3 + len(_OBJECTS[module]) - 1:
            return 404, _envelope(2000, "unknown path"), {}
        if request.query:
            return 404, _envelope(2000, f"no query in 2.1.1: {request.query}"), {}
        depth = len(rest) - 3
        if request.method == "PUT":
            model = _OBJECTS[module][depth]
        elif request.method == "PATCH":
            model = _PATCHES[module][depth]
        else:
            return 405, _envelope(2000, "method not allowed"), {}
        try:
            model.model_validate_json(json.dumps(request.body))
        except ValidationError as error:
            return self._refuse(f"{module} {model.__name__}", error)
        key = "/".join(rest[:3]).upper()
        with self.lock:
            if depth == 0 and request.method == "PUT":
                self.copies[(module, key)] = request.body
                return 200, _envelope(1000), {}
            target = self.copies.get((module, key))
            for level, wanted in zip(("evses", "connectors"), rest[3:], strict=False):
                if target is None:
                    break
                key_field = "uid" if level == "evses" else "id"
                target = next((x for x in target[level] if x[key_field] == wanted), None)
            if target is None:
                return 404, _envelope(2003, "unknown object"), {}
            if request.method == "PUT":
                target.clear()
            target.update(request.body)
        return 200, _envelope(1000), {}

    def _cpo(
        self, request: Request, parts: list[str]
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        module = parts[0]
        if module == "tokens" and request.method in ("PUT", "PATCH"):
            return self._objects(request, module, parts[1:])
        if module == "commands" and request.method == "POST" and len(parts) == 2:
            model = _COMMANDS.get(parts[1])
            if model is None:
                return 200, _envelope(2001, f"unknown command {parts[1]}"), {}
            try:
                model.model_validate_json(json.dumps(request.body))
            except ValidationError as error:
                return self._refuse(parts[1], error)
            with self.lock:
                self.commands.append((parts[1], request.body))
            return 200, _envelope(1000, data={"result": self.command_answer}), {}
        if request.method != "GET" or len(parts) != 1:
            return 404, _envelope(2000, "unknown path"), {}
        return self._list(request, module)

    def _list(
        self, request: Request, module: str
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """A Sender GET list of ``lists[module]``, paginated (transport_and_format.md)."""
        if module not in self.lists:
            return 404, _envelope(2000, "unknown path"), {}
        since = request.query.get("date_from")
        if module == "sessions" and since is None:
            return 200, _envelope(2001, "date_from is required"), {}
        after = parse_datetime(since) if since is not None else None
        matching = [
            doc
            for doc in self.lists[module]
            # mod_locations.md 2.1.1 "GET Method": "last_updated after this Date/Time".
            if after is None or parse_datetime(doc["last_updated"]) > after
        ]
        offset = int(request.query.get("offset", "0"))
        page = matching[offset : offset + self.page_size]
        headers = {"X-Total-Count": str(len(matching)), "X-Limit": str(self.page_size)}
        if offset + self.page_size < len(matching):
            query = {k: v for k, v in request.query.items() if k != "offset"}
            query["offset"] = str(offset + self.page_size)
            following = "&".join(f"{k}={v}" for k, v in query.items())
            base = f"{self.base_url}{request.path}"
            headers["Link"] = f'<{base}?{following}>; rel="next"'
        return 200, _envelope(1000, data=page), headers

    def sent(self, method: str, prefix: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


def _envelope(code: int, message: str | None = None, *, data: Any = None) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "status_code": code,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if data is not None:
        envelope["data"] = data
    if message:
        envelope["status_message"] = message
    return envelope


def _handler(partner: FakeV211) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            request = Request(
                self.command,
                url.path,
                query,
                {key.lower(): value for key, value in self.headers.items()},
                json.loads(raw) if raw else None,
            )
            status, envelope, headers = partner.answer(request)
            payload = json.dumps(envelope).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server names)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_v211(**options: Any) -> Iterator[FakeV211]:
    """A running :class:`FakeV211` on a loopback port."""
    partner = FakeV211(**options)
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner


def routing_headers(requests: list[Request]) -> list[str]:
    """The OCPI routing headers any of ``requests`` carried (2.1.1 has none)."""
    return sorted({name for r in requests for name in r.headers if name.startswith("ocpi-")})


#: The interface of each 2.1.1 module by the partner's role, as a registration stores them
#: (a CPO offers the Senders of its objects and the Receivers of Tokens and Commands).
_CPO_INTERFACES = {
    "locations": "SENDER",
    "tariffs": "SENDER",
    "sessions": "SENDER",
    "cdrs": "SENDER",
    "tokens": "RECEIVER",
    "commands": "RECEIVER",
}


async def register_v211(
    db: Database, partner: FakeV211, name: str, role: Role, party: tuple[str, str]
) -> repo.PartnerRecord:
    """Store ``partner`` as registered over OCPI 2.1.1 in ``role`` as ``party`` (granted), with
    every module's endpoint of that role's side and the raw token, as a 2.1.1 registration
    leaves it."""
    side = CPO if role == Role.CPO else EMSP
    flip = {"SENDER": "RECEIVER", "RECEIVER": "SENDER"}
    async with db.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-a-{name}", grants=[Grant(role, *party)]
        )
        return await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{partner.base_url}/ocpi/versions",
            version="2.1.1",
            roles=[
                CredentialsRole(
                    role=role,
                    business_details=BusinessDetails(name=name),
                    country_code=party[0],
                    party_id=party[1],
                )
            ],
            endpoints=[
                Endpoint(
                    identifier=ModuleID(module),
                    role=InterfaceRole(interface if role == Role.CPO else flip[interface]),
                    url=f"{partner.base_url}{side}{module}",
                )
                for module, interface in _CPO_INTERFACES.items()
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=TOKEN,
            encode_token=False,
        )
