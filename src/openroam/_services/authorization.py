"""Real-time authorization, eMSP side (mod_tokens.asciidoc "Real-time authorization", Sender
"POST Method"): a CPO asks whether one of our Tokens may charge, optionally at a Location.

The answer is an ``AuthorizationInfo`` holding the *complete* Token ("token … The complete Token
object for which this authorization was requested"). Who decides:

* by default the Token itself: ``valid`` → ``ALLOWED``, else ``BLOCKED`` — the same rule a CPO
  applies to a whitelisted copy, so a party without a hook answers as its pushed Tokens say;
* a backend hook (:meth:`AuthorizationService.set_hook`, a Python callback) may decide instead,
  e.g. from credit or contract rules, by returning a :class:`Decision`; ``None`` keeps the
  default. It may raise ``NotEnoughInformation`` (2002) when it needs a Location that was not
  sent ("Real-time authorization": too little information).

Every ``ALLOWED`` answer carries a fresh ``authorization_reference``, which the CPO copies into the
Session and CDR ("AuthorizationInfo Object"), and is recorded as a ``token.authorization`` event
so the backend can match those later. An unknown Token is answered with HTTP 404 and 2004
("POST Method": "the eMSP SHALL return HTTP 404 … with OCPI status code 2004").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openroam._services.credentials import Caller
from openroam._services.events import EventService, EventType, token_subject
from openroam._services.platform import Platform
from openroam._services.roaming import validate_body
from openroam._store.db import Database
from openroam._store.token_lookup import find_tokens
from openroam.errors import UnknownToken
from openroam.models.v221.tokens import AllowedType, AuthorizationInfo, LocationReferences, Token
from openroam.models.v221.types import DisplayText, Role

__all__ = [
    "AuthorizationHook",
    "AuthorizationRequest",
    "AuthorizationService",
    "Decision",
    "default_decision",
]


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """What a CPO asked: the Token (ours, as stored), where, and who asked."""

    token: Token
    location: LocationReferences | None
    partner_id: int
    partner_name: str


@dataclass(frozen=True, slots=True)
class Decision:
    """A backend hook's answer."""

    allowed: AllowedType
    #: the EVSEs the driver may use ("Only the EVSEs the EV driver is allowed to charge at");
    #: None: the requested location as it was sent
    location: LocationReferences | None = None
    info: DisplayText | None = None
    #: None: a fresh reference is generated for an ALLOWED answer
    authorization_reference: str | None = None


AuthorizationHook = Callable[[AuthorizationRequest], Awaitable[Decision | None]]


def default_decision(request: AuthorizationRequest) -> Decision:
    """The Token's own state: ``valid`` → ALLOWED, else BLOCKED."""
    return Decision(AllowedType.ALLOWED if request.token.valid else AllowedType.BLOCKED)


def read_location(body: bytes) -> LocationReferences | None:
    """The optional ``LocationReferences`` body of POST authorize (empty: none)."""
    if not body.strip():
        return None
    location = validate_body(LocationReferences, body)
    assert isinstance(location, LocationReferences)
    return location


class AuthorizationService:
    """Answers POST {tokens}/{uid}/authorize for our own Tokens."""

    def __init__(self, db: Database, platform: Platform, events: EventService) -> None:
        self.db = db
        self.platform = platform
        self.events = events
        self._hook: AuthorizationHook | None = None

    def set_hook(self, hook: AuthorizationHook | None) -> None:
        """Let ``await hook(request)`` decide (``None`` restores the default)."""
        self._hook = hook

    def _owners(self, addressed: tuple[str, str] | None) -> list[tuple[str, str]]:
        if addressed is not None:
            return [addressed]
        return [(p.country_code, p.party_id) for p in self.platform.parties if p.role == Role.EMSP]

    async def find_token(
        self, uid: str, token_type: str, addressed: tuple[str, str] | None = None
    ) -> Token:
        """One of our Tokens by uid and type; ``UnknownToken`` (404 + 2004) when none."""
        async with self.db.session() as session:
            found = await find_tokens(
                session, uid, token_type, own=True, owners=self._owners(addressed)
            )
        if not found:
            raise UnknownToken(f"Unknown Token {uid} ({token_type})")
        return Token.model_validate_json(found[0].document)

    async def authorize(
        self,
        caller: Caller,
        uid: str,
        token_type: str,
        body: bytes,
        addressed: tuple[str, str] | None = None,
    ) -> AuthorizationInfo:
        """The answer to a CPO's POST authorize (see the module docstring)."""
        location = read_location(body)
        token = await self.find_token(uid, token_type, addressed)
        request = AuthorizationRequest(token, location, caller.partner_id, caller.partner_name)
        decision = await self._hook(request) if self._hook is not None else None
        info = _info(request, decision or default_decision(request))
        await self.events.emit(
            EventType.TOKEN_AUTHORIZATION,
            token_subject(token.country_code, token.party_id, token.uid),
            {
                "partner": caller.partner_name,
                "token_uid": token.uid,
                "token_type": str(token.type),
                "allowed": str(info.allowed),
                "authorization_reference": info.authorization_reference,
                "location": info.location.to_dict() if info.location else None,
            },
        )
        return info


def _info(request: AuthorizationRequest, decision: Decision) -> AuthorizationInfo:
    allowed = decision.allowed == AllowedType.ALLOWED
    reference = decision.authorization_reference
    if allowed and reference is None:
        reference = str(uuid.uuid4())
    return AuthorizationInfo(
        allowed=decision.allowed,
        token=request.token,
        # Only where the driver may charge: no location on a refusal.
        location=(decision.location or request.location) if allowed else None,
        authorization_reference=reference if allowed else None,
        info=decision.info,
    )
