"""What the backend asks of the session lifecycle (:mod:`.service`), and its answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openroam._services.charging.state import ChargingError, SessionEnded
from openroam.errors import ClientError, InvalidOrMissingParameters
from openroam.models.v221.cdrs import CDR, AuthMethod, CdrToken
from openroam.models.v221.sessions import Session, SessionStatus
from openroam.models.v221.tariffs import TariffType
from openroam.models.v221.tokens import TokenType

__all__ = ["SessionConflict", "StartRequest", "Stopped", "TokenRef", "refused"]


class SessionConflict(ClientError):
    """The session exists already, or has ended (HTTP 409 on the backend API)."""


@dataclass(frozen=True, slots=True)
class TokenRef:
    """A Token an eMSP partner pushed us (or we pulled): found by owner, uid and type."""

    country_code: str
    party_id: str
    uid: str
    type: TokenType = TokenType.RFID


@dataclass(frozen=True, slots=True)
class StartRequest:
    """The backend's "session started"; exactly one of ``token`` and ``cdr_token``."""

    country_code: str
    party_id: str
    location_id: str
    evse_uid: str
    connector_id: str
    auth_method: AuthMethod
    token: TokenRef | None = None
    cdr_token: CdrToken | None = None
    session_id: str | None = None
    """Default: a new UUID (hex)."""
    start: datetime | None = None
    """Default: now."""
    authorization_reference: str | None = None
    currency: str | None = None
    meter_id: str | None = None
    status: SessionStatus = SessionStatus.ACTIVE
    tariff_type: TariffType = TariffType.REGULAR


@dataclass(frozen=True, slots=True)
class Stopped:
    """The completed Session and its CDR."""

    session: Session
    cdr: CDR


def refused(error: ChargingError) -> ClientError:
    """The API error for a refused change: 409 once the session ended, else 400 + 2001."""
    if isinstance(error, SessionEnded):
        return SessionConflict(str(error), http_status=409)
    return InvalidOrMissingParameters(str(error), http_status=400)
