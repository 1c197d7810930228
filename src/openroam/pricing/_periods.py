"""Slice a session timeline into periods in which every dimension has one active PriceComponent.

mod_tariffs.asciidoc "Tariff object": at every moment, and separately for each
dimension, the active PriceComponent is the one of the first TariffElement in list order that
has a component of that dimension and whose restrictions hold. mod_cdrs.asciidoc
"ChargingPeriod": a new period starts whenever another PriceComponent becomes active.

How: each timeline segment is cut at every instant where a restriction could change its
verdict — the local clock reaching a ``start_time``/``end_time`` or midnight (both readings of
an ambiguous wall time, and every UTC-offset change), the session energy reaching a
``min_kwh``/``max_kwh`` (interpolated), the duration reaching a ``min_duration``/``max_duration``.
Between two cuts nothing changes, so the restrictions are evaluated once, at the middle of the
slice. Adjacent slices with the same state and the same active components are merged; every
change of state (charging ↔ parking, reservation → session) starts a new period.

A segment whose reported time is priced instead of its span (:attr:`Segment.priced`, from a
CDR's volumes): the span places it on the clock, so time-of-day, day-of-week and date
restrictions are evaluated at the timestamps; the reported time is spread evenly over the span,
and ``min_duration``/``max_duration`` count reported time (the session's duration so far is the
time it reports, as ``min_kwh`` counts the energy it reports). A threshold inside such a segment
is cut at the instant where the spread reported time reaches it.

Which elements may apply to which state:

* charging and parking slices see the elements without a ``reservation`` restriction;
* reservation slices see the ``RESERVATION`` elements; when the reservation expired, the
  ``RESERVATION_EXPIRES`` elements too: their TIME component replaces the ``RESERVATION`` one
  (mod_tariffs "ReservationRestrictionType" note), their FLAT component (the expiry fee) is
  charged in addition to a ``RESERVATION`` FLAT (the reservation fee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openroam.models.v221.tariffs import TariffDimensionType
from openroam.pricing._compiled import CompiledTariff, Component, Element
from openroam.pricing._restrictions import Instant, clock_instants, matches
from openroam.pricing._timeline import Segment, State, Timeline, to_datetime

__all__ = ["Period", "Selection", "slice_timeline"]

ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING_TIME = TariffDimensionType.PARKING_TIME
_ZERO = Decimal(0)
_TWO = Decimal(2)
_DAY_MICROS = 86_400_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NO_FLATS: tuple[Component, ...] = ()


class Selection(NamedTuple):
    """The active PriceComponents of one slice (``None``: the dimension costs nothing).

    Components compare by identity, so two selections are equal when the same components of
    the same tariff are active.
    """

    energy: Component | None
    time: Component | None
    """TIME: charging time, or reservation time in a reservation slice."""
    parking: Component | None
    flats: tuple[Component, ...]
    """The active FLAT component(s): one, or for an expired reservation fee plus expiry fee."""


@dataclass(slots=True)
class Period:
    """A stretch of the session priced by one Selection in one State."""

    start: int
    """Epoch microseconds."""
    end: int
    state: State
    selection: Selection
    energy: Decimal
    """kWh delivered in the period."""
    kwh_start: Decimal
    """Session energy at the start of the period."""
    current: tuple[Decimal, Decimal] | None
    """(min, max) A over the period, if known."""
    power: tuple[Decimal, Decimal] | None
    volume: int | None = None
    """Microseconds of reported time priced instead of the span (see the module docstring);
    ``None``: the span is priced."""

    @property
    def micros(self) -> int:
        """Priced length in microseconds: the reported time, else the span ``end - start``."""
        return self.end - self.start if self.volume is None else self.volume


class _Chooser:
    """First matching element per dimension, each element's rule evaluated at most once."""

    __slots__ = ("at", "verdicts")

    def __init__(self, at: Instant) -> None:
        self.at = at
        self.verdicts: dict[int, bool] = {}

    def first(self, candidates: tuple[Element, ...], dim: TariffDimensionType) -> Component | None:
        for element in candidates:
            rule = element.rule
            if rule is None:
                return element.components[dim]
            verdict = self.verdicts.get(element.index)
            if verdict is None:
                verdict = self.verdicts[element.index] = matches(rule, self.at)
            if verdict:
                return element.components[dim]
        return None


