"""Bodies of the backend API's session lifecycle routes, and what the service makes of them.

They are not OCPI objects but the backend's reports ("session started", "meter values", "status",
"stopped", "credit this CDR"); the OCPI parts inside (``cdr_token``, ``total_cost``) are OCPI
2.2.1 JSON. Numbers are read from the JSON text as decimals, so ``0.35`` kWh stays exact.
Unknown fields are refused: a misspelt field would otherwise be ignored silently.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from openroam._services.charging.service import StartRequest, TokenRef
from openroam.models.common import (
    CiString2,
    CiString3,
    CiString36,
    CiString39,
    DateTime,
    Number,
    OcpiModel,
    String3,
    String255,
)
from openroam.models.v221.cdrs import AuthMethod, CdrToken
from openroam.models.v221.sessions import SessionStatus
from openroam.models.v221.tariffs import TariffType
from openroam.models.v221.tokens import TokenType
from openroam.models.v221.types import Price
from openroam.pricing import MeterSample

__all__ = [
    "CreditBody",
    "MeterValue",
    "MeterValuesBody",
    "SessionStartBody",
    "SessionStatusBody",
    "SessionStopBody",
    "TokenIdentity",
]

_FORBID = ConfigDict(extra="forbid")
Kwh = Annotated[Number, Field(ge=0)]


class TokenIdentity(OcpiModel):
    """A Token an eMSP partner sent us, by its identity (mod_cdrs "CdrToken")."""

    model_config = _FORBID

    country_code: CiString2
    party_id: CiString3
    uid: CiString36
    type: TokenType = TokenType.RFID


class SessionStartBody(OcpiModel):
    """``POST /api/sessions``: a session started. Give ``token`` (a Token an eMSP partner sent
    us) or ``cdr_token`` (the CdrToken as is, e.g. after a real-time authorization)."""

    model_config = _FORBID

    country_code: CiString2
    """The CPO party, owner of the Location and the Session."""
    party_id: CiString3
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    auth_method: AuthMethod
    token: TokenIdentity | None = None
    cdr_token: CdrToken | None = None
    id: CiString36 | None = None
    """The Session id; default: a new UUID."""
    start_date_time: DateTime | None = None
    """Default: now."""
    authorization_reference: CiString36 | None = None
    currency: String3 | None = None
    """Needed only when the Connector declares no applicable Tariff."""
    meter_id: String255 | None = None
    status: SessionStatus = SessionStatus.ACTIVE
    tariff_type: TariffType = TariffType.REGULAR
    """Which of the Connector's Tariffs applies (mod_tariffs "TariffType enum"): REGULAR,
    AD_HOC_PAYMENT, PROFILE_*."""

    def request(self) -> StartRequest:
        token = None
        if self.token is not None:
            token = TokenRef(
                self.token.country_code, self.token.party_id, self.token.uid, self.token.type
            )
        return StartRequest(
            country_code=self.country_code,
            party_id=self.party_id,
            location_id=self.location_id,
            evse_uid=self.evse_uid,
            connector_id=self.connector_id,
            auth_method=self.auth_method,
            token=token,
            cdr_token=self.cdr_token,
            session_id=self.id,
            start=self.start_date_time,
            authorization_reference=self.authorization_reference,
            currency=self.currency,
            meter_id=self.meter_id,
            status=self.status,
            tariff_type=self.tariff_type,
        )


class MeterValue(OcpiModel):
    """One meter reading; current, power and charging describe the time until the next one."""

    model_config = _FORBID

    timestamp: DateTime
    kwh: Kwh
    """Energy charged since the session started (cumulative)."""
    current: Number | None = None
    """Amperes, summed over the phases."""
    power: Number | None = None
    """kW."""
    charging: bool | None = None
    """Whether the vehicle requests power; default: it does while the energy increases."""

    def sample(self) -> MeterSample:
        return MeterSample(self.timestamp, self.kwh, self.current, self.power, self.charging)


class MeterValuesBody(OcpiModel):
    """``POST /api/sessions/{cc}/{party}/{id}/meter-values``: readings in time order."""

    model_config = _FORBID

    meter_values: Annotated[list[MeterValue], Field(min_length=1)]


class SessionStatusBody(OcpiModel):
    """``PUT /api/sessions/{cc}/{party}/{id}/status``: ACTIVE or INVALID (COMPLETED: stop)."""

    model_config = _FORBID

    status: SessionStatus
    at: DateTime | None = None
    """When it changed; default: now."""


class SessionStopBody(OcpiModel):
    """``POST /api/sessions/{cc}/{party}/{id}/stop``: the session ended; the CDR is built."""

    model_config = _FORBID

    end_date_time: DateTime | None = None
    """Default: now."""
    kwh: Kwh | None = None
    """The final meter reading (cumulative kWh), taken at ``end_date_time``."""
    cdr_id: CiString36 | None = None
    """Default: the Session id."""
    total_cost: Price | None = None
    """Only when no Tariff applies: the price agreed with the eMSP (the CDR needs one)."""
    remark: String255 | None = None


class CreditBody(OcpiModel):
    """``POST /api/cdrs/{cc}/{party}/{id}/credit``: optionally the Credit CDR's id."""

    model_config = _FORBID

    id: CiString39 | None = None
    """Default: the original id plus ``-C``."""
