"""Credentials and registration (credentials.asciidoc), both sides of the handshake.

Tokens, named as in the spec's registration sequence:

* **A** — created by the receiving party (``invite``) and handed over out of band. Valid only on
  versions and credentials, and only until registration completes.
* **B** — created by the initiating party and sent in its credentials POST; the receiver uses it
  for every later call to the initiator.
* **C** — created by the receiver in answer to the POST; the initiator uses it from then on.

For each partner openroam keeps one token it *verifies* (the one the partner calls us with: B or
C depending on who initiated; stored only as a hash) and one token it *sends* (stored as given).
A connection may also start from a token agreed out of band (:meth:`CredentialsService.add_partner`,
``openroam partners add``): no credentials handshake, only version negotiation and endpoint
discovery with that token.

The token we send goes Base64-encoded in the Authorization header (transport_and_format.asciidoc
"Authorization header"), or raw for partners that expect that: chosen by the operator
(``--raw-token``, which then holds), or else taken from the partner's own credentials POST or PUT
— a partner whose header carried its token raw is called back, and from then on called, raw.
A 2.1.1 partner is called raw (transport_and_format.md "Authorization header") unless the
operator chose.

Versions: the newest version both this node (``Platform.versions``, setting ``ocpi_versions``)
and the partner offer, whenever we initiate (register, add, rotate); the version of the
credentials endpoint called when the partner does (credentials.md 1.2, 1.3). A 2.1.1 partner's
credentials and endpoints are converted at this edge (``openroam._convert``): its role is the CPO
or EMSP role granted for the party it names.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from openroam._convert.credentials import credentials_from_v211, credentials_to_v211
from openroam._convert.versions import endpoints_from_v211
from openroam._services import hub_clients
from openroam._services.marked_cache import MarkedCache
from openroam._services.platform import Platform
from openroam._services.ttl_cache import TtlCache
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import (
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NoMatchingEndpoints,
    NotFound,
    OcpiError,
    ServerError,
    UnableToUseClientApi,
    Unauthorized,
    UnsupportedVersion,
)
from openroam.models.common import OcpiModel, fold_id
from openroam.models.v211 import credentials as v211_credentials
from openroam.models.v211 import versions as v211_versions
from openroam.models.v221.credentials import Credentials, CredentialsRole
from openroam.models.v221.types import Role
from openroam.models.v221.versions import (
    Endpoint,
    ModuleID,
    Version,
    VersionDetails,
    choose_version,
)

__all__ = [
    "Caller",
    "Connected",
    "CredentialsService",
    "PartnerApi",
    "PartnerApiFactory",
    "new_token",
    "opposite_role",
    "parse_grant",
    "v211_role",
]


class PartnerApi(Protocol):
    """The calls to a partner that registration needs (implemented by ``client.OcpiClient``)."""

    async def get_versions(self, url: str) -> list[Version]: ...
    async def get_version_details(self, url: str) -> VersionDetails: ...
    async def get_credentials(self, url: str) -> Credentials: ...
    async def post_credentials(self, url: str, credentials: Credentials) -> Credentials: ...
    async def put_credentials(self, url: str, credentials: Credentials) -> Credentials: ...
    async def delete_credentials(self, url: str) -> None: ...
    async def get_version_details_v211(self, url: str) -> v211_versions.VersionDetails: ...
    async def get_credentials_v211(self, url: str) -> v211_credentials.Credentials: ...
    async def post_credentials_v211(
        self, url: str, credentials: v211_credentials.Credentials
    ) -> v211_credentials.Credentials: ...
    async def put_credentials_v211(
        self, url: str, credentials: v211_credentials.Credentials
    ) -> v211_credentials.Credentials: ...
    async def aclose(self) -> None: ...


T = TypeVar("T")
M = TypeVar("M", bound=OcpiModel)


def _parsed(model: type[M], document: Any) -> M:
    """A converted JSON document read as ``model`` (strict models read enums from JSON text)."""
    return model.from_json(json.dumps(document))


#: Seconds a verified token is trusted without a database lookup (see ``authenticate``): a token
#: rotated or revoked by another process stops working at most this much later.
TOKEN_TTL = 1.0

PartnerApiFactory = Callable[[str, bool], PartnerApi]
"""``factory(token, encode_token)``: a PartnerApi that authenticates with ``token``."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The partner behind an authenticated request."""

    partner_id: int
    partner_name: str
    token: str
    #: "A" for an invitation token, "C" for the token of a registered (or registering) partner.
    token_kind: str
    status: str
    #: (role, country_code, party_id) of each CredentialsRole the partner registered that is
    #: granted to it (only those count)
    roles: tuple[tuple[str, str, str], ...] = ()
    #: for a Hub: the parties (folded country_code, party_id) other partners hold, which it may
    #: not speak for (a party belongs to one partner connection)
    held_elsewhere: frozenset[tuple[str, str]] = frozenset()
    #: its objects are read leniently (``_services/reading.py``), not strictly
    lenient: bool = False

    @property
    def hub(self) -> bool:
        return any(role == Role.HUB for role, _, _ in self.roles)

    @property
    def registered(self) -> bool:
        return self.token_kind != "A" and self.status == repo.PartnerStatus.REGISTERED

    @property
    def suspended(self) -> bool:
        """Paused by our operator (``_services/partner_actions.py``): its calls are refused."""
        return self.status == repo.PartnerStatus.SUSPENDED


