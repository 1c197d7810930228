"""A Tariff in plain sentences: what a driver pays, and when.

Pure: from the Tariff alone (no time zone, no session). The sentences follow what the engine does
(docs/pricing.md "The rules" and "Local policies"), so the console can show an operator the
meaning of a partner's tariff, not only its JSON:

* for each kind of cost (energy, charging time, parking time, fixed fee), the first element in
  list order whose restrictions all hold applies (mod_tariffs "Tariff Object"); a kind no element
  covers at that moment is free;
* boundaries: ``start_time``, ``start_date`` and the ``min_*`` bounds are inclusive, ``end_time``,
  ``end_date`` and the ``max_*`` bounds exclusive; ``end_time`` before ``start_time`` wraps past
  midnight, ``end_time`` 00:00 after a ``start_time`` is the end of the day, only ``start_time``
  means until midnight, only ``end_time`` from midnight ("Time windows");
* step_size rounds the session's totals once, with the step of the last component used
  (mod_cdrs "step_size"); 0 is no rounding;
* VAT per component; no ``vat`` means no VAT applies, which is not 0 % (mod_tariffs
  "PriceComponent");
* min_price/max_price bound the total, excl. and incl. VAT separately; a bound without
  ``incl_vat`` bounds only excl. VAT; max_price wins over a higher min_price.

Only the structured fields are read; ``tariff_alt_text`` is the owner's own wording, shown
beside these sentences by whoever displays them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from openroam.models.common import format_datetime
from openroam.models.v221.tariffs import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)
from openroam.models.v221.types import Price

__all__ = ["ElementWords", "TariffWords", "describe_tariff", "money"]

_DAYS = list(DayOfWeek)
_DAY_NAMES = {day: day.value.capitalize() for day in DayOfWeek}
_HUNDRED = Decimal(100)
_FOUR_PLACES = Decimal("0.0001")
_TWO_PLACES = Decimal("0.01")

_TYPES = {
    TariffType.AD_HOC_PAYMENT: "For ad-hoc payment at the charger (e.g. a debit or credit card "
    "terminal), without a contract.",
    TariffType.PROFILE_CHEAP: "For sessions whose driver asked for the cheapest charging "
    "(charging preference CHEAP).",
    TariffType.PROFILE_FAST: "For sessions whose driver asked for the fastest charging "
    "(charging preference FAST).",
    TariffType.PROFILE_GREEN: "For sessions whose driver asked for the greenest energy "
    "(charging preference GREEN).",
    TariffType.REGULAR: "For regular sessions: with an RFID card or app and without a charging "
    "preference (or with preference REGULAR).",
}

#: What each kind of cost is called in a sentence.
_KINDS = {
    TariffDimensionType.ENERGY: "energy",
    TariffDimensionType.TIME: "charging time",
    TariffDimensionType.PARKING_TIME: "parking time",
    TariffDimensionType.FLAT: "a fixed fee",
}


@dataclass(frozen=True, slots=True)
class ElementWords:
    """One TariffElement: when it applies and what it charges."""

    number: int
    """Its position in the tariff, from 1."""
    when: str
    """One sentence: its restrictions, ANDed."""
    prices: tuple[str, ...]
    """One sentence per price component (and a note for one that can never apply)."""


@dataclass(frozen=True, slots=True)
class TariffWords:
    """A Tariff in sentences, in the order they are best read."""

    summary: tuple[str, ...]
    """Who the tariff is for, its currency and validity, how its elements are read."""
    elements: tuple[ElementWords, ...]
    limits: tuple[str, ...]
    """min_price and max_price."""
    notes: tuple[str, ...]
    """What is free, what never applies, how step sizes round."""


def describe_tariff(tariff: Tariff) -> TariffWords:
    """``tariff`` in sentences (see the module's docstring for the rules they follow)."""
    currency = tariff.currency
    summary = [
        _TYPES[tariff.type] if tariff.type is not None else "For every session (no tariff type).",
        f"Prices in {currency}, excluding VAT unless said otherwise.",
    ]
    validity = _validity(tariff.start_date_time, tariff.end_date_time)
    if validity:
        summary.append(validity)
    summary.append(
        "For each kind of cost (energy, charging time, parking time, a fixed fee) the first "
        "element below whose conditions all hold applies; a kind of cost that no element "
        "prices at that moment is free."
    )
    elements = tuple(
        ElementWords(
            index + 1,
            _when(element.restrictions),
            _prices(element, currency) + _shadowed(tariff, index),
        )
        for index, element in enumerate(tariff.elements)
    )
    limits = _limits(tariff.min_price, tariff.max_price, currency)
    notes = _free_kinds(tariff) + _step_note(tariff)
    return TariffWords(tuple(summary), elements, limits, notes)


# ---- numbers ------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 11, 0.5, 22.08."""
    return format(value.normalize(), "f")


def money(value: Decimal, currency: str) -> str:
    """An amount as a reader expects it: at least 2 decimals, at most 4 (OCPI numbers have 4,
    types.asciidoc "number"), e.g. ``0.25 EUR``, ``0.3025 EUR``, ``2.00 EUR``."""
    rounded = value.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP).normalize()
    exponent = rounded.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        rounded = rounded.quantize(_TWO_PLACES)
    return f"{format(rounded, 'f')} {currency}"


