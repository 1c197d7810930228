"""OCPI 2.2.1 mod_cdrs.asciidoc: the Charge Detail Record and the classes it shares with Sessions.

A CDR is the only billing-relevant object and is immutable once sent: a correction is a new
Credit CDR (``credit = true``, ``credit_reference_id`` = the original ``id``), mod_cdrs.asciidoc
"Credit CDRs". :class:`CdrToken`, :class:`ChargingPeriod`, :class:`CdrDimension` and
:class:`AuthMethod` are defined here because the spec defines them here; Sessions use them too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from openroam.models.common import (
    CiString2,
    CiString3,
    CiString32,
    CiString36,
    CiString39,
    CiString48,
    DateTime,
    Int,
    Number,
    OcpiModel,
    String3,
    String10,
    String45,
    String255,
    String512,
    String5000,
)
from openroam.models.v221.locations import ConnectorFormat, ConnectorType, GeoLocation, PowerType
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import TokenType
from openroam.models.v221.types import Price

__all__ = [
    "CDR",
    "SESSION_ONLY_DIMENSIONS",
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "CdrLocation",
    "CdrToken",
    "ChargingPeriod",
    "SignedData",
    "SignedValue",
]

Loc = tuple[str | int, ...]


def _field_errors(title: str, problems: list[tuple[Loc, object, str]]) -> ValidationError:
    """A ValidationError whose errors point at fields, for rules that span several fields.

    Raised inside a model validator, pydantic merges these errors into the outer error with
    the path prefixed, so a caller sees ``charging_periods.0.dimensions.1.type``, not ``()``.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(type=PydanticCustomError("value_error", message), loc=loc, input=value)
            for loc, value, message in problems
        ],
    )


class AuthMethod(StrEnum):
    """mod_cdrs.asciidoc "AuthMethod"."""

    AUTH_REQUEST = "AUTH_REQUEST"
    """Real-time authorization request sent to the eMSP."""
    COMMAND = "COMMAND"
    """A StartSession or ReserveNow command; the token came from that command."""
    WHITELIST = "WHITELIST"
    """Whitelist used, no request to the eMSP."""


class CdrDimensionType(StrEnum):
    """mod_cdrs.asciidoc "CdrDimensionType". Units: A, kWh, kW, hours, percent."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    """Hours the vehicle is not requesting power (the corrected 2.2.1 definition)."""
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"
    """Hours charging."""


SESSION_ONLY_DIMENSIONS = frozenset(
    {
        CdrDimensionType.CURRENT,
        CdrDimensionType.ENERGY_EXPORT,
        CdrDimensionType.ENERGY_IMPORT,
        CdrDimensionType.POWER,
        CdrDimensionType.STATE_OF_CHARGE,
    }
)
"""mod_cdrs.asciidoc "CdrDimensionType", column "Session": these types SHALL NOT be used in CDRs."""


class CdrDimension(OcpiModel):
    """mod_cdrs.asciidoc "CdrDimension"."""

    type: CdrDimensionType
    volume: Number

    @model_validator(mode="after")
    def _state_of_charge_is_a_percentage(self) -> Self:
        # mod_cdrs.asciidoc "CdrDimensionType" STATE_OF_CHARGE: "values allowed: 0 to 100".
        if self.type is CdrDimensionType.STATE_OF_CHARGE and not 0 <= self.volume <= 100:
            raise _field_errors(
                type(self).__name__,
                [(("volume",), self.volume, "STATE_OF_CHARGE is a percentage from 0 to 100")],
            )
        return self


class ChargingPeriod(OcpiModel):
    """mod_cdrs.asciidoc "ChargingPeriod": ends when the next starts, the last at session end."""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: CiString36 | None = None
    """The Tariff relevant in this period; absent means no Tariff is relevant."""


class CdrToken(OcpiModel):
    """mod_cdrs.asciidoc "CdrToken": identifies the Token used; (country, party, uid, type)."""

    country_code: CiString2
    """Country of the eMSP that owns the Token."""
    party_id: CiString3
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrLocation(OcpiModel):
    """mod_cdrs.asciidoc "CdrLocation": the Location, EVSE and Connector as at session start.

    ``evse_uid``, ``evse_id`` and ``connector_id`` may be ``#NA`` and the connector fields any
    value for a CDR of a reservation that never became a session.
    """

    id: CiString36
    name: String255 | None = None
    # The spec table says address string(45) and state string(20), but an erratum raised
    # Location's address to 255 and state to 45 and forgot CdrLocation, so a CPO copying its
    # Location cannot fit (docs/spec-decisions.md "CdrLocation address and state lengths"). We
    # accept Location's limits on input; a receiver that applies the table's limits may still
    # reject a longer value we send.
    address: String255
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None
    country: String3
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    """mod_cdrs.asciidoc "SignedValue"; plain_data is string(5000) by erratum (was 512)."""

    nature: CiString32
    """The event this value belongs to: Start, End, Intermediate …"""
    plain_data: String5000
    signed_data: String5000
    """Base64, format defined by the encoding method."""


class SignedData(OcpiModel):
    """mod_cdrs.asciidoc "SignedData": metering data signed by the meter (e.g. Eichrecht)."""

    encoding_method: CiString36
    """OCMF, Alfen Eichrecht, EDL40 E-Mobility Extension, EDL40 Mennekes, …"""
    encoding_method_version: Int | None = None
    public_key: String512 | None = None
    signed_values: Annotated[list[SignedValue], Field(min_length=1)]
    url: String512 | None = None


class CDR(OcpiModel):
    """mod_cdrs.asciidoc "CDR Object": a sealed record of one session and its costs."""

    country_code: CiString2
    party_id: CiString3
    id: CiString39
    """Up to 39 characters so a Credit CDR can append to the original id; others ≤ 36."""
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    """The last method used in the session."""
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    """kWh."""
    total_energy_cost: Price | None = None
    total_time: Number
    """Hours, charging and not charging."""
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    """Hours not charging."""
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _check_cdr_rules(self) -> Self:
        problems = [*self._credit_problems(), *self._dimension_problems()]
        if problems:
            raise _field_errors(type(self).__name__, problems)
        return self

    def _credit_problems(self) -> list[tuple[Loc, object, str]]:
        # mod_cdrs.asciidoc "CDR Object": "When set to true, this is a Credit CDR, and the
        # field credit_reference_id needs to be set as well" (docs/spec-decisions.md "Credit
        # CDR without credit_reference_id"), and
        # "Normal (non-credit) CDRs SHALL only have an ID with a maximum length of 36".
        if self.credit:
            if self.credit_reference_id is None:
                message = "credit_reference_id is required when credit is true"
                return [(("credit_reference_id",), None, message)]
            return []
        if len(self.id) > 36:
            return [(("id",), self.id, "a non-credit CDR id has at most 36 characters")]
        return []

    def _dimension_problems(self) -> list[tuple[Loc, object, str]]:
        # mod_cdrs.asciidoc "CdrDimensionType": the types marked "Session" SHALL NOT be used
        # in CDRs.
        return [
            (
                ("charging_periods", p, "dimensions", d, "type"),
                dimension.type.value,
                f"{dimension.type.value} may be used in Sessions only, not in CDRs",
            )
            for p, period in enumerate(self.charging_periods)
            for d, dimension in enumerate(period.dimensions)
            if dimension.type in SESSION_ONLY_DIMENSIONS
        ]
