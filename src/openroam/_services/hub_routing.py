"""Hub forwarding: where a request a party sends through this Hub goes, and what the Hub sends
on (transport_and_format.asciidoc "Message Routing", "Unique message IDs"; status_codes.asciidoc
"4xxx: Hub errors").

For each request on a Functional module the Hub decides:

* the requesting party (``OCPI-from-*``): one the caller holds (granted and registered); absent,
  the caller's only party; otherwise 2001 naming the header;
* the receiver: ``OCPI-to-*`` naming the Hub → *local* (Broadcast Push, GET All, answered by the
  node's own routes); naming another party → *forward* to the partner holding it (4001 when no
  partner holds it, 4003 when that partner is not connected); absent → Open Routing
  (transport_and_format "Open Routing Request"): decided from the request's content, see
  :meth:`HubRouting.route`;
* then forwards it (:meth:`HubRouting.forward`): same method, path below the module, query and
  body bytes, to the receiving partner's endpoint of the same module and interface, with that
  partner's token, a new X-Request-ID (the client's), the same X-Correlation-ID and the routing
  headers of the hop. What comes back is answered as it is, when it is an OCPI answer.

A command or charging-profile request names a ``response_url`` the receiving party cannot reach
(only the Hub is connected to it): the forwarded request carries one of ours instead
(``…/ocpi/2.2.1/hub/results/{relay}``), and a result POSTed there goes on to the original URL
(:meth:`HubRouting.relay`; ``hub_relays``).

HTTP is done by a :class:`ForwardApi` (``client/_forward.py``), passed in by ``_runtime.py``:
services import no HTTP client.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from openroam._services.credentials import Caller
from openroam._services.platform import Platform
from openroam._services.routing import (
    Party,
    named_party,
    parse_party,
    party_key,
    routing_headers,
    same_party,
)
from openroam._services.ttl_cache import TtlCache
from openroam._store import hub_relays, hub_routes
from openroam._store.db import Database
from openroam._store.partners import load_partner
from openroam._store.records import PartnerRecord
from openroam._store.tables import PartnerStatus
from openroam.errors import (
    ConnectionProblem,
    HubError,
    InvalidOrMissingParameters,
    NotFound,
    UnknownReceiver,
)
from openroam.models.common import fold_id
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = [
    "RESULTS_PATH",
    "ForwardAnswer",
    "ForwardApi",
    "ForwardCall",
    "Forwarded",
    "HubRequest",
    "HubRouting",
    "Route",
]

#: Where results of relayed commands and charging-profile requests arrive (``{relay}`` appended).
RESULTS_PATH = "/ocpi/2.2.1/hub/results"

#: connection_status values of a partner the Hub does not forward to (mod_hub_client_info
#: "ConnectionStatus": only CONNECTED parties are reachable).
_NOT_CONNECTED = frozenset({"OFFLINE", "PLANNED", "SUSPENDED"})

#: The modules whose Receiver pushes a Hub takes itself and broadcasts (Broadcast Push).
_BROADCAST = frozenset({ModuleID.LOCATIONS, ModuleID.TARIFFS, ModuleID.TOKENS})
#: Commands whose receiver is the owner of the Location they name (mod_commands "StartSession",
#: "ReserveNow", "UnlockConnector" objects: ``location_id``).
_LOCATION_COMMANDS = frozenset({"START_SESSION", "RESERVE_NOW", "UNLOCK_CONNECTOR"})

_OPEN_HINT = "name the receiving party with OCPI-to-country-code and OCPI-to-party-id"


@dataclass(frozen=True, slots=True)
class ForwardCall:
    """One request the Hub sends on."""

    method: str
    url: str
    #: the receiving partner's credentials token, and whether it goes Base64-encoded
    token: str
    encode_token: bool
    #: X-Correlation-ID, the routing headers, Content-Type (the client adds Authorization and
    #: a new X-Request-ID)
    headers: Mapping[str, str]
    body: bytes
    #: seconds to wait for the whole answer (``hub_forward_timeout_seconds``)
    timeout: float


@dataclass(frozen=True, slots=True)
class ForwardAnswer:
    """What the receiving party answered, untouched."""

    status: int
    #: by lower-case name (the first of a repeated header)
    headers: Mapping[str, str]
    body: bytes


class ForwardApi(Protocol):
    """Sends one request on (``client/_forward.py`` ``Forwarder``) and returns the HTTP status,
    the headers by lower-case name and the body of the answer. Authorization (``token``, Base64
    when ``encode_token``) and a new X-Request-ID are its to add. Raises
    :class:`~openroam.errors.TimeoutOnForwardedRequest` (4002) when the request was sent but no
    answer came within ``timeout`` seconds, :class:`~openroam.errors.ConnectionProblem` (4003)
    when the partner could not be reached."""

    async def forward(
        self,
        method: str,
        url: str,
        *,
        token: str,
        encode_token: bool,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
    ) -> tuple[int, Mapping[str, str], bytes]: ...


@dataclass(frozen=True, slots=True)
class HubRequest:
    """A request on a Functional module of this Hub, as the routing layer read it."""

    method: str
    module: ModuleID
    interface: InterfaceRole
    #: the path after ``/ocpi/2.2.1/<interface>/<module>`` as sent (percent-encoded), "" or "/…"
    rest: str
    #: the same, decoded, as segments
    segments: tuple[str, ...]
    #: the query string as sent, without "?"
    query: str
    #: by lower-case name
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request goes: answered here (``partner`` None) or forwarded to ``target``."""

    #: the requesting party (OCPI-from-*, or the caller's only party)
    requester: Party
    target: Party | None = None
    partner: PartnerRecord | None = None

    @property
    def local(self) -> bool:
        return self.partner is None


