"""Credentials and registration (credentials.asciidoc), both sides of the handshake.

Tokens, named as in the spec's registration sequence:

* **A** — created by the receiving party (``invite``) and handed over out of band. Valid only on
  versions and credentials, and only until registration completes.
* **B** — created by the initiating party and sent in its credentials POST; the receiver uses it
  for every later call to the initiator.
* **C** — created by the receiver in answer to the POST; the initiator uses it from then on.

For each partner openroam keeps one token it *verifies* (the one the partner calls us with: B or
C depending on who initiated; stored only as a hash) and one token it *sends* (stored as given).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.marked_cache import MarkedCache
from openroam._services.platform import SUPPORTED_VERSIONS, Platform
from openroam._services.ttl_cache import TtlCache
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import (
    MethodNotAllowed,
    NoMatchingEndpoints,
    NotFound,
    OcpiError,
    UnableToUseClientApi,
    UnsupportedVersion,
)
from openroam.models.v221.credentials import Credentials
from openroam.models.v221.versions import (
    Endpoint,
    ModuleID,
    Version,
    VersionDetails,
    choose_version,
)

__all__ = [
    "Caller",
    "CredentialsService",
    "PartnerApi",
    "PartnerApiFactory",
    "new_token",
]


class PartnerApi(Protocol):
    """The calls to a partner that registration needs (implemented by ``client.OcpiClient``)."""

    async def get_versions(self, url: str) -> list[Version]: ...
    async def get_version_details(self, url: str) -> VersionDetails: ...
    async def post_credentials(self, url: str, credentials: Credentials) -> Credentials: ...
    async def put_credentials(self, url: str, credentials: Credentials) -> Credentials: ...
    async def delete_credentials(self, url: str) -> None: ...
    async def aclose(self) -> None: ...


T = TypeVar("T")

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
    #: (role, country_code, party_id) of each CredentialsRole the partner registered
    roles: tuple[tuple[str, str, str], ...] = ()

    @property
    def registered(self) -> bool:
        return self.token_kind != "A" and self.status == repo.PartnerStatus.REGISTERED


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


async def discover(api: PartnerApi, versions_url: str) -> Discovery:
    """GET the partner's versions and the details of the highest mutual version.

    Raises 3001 when a call fails, 3002 when there is no mutual version, 3003 when the partner
    has no credentials endpoint (credentials.asciidoc "Errors during registration").
    """
    versions = await _call(f"GET {versions_url}", api.get_versions(versions_url))
    chosen = choose_version((str(v) for v in SUPPORTED_VERSIONS), versions)
    if chosen is None:
        offered = ", ".join(str(v.version) for v in versions) or "none"
        ours = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        raise UnsupportedVersion(f"No mutual OCPI version: partner offers {offered}; we {ours}")
    details = await _call(f"GET {chosen.url}", api.get_version_details(chosen.url))
    discovery = Discovery(version=str(chosen.version), endpoints=list(details.endpoints))
    if discovery.url_of(ModuleID.CREDENTIALS) is None:
        raise NoMatchingEndpoints(f"The partner's {chosen.version} details list no credentials")
    return discovery


class CredentialsService:
    """Registration, token rotation and unregistration, as server and as client."""

    def __init__(self, db: Database, platform: Platform, api_factory: PartnerApiFactory) -> None:
        self.db = db
        self.platform = platform
        self.api_factory = api_factory
        self._callers: TtlCache[tuple[str, ...], Caller] = TtlCache(TOKEN_TTL)
        self._exact_callers: MarkedCache[tuple[str, ...], Caller] = MarkedCache()

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
        """
        key = tuple(candidates)
        cached = self._callers.get(key)
        if cached is not None:
            return cached
        # On SQLite a lookup stays exact while nothing was committed since (any process): no
        # database round trip at each expiry. Those round trips went through aiosqlite's thread,
        # which waits for the busy event loop's GIL; at every expiry the requests in flight all
        # queued behind them (a p99 of ~100 ms under load).
        generation = self._callers.generation
        marker = self.db.change_marker()
        exact = self._exact_callers.get(key, marker)
        if exact is not None:
            # Confirmed current just now: trusted for TOKEN_TTL again, as after a lookup (else
            # every request after the first expiry would read the marker).
            self._callers.put(key, exact, generation)
            return exact
        caller = await self._find_caller(candidates)
        if caller is not None and caller.status == repo.PartnerStatus.REGISTERED:
            self._callers.put(key, caller, generation)
            self._exact_callers.put(key, marker, caller)
        return caller

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
                    return Caller(
                        partner.id, partner.name, token, str(kind), str(partner.status), roles
                    )
        return None

    def own_credentials(self, token: str) -> Credentials:
        """Our Credentials object with the token the partner must use to call us."""
        return Credentials(
            token=token, url=self.platform.versions_url, roles=self.platform.credentials_roles()
        )

    # --- server side: the partner calls our credentials endpoint ------------------------------

    async def accept_registration(self, caller: Caller, theirs: Credentials) -> Credentials:
        """POST credentials: the partner registers with the token A we gave it."""
        if caller.token_kind != "A":
            raise MethodNotAllowed("Already registered: use PUT to update the credentials")
        return await self._accept(caller, theirs)

    async def accept_update(self, caller: Caller, theirs: Credentials) -> Credentials:
        """PUT credentials: new token, new version or new endpoints of a registered partner."""
        if not caller.registered:
            raise MethodNotAllowed("Not registered: use POST to register first")
        return await self._accept(caller, theirs)

    async def accept_unregistration(self, caller: Caller) -> None:
        """DELETE credentials: the partner ends the connection; its token stops working."""
        if not caller.registered:
            raise MethodNotAllowed("Not registered")
        async with self._changing() as session:
            await repo.unregister(session, caller.partner_id)

    async def _accept(self, caller: Caller, theirs: Credentials) -> Credentials:
        # credentials.asciidoc POST/PUT: fetch the client's versions and details with the token it
        # sent (B), while its request is still open; then issue a new token C.
        api = self.api_factory(theirs.token, True)
        try:
            discovery = await discover(api, theirs.url)
        finally:
            await api.aclose()
        token_c = new_token()
        async with self._changing() as session:
            if caller.token_kind == "A" and not await repo.holds_invitation(
                session, caller.partner_id, caller.token
            ):
                # Another POST with this token A registered while ours fetched the callbacks.
                raise MethodNotAllowed("Already registered: this token A has been used")
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
            )
        return self.own_credentials(token_c)

    # --- client side: we call the partner's credentials endpoint ------------------------------

    async def invite(self, name: str) -> str:
        """Create a token A for a new partner; it registers with our versions URL and this token."""
        token_a = new_token()
        async with self._changing() as session:
            await repo.create_invitation(session, name, token_a)
        return token_a

    async def register_with(
        self, name: str, versions_url: str, token_a: str, *, encode_token: bool = True
    ) -> repo.PartnerRecord:
        """Register with a partner that gave us ``versions_url`` and ``token_a``.

        The registration sequence: GET versions, GET details (token A), check that the partner has
        a credentials endpoint (if not, do not POST: 3003), store a fresh token B so the partner's
        callbacks during the POST are accepted, POST our credentials with B, store C.
        """
        async with self._changing() as session:
            partner = await repo.create_partner_for_outgoing_registration(
                session, name, versions_url, token_a, encode_token=encode_token
            )
        return await self._send_credentials(partner, token_a, encode_token, method="POST")

    async def rotate_token(self, name: str) -> repo.PartnerRecord:
        """Credentials PUT: give the partner a new token B and receive a new token C."""
        partner = await self._registered(name)
        assert partner.outgoing_token is not None
        return await self._send_credentials(
            partner, partner.outgoing_token, partner.encode_token, method="PUT"
        )

    async def unregister(self, name: str) -> None:
        """Credentials DELETE at the partner, then forget its tokens here."""
        partner = await self._registered(name)
        assert partner.outgoing_token is not None
        url = _credentials_url(partner)
        api = self.api_factory(partner.outgoing_token, partner.encode_token)
        try:
            await api.delete_credentials(url)
        finally:
            await api.aclose()
        async with self._changing() as session:
            await repo.unregister(session, partner.id)

    async def _registered(self, name: str) -> repo.PartnerRecord:
        async with self.db.session() as session:
            partner = await repo.get_partner_by_name(session, name)
        if partner is None:
            raise NotFound(f"No partner named {name!r}")
        if partner.status != repo.PartnerStatus.REGISTERED or partner.outgoing_token is None:
            raise MethodNotAllowed(f"Partner {name!r} is not registered")
        return partner

    async def _send_credentials(
        self, partner: repo.PartnerRecord, token: str, encode_token: bool, *, method: str
    ) -> repo.PartnerRecord:
        if partner.versions_url is None:
            raise NotFound(f"No versions URL known for partner {partner.name!r}")
        versions_url = partner.versions_url
        api = self.api_factory(token, encode_token)
        try:
            discovery = await discover(api, versions_url)
            url = discovery.url_of(ModuleID.CREDENTIALS)
            assert url is not None  # discover() checked it
            token_b = new_token()
            # Accepted before we send it: the partner calls back with it while our request is
            # open. During a PUT the old token stays valid until the new one is confirmed.
            async with self._changing() as session:
                await repo.set_incoming_token(session, partner.id, token_b)
            send = api.post_credentials if method == "POST" else api.put_credentials
            try:
                theirs = await send(url, self.own_credentials(token_b))
            except BaseException:
                async with self._changing() as session:
                    await repo.cancel_token_rotation(session, partner.id)
                raise
        finally:
            await api.aclose()
        async with self._changing() as session:
            return await repo.save_registration(
                session,
                partner.id,
                versions_url=versions_url,
                version=discovery.version,
                roles=theirs.roles,
                endpoints=discovery.endpoints,
                incoming_token=token_b,
                outgoing_token=theirs.token,
                status=repo.PartnerStatus.REGISTERED,
            )


def _credentials_url(partner: repo.PartnerRecord) -> str:
    for endpoint in partner.endpoints:
        if endpoint.identifier == ModuleID.CREDENTIALS:
            return endpoint.url
    raise NoMatchingEndpoints(f"No credentials endpoint stored for partner {partner.name!r}")
