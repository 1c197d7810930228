"""What a reference session costs under a Tariff, by the time it starts, across one week: the
numbers behind the Tariffs page's chart (docs/console.md "Tariffs").

The reference session charges ``kwh`` evenly over ``hours``, from its start to its end, with no
parking and no reservation; it is priced by the tariff engine (:func:`openroam.pricing.price`)
exactly as a real session with two meter readings would be. What it cannot show follows from
that: its current is not measured, so an element restricted on current never applies to it
(docs/pricing.md "Current and power between meter samples"); its power is its average
(kwh / hours).

Start times are the wall clock of the Tariff's time zone, every 30 minutes from Monday 00:00 to
Sunday 23:30 (336 starts). On the night the clocks go forward a skipped wall time (02:30) is read
with the offset before the change, i.e. as 03:30 of the new time; on the night they go back a
repeated one is its first occurrence (``fold`` 0). The session's length is real time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openroam.models.v221.tariffs import Tariff
from openroam.pricing import (
    CompiledTariff,
    MeterSample,
    compile_tariff,
    price,
    timeline_from_samples,
)

__all__ = [
    "POINTS",
    "STEP_MINUTES",
    "ReferenceSession",
    "StartPrice",
    "monday_of",
    "validity_note",
    "week_prices",
]

STEP_MINUTES = 30
#: Starts in a week: every 30 minutes for 7 days.
POINTS = 7 * 24 * 60 // STEP_MINUTES
_MICROS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True, slots=True)
class ReferenceSession:
    """``kwh`` charged evenly over ``hours``."""

    kwh: Decimal
    hours: Decimal

    @property
    def kw(self) -> Decimal:
        """Its (constant, average) power."""
        return self.kwh / self.hours

    @property
    def duration(self) -> timedelta:
        return timedelta(microseconds=int(self.hours * _MICROS_PER_HOUR))


@dataclass(frozen=True, slots=True)
class StartPrice:
    """The price of the reference session started at ``start``."""

    start: datetime
    """The start, aware, in the Tariff's time zone."""
    hours_into_week: float
    """Wall-clock hours after Monday 00:00 (the chart's x)."""
    excl_vat: Decimal
    incl_vat: Decimal
    """The CDR's ``total_cost`` (after min/max_price), 4 decimals; incl. VAT equals excl. VAT when
    no component has VAT."""


def monday_of(day: date) -> date:
    """The Monday of the week (ISO 8601: Monday to Sunday) that holds ``day``."""
    return day - timedelta(days=day.weekday())


def week_prices(
    tariff: Tariff | CompiledTariff, zone: ZoneInfo, monday: date, session: ReferenceSession
) -> list[StartPrice]:
    """The price of ``session`` started every 30 minutes of the week from ``monday`` (its
    :data:`POINTS` starts, in order), with ``tariff`` read in ``zone``."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    if session.kwh <= 0 or session.hours <= 0:
        raise ValueError("the reference session needs energy and time")
    compiled = tariff if isinstance(tariff, CompiledTariff) else compile_tariff(tariff)
    midnight = datetime.combine(monday, time())
    prices = []
    for index in range(POINTS):
        wall = midnight + timedelta(minutes=STEP_MINUTES * index)
        start = wall.replace(tzinfo=zone)
        # In UTC: adding the session's length to an aware local datetime would be wall-clock
        # arithmetic, one hour off across a DST change.
        first = start.astimezone(UTC)
        timeline = timeline_from_samples(
            [
                MeterSample(first, Decimal(0), charging=True),
                MeterSample(first + session.duration, session.kwh),
            ]
        )
        cost = price(compiled, timeline, zone).totals.total_cost
        incl = cost.incl_vat if cost.incl_vat is not None else cost.excl_vat
        prices.append(StartPrice(start, index * STEP_MINUTES / 60, cost.excl_vat, incl))
    return prices


def validity_note(tariff: Tariff, zone: ZoneInfo, monday: date) -> str | None:
    """What to say when the week is not all inside the Tariff's validity
    (``start_date_time``/``end_date_time``); ``None`` when it is."""
    week_start = datetime.combine(monday, time(), zone)
    week_end = datetime.combine(monday + timedelta(days=7), time(), zone)
    start, end = tariff.start_date_time, tariff.end_date_time
    if (start is not None and start >= week_end) or (end is not None and end <= week_start):
        return (
            "This tariff is not valid in this week; the chart shows what it would cost if it were."
        )
    if (start is not None and start > week_start) or (end is not None and end < week_end):
        return "This tariff is valid for only part of this week; the chart prices every start."
    return None