def _trusted_for_a_while(caller: Caller | None) -> bool:
    # Not an unknown token, nor one of a partner that is not registered (``authenticate``).
    return caller is not None and caller.status == repo.PartnerStatus.REGISTERED


def parse_grant(role: str, party: str) -> repo.Grant:
    """A grant from a role name (``EMSP``) and a party written ``CC*PID`` (``DE*XXX``; ``-``
    or ``/`` may stand for ``*``). ``InvalidOrMissingParameters`` for anything else."""
    try:
        granted = Role(role.strip().upper())
    except ValueError:
        names = ", ".join(str(r) for r in Role)
        raise InvalidOrMissingParameters(f"role {role!r}: one of {names}") from None
    text = party.strip()
    for separator in ("*", "/", "-"):
        country_code, found, party_id = text.partition(separator)
        if found:
            break
    # credentials.asciidoc "CredentialsRole class": country_code CiString(2), party_id CiString(3)
    if not (
        found
        and len(country_code) == 2
        and 1 <= len(party_id) <= 3
        and (country_code + party_id).isascii()
        and (country_code + party_id).isalnum()
    ):
        raise InvalidOrMissingParameters(f"party {party!r}: expected COUNTRY*PARTY, e.g. DE*ABC")
    return repo.Grant(granted, country_code.upper(), party_id.upper())


def _claims(roles: Iterable[CredentialsRole | repo.PartnerRoleRecord]) -> list[repo.Grant]:
    return [repo.Grant(Role(str(r.role)), r.country_code, r.party_id) for r in roles]


def new_token() -> str:
    """A fresh credentials token: 43 URL-safe characters, within U+0021-U+007E and at most 64
    (credentials.asciidoc "Credentials object")."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What the partner's versions and version details told us."""

    version: str
    endpoints: list[Endpoint]

    def url_of(self, module: ModuleID) -> str | None:
        return next((e.url for e in self.endpoints if e.identifier == module), None)