@dataclass(frozen=True, slots=True)
class Forwarded:
    """A forwarded request's answer, with what the Hub's answer to the requester names."""

    answer: ForwardAnswer
    #: the answer goes FROM the receiving party TO the requesting party
    from_party: Party
    to_party: Party
    #: the URL the request was sent to
    url: str
    #: the receiving partner's endpoint the request went under, and ours it stands for: a
    #: ``Link``/``Location`` under the first is rewritten to the second (None: dropped)
    their_base: str | None = None
    our_base: str | None = None


class HubRouting:
    """See the module docstring. ``forwarder``: the HTTP side (None: every forward is 4003);
    ``timeout``: seconds a forwarded request may take (``hub_forward_timeout_seconds``)."""

    #: how long a relay answers (a command's result comes within its timeout; a reservation's
    #: cancellation within the reservation)
    RELAY_LIFETIME = timedelta(days=2)
    #: pruning of old relays runs at most once per this many seconds per process
    PRUNE_EVERY = 3600.0

    def __init__(
        self,
        db: Database,
        platform: Platform,
        forwarder: ForwardApi | None,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.db = db
        self.platform = platform
        self.forwarder = forwarder
        self.timeout = timeout
        # Who holds a party, read again after a second at most (as the token cache:
        # docs/architecture.md "Hot-path caches"). Only a connected holder is kept: a party
        # that registers or comes back is reachable at once, as a new token is.
        self._holders: TtlCache[tuple[str, str], hub_routes.PartyHolder | None] = TtlCache(1.0)
        self._pruned_at = -self.PRUNE_EVERY

    @property
    def hub_party(self) -> Party:
        hub = self.platform.hub_party
        assert hub is not None, "HubRouting runs on a Hub node"
        return hub.country_code, hub.party_id

    # -- the parties of a request ---------------------------------------------------------

    def requester(self, caller: Caller, headers: Mapping[str, str]) -> Party:
        """The requesting party: ``OCPI-from-*`` when it names a party the caller holds, else
        2001; absent, the caller's only party (2001 when it holds several)."""
        named = named_party(headers, "from")
        held = _held_parties(caller)
        if named is None:
            if len(held) == 1:
                return held[0]
            listed = ", ".join(f"{cc}*{pid}" for cc, pid in held) or "none"
            raise InvalidOrMissingParameters(
                "OCPI-from-country-code/OCPI-from-party-id: required, your connection holds "
                f"{len(held)} parties ({listed})"
            )
        for party in held:
            if same_party(party, named):
                return party
        raise InvalidOrMissingParameters(
            f"OCPI-from-country-code/OCPI-from-party-id: {named[0]}*{named[1]} is not a party "
            "of your connection to this Hub"
        )

    def addressed(self, headers: Mapping[str, str]) -> Party | None:
        """The party ``OCPI-to-*`` names (2001 when only one of the two headers is given)."""
        return named_party(headers, "to")

    def answer_from(self, headers: Mapping[str, str]) -> Party:
        """The FROM of an answer the Hub gives itself: the party the request was addressed to,
        else the Hub (transport_and_format "Message Routing")."""
        try:
            named = named_party(headers, "to")
        except InvalidOrMissingParameters:
            named = None
        return named or self.hub_party

    # -- the decision ----------------------------------------------------------------------

    async def route(self, caller: Caller, request: HubRequest) -> Route:
        """Where ``request`` goes; :class:`UnknownReceiver` (4001) or
        :class:`ConnectionProblem` (4003) when nowhere."""
        requester = self.requester(caller, request.headers)
        target = self.addressed(request.headers)
        if target is not None:
            if same_party(target, self.hub_party):
                if not _served_here(request):
                    raise UnknownReceiver(
                        f"The Hub does not answer {request.method} on the {request.module} "
                        f"{request.interface.lower()} interface itself: {_OPEN_HINT}"
                    )
                return Route(requester)
            return await self._to_party(caller, requester, target)
        return await self._open_routing(caller, request, requester)

    async def _open_routing(self, caller: Caller, request: HubRequest, requester: Party) -> Route:
        # transport_and_format.asciidoc "Open Routing Request": no OCPI-to-*, the Hub decides
        # from the content; "GET SHALL NOT be used in combination with Broadcast Push", and
        # Sessions and CDRs concern one party only ("Broadcast Push").
        method, module, segments = request.method, request.module, request.segments
        if request.interface == InterfaceRole.RECEIVER:
            if module in _BROADCAST and method in ("PUT", "PATCH", "DELETE"):
                return Route(requester)
            if (module, method) in ((ModuleID.SESSIONS, "PUT"), (ModuleID.CDRS, "POST")):
                token = _json_object(request.body).get("cdr_token")
                party = _party_in(token)
                if party is None:
                    raise UnknownReceiver(
                        f"cannot tell the receiver of this {module} request: no cdr_token "
                        f"country_code/party_id; {_OPEN_HINT}"
                    )
                return await self._to_party(caller, requester, party)
            if (
                module == ModuleID.COMMANDS
                and method == "POST"
                and len(segments) == 1
                and segments[0] in _LOCATION_COMMANDS
            ):
                location_id = _json_object(request.body).get("location_id")
                if isinstance(location_id, str) and location_id:
                    owner = await self._owner_of(ModuleID.LOCATIONS, location_id, None)
                    return await self._to_party(caller, requester, owner)
        else:
            if method == "GET" and not segments:
                return Route(requester)  # GET All (transport_and_format "GET All via Hubs")
            if method == "GET" and module == ModuleID.LOCATIONS and segments:
                owner = await self._owner_of(module, segments[0], None)
                return await self._to_party(caller, requester, owner)
            if (
                method == "POST"
                and module == ModuleID.TOKENS
                and len(segments) == 2
                and segments[1] == "authorize"
            ):
                # mod_tokens "Real-time authorization": POST {tokens}/{token_uid}/authorize;
                # the eMSP that owns the Token the Hub holds with that uid (and type).
                token_type = dict(parse_qsl(request.query)).get("type", "RFID")
                owner = await self._owner_of(module, segments[0], token_type)
                return await self._to_party(caller, requester, owner)
        raise UnknownReceiver(
            f"cannot tell the receiver of {request.method} on the {module} "
            f"{request.interface.lower()} interface: {_OPEN_HINT}"
        )

    async def _owner_of(self, module: ModuleID, object_id: str, object_type: str | None) -> Party:
        async with self.db.session() as session:
            owners = await hub_routes.held_owners(session, str(module), object_id, object_type)
        if len(owners) != 1:
            which = "no party" if not owners else "more than one party"
            raise UnknownReceiver(
                f"cannot tell the receiver: {which} owns a {module} object {object_id!r} the Hub "
                f"holds; {_OPEN_HINT}"
            )
        return owners[0]

    async def _to_party(self, caller: Caller, requester: Party, target: Party) -> Route:
        holder = await self._holder(target)
        if holder is None:
            raise UnknownReceiver(
                f"OCPI-to {target[0]}*{target[1]}: no party of that name is connected to this Hub"
            )
        partner = holder.partner
        if partner.id == caller.partner_id:
            raise UnknownReceiver(
                f"OCPI-to {target[0]}*{target[1]}: that is a party of your own connection"
            )
        registered = next(
            (
                (r.country_code, r.party_id)
                for r in partner.roles
                if same_party((r.country_code, r.party_id), target)
            ),
            None,
        )
        status = holder.connection_status
        if partner.status != PartnerStatus.REGISTERED or registered is None:
            raise ConnectionProblem(
                f"OCPI-to {target[0]}*{target[1]}: the party is not connected to this Hub"
            )
        if status in _NOT_CONNECTED:
            raise ConnectionProblem(
                f"OCPI-to {target[0]}*{target[1]}: the party is {status} at this Hub"
            )
        return Route(requester, registered, partner)

    async def _holder(self, party: Party) -> hub_routes.PartyHolder | None:
        key = (fold_id(party[0]), fold_id(party[1]))

        async def load() -> hub_routes.PartyHolder | None:
            async with self.db.session() as session:
                return await hub_routes.party_holder(session, *key)

        return await self._holders.get_or_load(key, load, keep=_connected)

    # -- forwarding ------------------------------------------------------------------------

    async def forward(
        self, caller: Caller, request: HubRequest, route: Route, correlation_id: str
    ) -> Forwarded:
        """Send ``request`` on to ``route``'s partner and return its answer (see the module
        docstring). 4000 when the partner has no endpoint for the interface or did not answer
        in OCPI, 4002/4003 as :class:`ForwardApi` raises them, 4003 when it refused our token."""
        partner, target = route.partner, route.target
        assert partner is not None, "a forwarded route"
        assert target is not None, "a forwarded route"
        if partner.version is not None and partner.version != "2.2.1":
            raise HubError(
                f"OCPI-to {target[0]}*{target[1]}: the party speaks OCPI {partner.version}; "
                "this Hub forwards OCPI 2.2.1 requests only"
            )
        endpoint = next(
            (
                e.url
                for e in partner.endpoints
                if e.identifier == request.module and e.role == request.interface
            ),
            None,
        )
        if endpoint is None:
            raise HubError(
                f"OCPI-to {target[0]}*{target[1]}: the party offers no "
                f"{request.module} {request.interface} endpoint"
            )
        query, body = await self._relayed(caller, request, route)
        their_base = endpoint.rstrip("/")
        url = their_base + request.rest + (f"?{query}" if query else "")
        headers = {"X-Correlation-ID": correlation_id} | routing_headers(route.requester, target)
        if request.body:
            headers["Content-Type"] = "application/json"
        answer = await self._send(
            ForwardCall(
                request.method,
                url,
                partner.outgoing_token or "",
                partner.encode_token,
                headers,
                body,
                self.timeout,
            ),
            f"{target[0]}*{target[1]}",
        )
        our_base = (
            f"{self.platform.public_url.rstrip('/')}/ocpi/2.2.1/"
            f"{request.interface.lower()}/{request.module}"
        )
        return Forwarded(answer, target, route.requester, url, their_base, our_base)

    async def _send(self, call: ForwardCall, who: str) -> ForwardAnswer:
        if self.forwarder is None:
            raise ConnectionProblem(f"{who}: this node cannot forward requests")
        status, headers, body = await self.forwarder.forward(
            call.method,
            call.url,
            token=call.token,
            encode_token=call.encode_token,
            headers=call.headers,
            body=call.body,
            timeout=call.timeout,
        )
        answer = ForwardAnswer(status, headers, body)
        if answer.status == 401:
            # Our token is not (or no longer) valid there: the connection is broken.
            raise ConnectionProblem(f"{who} refused the Hub's credentials (HTTP 401)")
        if not _is_envelope(answer.body):
            raise HubError(f"{who} answered HTTP {answer.status} without an OCPI response")
        return answer

    # -- relays ----------------------------------------------------------------------------

    async def _relayed(
        self, caller: Caller, request: HubRequest, route: Route
    ) -> tuple[str, bytes]:
        """The query and body to send: a ``response_url`` replaced by a relay of ours."""
        query, body = request.query, request.body
        if request.interface != InterfaceRole.RECEIVER:
            return query, body
        if request.module == ModuleID.COMMANDS and request.method == "POST":
            original = _json_object(body).get("response_url")
            if isinstance(original, str):
                relay = await self._add_relay(caller, request.module, original, route)
                body = _with_response_url(body, original, relay)
        elif request.module == ModuleID.CHARGINGPROFILES:
            if request.method in ("GET", "DELETE"):
                pairs = parse_qsl(query, keep_blank_values=True)
                original = dict(pairs).get("response_url")
                if original is not None:
                    relay = await self._add_relay(caller, request.module, original, route)
                    query = urlencode([(k, relay if k == "response_url" else v) for k, v in pairs])
            elif request.method == "PUT":
                original = _json_object(body).get("response_url")
                if isinstance(original, str):
                    relay = await self._add_relay(caller, request.module, original, route)
                    body = _with_response_url(body, original, relay)
        return query, body

    async def _add_relay(
        self, caller: Caller, module: ModuleID, original: str, route: Route
    ) -> str:
        assert route.target is not None
        async with self.db.session() as session, session.begin():
            requester = await load_partner(session, caller.partner_id)
            _check_response_url(original, requester)
            relay_id = str(uuid.uuid4())
            await hub_relays.add_relay(
                session,
                relay_id,
                partner_id=caller.partner_id,
                module=str(module),
                response_url=original,
                from_party=party_key(route.requester),
                to_party=party_key(route.target),
            )
            now = time.monotonic()
            if now - self._pruned_at >= self.PRUNE_EVERY:
                self._pruned_at = now
                await hub_relays.prune_relays(session, datetime.now(UTC) - self.RELAY_LIFETIME)
        return f"{self.platform.public_url.rstrip('/')}{RESULTS_PATH}/{relay_id}"

    async def relay(
        self,
        caller: Caller,
        relay_id: str,
        headers: Mapping[str, str],
        body: bytes,
        correlation_id: str,
    ) -> Forwarded:
        """A result POSTed to ``…/hub/results/{relay_id}``: sent on to the requester's own
        ``response_url`` with the requester's token, FROM the receiving party TO the requesting
        party. 404 when there is no such relay, or it was not addressed to a party of the
        caller."""
        async with self.db.session() as session:
            relay = await hub_relays.get_relay(session, relay_id)
        receiver = None if relay is None else parse_party(relay.to_party)
        if (
            relay is None
            or receiver is None
            or not any(same_party(party, receiver) for party in _held_parties(caller))
        ):
            raise NotFound(f"No result is expected at {RESULTS_PATH}/{relay_id}")
        named = named_party(headers, "from")
        if named is not None and not same_party(named, receiver):
            raise InvalidOrMissingParameters(
                f"OCPI-from-country-code/OCPI-from-party-id: {named[0]}*{named[1]} is not the "
                f"party this result is expected from ({receiver[0]}*{receiver[1]})"
            )
        # Written by _add_relay from a checked party: always "CC/PID".
        requester = parse_party(relay.from_party) or ("", "")
        who = f"{requester[0]}*{requester[1]}"
        async with self.db.session() as session:
            holder = await hub_routes.connected_partner(session, relay.partner_id)
        partner = None if holder is None else holder.partner
        if (
            holder is None
            or partner is None
            or partner.status != PartnerStatus.REGISTERED
            or holder.connection_status in _NOT_CONNECTED
        ):
            raise ConnectionProblem(f"{who}: the party is not connected to this Hub")
        call_headers = {"X-Correlation-ID": correlation_id} | routing_headers(receiver, requester)
        if body:
            call_headers["Content-Type"] = "application/json"
        answer = await self._send(
            ForwardCall(
                "POST",
                relay.response_url,
                partner.outgoing_token or "",
                partner.encode_token,
                call_headers,
                body,
                self.timeout,
            ),
            who,
        )
        return Forwarded(answer, requester, receiver, relay.response_url)


def _connected(holder: hub_routes.PartyHolder | None) -> bool:
    return (
        holder is not None
        and holder.partner.status == PartnerStatus.REGISTERED
        and holder.connection_status not in _NOT_CONNECTED
    )


def _held_parties(caller: Caller) -> list[Party]:
    """The caller's parties (granted and registered), each once, in registration order."""
    parties: list[Party] = []
    for _, country_code, party_id in caller.roles:
        if not any(same_party(p, (country_code, party_id)) for p in parties):
            parties.append((country_code, party_id))
    return parties


def _served_here(request: HubRequest) -> bool:
    """Whether the Hub answers this request addressed to itself: GET lists (GET All), GET of
    one held Location, Receiver pushes and reads of Locations, Tariffs and Tokens (Broadcast
    Push)."""
    if request.interface == InterfaceRole.SENDER:
        return request.method == "GET" and (
            not request.segments or request.module in (ModuleID.LOCATIONS, ModuleID.TARIFFS)
        )
    return request.module in _BROADCAST and request.method in ("GET", "PUT", "PATCH", "DELETE")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        found = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def _party_in(value: object) -> Party | None:
    if not isinstance(value, dict):
        return None
    country_code, party_id = value.get("country_code"), value.get("party_id")
    if isinstance(country_code, str) and isinstance(party_id, str) and country_code and party_id:
        return country_code, party_id
    return None


def _is_envelope(body: bytes) -> bool:
    """Whether ``body`` is an OCPI response (transport_and_format.asciidoc "Response format"):
    a JSON object with an integer ``status_code`` and a ``timestamp``.

    Looked for at the ends of the body first: an envelope writes them before or after ``data``
    (ours after it, ``envelope_bytes``), and a forwarded page (50 Locations, ≈ 90 kB) is passed
    on, not parsed; parsing it cost more than the rest of the forwarding. An answer with both
    members elsewhere is parsed whole. The Hub only tells an OCPI answer from an error page
    here: the body is the receiving party's and goes back as it came.
    """
    text = body.strip()
    if not (text.startswith(b"{") and text.endswith(b"}")):
        return False
    ends = (text,) if len(text) <= 2 * _ENDS else (text[:_ENDS], text[-_ENDS:])
    if any(_STATUS_CODE_MEMBER.search(end) for end in ends) and any(
        _TIMESTAMP_MEMBER.search(end) for end in ends
    ):
        return True
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return (
        isinstance(found, dict)
        and type(found.get("status_code")) is int
        and isinstance(found.get("timestamp"), str)
    )


#: How many bytes at each end of an answer :func:`_is_envelope` looks at before parsing it.
_ENDS = 512
_STATUS_CODE_MEMBER = re.compile(rb'[{,]\s*"status_code"\s*:\s*-?[0-9]+\s*[,}]')
_TIMESTAMP_MEMBER = re.compile(rb'[{,]\s*"timestamp"\s*:\s*"')


_RESPONSE_URL = re.compile(rb'"response_url"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _with_response_url(body: bytes, original: str, relay: str) -> bytes:
    """``body`` with its top-level ``response_url`` replaced, every other byte kept; re-encoded
    only when the key cannot be found once as written."""
    matches = [
        m
        for m in _RESPONSE_URL.finditer(body)
        if orjson.loads(b'"' + m.group(1) + b'"') == original
    ]
    if len(matches) == 1:
        start, end = matches[0].span(1)
        return body[:start] + orjson.dumps(relay)[1:-1] + body[end:]
    document = _json_object(body)
    document["response_url"] = relay
    return orjson.dumps(document)


def _check_response_url(url: str, requester: PartnerRecord) -> None:
    """A ``response_url`` must lie on the requester's own platform: the origin (scheme, host,
    port) of its versions URL or of one of its endpoints. The Hub POSTs the result there with
    the requester's token, so nothing else may be named (docs/spec-decisions.md "Next links
    stay on the endpoint's origin", alike)."""
    if len(url) > 255:
        raise InvalidOrMissingParameters("response_url: a URL of at most 255 characters")
    origin = _origin(url)
    known = {_origin(u) for u in (requester.versions_url, *(e.url for e in requester.endpoints))}
    if origin is None or origin not in known:
        raise InvalidOrMissingParameters(
            f"response_url {url!r}: not on your platform (the origin of your versions URL or "
            "endpoints)"
        )


def _origin(url: str | None) -> tuple[str, str, int] | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)
