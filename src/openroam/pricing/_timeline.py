"""Session timelines: what the tariff engine prices.

A :class:`Timeline` is an ordered list of :class:`Segment` s. Inside one segment nothing that a
tariff can look at changes, except what varies linearly or with the clock:

* the state (charging, parking, reservation) is constant;
* energy is delivered evenly (cumulative kWh grows linearly), so a ``min_kwh``/``max_kwh``
  threshold is crossed at an interpolated instant (mod_cdrs.asciidoc "ChargingPeriod": a new
  period "may be a moment that is calculated by the CPO … interpolated … using the metering
  information before and after that moment");
* current and power are constant: the value measured at the segment's first sample holds until
  the next sample (docs/spec-decisions.md "Current and power between meter samples"). If power
  was not measured it is the segment's average power, energy / duration.

Instants are held as integer microseconds since the Unix epoch (the resolution of a
``datetime``), so durations are exact integers; interpolated instants are rounded to the
microsecond, like a measured timestamp.

Builders: :func:`timeline_from_samples` (meter samples) and :func:`timeline_from_periods`
(the ChargingPeriods of a CDR or Session).

Reported volumes and timestamps (docs/pricing.md, docs/spec-decisions.md "Reading a CDR's
periods"): a ChargingPeriod's place in time is its ``start_date_time`` up to the next period's
(the last: up to the session's end, mod_cdrs "ChargingPeriod"); how long it is priced for is
its TIME / PARKING_TIME / RESERVATION_TIME volume, which is what the CPO reports. Within
:data:`VOLUME_TOLERANCE` of the span the volume is the span rounded (OCPI numbers: 4 decimals;
DateTimes: whole seconds), and the exact span is priced; beyond it the volume is priced
(:attr:`Segment.priced`) and a :class:`VolumeFinding` says so. A volume that cannot be a
duration (negative, or above :data:`LONGEST_VOLUME`) is not priced: the span is, with a
finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

from openroam.models.v221.cdrs import CdrDimensionType, ChargingPeriod

__all__ = [
    "LONGEST_VOLUME",
    "VOLUME_TOLERANCE",
    "MeterSample",
    "Reservation",
    "Segment",
    "State",
    "Timeline",
    "VolumeFinding",
    "hours",
    "timeline_from_periods",
    "timeline_from_samples",
    "to_datetime",
    "to_micros",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZERO = Decimal(0)
MICROS_PER_SECOND = 1_000_000
MICROS_PER_HOUR = 3_600_000_000
_HOUR_US = Decimal(MICROS_PER_HOUR)

VOLUME_TOLERANCE = 2 * MICROS_PER_SECOND
"""Microseconds (2 s) a period's time volume may differ from its timestamps' span and still be
read as that span: OCPI DateTimes are written in whole seconds, which moves a span by less than
1 s when a boundary falls inside a second (an interpolated kWh threshold), and 4-decimal hours
are within 0.18 s of what they round. Beyond it, the volume is priced and reported."""
LONGEST_VOLUME = Decimal(24 * 366)
"""Hours (a year): a longer time volume is not a duration a session reports; it is not priced."""


def to_micros(value: datetime) -> int:
    """An aware (or UTC-naive) datetime as integer microseconds since the Unix epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def to_datetime(micros: int) -> datetime:
    """Epoch microseconds back to an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=micros)


def hours(micros: int) -> Decimal:
    """A duration in microseconds as (exact as Decimal allows) hours."""
    return Decimal(micros) / _HOUR_US


class State(StrEnum):
    """What a segment of a session is: it decides which dimensions are priced."""

    CHARGING = "CHARGING"
    """The vehicle requests power: ENERGY and TIME."""
    PARKING = "PARKING"
    """The vehicle does not request power (CdrDimensionType PARKING_TIME, corrected 2.2.1
    definition): PARKING_TIME, and ENERGY if any was delivered anyway."""
    RESERVATION = "RESERVATION"
    """The EVSE is reserved and not yet in use: reservation elements only (FLAT and TIME)."""


class Segment(NamedTuple):
    """A stretch of a session in which state, current and power are constant."""

    start: int
    """Epoch microseconds."""
    end: int
    state: State
    energy: Decimal = ZERO
    """kWh delivered in the segment, spread evenly over it."""
    current: Decimal | None = None
    """Amperes summed over all phases; ``None`` when unknown."""
    power: Decimal | None = None
    """kW; ``None`` when unknown."""
    priced: int | None = None
    """Microseconds of time the CDR reports for the segment, priced instead of its span
    ``end - start`` when the two disagree; ``None``: the span is priced. The span still places
    the segment on the clock (time-of-day, day-of-week and date restrictions); duration
    restrictions count the priced time."""


@dataclass(frozen=True, slots=True)
class VolumeFinding:
    """A ChargingPeriod whose reported time volume disagrees with its timestamps."""

    period: int
    """Index of the period in the ``charging_periods`` given (0-based)."""
    dimension: str
    """The CdrDimensionType, e.g. ``TIME``; ``TIME+PARKING_TIME`` when the period has several
    time dimensions (then their sum is compared with the span)."""
    reported: Decimal
    """Hours, as reported."""
    timestamps: Decimal
    """Hours from the period's start to the next period's start (the last: to the end)."""
    priced: str
    """``volume`` or ``timestamps``: which one the engine priced."""
    message: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """An ordered, gap-free list of segments, optionally preceded by a reservation."""

    segments: tuple[Segment, ...]
    reservation_expired: bool = False
    """The reservation expired without a session (mod_tariffs "ReservationRestrictionType"
    RESERVATION_EXPIRES)."""
    findings: tuple[VolumeFinding, ...] = ()
    """Periods whose time volumes disagree with their timestamps (:func:`timeline_from_periods`)."""

    @property
    def session_start(self) -> int | None:
        """Start of the first non-reservation segment: ``min/max_duration`` count from it."""
        for segment in self.segments:
            if segment.state is not State.RESERVATION:
                return segment.start
        return None

    @property
    def reservation_start(self) -> int | None:
        """Start of the reservation, if the timeline has one."""
        for segment in self.segments:
            if segment.state is State.RESERVATION:
                return segment.start
        return None


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One meter reading. The values after ``energy_kwh`` describe the interval up to the next
    sample; the last sample only marks the end of the session."""

    timestamp: datetime
    energy_kwh: Decimal
    """Cumulative energy since the session started, kWh."""
    current: Decimal | None = None
    """Amperes summed over phases, from this sample until the next."""
    power: Decimal | None = None
    """kW, from this sample until the next."""
    charging: bool | None = None
    """Whether the vehicle requests power until the next sample; ``None``: it does if energy
    increases."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reservation before the session (mod_tariffs "TariffRestrictions" ``reservation``)."""

    start: datetime
    end: datetime | None = None
    """When the reservation ended. Defaults to the session start (the first sample)."""
    expired: bool = False
    """It expired without a session being started (RESERVATION_EXPIRES)."""