def _select(
    tariff: CompiledTariff, state: State, expired: bool, chooser: _Chooser, energy: bool
) -> Selection:
    if state is State.RESERVATION:
        time = chooser.first(tariff.expires[TIME], TIME) if expired else None
        time = time or chooser.first(tariff.reservation[TIME], TIME)
        fees = [chooser.first(tariff.reservation[FLAT], FLAT)]
        if expired:
            fees.append(chooser.first(tariff.expires[FLAT], FLAT))
        return Selection(None, time, None, tuple(f for f in fees if f is not None))
    session = tariff.session
    flat = chooser.first(session[FLAT], FLAT)
    flats = (flat,) if flat is not None else _NO_FLATS
    if state is State.CHARGING:
        energy_component = chooser.first(session[ENERGY], ENERGY)
        return Selection(energy_component, chooser.first(session[TIME], TIME), None, flats)
    # Parking: energy is only priced if some was delivered anyway.
    energy_component = chooser.first(session[ENERGY], ENERGY) if energy else None
    parking = chooser.first(session[PARKING_TIME], PARKING_TIME)
    return Selection(energy_component, None, parking, flats)


def _local_days(segment: Segment) -> list[date]:
    # Every local date whose clock instants can fall inside the segment: the UTC dates of its
    # ends, widened by a day on each side (UTC offsets are under 24 h). Cheaper than a time
    # zone conversion, and clock_instants is cached per date.
    first = _EPOCH_ORDINAL + segment.start // _DAY_MICROS - 1
    last = _EPOCH_ORDINAL + segment.end // _DAY_MICROS + 1
    return [date.fromordinal(n) for n in range(first, last + 1)]


