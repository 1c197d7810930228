"""Real-time authorization, CPO side: "may this Token charge here?" (mod_tokens.asciidoc
"Real-time authorization", "WhitelistType enum").

The CPO holds the Tokens its eMSP partners pushed. What it does depends on the held Token's
``whitelist``:

============== ===================================== =========================================
whitelist      asks the eMSP?                        when the eMSP cannot be reached
============== ===================================== =========================================
ALWAYS         never ("real-time authorization is    —
               not possible/allowed")
ALLOWED        yes (the CPO "may choose"; we ask,    the held copy decides (whitelisted)
               as the eMSP's answer is fresher)
ALLOWED_OFFLINE yes ("in normal situations real-time the held copy decides ("the CPO shall allow
               authorization shall be used")          this Token to be used")
NEVER          yes ("only real-time authorization    refused (NOT_ALLOWED)
               is allowed")
============== ===================================== =========================================

"The held copy decides" means ``valid`` → ALLOWED, else BLOCKED: ``valid=false`` is the eMSP's
own last word on the Token, so no whitelist type turns it into an ALLOWED while the eMSP cannot
be asked. When the eMSP is asked, it is asked *even if the held copy says* ``valid=false`` (the
state may have changed, "Real-time authorization"), and its answer is the verdict. A Token we do
not hold can only be authorized in real time, when the caller names its eMSP party ("eMSPs that
do not push Tokens force CPOs to use real-time authorization"); unreachable, it is refused.

"Unreachable" is: no answer, no OCPI answer, a 3xxx or 4xxx status, our token refused (401), or
no Tokens Sender endpoint. A 2xxx answer (2004 unknown Token, 2002 not enough information) is
the eMSP's refusal: NOT_ALLOWED.

The eMSP's AuthorizationInfo carries "the complete Token object for which this authorization was
requested": when it is newer than the copy held (same identity, later ``last_updated``), it
replaces that copy, exactly as if the eMSP had pushed it — so the next offline decision uses it.

The question goes FROM our CPO party TO the Token's eMSP party (``routing.authorization_headers``);
a Token not held whose eMSP no partner registered is asked through a Hub partner, if we have one.

An OCPI 2.1.1 eMSP is asked in 2.1.1 (``_services/dialect.py``; mod_tokens.md 2.2.2 "POST
Method"): no routing headers, and its AuthorizationInfo, which names no Token, is read with the
copy held (for a Token not held, one described by what was asked).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from openroam._services.dialect import AuthorizeCalls, Unconvertible, dialect_of
from openroam._services.platform import Platform
from openroam._services.routing import authorization_headers, is_hub
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.token_lookup import find_tokens
from openroam.errors import ClientError, OcpiError, Unauthorized
from openroam.models.v221.tokens import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenType,
    WhitelistType,
)
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = [
    "AuthorizeApi",
    "AuthorizeApiFactory",
    "DecidedBy",
    "RealtimeAuthorization",
    "Verdict",
]

log = logging.getLogger("openroam.authorization")


class AuthorizeApi(AuthorizeCalls, Protocol):
    """The call to an eMSP that real-time authorization needs (``client.OcpiClient``): POST
    authorize, read as 2.2.1 or as the partner's version (``_services/dialect.py``)."""

    async def aclose(self) -> None: ...


AuthorizeApiFactory = Callable[[str, bool], AuthorizeApi]