def _reservation_segment(reservation: Reservation, default_end: datetime | None) -> Segment:
    end = reservation.end or default_end
    if end is None:
        raise ValueError("a reservation without a session needs an end (its expiry)")
    return Segment(to_micros(reservation.start), to_micros(end), State.RESERVATION)


def timeline_from_samples(
    samples: Sequence[MeterSample], *, reservation: Reservation | None = None
) -> Timeline:
    """A timeline from meter samples (at least two, in time order), plus an optional
    reservation before the first sample."""
    segments: list[Segment] = []
    if reservation is not None:
        first = samples[0].timestamp if samples else None
        booked = _reservation_segment(reservation, first)
        if first is not None and booked.end > to_micros(first):
            # mod_tariffs "TariffRestrictions" reservation: it "ends when the driver starts
            # charging", so it cannot overlap the session.
            raise ValueError("the reservation ends after the session starts")
        segments.append(booked)
    if len(samples) == 1:
        raise ValueError("a session needs at least two meter samples (its start and end)")
    for sample, following in pairwise(samples):
        start, end = to_micros(sample.timestamp), to_micros(following.timestamp)
        if end < start:
            raise ValueError(f"meter samples are not in time order at {following.timestamp}")
        if end == start:
            continue
        energy = following.energy_kwh - sample.energy_kwh
        charging = sample.charging if sample.charging is not None else energy > 0
        state = State.CHARGING if charging else State.PARKING
        power = sample.power
        if power is None:
            power = energy * _HOUR_US / (end - start) if charging else ZERO
        current = sample.current if sample.current is not None or charging else ZERO
        segments.append(Segment(start, end, state, energy, current, power))
    expired = reservation is not None and reservation.expired
    if expired and len(segments) > 1:
        raise ValueError("an expired reservation cannot be followed by a session")
    return Timeline(tuple(segments), reservation_expired=expired)


def _volumes(period: ChargingPeriod) -> dict[CdrDimensionType, Decimal]:
    volumes: dict[CdrDimensionType, Decimal] = {}
    for dimension in period.dimensions:
        kind = dimension.type
        volumes[kind] = volumes[kind] + dimension.volume if kind in volumes else dimension.volume
    return volumes


def _span_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001'))} h" if value.is_finite() else f"{value} h"