def _duration(seconds: int) -> str:
    """``90`` → ``1 minute 30 seconds``, ``5400`` → ``1 hour 30 minutes``."""
    if seconds == 0:
        return "0 seconds"
    parts = []
    for size, name in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts)


def _day_list(days: list[DayOfWeek]) -> str:
    """Weekdays in week order, runs of three or more written as a range: ``Monday to Friday``,
    ``Saturday and Sunday``, ``Monday, Wednesday and Friday``."""
    numbers = sorted({_DAYS.index(day) for day in days})
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    names: list[str] = []
    for run in runs:
        if len(run) >= 3:
            names.append(f"{_DAY_NAMES[_DAYS[run[0]]]} to {_DAY_NAMES[_DAYS[run[-1]]]}")
        else:
            names.extend(_DAY_NAMES[_DAYS[number]] for number in run)
    return _and(names)


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# ---- the tariff ---------------------------------------------------------------------------


def _validity(start: datetime | None, end: datetime | None) -> str | None:
    if start is not None and end is not None:
        return f"Valid from {format_datetime(start)} until {format_datetime(end)}."
    if start is not None:
        return f"Valid from {format_datetime(start)}."
    if end is not None:
        return f"Valid until {format_datetime(end)}."
    return None


def _limits(low: Price | None, high: Price | None, currency: str) -> tuple[str, ...]:
    sentences = []
    for bound, words in ((low, "at least"), (high, "at most")):
        if bound is None:
            continue
        excl = money(bound.excl_vat, currency)
        if bound.incl_vat is not None:
            incl = money(bound.incl_vat, currency)
            sentences.append(f"A session costs {words} {excl} ({incl} incl. VAT).")
        else:
            sentences.append(
                f"A session costs {words} {excl} excl. VAT (the price incl. VAT is not bounded)."
            )
    if low is not None and high is not None and low.excl_vat > high.excl_vat:
        sentences.append("The minimum is above the maximum: the maximum wins.")
    return tuple(sentences)


# ---- an element ---------------------------------------------------------------------------


def _when(restrictions: TariffRestrictions | None) -> str:
    """One sentence: when an element applies (its restrictions, ANDed)."""
    r = restrictions
    if r is None:
        return "At any time."
    reservation = r.reservation
    counted_from = "the reservation" if reservation is not None else "the session"
    parts: list[str] = []
    if reservation is ReservationRestrictionType.RESERVATION:
        parts.append("while the charger is reserved (before charging starts)")
    elif reservation is ReservationRestrictionType.RESERVATION_EXPIRES:
        parts.append("when a reservation expires without a session")
    if r.day_of_week:  # an empty list counts as not set
        parts.append(f"on {_day_list(r.day_of_week)}")
    time_of_day = _time_window(r.start_time, r.end_time)
    if time_of_day:
        parts.append(time_of_day)
    dates = _date_window(r.start_date, r.end_date)
    if dates:
        parts.append(dates)
    parts.extend(_bounds(r, counted_from))
    if not parts:
        return "At any time."
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _time_window(start: str | None, end: str | None) -> str | None:
    if start is None and end is None:
        return None
    if start is not None and end is not None:
        if start == end:
            return "at any time of day"
        if end == "00:00":
            return f"from {start} to midnight"
        if end < start:
            return f"from {start} to {end} the next morning (overnight)"
        return f"from {start} to {end}"
    if start is not None:
        return f"from {start} to midnight"
    if end == "00:00":
        # The engine reads an end_time alone as "from midnight until then": until 00:00 is no
        # time at all, so such an element never applies.
        return "never (an end time of 00:00 without a start time matches no time of day)"
    return f"from midnight to {end}"


