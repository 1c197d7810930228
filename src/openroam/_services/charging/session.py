"""The live Session of a :class:`ChargingState`, priced with the tariff engine. Pure.

ChargingPeriods (mod_cdrs "ChargingPeriod") come from the engine, which starts a new period
whenever another PriceComponent becomes active or the vehicle starts or stops requesting power.
While the session runs, the last period is still growing: its volumes change with every meter
value and a later value may extend it. So an ACTIVE Session carries only the *closed* periods,
every one but the last, and those never change again; the stop closes the last one. That keeps
the Session a partner holds equal to ours under the PATCH rule "charging_periods are appended"
(mod_sessions "PATCH Method"): :func:`session_patch` sends exactly the new closed periods.

Without an applicable Tariff the periods are the same split by state (charging or parking),
without ``tariff_id`` ("no tariff relevant", mod_cdrs "ChargingPeriod"), and the Session has no
``total_cost``: absent means unknown, not free (mod_sessions "Session Object").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from openroam._services.charging.state import ChargingState
from openroam.models.v221.cdrs import ChargingPeriod
from openroam.models.v221.sessions import Session
from openroam.models.v221.tariffs import (
    PriceComponent,
    Tariff,
    TariffDimensionType,
    TariffElement,
)
from openroam.pricing import MeterSample, PricingResult, price, timeline_from_samples

__all__ = ["live_session", "meter_samples", "priced", "session_patch", "state_periods"]


def meter_samples(state: ChargingState) -> list[MeterSample]:
    """The state's meter values framed by the session: 0 kWh at its start and, once it ended,
    the last energy at its end (a stretch without a meter value after the last one)."""
    samples = list(state.samples)
    if not samples or samples[0].timestamp > state.start:
        samples.insert(0, MeterSample(state.start, Decimal(0)))
    if state.end is not None and samples[-1].timestamp < state.end:
        samples.append(MeterSample(state.end, samples[-1].energy_kwh))
    return samples


def _no_tariff(state: ChargingState) -> Tariff:
    # Prices nothing; used only to split the session into periods by state (its id is never
    # reported: periods without a Tariff carry no tariff_id).
    free = PriceComponent(type=TariffDimensionType.FLAT, price=Decimal(0), step_size=0)
    return Tariff(
        country_code=state.country_code,
        party_id=state.party_id,
        id="-",
        currency=state.currency,
        elements=[TariffElement(price_components=[free])],
        last_updated=state.start,
    )


def priced(state: ChargingState) -> PricingResult | None:
    """The engine's result for the session so far; ``None`` before anything can be priced."""
    samples = meter_samples(state)
    if samples[-1].timestamp <= samples[0].timestamp:
        return None
    tariff = state.tariff if state.tariff is not None else _no_tariff(state)
    return price(tariff, timeline_from_samples(samples), state.location.time_zone)


def state_periods(state: ChargingState, result: PricingResult | None) -> list[ChargingPeriod]:
    """The ChargingPeriods to report: all once the session ended, else all but the last."""
    if result is None:
        return []
    periods = result.charging_periods()
    if state.tariff is None:
        periods = [
            ChargingPeriod(start_date_time=p.start_date_time, dimensions=p.dimensions)
            for p in periods
        ]
    return periods if state.end is not None else periods[:-1]


def live_session(state: ChargingState, now: datetime) -> Session:
    """The Session document for ``state``, ``last_updated`` = ``now``."""
    result = priced(state)
    periods = state_periods(state, result)
    total = result.totals.total_cost if result is not None and state.tariff else None
    return Session(
        country_code=state.country_code,
        party_id=state.party_id,
        id=state.session_id,
        start_date_time=state.start,
        end_date_time=state.end,
        kwh=state.kwh,
        cdr_token=state.cdr_token,
        auth_method=state.auth_method,
        authorization_reference=state.authorization_reference,
        location_id=state.location.id,
        evse_uid=state.evse_uid,
        connector_id=state.connector_id,
        meter_id=state.meter_id,
        currency=state.currency,
        charging_periods=periods or None,
        total_cost=total,
        status=state.status,
        last_updated=now,
    )


def session_patch(old: Session, new: Session) -> dict[str, Any]:
    """The PATCH body that turns ``old`` into ``new`` (JSON-ready): the changed fields,
    ``last_updated`` always, and only the appended ChargingPeriods (mod_sessions "PATCH
    Method": a PATCH appends them). ``old``'s periods must be a prefix of ``new``'s."""
    before, after = old.to_dict(), new.to_dict()
    sent = before.pop("charging_periods", [])
    periods = after.pop("charging_periods", [])
    if periods[: len(sent)] != sent:
        raise ValueError("the Session's charging periods changed: it needs a PUT")
    body = {key: value for key, value in after.items() if before.get(key) != value}
    body["last_updated"] = after["last_updated"]
    if len(periods) > len(sent):
        body["charging_periods"] = periods[len(sent) :]
    return body