_TOLERANCE_TEXT = f"{VOLUME_TOLERANCE // MICROS_PER_SECOND} s"
_TOLERANCE = Decimal(VOLUME_TOLERANCE)


def _agrees(volume: Decimal, span: int) -> bool:
    """Whether a time ``volume`` (hours) is a duration within :data:`VOLUME_TOLERANCE` of
    ``span`` (microseconds). In Decimal, without rounding to microseconds: this runs for most
    periods of every CDR priced."""
    return (
        volume.is_finite()
        and ZERO <= volume <= LONGEST_VOLUME
        and abs(volume * _HOUR_US - span) <= _TOLERANCE
    )


def _unusable(volume: Decimal) -> str | None:
    """Why a time volume is not a duration, or ``None`` (the model refuses NaN and infinity, but
    a caller may construct periods without it)."""
    if volume.is_nan():
        return "not a number"
    if volume < 0:
        return "negative"
    if volume > LONGEST_VOLUME:
        return f"longer than {LONGEST_VOLUME} h"
    return None


def _reported(
    volume: Decimal, span: int, index: int, name: str, findings: list[VolumeFinding]
) -> int | None:
    """The microseconds to price for a period whose time ``volume`` (hours) is reported over a
    ``span`` (microseconds) of timestamps: ``None`` (price the span) when they agree within
    :data:`VOLUME_TOLERANCE` or the volume is unusable, else the volume. Disagreements and
    unusable volumes are added to ``findings``."""
    if _agrees(volume, span):
        return None
    why = _unusable(volume)
    if why is not None:
        findings.append(
            VolumeFinding(
                index, name, volume, hours(span), "timestamps",
                f"the {name} volume {volume} h is {why}: not a duration, the timestamps' "
                f"{_span_text(hours(span))} are priced",
            )
        )  # fmt: skip
        return None
    findings.append(
        VolumeFinding(
            index, name, volume, hours(span), "volume",
            f"the {name} volume {volume} h differs from the timestamps' "
            f"{_span_text(hours(span))} by more than {_TOLERANCE_TEXT}: the volume is priced",
        )
    )  # fmt: skip
    return int((volume * _HOUR_US).to_integral_value())


_TIME_KINDS = (
    (State.RESERVATION, CdrDimensionType.RESERVATION_TIME),
    (State.CHARGING, CdrDimensionType.TIME),
    (State.PARKING, CdrDimensionType.PARKING_TIME),
)


def _states(
    volumes: dict[CdrDimensionType, Decimal], span: int, index: int, findings: list[VolumeFinding]
) -> list[tuple[State, int, int | None]]:
    """How a period with several time dimensions is shared: (state, span, priced) in the
    order reservation → charging → parking."""
    shares = [(state, volumes[dim]) for state, dim in _TIME_KINDS if dim in volumes]
    unusable = [dim for _, dim in _TIME_KINDS if dim in volumes and _unusable(volumes[dim])]
    if unusable:  # not a duration: reported as such, and the span is shared as below
        dim = unusable[0]
        reported = _reported(volumes[dim], span, index, dim.value, findings)
    else:
        name = "+".join(dim.value for _, dim in _TIME_KINDS if dim in volumes)
        total = sum((volume for _, volume in shares), ZERO)
        reported = _reported(total, span, index, name, findings)
    result: list[tuple[State, int, int | None]] = []
    if reported is None:
        # The span is priced; the time dimensions only say how it is shared. The last share
        # takes the remainder, so rounded volumes (1.973 h) never open gaps between periods.
        # A volume that is not a duration counts as none.
        left = span
        for position, (state, volume) in enumerate(shares):
            take = left
            if position < len(shares) - 1:
                micros = 0 if _unusable(volume) else int((volume * _HOUR_US).to_integral_value())
                take = max(0, min(micros, left))
            result.append((state, take, None))
            left -= take
        return result
    # The volumes are priced; the span is shared in proportion to them, so each share keeps
    # its place on the clock. Exact in integers: the cumulative shares are floored.
    priced = [int((volume * _HOUR_US).to_integral_value()) for _, volume in shares]
    done, placed = 0, 0
    for position, ((state, _), micros) in enumerate(zip(shares, priced, strict=True)):
        done += micros
        # The last share ends at the period's end; all volumes 0: the first share has the span.
        upto = span if position == len(shares) - 1 or not reported else span * done // reported
        result.append((state, upto - placed, micros))
        placed = upto
    return result


def _middle(average: Decimal | None, low: Decimal | None, high: Decimal | None) -> Decimal | None:
    # A CDR has no instantaneous values: use the period's average if given (Sessions only),
    # else the middle of its MIN and MAX, else the one it has.
    if average is not None:
        return average
    if low is not None and high is not None:
        return (low + high) / 2
    return low if low is not None else high