def _date_window(start: str | None, end: str | None) -> str | None:
    if start is not None and end is not None:
        return f"on dates from {start} up to (not including) {end}"
    if start is not None:
        return f"on dates from {start}"
    if end is not None:
        return f"on dates before {end}"
    return None


def _range(low: str | None, high: str | None, forms: tuple[str, str, str]) -> str | None:
    """``forms``: sentences for both bounds, only the lower, only the upper (``{low}``,
    ``{high}`` filled in)."""
    both, only_low, only_high = forms
    if low is not None and high is not None:
        return both.format(low=low, high=high)
    if low is not None:
        return only_low.format(low=low)
    if high is not None:
        return only_high.format(high=high)
    return None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value)


def _seconds(value: int | None) -> str | None:
    return None if value is None else _duration(value)


def _first(value: int | None) -> str | None:
    """``first 30 minutes``, ``first hour`` (a duration read from the start)."""
    if value is None:
        return None
    text = _duration(value)
    return f"first {text[2:]}" if text.startswith("1 ") and " " not in text[2:] else f"first {text}"


def _bounds(r: TariffRestrictions, counted_from: str) -> list[str]:
    found = [
        _range(
            _number(r.min_kwh),
            _number(r.max_kwh),
            (
                "from {low} kWh until {high} kWh charged in the session",
                "once {low} kWh have been charged in the session",
                "until {high} kWh have been charged in the session",
            ),
        ),
        _range(
            _seconds(r.min_duration),
            _first(r.max_duration) if r.min_duration is None else _seconds(r.max_duration),
            (
                "from {low} until {high} after the start of " + counted_from,
                "once {low} have passed since the start of " + counted_from,
                "during the {high} of " + counted_from,
            ),
        ),
        _range(
            _number(r.min_power),
            _number(r.max_power),
            (
                "while charging at {low} kW or more but less than {high} kW",
                "while charging at {low} kW or more",
                "while charging at less than {high} kW",
            ),
        ),
        _range(
            _number(r.min_current),
            _number(r.max_current),
            (
                "while the current is {low} A or more but less than {high} A",
                "while the current is {low} A or more",
                "while the current is less than {high} A",
            ),
        ),
    ]
    return [part for part in found if part is not None]


def _step(component: PriceComponent) -> str:
    step = component.step_size
    if component.type is TariffDimensionType.ENERGY:
        if step == 0:
            return "not rounded"
        if step == 1:
            return "billed per Wh"
        return f"billed in steps of {step} Wh ({_plain(Decimal(step) / 1000)} kWh)"
    if step == 0:
        return "not rounded"
    if step == 1:
        return "billed per second"
    return f"billed in steps of {_duration(step)}"


def _with_vat(component: PriceComponent, currency: str) -> str:
    if component.vat is None:
        return "no VAT applies"
    incl = component.price * (1 + component.vat / _HUNDRED)
    return f"{money(incl, currency)} incl. {_plain(component.vat)} % VAT"


def _component(
    component: PriceComponent, reservation: ReservationRestrictionType | None, currency: str
) -> str:
    amount = money(component.price, currency)
    vat = _with_vat(component, currency)
    kind = component.type
    if kind is TariffDimensionType.FLAT:
        if reservation is ReservationRestrictionType.RESERVATION:
            return f"A reservation fee of {amount} ({vat})."
        if reservation is ReservationRestrictionType.RESERVATION_EXPIRES:
            return f"An expiry fee of {amount} ({vat})."
        return f"A fixed fee of {amount} per session ({vat})."
    if kind is TariffDimensionType.ENERGY:
        unit = "per kWh"
    elif kind is TariffDimensionType.PARKING_TIME:
        unit = "per hour parked without charging"
    elif reservation is ReservationRestrictionType.RESERVATION_EXPIRES:
        unit = "per hour reserved, instead of the reservation's hourly price"
    elif reservation is not None:
        unit = "per hour reserved"
    else:
        unit = "per hour of charging"
    return f"{amount} {unit} ({vat}), {_step(component)}."