def _cuts(
    tariff: CompiledTariff,
    segment: Segment,
    kwh: Decimal,
    origin: int,
    zone: ZoneInfo,
    durations: dict[int, int],
) -> dict[int, Decimal | None]:
    """Instants inside ``segment`` where a restriction may change its verdict, each mapped to
    the session energy at that instant when it is a kWh threshold (else ``None``). In a
    segment with reported time, ``durations`` gets the reported time (since the segment's
    start) at each duration threshold."""
    start, end = segment.start, segment.end
    cuts: dict[int, Decimal | None] = {}
    if tariff.uses_clock:
        for day in _local_days(segment):
            for instant in clock_instants(zone, day, tariff.clock_points):
                if start < instant < end:
                    cuts[instant] = None
    if segment.energy:
        for threshold in tariff.kwh_points:
            fraction = (threshold - kwh) / segment.energy
            if 0 < fraction < 1:
                # Interpolated crossings are kept to the microsecond, like a measured
                # timestamp, and the energy there is the threshold itself: how the samples
                # happen to be spaced cannot shift a cost by a rounding residue.
                instant = start + int((fraction * (end - start)).to_integral_value())
                if start < instant < end:
                    cuts[instant] = threshold
    priced = segment.priced
    if priced is None:
        for micros in tariff.duration_points:
            instant = origin + micros
            if start < instant < end:
                cuts.setdefault(instant, None)
        return cuts
    elapsed, span = start - origin, end - start
    for micros in tariff.duration_points:
        reached = micros - elapsed
        if 0 < reached < priced:
            # Where the evenly spread reported time reaches the threshold, to the nearest
            # microsecond; the reported time there is the threshold itself.
            instant = start + (reached * span + priced // 2) // priced
            if start < instant < end:
                cuts.setdefault(instant, None)
                durations[instant] = reached
    return cuts


def _widen(span: tuple[Decimal, Decimal] | None, value: Decimal) -> tuple[Decimal, Decimal]:
    if span is None:
        return (value, value)
    return (min(span[0], value), max(span[1], value))


def _add(
    periods: list[Period],
    segment: Segment,
    low: int,
    high: int,
    selection: Selection,
    before: Decimal,
    after: Decimal,
    volume: int | None,
) -> None:
    last = periods[-1] if periods else None
    if (
        last is not None
        and last.end == low
        and last.state is segment.state
        and last.selection == selection
        and (last.volume is None) is (volume is None)  # each period has one source of time
    ):
        last.end = high
        last.energy += after - before
        if last.volume is not None and volume is not None:
            last.volume += volume
        if segment.current is not None:
            last.current = _widen(last.current, segment.current)
        if segment.power is not None:
            last.power = _widen(last.power, segment.power)
        return
    current = (segment.current, segment.current) if segment.current is not None else None
    power = (segment.power, segment.power) if segment.power is not None else None
    periods.append(
        Period(low, high, segment.state, selection, after - before, before, current, power, volume)
    )


def _slice_segment(
    tariff: CompiledTariff,
    timeline: Timeline,
    segment: Segment,
    kwh: Decimal,
    origin: int,
    zone: ZoneInfo,
    periods: list[Period],
) -> None:
    start, energy, span = segment.start, segment.energy, segment.end - segment.start
    priced = segment.priced
    durations: dict[int, int] = {}
    cuts = _cuts(tariff, segment, kwh, origin, zone, durations) if tariff.has_cuts else {}
    bounds = [start, *sorted(cuts), segment.end]
    key = (segment.state, timeline.reservation_expired, bool(energy))
    static = tariff.static_selections if tariff.static else None
    before = kwh
    last = len(bounds) - 1
    # Reported time since the segment's start at the slice's ends (segments with ``priced``).
    done = reached = 0
    for index in range(1, len(bounds)):
        low, high = bounds[index - 1], bounds[index]
        if index == last:
            after = kwh + energy  # exact at the segment end
        else:
            known = cuts[high]
            after = known if known is not None else kwh + energy * (high - start) / span
        if priced is not None:
            if index == last:
                reached = priced
            else:
                reached = durations.get(high, priced * (high - start) // span)
        selection = static.get(key) if static is not None else None
        if selection is None:
            middle = (low + high) // 2
            local = to_datetime(middle).astimezone(zone) if tariff.uses_clock else None
            kwh_middle = (before + after) / _TWO
            duration = middle - origin if priced is None else start - origin + (done + reached) // 2
            at = Instant(local, kwh_middle, segment.current, segment.power, duration)
            selection = _select(tariff, key[0], key[1], _Chooser(at), key[2])
            if static is not None:  # no element has restrictions: the answer never changes
                static[key] = selection
        _add(
            periods,
            segment,
            low,
            high,
            selection,
            before,
            after,
            None if priced is None else reached - done,
        )
        before, done = after, reached


def slice_timeline(tariff: CompiledTariff, timeline: Timeline, zone: ZoneInfo) -> list[Period]:
    """The periods of ``timeline`` under ``tariff``, in time order."""
    periods: list[Period] = []
    kwh = _ZERO
    session_start = timeline.session_start
    reservation_start = timeline.reservation_start
    # Reported minus spanned time of the segments with reported time so far: durations count
    # reported time, so the origin they count from moves back by it.
    drift = reserved_drift = 0
    for segment in timeline.segments:
        priced, span = segment.priced, segment.end - segment.start
        if span < 0 or not (span or priced):  # no span and no reported time: nothing to price
            continue
        reserved = segment.state is State.RESERVATION
        origin = reservation_start if reserved else session_start
        assert origin is not None  # the segment itself is of that kind
        origin -= reserved_drift if reserved else drift
        _slice_segment(tariff, timeline, segment, kwh, origin, zone, periods)
        if priced is not None:
            if reserved:
                reserved_drift += priced - span
            else:
                drift += priced - span
        kwh += segment.energy
    return periods