_KIND = CdrDimensionType
_SLOTS = {
    _KIND.RESERVATION_TIME: 1,
    _KIND.TIME: 2,
    _KIND.PARKING_TIME: 3,
    _KIND.CURRENT: 4,
    _KIND.MIN_CURRENT: 5,
    _KIND.MAX_CURRENT: 6,
    _KIND.POWER: 7,
    _KIND.MIN_POWER: 8,
    _KIND.MAX_POWER: 9,
}
_SLOT_STATES = {1: State.RESERVATION, 2: State.CHARGING, 3: State.PARKING}
_SLOT_NAMES = {1: "RESERVATION_TIME", 2: "TIME", 3: "PARKING_TIME"}


def _period_segments(
    period: ChargingPeriod, start: int, end: int, index: int, findings: list[VolumeFinding]
) -> list[Segment]:
    # One pass over the dimensions (this runs for every period of every CDR priced).
    energy = ZERO
    seen: list[Decimal | None] = [None] * 10
    for dimension in period.dimensions:
        kind = dimension.type
        if kind is _KIND.ENERGY:
            energy += dimension.volume
        elif kind in _SLOTS:
            slot = _SLOTS[kind]
            old = seen[slot]
            seen[slot] = dimension.volume if old is None else old + dimension.volume
    current = _middle(seen[4], seen[5], seen[6])
    power = _middle(seen[7], seen[8], seen[9])
    timed = (seen[1] is not None) + (seen[2] is not None) + (seen[3] is not None)
    if timed <= 1:  # the usual case: the whole period is in one state
        slot = 1 if seen[1] is not None else 3 if seen[3] is not None else 2
        volume = seen[slot]
        priced = None
        if volume is not None and not _agrees(volume, end - start):
            priced = _reported(volume, end - start, index, _SLOT_NAMES[slot], findings)
        state = _SLOT_STATES[slot]
        if state is State.RESERVATION:
            return [Segment(start, end, state, ZERO, current, power, priced)]
        if power is None and state is State.CHARGING:
            length = end - start if priced is None else priced
            if length > 0:  # _average_power, inlined for the usual case
                power = energy * _HOUR_US / length
        return [Segment(start, end, state, energy, current, power, priced)]
    shares = [
        share
        for share in _states(_volumes(period), end - start, index, findings)
        if share[1] or share[2]
    ]
    # Energy belongs to the charging share, or to parking if the period has no charging time.
    charging = any(state is State.CHARGING for state, _, _ in shares)
    energy_state = State.CHARGING if charging else State.PARKING
    segments: list[Segment] = []
    at = start
    for state, micros, priced in shares:
        part_energy = energy if state is energy_state else ZERO
        part_power = power
        if part_power is None and state is State.CHARGING:
            part_power = _average_power(part_energy, micros if priced is None else priced)
        segments.append(Segment(at, at + micros, state, part_energy, current, part_power, priced))
        at += micros
    return segments


def _average_power(energy: Decimal, micros: int) -> Decimal | None:
    return energy * _HOUR_US / micros if micros > 0 else None


def timeline_from_periods(
    periods: Sequence[ChargingPeriod], end: datetime, *, reservation_expired: bool | None = None
) -> Timeline:
    """A timeline from the ChargingPeriods of a CDR or Session that ended at ``end``.

    A period lasts until the next one starts, the last until ``end`` (mod_cdrs "ChargingPeriod").
    Its TIME, PARKING_TIME or RESERVATION_TIME volume is priced when it disagrees with that span
    (module docstring), each disagreement in :attr:`Timeline.findings`.
    ``reservation_expired`` defaults to: the periods hold reservation time and nothing else
    (a CDR "for a reservation that never resulted in a charging session", mod_cdrs "CdrLocation").
    """
    starts = [to_micros(p.start_date_time) for p in periods]
    order: Sequence[int] = range(len(periods))
    if any(later < earlier for earlier, later in pairwise(starts)):
        order = sorted(order, key=starts.__getitem__)
        starts = [starts[index] for index in order]
    ends = [*starts[1:], to_micros(end)]
    segments: list[Segment] = []
    findings: list[VolumeFinding] = []
    for index, start, stop in zip(order, starts, ends, strict=True):
        period = periods[index]
        if stop < start:
            raise ValueError(f"the period starting {period.start_date_time} ends before it starts")
        segments += _period_segments(period, start, stop, index, findings)
    if reservation_expired is None:
        kinds = {segment.state for segment in segments}
        reservation_expired = kinds == {State.RESERVATION}
    return Timeline(tuple(segments), reservation_expired, tuple(findings))
