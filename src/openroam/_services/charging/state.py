"""What a CPO's backend tells openroam about one charging session, and what it may change.

Pure: no I/O. A :class:`ChargingState` is sealed at the start with what the CDR must reflect
"as at session start" (mod_cdrs.asciidoc "CDR Object": Location, EVSE, Connector, Tariff and
Token), then grows by meter values and status changes until the session stops.

Meter values carry the energy charged *since the session started* (cumulative kWh), so the
session start is an implicit reading of 0 kWh. Energy never decreases: openroam does not model
net export (a negative ENERGY volume, mod_cdrs "CdrDimensionType"), so a decreasing value is
refused rather than priced wrongly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from openroam.models.common import fold_id
from openroam.models.v221.cdrs import AuthMethod, CdrToken
from openroam.models.v221.locations import EVSE, Connector, Location
from openroam.models.v221.sessions import SessionStatus
from openroam.models.v221.tariffs import Tariff, TariffType
from openroam.pricing import MeterSample

__all__ = [
    "ChargingError",
    "ChargingState",
    "SessionEnded",
    "SessionStart",
    "begin",
    "change_status",
    "find_connector",
    "record",
    "select_tariff",
    "stop",
]

FINAL = frozenset({SessionStatus.COMPLETED, SessionStatus.INVALID})
"""mod_sessions "SessionStatus": COMPLETED ("no more modifications") and INVALID are final."""


class ChargingError(ValueError):
    """A request that the session's state or the spec does not allow (the message says why)."""


class SessionEnded(ChargingError):
    """The session is COMPLETED or INVALID: nothing about it changes any more."""


@dataclass(frozen=True, slots=True)
class SessionStart:
    """What the backend says when a session starts."""

    country_code: str
    """The CPO party that owns the Session (and the Location)."""
    party_id: str
    session_id: str
    cdr_token: CdrToken
    auth_method: AuthMethod
    location: Location
    evse_uid: str
    connector_id: str
    start: datetime
    authorization_reference: str | None = None
    """The last reference the eMSP gave (mod_sessions "Session Object")."""
    currency: str | None = None
    """Required when the Connector declares no applicable Tariff; else the Tariff's currency."""
    meter_id: str | None = None
    status: SessionStatus = SessionStatus.ACTIVE
    tariff_type: TariffType = TariffType.REGULAR
    """The session context that picks the Tariff (mod_tariffs "TariffType enum"): REGULAR for
    RFID or no preference, AD_HOC_PAYMENT for a payment terminal, PROFILE_* for a charging
    preference."""


@dataclass(frozen=True, slots=True)
class ChargingState:
    """One session as openroam holds it: sealed start data, meter values, status."""

    country_code: str
    party_id: str
    session_id: str
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None
    location: Location
    """The Location as at session start (mod_cdrs "CDR Object": the CDR reflects it)."""
    evse_uid: str
    """As the Location spells it (CiStrings are matched case-insensitively)."""
    connector_id: str
    currency: str
    start: datetime
    tariff: Tariff | None
    """The Tariff valid at session start, kept for the whole session (docs/spec-decisions.md
    "Which Tariff applies to a session")."""
    meter_id: str | None
    status: SessionStatus
    samples: tuple[MeterSample, ...] = ()
    end: datetime | None = None

    @property
    def kwh(self) -> Decimal:
        """Energy charged so far (kWh): the last meter value, 0 before the first."""
        return self.samples[-1].energy_kwh if self.samples else Decimal(0)

    @property
    def evse(self) -> EVSE:
        return find_connector(self.location, self.evse_uid, self.connector_id)[0]

    @property
    def connector(self) -> Connector:
        return find_connector(self.location, self.evse_uid, self.connector_id)[1]


def find_connector(location: Location, evse_uid: str, connector_id: str) -> tuple[EVSE, Connector]:
    """The EVSE and Connector of ``location`` with these (case-insensitive) ids."""
    for evse in location.evses or ():
        if fold_id(evse.uid) == fold_id(evse_uid):
            for connector in evse.connectors:
                if fold_id(connector.id) == fold_id(connector_id):
                    return evse, connector
            raise ChargingError(f"EVSE {evse_uid!r} has no connector {connector_id!r}")
    raise ChargingError(f"Location {location.id!r} has no EVSE {evse_uid!r}")


def _in_window(tariff: Tariff, at: datetime) -> bool:
    # mod_tariffs "Tariff Object": start_date_time is when the Tariff "becomes active",
    # end_date_time when it "is no longer valid". Taken as [start, end), so two Tariffs of one
    # type with touching windows never both apply at the switch-over instant.
    if tariff.start_date_time is not None and at < tariff.start_date_time:
        return False
    return tariff.end_date_time is None or at < tariff.end_date_time