def _prices(element: TariffElement, currency: str) -> tuple[str, ...]:
    reservation = element.restrictions.reservation if element.restrictions else None
    sentences: list[str] = []
    seen: set[TariffDimensionType] = set()
    for component in element.price_components:
        if component.type in seen:
            # compile_tariff: only the first component of a dimension in an element applies.
            sentences.append(
                f"(A further {_KINDS[component.type]} price in this element, "
                f"{money(component.price, currency)}, never applies: the first one does.)"
            )
            continue
        seen.add(component.type)
        sentences.append(_component(component, reservation, currency))
    return tuple(sentences)


# ---- across elements ----------------------------------------------------------------------


def _unconditional(element: TariffElement) -> bool:
    """No restriction besides ``reservation``: the element always applies (to its kind)."""
    r = element.restrictions
    if r is None:
        return True
    fields = r.model_dump(exclude_none=True, exclude={"reservation"})
    if fields.get("day_of_week") == []:
        del fields["day_of_week"]
    if "start_time" in fields and fields.get("start_time") == fields.get("end_time"):
        del fields["start_time"], fields["end_time"]  # the whole day
    return not fields


def _reservation_of(element: TariffElement) -> ReservationRestrictionType | None:
    return element.restrictions.reservation if element.restrictions else None


def _shadowed(tariff: Tariff, index: int) -> tuple[str, ...]:
    """Notes for the kinds of cost element ``index`` prices that an earlier element of the same
    kind (session or reservation) always prices first."""
    element = tariff.elements[index]
    kind = _reservation_of(element)
    notes = []
    for dimension in dict.fromkeys(c.type for c in element.price_components):
        for earlier_index, earlier in enumerate(tariff.elements[:index]):
            if (
                _reservation_of(earlier) is kind
                and _unconditional(earlier)
                and any(c.type is dimension for c in earlier.price_components)
            ):
                notes.append(
                    f"(Its {_KINDS[dimension]} price never applies: element {earlier_index + 1} "
                    f"prices {_KINDS[dimension]} at any time and comes first.)"
                )
                break
    return tuple(notes)


def _free_kinds(tariff: Tariff) -> tuple[str, ...]:
    """What a session never pays for, or pays for only under conditions."""
    notes = []
    session = [e for e in tariff.elements if _reservation_of(e) is None]
    for dimension in (
        TariffDimensionType.ENERGY,
        TariffDimensionType.TIME,
        TariffDimensionType.PARKING_TIME,
    ):
        pricing = [e for e in session if any(c.type is dimension for c in e.price_components)]
        name = _KINDS[dimension]
        if not pricing:
            notes.append(f"No element prices {name}: it is free.")
        elif not any(_unconditional(e) for e in pricing):
            notes.append(f"When none of the conditions above holds, {name} is free.")
    has_reservation = any(_reservation_of(e) is not None for e in tariff.elements)
    if not has_reservation:
        notes.append("No element prices a reservation: reserving is free.")
    return tuple(notes)


def _step_note(tariff: Tariff) -> tuple[str, ...]:
    def stepped(dimensions: set[TariffDimensionType], reservation: bool) -> bool:
        return any(
            c.type in dimensions and c.step_size > 1
            for e in tariff.elements
            if (_reservation_of(e) is not None) is reservation
            for c in e.price_components
        )

    rounded = []
    if stepped({TariffDimensionType.ENERGY}, reservation=False):
        rounded.append("its energy with the step of the last energy price used")
    if stepped({TariffDimensionType.TIME, TariffDimensionType.PARKING_TIME}, reservation=False):
        rounded.append(
            "its parking time (or, without parking, its charging time) with the step of the "
            "last time price used"
        )
    if stepped({TariffDimensionType.TIME}, reservation=True):
        rounded.append("its reservation time with the step of the last reservation price used")
    if not rounded:
        return ()
    return (f"Steps round the session's totals up once, not each period: {_and(rounded)}.",)