class DecidedBy(StrEnum):
    """Who gave the verdict."""

    WHITELIST = "whitelist"
    """The held copy, without asking (whitelist ALWAYS)."""
    EMSP = "emsp"
    """The eMSP's real-time answer."""
    OFFLINE = "offline"
    """The whitelist rule for an eMSP that could not be reached."""
    UNKNOWN_TOKEN = "unknown_token"
    """Not held, and no eMSP named to ask."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to "may this Token charge here?"."""

    allowed: AllowedType
    decided_by: DecidedBy
    #: the held Token's whitelist type (None: not held)
    whitelist: WhitelistType | None
    #: the eMSP's answer, or one built from the held Token; None when no Token is known
    authorization_info: AuthorizationInfo | None
    message: str = ""

    @property
    def authorization_reference(self) -> str | None:
        info = self.authorization_info
        return None if info is None else info.authorization_reference

    def to_dict(self) -> dict[str, object]:
        info = self.authorization_info
        return {
            "allowed": str(self.allowed),
            "decided_by": str(self.decided_by),
            "whitelist": None if self.whitelist is None else str(self.whitelist),
            "authorization_reference": self.authorization_reference,
            "authorization_info": None if info is None else info.to_dict(),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class _Held:
    token: Token
    partner_id: int


class _Unreachable(Exception):
    pass


def _local(held: Token, location: LocationReferences | None) -> AuthorizationInfo:
    allowed = AllowedType.ALLOWED if held.valid else AllowedType.BLOCKED
    where = location if allowed == AllowedType.ALLOWED else None
    return AuthorizationInfo(allowed=allowed, token=held, location=where)


def _tokens_sender(partner: repo.PartnerRecord) -> str | None:
    for endpoint in partner.endpoints:
        if endpoint.identifier == ModuleID.TOKENS and endpoint.role == InterfaceRole.SENDER:
            return endpoint.url
    return None


KeepToken = Callable[[int, Token], Awaitable[object]]
"""``keep_token(partner_id, token)``: store ``token`` as that partner's (stale rule applies)."""


class RealtimeAuthorization:
    """See the module docstring. ``api_factory`` builds the client for an eMSP partner."""

    def __init__(
        self,
        db: Database,
        platform: Platform,
        api_factory: AuthorizeApiFactory | None,
        *,
        timeout: float = 10.0,
        keep_token: KeepToken | None = None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.api_factory = api_factory
        #: seconds to wait for the eMSP ("keep latency minimal"); then it is unreachable
        self.timeout = timeout
        #: stores a newer copy of a partner's Token (the one in the eMSP's AuthorizationInfo)
        self.keep_token = keep_token

    async def check(
        self,
        uid: str,
        token_type: TokenType | str = TokenType.RFID,
        location: LocationReferences | None = None,
        *,
        token_party: tuple[str, str] | None = None,
    ) -> Verdict:
        """May the Token ``uid``/``token_type`` (of the eMSP ``token_party``, if known) charge,
        optionally at ``location``?"""
        kind = str(TokenType(token_type))
        held = await self._held(uid, kind, token_party)
        if held is None:
            return await self._not_held(uid, kind, location, token_party)
        whitelist = held.token.whitelist
        if whitelist == WhitelistType.ALWAYS:
            info = _local(held.token, location)
            return Verdict(info.allowed, DecidedBy.WHITELIST, whitelist, info)
        try:
            answer = await self._ask(held.partner_id, held.token, uid, kind, location)
        except _Unreachable as why:
            if whitelist == WhitelistType.NEVER:
                return Verdict(
                    AllowedType.NOT_ALLOWED, DecidedBy.OFFLINE, whitelist, None, str(why)
                )
            info = _local(held.token, location)
            return Verdict(info.allowed, DecidedBy.OFFLINE, whitelist, info, str(why))
        if isinstance(answer, AuthorizationInfo):
            await self._refresh(held, answer.token)
        return _answered(answer, whitelist, held.token)

    async def _refresh(self, held: _Held, given: Token) -> None:
        mine = held.token
        same = (mine.country_code, mine.party_id, mine.uid, mine.type) == (
            given.country_code,
            given.party_id,
            given.uid,
            given.type,
        )
        if self.keep_token is None or not same or given.last_updated <= mine.last_updated:
            return
        try:
            await self.keep_token(held.partner_id, given)
        except Exception:
            # The authorization stands whether or not the copy could be refreshed.
            log.exception("could not keep the newer Token %s from the eMSP", given.uid)

    async def _held(self, uid: str, kind: str, token_party: tuple[str, str] | None) -> _Held | None:
        owners = None if token_party is None else [token_party]
        async with self.db.session() as session:
            found = await find_tokens(session, uid, kind, own=False, owners=owners)
        if not found:
            return None
        return _Held(Token.model_validate_json(found[0].document), found[0].origin)

    async def _not_held(
        self,
        uid: str,
        kind: str,
        location: LocationReferences | None,
        token_party: tuple[str, str] | None,
    ) -> Verdict:
        if token_party is None:
            return Verdict(
                AllowedType.NOT_ALLOWED,
                DecidedBy.UNKNOWN_TOKEN,
                None,
                None,
                f"Token {uid} ({kind}) is not held; name its eMSP party to ask in real time",
            )
        async with self.db.session() as session:
            partners = await repo.find_partners_by_party(session, *token_party, Role.EMSP)
            if not partners:
                # A party behind a Hub: asked through it (transport_and_format.asciidoc
                # "Message Routing"; the Hub forwards to the party named in OCPI-to-*).
                partners = [
                    p
                    for p in await repo.list_partners(session)
                    if p.status == repo.PartnerStatus.REGISTERED and is_hub(p)
                ]
        if not partners:
            message = f"no partner registered the eMSP {token_party[0]}/{token_party[1]}"
            return Verdict(AllowedType.NOT_ALLOWED, DecidedBy.UNKNOWN_TOKEN, None, None, message)
        try:
            answer = await self._ask(partners[0].id, None, uid, kind, location, token_party)
        except _Unreachable as why:
            # Not pushed: only real-time authorization is possible, as for NEVER.
            return Verdict(AllowedType.NOT_ALLOWED, DecidedBy.OFFLINE, None, None, str(why))
        return _answered(answer, None, None)

    async def _ask(
        self,
        partner_id: int,
        held: Token | None,
        uid: str,
        kind: str,
        location: LocationReferences | None,
        token_party: tuple[str, str] | None = None,
    ) -> AuthorizationInfo | OcpiError:
        """The eMSP's answer, or its 2xxx refusal; raises ``_Unreachable``."""
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        if partner is None or partner.outgoing_token is None or self.api_factory is None:
            raise _Unreachable("the eMSP partner is not registered")
        endpoint = _tokens_sender(partner)
        if endpoint is None:
            raise _Unreachable(f"{partner.name} offers no Tokens Sender endpoint")
        owner = (held.country_code, held.party_id) if held is not None else token_party
        dialect = dialect_of(partner)
        api = self.api_factory(partner.outgoing_token, partner.encode_token)
        try:
            # In the partner's version; the answer as 2.2.1 (a 2.1.1 one names no Token: the
            # held copy is put in).
            call = dialect.authorize(
                api,
                endpoint,
                uid,
                kind,
                location,
                headers=dialect.routing_headers(authorization_headers(self.platform, owner)),
                token=None if held is None else held.to_dict(),
                owner=owner,
                issuer=partner.name,
            )
            return await asyncio.wait_for(call, self.timeout)
        except Unconvertible as why:
            raise _Unreachable(f"{partner.name}: not sent: {why}") from None
        except TimeoutError:
            raise _Unreachable(f"{partner.name} did not answer within {self.timeout:g} s") from None
        except Unauthorized as error:
            raise _Unreachable(f"{partner.name} refused our token: {error.message}") from None
        except ClientError as error:
            return error
        except OcpiError as error:
            log.info("real-time authorization at %s failed: %s", partner.name, error.message)
            raise _Unreachable(f"{partner.name}: {error.message}") from None
        finally:
            await api.aclose()


def _answered(
    answer: AuthorizationInfo | OcpiError, whitelist: WhitelistType | None, held: Token | None
) -> Verdict:
    if isinstance(answer, AuthorizationInfo):
        return Verdict(answer.allowed, DecidedBy.EMSP, whitelist, answer)
    info = None
    if held is not None:
        info = AuthorizationInfo(allowed=AllowedType.NOT_ALLOWED, token=held)
    message = f"the eMSP refused ({answer.received_status_code}): {answer.message}"
    return Verdict(AllowedType.NOT_ALLOWED, DecidedBy.EMSP, whitelist, info, message)