async def _call(what: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except OcpiError as error:
        raise UnableToUseClientApi(f"{what} failed: {error.message}") from error


V211 = "2.1.1"

#: The roles of a 2.1.1 connection: one CPO and one eMSP (credentials.md 3.1 "Registration").
_V211_ROLES = (Role.CPO, Role.EMSP)


def opposite_role(role: Role) -> Role:
    """The other side of a 2.1.1 connection (CPO ⇄ EMSP)."""
    return Role.EMSP if role == Role.CPO else Role.CPO


def v211_role(grants: Sequence[repo.Grant], party: tuple[str, str] | None = None) -> Role:
    """The role a 2.1.1 partner plays: the CPO or EMSP role granted to it (for ``party``, a
    (country_code, party_id), when given). 2001 when no such grant exists: 2.1.1 credentials
    carry no role, so the grant decides it, and a party not granted may not be claimed."""
    for grant in grants:
        if grant.role not in _V211_ROLES:
            continue
        if party is None or grant.party_key() == (fold_id(party[0]), fold_id(party[1])):
            return grant.role
    allowed = ", ".join(str(g) for g in grants) or "nothing"
    if party is not None:
        raise InvalidOrMissingParameters(
            f"country_code/party_id: {party[0]}*{party[1]} is not granted to this connection "
            f"as a CPO or an EMSP (granted: {allowed})"
        )
    raise InvalidOrMissingParameters(
        f"an OCPI 2.1.1 partner is a CPO or an EMSP; this connection is granted {allowed}"
    )


async def discover(
    api: PartnerApi,
    versions_url: str,
    offered: Sequence[str],
    *,
    partner_role: Role | None = None,
    need_credentials: bool = True,
    versions: list[Version] | None = None,
) -> Discovery:
    """GET the partner's versions (unless given) and the details of the highest version both
    ``offered`` (the versions of ours that may be used) and the partner support.

    A 2.1.1 partner's endpoints carry no role: they are inferred from ``partner_role`` (the role
    granted to it, ``_convert/versions.py``) and stored in the 2.2.1 shape.
    Raises 3001 when a call fails, 3002 when there is no mutual version, 3003 when the partner
    has no credentials endpoint and ``need_credentials`` (credentials.asciidoc "Errors during
    registration").
    """
    if versions is None:
        versions = await _call(f"GET {versions_url}", api.get_versions(versions_url))
    chosen = choose_version(offered, versions)
    if chosen is None:
        theirs = ", ".join(str(v.version) for v in versions) or "none"
        ours = ", ".join(offered)
        raise UnsupportedVersion(f"No mutual OCPI version: partner offers {theirs}; we {ours}")
    version = str(chosen.version)
    if version == V211:
        if partner_role is None:
            raise InvalidOrMissingParameters("an OCPI 2.1.1 partner needs a CPO or EMSP grant")
        found = await _call(f"GET {chosen.url}", api.get_version_details_v211(chosen.url))
        documents = [e.model_dump(mode="json") for e in found.endpoints]
        converted = endpoints_from_v211(documents, str(partner_role))
        endpoints = [_parsed(Endpoint, e) for e in converted]
    else:
        details = await _call(f"GET {chosen.url}", api.get_version_details(chosen.url))
        endpoints = list(details.endpoints)
    discovery = Discovery(version=version, endpoints=endpoints)
    if need_credentials and discovery.url_of(ModuleID.CREDENTIALS) is None:
        raise NoMatchingEndpoints(f"The partner's {chosen.version} details list no credentials")
    return discovery


@dataclass(frozen=True, slots=True)
class Connected:
    """A partner connected with a token agreed out of band (``CredentialsService.add_partner``)."""

    partner: repo.PartnerRecord
    #: the token the partner calls us with: shown once, stored only as a hash
    token: str
    #: where the partner's roles came from: ``"credentials"`` (its credentials GET) or
    #: ``"grants"`` (it offers no credentials endpoint, or the GET failed: ``note`` says why)
    roles_from: str
    note: str | None = None


class CredentialsService:
    """Registration, token rotation and unregistration, as server and as client."""

    def __init__(self, db: Database, platform: Platform, api_factory: PartnerApiFactory) -> None:
        self.db = db
        self.platform = platform
        self.api_factory = api_factory
        self._callers: TtlCache[tuple[str, ...], Caller | None] = TtlCache(TOKEN_TTL)
        self._exact_callers: MarkedCache[tuple[str, ...], Caller] = MarkedCache()
        #: told of each authenticated request of a registered partner (a Hub node's liveness
        #: bookkeeping, ``_services/hub_clients.py``); None elsewhere
        self.seen: Callable[[int], Awaitable[None]] | None = None

    # --- authentication ----------------------------------------------------------------------

    async def authenticate(self, candidates: list[str]) -> Caller | None:
        """The partner that owns one of the candidate tokens (Base64-decoded first, then raw).

        Runs on every request, so a token found is trusted for :data:`TOKEN_TTL` seconds without
        asking the database again — on SQLite for as long as nothing was committed since. Token
        and status changes made through this service take effect at once (:meth:`_changing`
        forgets every cached token); one made by another process (the CLI, another ``serve``) at
        most ``TOKEN_TTL`` seconds later. An unknown
        token is never cached, nor one of a partner that is not registered: a registration that
        another process (``openroam register``) is completing must take effect at once, or the
        partner's first calls with its new token are refused for up to ``TOKEN_TTL``.
        Concurrent requests with one token share one lookup; one that comes after this service
        changed the partners does not join a lookup started before.
        """
        key = tuple(candidates)
        caller = self._callers.get(key)
        if caller is None:
            # Concurrent requests with one token share one lookup: when the cache expires on a
            # node being written to, every request in flight would otherwise query the database.
            caller = await self._callers.get_or_load(
                key, lambda: self._look_up(key), keep=_trusted_for_a_while
            )
        if self.seen is not None and caller is not None and caller.registered:
            await self.seen(caller.partner_id)
        return caller

    async def _look_up(self, candidates: tuple[str, ...]) -> Caller | None:
        """The caller of ``candidates`` read again (:meth:`authenticate` keeps it if trusted)."""
        # On SQLite a lookup stays exact while nothing was committed since (any process): no
        # database round trip at each expiry. Those round trips went through aiosqlite's thread,
        # which waits for the busy event loop's GIL; at every expiry the requests in flight all
        # queued behind them (a p99 of ~100 ms under load).
        marker = self.db.change_marker()
        exact = self._exact_callers.get(candidates, marker)
        if exact is not None:
            # Confirmed current just now: trusted for TOKEN_TTL again, as after a lookup (else
            # every request after the first expiry would read the marker).
            return exact
        caller = await self._find_caller(list(candidates))
        if caller is not None and _trusted_for_a_while(caller):
            self._exact_callers.put(candidates, marker, caller)
        return caller

    def forget_callers(self) -> None:
        """Look every token up again at its next use: a partner's setting changed outside this
        service (its reading policy, ``_services/reading.py``)."""
        self._callers.clear()
        self._exact_callers.clear()

    @asynccontextmanager
    async def _changing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction on partners: afterwards every token is looked up again."""
        try:
            async with self.db.session() as session, session.begin():
                yield session
        finally:
            self._callers.clear()
            self._exact_callers.clear()

    async def _find_caller(self, candidates: list[str]) -> Caller | None:
        async with self.db.session() as session:
            for token in candidates:
                found = await repo.find_partner_by_token(session, token)
                if found is not None:
                    partner, kind = found
                    roles = tuple((str(r.role), r.country_code, r.party_id) for r in partner.roles)
                    held: frozenset[tuple[str, str]] = frozenset()
                    if any(r.role == Role.HUB for r in partner.roles):
                        others = await repo.held_parties(session, except_partner=partner.id)
                        held = frozenset(others)
                    return Caller(
                        partner.id,
                        partner.name,
                        token,
                        str(kind),
                        str(partner.status),
                        roles,
                        held,
                        lenient=partner.reading_policy == "lenient",
                    )
        return None

    def own_credentials(self, token: str) -> Credentials:
        """Our Credentials object with the token the partner must use to call us."""
        return Credentials(
            token=token, url=self.platform.versions_url, roles=self.platform.credentials_roles()
        )

    # --- OCPI 2.1.1: one CPO and one eMSP per connection --------------------------------------

    def own_credentials_v211(self, token: str, partner_role: Role) -> v211_credentials.Credentials:
        """Our 2.1.1 Credentials (credentials.md 2.1): the own party of the side opposite the
        partner's role, with the token the partner must use to call us."""
        flat = credentials_to_v211(
            self.own_credentials(token).model_dump(mode="json", exclude_none=True),
            str(opposite_role(partner_role)),
        )
        return _parsed(v211_credentials.Credentials, flat)

    async def grants_of(self, partner_id: int) -> tuple[repo.Grant, ...]:
        """What the partner may be (an invitation's grants for a token A)."""
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        return partner.grants if partner is not None else ()

    async def v211_role_of(self, caller: Caller, party: tuple[str, str] | None = None) -> Role:
        """The role of a 2.1.1 caller: its registered CPO or EMSP role, else its grant's (for
        ``party``, (country_code, party_id), when given; 2001 when not granted)."""
        if party is None:
            for role, _, _ in caller.roles:
                if role in _V211_ROLES:
                    return Role(role)
        return v211_role(await self.grants_of(caller.partner_id), party)

    async def accept_v211(
        self,
        caller: Caller,
        theirs: v211_credentials.Credentials,
        *,
        sent_raw: bool = False,
        update: bool = False,
    ) -> v211_credentials.Credentials:
        """POST (``update`` false) or PUT on our 2.1.1 credentials endpoint (credentials.md 1.2,
        1.3): the partner's role is the one granted to the party it names; it is registered on
        (or moved to) 2.1.1, and answered with our 2.1.1 credentials."""
        if not update and caller.token_kind != "A":
            raise MethodNotAllowed("Already registered: use PUT to update the credentials")
        if update and not caller.registered:
            raise MethodNotAllowed("Not registered: use POST to register first")
        role = await self.v211_role_of(caller, (theirs.country_code, theirs.party_id))
        converted = _parsed(
            Credentials,
            credentials_from_v211(theirs.model_dump(mode="json", exclude_none=True), str(role)),
        )
        accept = self.accept_update if update else self.accept_registration
        ours = await accept(caller, converted, sent_raw=sent_raw, version=V211)
        return self.own_credentials_v211(ours.token, role)

    # --- grants: what a partner may be --------------------------------------------------------

    def _own_parties(self) -> set[tuple[str, str]]:
        return {(fold_id(p.country_code), fold_id(p.party_id)) for p in self.platform.parties}

    async def _check_free(
        self, session: AsyncSession, partner_id: int | None, parties: Sequence[repo.Grant]
    ) -> None:
        """Each of ``parties`` is neither one of ours nor held by another partner (2001).

        Call it after ``repo.lock_grants`` in the transaction that then stores what it checked.
        """
        own = self._own_parties()
        held = await repo.held_parties(session, except_partner=partner_id)
        for grant in parties:
            if grant.party_key() in own:
                raise InvalidOrMissingParameters(
                    f"{grant}: {grant.country_code}*{grant.party_id} is one of our own parties"
                )
            if grant.party_key() in held:
                raise InvalidOrMissingParameters(
                    f"{grant}: {grant.country_code}*{grant.party_id} belongs to another partner"
                )

    async def _check_claims(
        self, session: AsyncSession, partner_id: int, claimed: Sequence[repo.Grant]
    ) -> None:
        """The roles a partner registers (or returns to our registration) must each be granted
        to it, and its parties free (docs/spec-decisions.md "Roles a partner is not granted")."""
        await repo.lock_grants(session)
        partner = await repo.get_partner(session, partner_id)
        granted = {grant.key() for grant in partner.grants} if partner is not None else set()
        refused = [claim for claim in claimed if claim.key() not in granted]
        if refused:
            allowed = ", ".join(str(g) for g in partner.grants) if partner is not None else ""
            raise InvalidOrMissingParameters(
                "roles: not granted to this connection: "
                + ", ".join(str(claim) for claim in refused)
                + f" (granted: {allowed or 'nothing'})"
            )
        await self._check_free(session, partner_id, claimed)

    @staticmethod
    def _require_grants(grants: Sequence[repo.Grant]) -> list[repo.Grant]:
        if not grants:
            raise InvalidOrMissingParameters("grant at least one role (--role ROLE --party CC*PID)")
        return list(dict.fromkeys(grants))

    async def change_grants(self, name: str, grants: Sequence[repo.Grant]) -> repo.PartnerRecord:
        """Replace what the partner called ``name`` may be; recorded with the time and the grants
        before and after. A registered role no longer granted stops counting at once (its
        objects are no longer served to it, nor its pushes under that party accepted)."""
        wanted = self._require_grants(grants)
        async with self._changing() as session:
            partner = await repo.get_partner_by_name(session, name)
            if partner is None:
                raise NotFound(f"No partner named {name!r}")
            await repo.lock_grants(session)
            await self._check_free(session, partner.id, wanted)
            return await repo.set_grants(session, partner.id, wanted, "grant")

    # --- server side: the partner calls our credentials endpoint ------------------------------

    async def accept_registration(
        self, caller: Caller, theirs: Credentials, *, sent_raw: bool = False, version: str = "2.2.1"
    ) -> Credentials:
        """POST credentials: the partner registers with the token A we gave it. ``sent_raw``:
        its Authorization header carried token A raw, not Base64-encoded; it is then called
        with its token B raw too (unless the operator chose the encoding). ``version``: the
        version of the credentials endpoint called, which the connection then uses."""
        if caller.token_kind != "A":
            raise MethodNotAllowed("Already registered: use PUT to update the credentials")
        return await self._accept(caller, theirs, sent_raw, version)

    async def accept_update(
        self, caller: Caller, theirs: Credentials, *, sent_raw: bool = False, version: str = "2.2.1"
    ) -> Credentials:
        """PUT credentials: new token, new version or new endpoints of a registered partner
        (``sent_raw`` and ``version`` as for :meth:`accept_registration`: a PUT on the other
        version's credentials endpoint moves the partner to that version, credentials.md 1.3)."""
        if not caller.registered:
            raise MethodNotAllowed("Not registered: use POST to register first")
        return await self._accept(caller, theirs, sent_raw, version)

    async def accept_unregistration(self, caller: Caller) -> None:
        """DELETE credentials: the partner ends the connection; its token stops working."""
        if not caller.registered:
            raise MethodNotAllowed("Not registered")
        async with self._changing() as session:
            await repo.unregister(session, caller.partner_id)
            await self._connection(session, caller.partner_id, hub_clients.SUSPENDED)

    async def _connection(self, session: AsyncSession, partner_id: int, status: str) -> None:
        """On a Hub node, the partner's ConnectionStatus changes with its registration (and the
        other parties are told: ``_services/hub_clients.py``)."""
        await hub_clients.record_connection(session, self.platform, partner_id, status)

    async def _accept(
        self, caller: Caller, theirs: Credentials, sent_raw: bool, version: str
    ) -> Credentials:
        # The claimed roles first: a partner claiming what it was not granted is not called back.
        claimed = _claims(theirs.roles)
        async with self.db.session() as session, session.begin():
            await self._check_claims(session, caller.partner_id, claimed)
            partner = await repo.get_partner(session, caller.partner_id)
        # The partner is called as it called us (raw or Base64), unless the operator chose; a
        # 2.1.1 partner raw (transport_and_format.md "Authorization header": not encoded).
        if partner is not None and partner.encode_token_fixed:
            encode = partner.encode_token
        else:
            encode = not sent_raw and version != V211
        # credentials.asciidoc POST/PUT: fetch the client's versions and details with the token it
        # sent (B), while its request is still open; then issue a new token C. The details are
        # those of this endpoint's version (credentials.md 1.2, 1.3).
        api = self.api_factory(theirs.token, encode)
        try:
            discovery = await discover(
                api, theirs.url, (version,), partner_role=_v211_role_or_none(theirs.roles)
            )
        finally:
            await api.aclose()
        token_c = new_token()
        async with self._changing() as session:
            if caller.token_kind == "A" and not await repo.holds_invitation(
                session, caller.partner_id, caller.token
            ):
                # Another POST with this token A registered while ours fetched the callbacks.
                raise MethodNotAllowed("Already registered: this token A has been used")
            # Again under the lock: the grants may have changed while we fetched the callbacks.
            await self._check_claims(session, caller.partner_id, claimed)
            await repo.save_registration(
                session,
                caller.partner_id,
                versions_url=theirs.url,
                version=discovery.version,
                roles=theirs.roles,
                endpoints=discovery.endpoints,
                incoming_token=token_c,
                outgoing_token=theirs.token,
                status=repo.PartnerStatus.REGISTERED,
                encode_token=encode,
            )
            await self._connection(session, caller.partner_id, hub_clients.CONNECTED)
        return self.own_credentials(token_c)

    # --- client side: we call the partner's credentials endpoint ------------------------------

    async def invite(
        self, name: str, *, grants: Sequence[repo.Grant], raw_token: bool = False
    ) -> str:
        """Create a token A for a new partner, which may register as what ``grants`` allow (at
        least one; none may name one of our parties or a party another partner holds: 2001).
        It registers with our versions URL and this token. ``raw_token``: the partner expects
        its tokens un-encoded; it is called so whatever its own calls carry."""
        wanted = self._require_grants(grants)
        _check_name(name)
        token_a = new_token()
        async with self._changing() as session:
            await repo.lock_grants(session)
            existing = await repo.get_partner_by_name(session, name)
            await self._check_free(session, existing.id if existing else None, wanted)
            invited = await repo.create_invitation(
                session, name, token_a, wanted, raw_token=raw_token
            )
            await self._connection(session, invited.id, hub_clients.PLANNED)
        return token_a

    async def register_with(
        self,
        name: str,
        versions_url: str,
        token_a: str,
        *,
        grants: Sequence[repo.Grant],
        encode_token: bool = True,
    ) -> repo.PartnerRecord:
        """Register with a partner that gave us ``versions_url`` and ``token_a``; it may be what
        ``grants`` allow, as for :meth:`invite`.

        The registration sequence: GET versions, GET details (token A), check that the partner has
        a credentials endpoint (if not, do not POST: 3003), store a fresh token B so the partner's
        callbacks during the POST are accepted, POST our credentials with B, store C. When the
        roles the partner answers with are not granted, the registration is undone (DELETE at
        the partner, tokens forgotten here) and refused (2001).
        """
        wanted = self._require_grants(grants)
        async with self._changing() as session:
            await repo.lock_grants(session)
            existing = await repo.get_partner_by_name(session, name)
            await self._check_free(session, existing.id if existing else None, wanted)
            partner = await repo.create_partner_for_outgoing_registration(
                session, name, versions_url, token_a, encode_token=encode_token, grants=wanted
            )
        try:
            return await self._send_credentials(partner, token_a, encode_token, method="POST")
        except BaseException:
            # A failed registration leaves no half-made partner holding its grants' parties
            # (they could not be granted to the partner's next attempt under another name).
            async with self._changing() as session:
                await repo.unregister(session, partner.id)
            raise

    async def add_partner(
        self,
        name: str,
        versions_url: str,
        token: str,
        *,
        grants: Sequence[repo.Grant],
        raw_token: bool = False,
    ) -> Connected:
        """Connect to a partner with a token ``token`` (C) agreed out of band, without the
        credentials handshake: GET its versions and the details of the newest version both offer
        with that token, store its endpoints, C as the token we send (raw when ``raw_token``, or
        to a 2.1.1 partner), ``grants`` as for :meth:`invite`, and a new token of ours for the
        partner to call us with (returned once, stored as a hash). The partner is registered at
        once.

        Its roles: when it offers a credentials endpoint, its credentials GET (with C) says them,
        and each must be granted (2001 otherwise, as at registration); without one, or when that
        GET fails, the grants are its roles. Nothing is stored unless every step succeeded:
        3001 when the versions URL cannot be used or refuses C, 3002 without a mutual version
        (a 2.1.1 partner needs a CPO or EMSP grant, 2001 otherwise), 2001 for
        grants that cannot be given or a name in use.
        """
        wanted = self._require_grants(grants)
        _check_connection(name, versions_url, token)
        async with self.db.session() as session:
            existing = await repo.get_partner_by_name(session, name)
            _name_free(name, existing)
            # Before calling the partner (again under the lock when storing).
            await self._check_free(session, existing.id if existing else None, wanted)
        try:
            api, versions, encode = await self._connect(
                token, not raw_token, raw_token, versions_url
            )
        except ServerError as error:
            raise _partner_failed(error, raw_token) from error
        try:
            discovery = await discover(
                api,
                versions_url,
                self.platform.versions,
                partner_role=_v211_grant_or_none(wanted),
                need_credentials=False,
                versions=versions,
            )
            roles, roles_from, note = await _roles_of(api, discovery, wanted, name)
        except ServerError as error:
            raise _partner_failed(error, raw_token) from error
        finally:
            await api.aclose()
        ours = new_token()
        async with self._changing() as session:
            await repo.lock_grants(session)
            existing = await repo.get_partner_by_name(session, name)
            _name_free(name, existing)
            await self._check_free(session, existing.id if existing else None, wanted)
            partner = await repo.create_connected_partner(
                session,
                name,
                versions_url=versions_url,
                version=discovery.version,
                roles=roles,
                endpoints=discovery.endpoints,
                incoming_token=ours,
                outgoing_token=token,
                raw_token=raw_token,
                grants=wanted,
                encode_token=encode,
            )
            await self._connection(session, partner.id, hub_clients.CONNECTED)
        return Connected(partner, ours, roles_from, note)

    async def rotate_token(self, name: str) -> repo.PartnerRecord:
        """Credentials PUT: give the partner a new token B and receive a new token C."""
        partner = await self._registered(name)
        assert partner.outgoing_token is not None
        return await self._send_credentials(
            partner, partner.outgoing_token, partner.encode_token, method="PUT"
        )

    async def unregister(self, name: str) -> None:
        """Credentials DELETE at the partner, then forget its tokens here. A partner connected
        with an agreed token that offers no credentials endpoint is only forgotten here."""
        partner = await self._registered(name)
        assert partner.outgoing_token is not None
        url = _credentials_url(partner)
        if url is not None:
            api = self.api_factory(partner.outgoing_token, partner.encode_token)
            try:
                await api.delete_credentials(url)
            finally:
                await api.aclose()
        async with self._changing() as session:
            await repo.unregister(session, partner.id)
            await self._connection(session, partner.id, hub_clients.SUSPENDED)

    async def _registered(self, name: str) -> repo.PartnerRecord:
        async with self.db.session() as session:
            partner = await repo.get_partner_by_name(session, name)
        if partner is None:
            raise NotFound(f"No partner named {name!r}")
        if partner.status != repo.PartnerStatus.REGISTERED or partner.outgoing_token is None:
            raise MethodNotAllowed(f"Partner {name!r} is not registered")
        return partner

    async def _connect(
        self, token: str, encode: bool, fixed: bool, versions_url: str
    ) -> tuple[PartnerApi, list[Version], bool]:
        """GET the partner's versions with ``token``; the client to go on with and how it sends
        the token. Unless the operator fixed the encoding (``fixed``), a 2.1.1 partner gets it raw
        (transport_and_format.md "Authorization header"), a 2.2.1 one Base64-encoded; and when
        this node offers 2.1.1, a versions GET refused (401) is tried once with the other
        encoding: the partner's version is not known before its versions are read."""
        api = self.api_factory(token, encode)
        try:
            versions = await api.get_versions(versions_url)
        except Unauthorized as error:
            await api.aclose()
            if fixed or not self.platform.offers(V211):
                raise UnableToUseClientApi(f"GET {versions_url} failed: {error.message}") from error
            encode = not encode
            api = self.api_factory(token, encode)
            try:
                versions = await _call(f"GET {versions_url}", api.get_versions(versions_url))
            except BaseException:
                await api.aclose()
                raise
        except OcpiError as error:
            await api.aclose()
            raise UnableToUseClientApi(f"GET {versions_url} failed: {error.message}") from error
        except BaseException:
            await api.aclose()
            raise
        chosen = choose_version(self.platform.versions, versions)
        if chosen is not None and not fixed:
            wanted = str(chosen.version) != V211
            if wanted != encode:
                await api.aclose()
                encode = wanted
                api = self.api_factory(token, encode)
        return api, versions, encode

    async def _send_credentials(
        self, partner: repo.PartnerRecord, token: str, encode_token: bool, *, method: str
    ) -> repo.PartnerRecord:
        if partner.versions_url is None:
            raise NotFound(f"No versions URL known for partner {partner.name!r}")
        versions_url = partner.versions_url
        # The newest version both offer, each time (a PUT may move the partner to it).
        api, versions, encode = await self._connect(
            token, encode_token, partner.encode_token_fixed, versions_url
        )
        try:
            discovery = await discover(
                api,
                versions_url,
                self.platform.versions,
                partner_role=_v211_grant_or_none(partner.grants),
                versions=versions,
            )
            url = discovery.url_of(ModuleID.CREDENTIALS)
            assert url is not None  # discover() checked it
            token_b = new_token()
            # Accepted before we send it: the partner calls back with it while our request is
            # open. During a PUT the old token stays valid until the new one is confirmed.
            async with self._changing() as session:
                await repo.set_incoming_token(session, partner.id, token_b)
            try:
                if discovery.version == V211:
                    theirs = await self._send_v211(api, partner, url, token_b, method)
                else:
                    send = api.post_credentials if method == "POST" else api.put_credentials
                    theirs = await send(url, self.own_credentials(token_b))
            except BaseException:
                async with self._changing() as session:
                    await repo.cancel_token_rotation(session, partner.id)
                raise
        finally:
            await api.aclose()
        claimed = _claims(theirs.roles)
        refusal: InvalidOrMissingParameters | None = None
        try:
            async with self._changing() as session:
                await self._check_claims(session, partner.id, claimed)
        except InvalidOrMissingParameters as error:
            refusal = error
        if refusal is not None and method == "POST":
            await self._undo_registration(partner, url, theirs.token, encode)
            raise refusal
        async with self._changing() as session:
            saved = await repo.save_registration(
                session,
                partner.id,
                versions_url=versions_url,
                version=discovery.version,
                roles=theirs.roles,
                endpoints=discovery.endpoints,
                incoming_token=token_b,
                outgoing_token=theirs.token,
                status=repo.PartnerStatus.REGISTERED,
                encode_token=encode,
            )
            await self._connection(session, partner.id, hub_clients.CONNECTED)
        if refusal is not None:
            # A PUT (token rotation) completed at the partner: the new tokens are kept, or the
            # connection would be lost; the ungranted roles are stored but do not count
            # (PartnerRecord.roles holds granted roles only). The operator is told.
            raise InvalidOrMissingParameters(
                f"tokens rotated, but {refusal.message}; those roles are ignored"
            )
        return saved

    async def _send_v211(
        self, api: PartnerApi, partner: repo.PartnerRecord, url: str, token_b: str, method: str
    ) -> Credentials:
        """POST or PUT our 2.1.1 credentials (the own party of the side opposite the partner's
        granted role); the answer in the 2.2.1 shape, with the role granted for the party it
        names (an ungranted party keeps the partner's role, and is refused as a claim)."""
        role = v211_role(partner.grants)
        send = api.post_credentials_v211 if method == "POST" else api.put_credentials_v211
        answer = await send(url, self.own_credentials_v211(token_b, role))
        with suppress(InvalidOrMissingParameters):
            role = v211_role(partner.grants, (answer.country_code, answer.party_id))
        flat = answer.model_dump(mode="json", exclude_none=True)
        return _parsed(Credentials, credentials_from_v211(flat, str(role)))

    async def _undo_registration(
        self, partner: repo.PartnerRecord, url: str, token: str, encode_token: bool
    ) -> None:
        """The partner answered our POST as something it is not granted: tell it we are gone
        (credentials DELETE with the token it gave us, best effort) and forget its tokens."""
        api = self.api_factory(token, encode_token)
        try:
            await api.delete_credentials(url)
        except OcpiError:
            pass  # it keeps a dead registration; ours is gone either way
        finally:
            await api.aclose()
        async with self._changing() as session:
            await repo.unregister(session, partner.id)


def _credentials_url(partner: repo.PartnerRecord) -> str | None:
    # Every registration stores one (discover checks it); a partner added with an agreed token
    # may have none.
    for endpoint in partner.endpoints:
        if endpoint.identifier == ModuleID.CREDENTIALS:
            return endpoint.url
    return None


def _check_name(name: str) -> None:
    # partners.name is a String(100); a name is shown in tables and logs.
    if not 1 <= len(name) <= 100 or not name.isprintable() or name != name.strip():
        raise InvalidOrMissingParameters(
            f"name {name!r}: 1 to 100 printable characters, without leading or trailing spaces"
        )


def _check_connection(name: str, versions_url: str, token: str) -> None:
    """2001 for what cannot name or reach a partner (before anything is called or stored)."""
    _check_name(name)
    scheme = versions_url.partition("://")[0].lower()
    if scheme not in ("http", "https") or len(versions_url) > 255 or " " in versions_url:
        raise InvalidOrMissingParameters(
            f"versions URL {versions_url!r}: an http(s) URL of at most 255 characters"
        )
    # Sent in the Authorization header as "Token <token>": printable ASCII without spaces
    # (credentials.asciidoc "Credentials object": token), at most the 255 stored.
    if not 1 <= len(token) <= 255 or not all("!" <= c <= "~" for c in token):
        raise InvalidOrMissingParameters(
            "token: 1 to 255 printable ASCII characters without spaces"
        )


def _name_free(name: str, existing: repo.PartnerRecord | None) -> None:
    """2001 (HTTP 409 on the backend API) when ``name`` is a connection in use."""
    if existing is not None and existing.status in (
        repo.PartnerStatus.REGISTERED,
        repo.PartnerStatus.SUSPENDED,
    ):
        raise InvalidOrMissingParameters(
            f"partner name {name!r} is taken ({existing.status}): unregister it first, "
            "or choose another name",
            http_status=409,
        )


def _partner_failed(error: ServerError, raw_token: bool) -> ServerError:
    """``error`` (the partner could not be used) as a gateway error (HTTP 502 on the backend
    API), with a hint on the token's encoding when the partner refused the token."""
    message = error.message
    if isinstance(error.__cause__, Unauthorized):
        if raw_token:
            message += " (the token was sent raw; without --raw-token it is sent Base64-encoded)"
        else:
            message += (
                " (the token was sent Base64-encoded, as OCPI 2.2.1 asks; if the partner "
                "expects it un-encoded, use --raw-token)"
            )
    failed = type(error)(message, http_status=502)
    failed.received_status_code = error.received_status_code
    return failed


async def _credentials_of(
    api: PartnerApi, discovery: Discovery, url: str, grants: Sequence[repo.Grant]
) -> Credentials:
    """The partner's credentials GET, in the 2.2.1 shape (a 2.1.1 answer with the role granted
    for the party it names, else its granted role: then refused as not granted)."""
    if discovery.version != V211:
        return await api.get_credentials(url)
    answer = await api.get_credentials_v211(url)
    try:
        role = v211_role(grants, (answer.country_code, answer.party_id))
    except InvalidOrMissingParameters:
        role = v211_role(grants)
    flat = answer.model_dump(mode="json", exclude_none=True)
    return _parsed(Credentials, credentials_from_v211(flat, str(role)))


def _v211_grant_or_none(grants: Sequence[repo.Grant]) -> Role | None:
    """The partner's 2.1.1 role from its grants, or ``None`` (then 2.1.1 cannot be used)."""
    return next((g.role for g in grants if g.role in _V211_ROLES), None)


def _v211_role_or_none(roles: Sequence[CredentialsRole]) -> Role | None:
    return next((Role(str(r.role)) for r in roles if r.role in _V211_ROLES), None)


@dataclass(frozen=True, slots=True)
class _GrantedRole:
    """A granted role as a declared one (``RoleInput``), for a partner that declared none."""

    role: str
    country_code: str
    party_id: str
    business_details: dict[str, Any]


async def _roles_of(
    api: PartnerApi, discovery: Discovery, grants: Sequence[repo.Grant], name: str
) -> tuple[Sequence[repo.RoleInput], str, str | None]:
    """The roles of a partner connected with an agreed token: (roles, where they came from,
    a note when the credentials GET failed). Roles its credentials GET names must all be
    granted (2001, as at registration)."""
    url = discovery.url_of(ModuleID.CREDENTIALS)
    note: str | None = None
    if url is not None:
        try:
            theirs = await _credentials_of(api, discovery, url, grants)
        except OcpiError as error:
            note = f"GET {url} failed ({error.message}): its roles are taken from the grants"
        else:
            granted = {grant.key() for grant in grants}
            claimed = _claims(theirs.roles)
            refused = [claim for claim in claimed if claim.key() not in granted]
            if refused:
                raise InvalidOrMissingParameters(
                    "roles: the partner's credentials name roles not granted to it: "
                    + ", ".join(str(claim) for claim in refused)
                    + " (granted: "
                    + ", ".join(str(grant) for grant in grants)
                    + ")"
                )
            if claimed:
                return list(theirs.roles), "credentials", None
            note = f"GET {url} named no roles: its roles are taken from the grants"
    # credentials.asciidoc "CredentialsRole class": business_details is required; the
    # connection's name is all we know of the partner.
    details = {"name": name}
    roles = [_GrantedRole(str(g.role), g.country_code, g.party_id, details) for g in grants]
    return roles, "grants", note
