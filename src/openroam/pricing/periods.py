"""Slice a session timeline into periods in which every dimension has one active PriceComponent.

mod_tariffs.asciidoc "Tariff object" (DIGEST 4.2): at every moment, and separately for each
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

Which elements may apply to which state:

* charging and parking slices see the elements without a ``reservation`` restriction;
* reservation slices see the ``RESERVATION`` elements; when the reservation expired, the
  ``RESERVATION_EXPIRES`` elements too: their TIME component replaces the ``RESERVATION`` one
  (mod_tariffs "ReservationRestrictionType" note), their FLAT component (the expiry fee) is
  charged in addition to a ``RESERVATION`` FLAT (the reservation fee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openroam.models.v221.tariffs import TariffDimensionType
from openroam.pricing.compiled import CompiledTariff, Component, Element
from openroam.pricing.restrictions import Instant, clock_instants, matches
from openroam.pricing.timeline import Segment, State, Timeline, to_datetime

__all__ = ["Period", "Selection", "slice_timeline"]

ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING_TIME = TariffDimensionType.PARKING_TIME
_ZERO = Decimal(0)
_TWO = Decimal(2)
_DAY = timedelta(days=1)
_MICROSECOND = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Selection:
    """The active PriceComponents of one slice (``None``: the dimension costs nothing)."""

    energy: Component | None
    time: Component | None
    """TIME: charging time, or reservation time in a reservation slice."""
    parking: Component | None
    flats: tuple[Component, ...]
    """The active FLAT component(s): one, or for an expired reservation fee plus expiry fee."""


@dataclass(slots=True)
class Period:
    """A stretch of the session priced by one Selection in one State."""

    start: Decimal
    end: Decimal
    state: State
    selection: Selection
    energy: Decimal
    """kWh delivered in the period."""
    kwh_start: Decimal
    """Session energy at the start of the period."""
    current: tuple[Decimal, Decimal] | None
    """(min, max) A over the period, if known."""
    power: tuple[Decimal, Decimal] | None

    @property
    def seconds(self) -> Decimal:
        return self.end - self.start


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


def _select(tariff: CompiledTariff, state: State, expired: bool, chooser: _Chooser) -> Selection:
    if state is State.RESERVATION:
        time = chooser.first(tariff.expires[TIME], TIME) if expired else None
        time = time or chooser.first(tariff.reservation[TIME], TIME)
        fees = [chooser.first(tariff.reservation[FLAT], FLAT)]
        if expired:
            fees.append(chooser.first(tariff.expires[FLAT], FLAT))
        return Selection(None, time, None, tuple(f for f in fees if f is not None))
    session = tariff.session
    energy = chooser.first(session[ENERGY], ENERGY)
    flat = chooser.first(session[FLAT], FLAT)
    flats = (flat,) if flat is not None else ()
    if state is State.CHARGING:
        return Selection(energy, chooser.first(session[TIME], TIME), None, flats)
    return Selection(energy, None, chooser.first(session[PARKING_TIME], PARKING_TIME), flats)


def _local_days(segment: Segment, zone: ZoneInfo) -> list[date]:
    first = to_datetime(segment.start).astimezone(zone).date() - _DAY
    last = to_datetime(segment.end).astimezone(zone).date() + _DAY
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _cuts(
    tariff: CompiledTariff, segment: Segment, kwh: Decimal, origin: Decimal, zone: ZoneInfo
) -> dict[Decimal, Decimal | None]:
    """Instants inside ``segment`` where a restriction may change its verdict, each mapped to
    the session energy at that instant when it is a kWh threshold (else ``None``)."""
    start, end = segment.start, segment.end
    cuts: dict[Decimal, Decimal | None] = {}
    if tariff.uses_clock:
        for day in _local_days(segment, zone):
            for second in clock_instants(zone, day, tariff.clock_points):
                if start < second < end:
                    cuts[Decimal(second)] = None
    if segment.energy:
        for threshold in tariff.kwh_points:
            fraction = (threshold - kwh) / segment.energy
            # Interpolated crossings are kept to the microsecond, like a measured timestamp, and
            # the energy there is the threshold itself: how the samples happen to be spaced then
            # cannot shift a cost by a rounding residue.
            instant = (start + fraction * (end - start)).quantize(_MICROSECOND)
            if start < instant < end:
                cuts[instant] = threshold
    for seconds in tariff.duration_points:
        instant = origin + seconds
        if start < instant < end:
            cuts.setdefault(instant, None)
    return cuts


def _extend(period: Period, segment: Segment, end: Decimal, energy: Decimal) -> None:
    period.end = end
    period.energy += energy
    period.current = _widen(period.current, segment.current)
    period.power = _widen(period.power, segment.power)


def _widen(
    span: tuple[Decimal, Decimal] | None, value: Decimal | None
) -> tuple[Decimal, Decimal] | None:
    if value is None:
        return span
    if span is None:
        return (value, value)
    return (min(span[0], value), max(span[1], value))


def slice_timeline(tariff: CompiledTariff, timeline: Timeline, zone: ZoneInfo) -> list[Period]:
    """The periods of ``timeline`` under ``tariff``, in time order."""
    periods: list[Period] = []
    kwh = _ZERO
    session_start = timeline.session_start
    reservation_start = timeline.reservation_start
    for segment in timeline.segments:
        span = segment.end - segment.start
        if span <= 0:
            continue
        reserved = segment.state is State.RESERVATION
        origin = reservation_start if reserved else session_start
        assert origin is not None  # the segment itself is of that kind
        cuts = _cuts(tariff, segment, kwh, origin, zone)
        bounds = [segment.start, *sorted(cuts), segment.end]
        before = kwh
        for index in range(1, len(bounds)):
            low, high = bounds[index - 1], bounds[index]
            if index == len(bounds) - 1:
                after = kwh + segment.energy  # exact at the segment end
            else:
                known = cuts[high]
                after = (
                    known
                    if known is not None
                    else kwh + segment.energy * (high - segment.start) / span
                )
            middle = (low + high) / _TWO
            local = to_datetime(middle).astimezone(zone) if tariff.uses_clock else None
            kwh_middle = (before + after) / _TWO
            at = Instant(local, kwh_middle, segment.current, segment.power, middle - origin)
            chooser = _Chooser(at)
            selection = _select(tariff, segment.state, timeline.reservation_expired, chooser)
            if segment.state is State.PARKING and not segment.energy:
                selection = Selection(None, None, selection.parking, selection.flats)
            _add(periods, segment, low, high, selection, before, after)
            before = after
        kwh += segment.energy
    return periods


def _add(
    periods: list[Period],
    segment: Segment,
    low: Decimal,
    high: Decimal,
    selection: Selection,
    before: Decimal,
    after: Decimal,
) -> None:
    last = periods[-1] if periods else None
    if (
        last is not None
        and last.end == low
        and last.state is segment.state
        and last.selection == selection
    ):
        _extend(last, segment, high, after - before)
        return
    current = (segment.current, segment.current) if segment.current is not None else None
    power = (segment.power, segment.power) if segment.power is not None else None
    periods.append(
        Period(low, high, segment.state, selection, after - before, before, current, power)
    )
