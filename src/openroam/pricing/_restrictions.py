"""Does a TariffElement apply at an instant? (mod_tariffs.asciidoc "TariffRestrictions class")

All set restrictions are ANDed; an element without restrictions always applies. Boundaries, as
the spec words them, and the choices where it does not (docs/spec-decisions.md, headings named):

* ``start_time`` inclusive, ``end_time`` exclusive ("end_time is exclusive"), local wall-clock
  time of the Location. ``end_time`` < ``start_time`` wraps past midnight (22:00-06:00);
  ``end_time`` 00:00 means "until the end of the day". Where the spec is silent ("Time window
  with only start_time or end_time"): only ``start_time`` set → from then until midnight; only
  ``end_time`` set → from midnight until then; ``start_time`` = ``end_time`` → the whole day.
* DST ("Restrictions across DST changes"): restrictions read the wall clock at every instant.
  On the night the clocks go back the repeated hour matches twice; on the night they go forward
  the skipped hour never matches.
* ``start_date`` inclusive, ``end_date`` exclusive, local dates.
* ``min_kwh``/``min_current``/``min_power``/``min_duration`` inclusive (≥), the ``max_``
  counterparts exclusive (<). kWh is the energy of the session so far; current and power are
  instantaneous; duration counts from the start of the session (or of the reservation).
  An element with a current or power restriction does not apply while that value is unknown
  ("Current and power between meter samples").
* ``day_of_week``: the local weekday is listed. An empty list counts as not set.
* ``reservation``: see :func:`element_kind_matches`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openroam.models.v221.tariffs import DayOfWeek, TariffRestrictions

__all__ = ["Instant", "Rule", "clock_instants", "compile_rule", "matches"]

_WEEKDAYS = {day: number for number, day in enumerate(DayOfWeek)}  # MONDAY = 0, as date.weekday()


def _seconds_of_day(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True, slots=True)
class Rule:
    """TariffRestrictions prepared for fast evaluation (times in seconds of the day)."""

    start_time: int | None
    end_time: int | None
    start_date: str | None
    end_date: str | None
    min_kwh: Decimal | None
    max_kwh: Decimal | None
    min_current: Decimal | None
    max_current: Decimal | None
    min_power: Decimal | None
    max_power: Decimal | None
    min_duration: int | None
    """Microseconds."""
    max_duration: int | None
    weekdays: frozenset[int] | None
    uses_clock: bool
    """Whether the rule reads the local clock or calendar."""


def compile_rule(restrictions: TariffRestrictions) -> Rule:
    """Prepare a TariffRestrictions for :func:`matches` (the reservation field is not read)."""
    r = restrictions
    weekdays = frozenset(_WEEKDAYS[d] for d in r.day_of_week) if r.day_of_week else None
    start = _seconds_of_day(r.start_time) if r.start_time is not None else None
    end = _seconds_of_day(r.end_time) if r.end_time is not None else None
    uses_clock = not (start is end is None and r.start_date is r.end_date is None) or bool(weekdays)
    return Rule(
        start,
        end,
        r.start_date,
        r.end_date,
        r.min_kwh,
        r.max_kwh,
        r.min_current,
        r.max_current,
        r.min_power,
        r.max_power,
        r.min_duration * 1_000_000 if r.min_duration is not None else None,
        r.max_duration * 1_000_000 if r.max_duration is not None else None,
        weekdays,
        uses_clock,
    )


class Instant(NamedTuple):
    """What the restrictions look at, at one moment of the session."""

    local: datetime | None
    """Local wall-clock time at the Location (only needed when a rule reads the clock)."""
    kwh: Decimal
    current: Decimal | None
    power: Decimal | None
    duration: int
    """Microseconds since the session (or reservation) started."""


def _time_matches(rule: Rule, local: datetime) -> bool:
    # Whole seconds suffice: start_time and end_time are whole minutes.
    now = local.hour * 3600 + local.minute * 60 + local.second
    start, end = rule.start_time, rule.end_time
    if start is not None and end is not None and end <= start:
        # mod_tariffs "TariffRestrictions": "If end_time < start_time then the period wraps
        # around to the next day. To stop at end of the day use: 00:00."
        return now >= start or now < end
    if start is not None and now < start:
        return False
    # end_time 00:00 is the end of the day ("To stop at end of the day use: 00:00"), also
    # without a start_time: from midnight to the end of the day.
    return end is None or end == 0 or now < end


def _calendar_matches(rule: Rule, local: datetime) -> bool:
    if rule.weekdays is not None and local.weekday() not in rule.weekdays:
        return False
    if rule.start_date is not None or rule.end_date is not None:
        today = local.date().isoformat()  # ISO dates compare in calendar order as text
        if rule.start_date is not None and today < rule.start_date:
            return False
        if rule.end_date is not None and today >= rule.end_date:
            return False
    return (rule.start_time is None and rule.end_time is None) or _time_matches(rule, local)


def matches(rule: Rule, at: Instant) -> bool:
    """Whether every set restriction of ``rule`` holds at ``at`` (they are ANDed)."""
    # Written out flat: this runs for every element in every slice of every session priced.
    bound = rule.min_kwh
    if bound is not None and at.kwh < bound:
        return False
    bound = rule.max_kwh
    if bound is not None and at.kwh >= bound:
        return False
    if rule.min_current is not None and (at.current is None or at.current < rule.min_current):
        return False
    if rule.max_current is not None and (at.current is None or at.current >= rule.max_current):
        return False
    if rule.min_power is not None and (at.power is None or at.power < rule.min_power):
        return False
    if rule.max_power is not None and (at.power is None or at.power >= rule.max_power):
        return False
    if rule.min_duration is not None and at.duration < rule.min_duration:
        return False
    if rule.max_duration is not None and at.duration >= rule.max_duration:
        return False
    if rule.uses_clock:
        if at.local is None:
            raise ValueError("a clock restriction needs the local time")
        return _calendar_matches(rule, at.local)
    return True


_EPOCH_NAIVE = datetime(1970, 1, 1)


def _utc_seconds(wall: datetime, zone: ZoneInfo) -> int:
    offset = wall.replace(tzinfo=zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return int((wall - offset - _EPOCH_NAIVE).total_seconds())


def _offset_at(seconds: int, zone: ZoneInfo) -> timedelta | None:
    utc = (_EPOCH_NAIVE + timedelta(seconds=seconds)).replace(tzinfo=zone)
    return zone.fromutc(utc).utcoffset()  # fromutc: the exact UTC -> local mapping


def _offset_changes(day: date, zone: ZoneInfo) -> list[int]:
    """UTC instants (epoch seconds) during local ``day`` at which the UTC offset changes."""
    low = _utc_seconds(datetime.combine(day, time()), zone)
    high = _utc_seconds(datetime.combine(day + timedelta(days=1), time()), zone)
    first = _offset_at(low, zone)
    if _offset_at(high, zone) == first:
        return []
    while high - low > 1:  # transitions fall on whole seconds
        middle = (low + high) // 2
        if _offset_at(middle, zone) == first:
            low = middle
        else:
            high = middle
    return [high]


@lru_cache(maxsize=4096)
def clock_instants(zone: ZoneInfo, day: date, points: tuple[int, ...]) -> tuple[int, ...]:
    """Every UTC instant (epoch microseconds) at which the local clock of ``day`` shows one of
    ``points`` (seconds of the day), plus the instants its UTC offset changes.

    Both readings of an ambiguous wall time are included (``fold`` 0 and 1); a wall time that
    does not exist that day is covered by the offset change itself.
    """
    instants = set(_offset_changes(day, zone))
    for point in points:
        wall = datetime.combine(day, time()) + timedelta(seconds=point)
        for fold in (0, 1):
            instants.add(_utc_seconds(wall.replace(fold=fold), zone))
    return tuple(sorted(second * 1_000_000 for second in instants))