def select_tariff(
    connector: Connector,
    tariffs: Mapping[str, Tariff],
    at: datetime,
    tariff_type: TariffType = TariffType.REGULAR,
) -> Tariff | None:
    """The Tariff of ``connector`` that applies to a session starting ``at``.

    docs/spec-decisions.md "Which Tariff applies to a session".

    ``tariffs`` maps folded Tariff ids to the stored Tariffs. Among the Connector's
    ``tariff_ids`` whose validity window holds ``at``, one of the session's type wins over one
    without a type (which "applies to all sessions", mod_tariffs "Tariff Object"); ties go to
    the first in ``tariff_ids`` order. ``None``: the Connector declares no applicable Tariff.
    """
    untyped: Tariff | None = None
    for tariff_id in connector.tariff_ids or ():
        tariff = tariffs.get(fold_id(tariff_id))
        if tariff is None or not _in_window(tariff, at):
            continue
        if tariff.type == tariff_type:
            return tariff
        if tariff.type is None and untyped is None:
            untyped = tariff
    return untyped


def begin(start: SessionStart, tariffs: Mapping[str, Tariff]) -> ChargingState:
    """A new session's state; refuses what would make a Session or CDR impossible."""
    if start.status in FINAL:
        raise ChargingError(f"a session cannot start as {start.status.value}")
    location = start.location
    if (fold_id(location.country_code), fold_id(location.party_id)) != (
        fold_id(start.country_code),
        fold_id(start.party_id),
    ):
        raise ChargingError("the Location belongs to another party than the session")
    evse, connector = find_connector(location, start.evse_uid, start.connector_id)
    if evse.evse_id is None:
        # mod_cdrs "CdrLocation": evse_id is required (#NA only for a reservation that never
        # became a session); an EVSE has none only once REMOVED (mod_locations "EVSE Object").
        raise ChargingError(f"EVSE {evse.uid!r} has no evse_id, which its CDR needs")
    tariff = select_tariff(connector, tariffs, start.start, start.tariff_type)
    currency = _currency(start.currency, tariff)
    return ChargingState(
        country_code=start.country_code,
        party_id=start.party_id,
        session_id=start.session_id,
        cdr_token=start.cdr_token,
        auth_method=start.auth_method,
        authorization_reference=start.authorization_reference,
        location=location,
        evse_uid=evse.uid,
        connector_id=connector.id,
        currency=currency,
        start=start.start,
        tariff=tariff,
        meter_id=start.meter_id,
        status=start.status,
    )


def _currency(given: str | None, tariff: Tariff | None) -> str:
    if tariff is None:
        if given is None:
            raise ChargingError("the Connector declares no applicable Tariff: give a currency")
        return given
    if given is not None and given.upper() != tariff.currency.upper():
        raise ChargingError(f"currency {given!r} differs from Tariff {tariff.id!r}'s")
    return tariff.currency


def _open(state: ChargingState) -> None:
    if state.status in FINAL:
        raise SessionEnded(f"session {state.session_id!r} is {state.status.value}")


def record(state: ChargingState, sample: MeterSample) -> ChargingState:
    """``state`` with one more meter value (time order, energy never decreasing)."""
    _open(state)
    if sample.timestamp < state.start:
        raise ChargingError("a meter value before the session start")
    if state.samples:
        last = state.samples[-1]
        if sample.timestamp < last.timestamp:
            raise ChargingError("meter values must come in time order")
        if sample.energy_kwh < last.energy_kwh:
            raise ChargingError("the session's energy cannot decrease")
    elif sample.energy_kwh < 0:
        raise ChargingError("the session's energy cannot be negative")
    return replace(state, samples=(*state.samples, sample))


def change_status(state: ChargingState, status: SessionStatus, at: datetime) -> ChargingState:
    """A status change other than the stop (which produces the CDR).

    mod_sessions "Session Object": ``start_date_time`` is the creation time while PENDING and
    "SHALL be updated" to the moment the session became ACTIVE, so the change to ACTIVE moves
    it to ``at``. INVALID ends the session without a CDR ("will not be billed").
    """
    _open(state)
    if status is SessionStatus.COMPLETED:
        raise ChargingError("a session completes by being stopped")
    if status is state.status:
        return state
    if status in (SessionStatus.PENDING, SessionStatus.RESERVATION):
        raise ChargingError(f"a {state.status.value} session cannot become {status.value}")
    if status is SessionStatus.INVALID:
        return replace(state, status=status, end=at)
    if state.samples:  # ACTIVE from PENDING/RESERVATION, after meter values: keep the start
        return replace(state, status=status)
    return replace(state, status=status, start=max(at, state.start))


def stop(state: ChargingState, end: datetime, final: MeterSample | None = None) -> ChargingState:
    """The session ended at ``end`` (optionally with its last meter value): COMPLETED."""
    _open(state)
    if final is not None:
        if final.timestamp != end:
            final = MeterSample(end, final.energy_kwh, final.current, final.power, final.charging)
        state = record(state, final)
    if end <= state.start:
        raise ChargingError("a session must end after it starts")
    if state.samples and end < state.samples[-1].timestamp:
        raise ChargingError("a session cannot end before its last meter value")
    return replace(state, status=SessionStatus.COMPLETED, end=end)
