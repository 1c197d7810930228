"""A line-by-line breakdown of a price, for a driver or a support agent.

Every row says which TariffElement and PriceComponent priced which stretch of the session, why
that element applied (its restrictions and what the session looked like then), what step_size
added, what min/max_price changed and how the total was rounded. Periods in which a dimension
had no active component are listed too ("not billed"), because "why was my parking free" is as
common a question as "why did I pay". Every time row says where its duration came from: the
period's timestamps, or the time volume a CDR reports (docs/pricing.md "Reported volumes and
timestamps").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openroam.models.v221.tariffs import TariffDimensionType, TariffRestrictions
from openroam.pricing._engine import PricingResult
from openroam.pricing._lines import Line
from openroam.pricing._output import round_money, round_quantity
from openroam.pricing._periods import Period
from openroam.pricing._timeline import State, hours, to_datetime

__all__ = ["ExplainRow", "explain", "format_explain"]

_HOUR = Decimal(3600)


@dataclass(frozen=True, slots=True)
class ExplainRow:
    """One row of the breakdown. Amounts are exact; ``total`` rows are rounded as reported."""

    kind: str
    """``line``, ``free``, ``adjustment`` or ``total``."""
    start: datetime | None
    """Local time at the Location."""
    end: datetime | None
    dimension: str
    element: int | None
    """1-based position of the TariffElement (as a person counts), ``None`` if none applied."""
    quantity: str
    billed: str
    unit_price: Decimal | None
    vat: Decimal | None
    excl_vat: Decimal | None
    incl_vat: Decimal | None
    why: str
    duration_from: str | None = None
    """Time rows: ``timestamps`` or ``volume`` (the reported time volume was priced)."""


def _hours_text(hours: Decimal) -> str:
    # Durations come from exact divisions by 3600: compare at microsecond resolution.
    seconds = (hours * _HOUR).quantize(Decimal("0.000001"))
    if seconds != seconds.to_integral_value():
        return f"{round_quantity(hours).normalize():f} h"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


def _quantity_text(dimension: TariffDimensionType, value: Decimal) -> str:
    if dimension is TariffDimensionType.FLAT:
        return "1"
    if dimension is TariffDimensionType.ENERGY:
        return f"{round_quantity(value).normalize():f} kWh"
    return _hours_text(value)


def _restriction_text(r: TariffRestrictions | None) -> str:
    if r is None:
        return "no restrictions"
    parts: list[str] = []
    if r.start_time or r.end_time:
        parts.append(f"local time {r.start_time or '00:00'}-{r.end_time or '24:00'}")
    if r.start_date or r.end_date:
        parts.append(f"dates [{r.start_date or '…'}, {r.end_date or '…'})")
    if r.day_of_week:
        parts.append("on " + ", ".join(d.value.title()[:3] for d in r.day_of_week))
    for name, unit in (("kwh", "kWh"), ("current", "A"), ("power", "kW"), ("duration", "s")):
        low, high = getattr(r, f"min_{name}"), getattr(r, f"max_{name}")
        if low is not None:
            parts.append(f"{name} ≥ {low} {unit}")
        if high is not None:
            parts.append(f"{name} < {high} {unit}")
    if r.reservation is not None:
        parts.append(r.reservation.value)
    return ", ".join(parts) or "no restrictions"


def _observed(period: Period) -> str:
    seen = [f"session kWh {round_quantity(period.kwh_start).normalize():f}"]
    if period.current is not None:
        low, high = period.current
        seen.append(f"current {low} A" if low == high else f"current {low}-{high} A")
    if period.power is not None:
        low, high = (round_quantity(v).normalize() for v in period.power)
        seen.append(f"power {low:f} kW" if low == high else f"power {low:f}-{high:f} kW")
    return "; ".join(seen)


def _label(line: Line) -> str:
    return f"RESERVATION {line.dimension.value}" if line.reservation else line.dimension.value


def _source(period: Period) -> str:
    return "timestamps" if period.volume is None else "volume"


def _line_row(result: PricingResult, line: Line, note: str) -> ExplainRow:
    period = result.periods[line.period]
    component = line.component
    restrictions = result.tariff.elements[component.element].restrictions
    why = f"{_restriction_text(restrictions)} ({_observed(period)})"
    if line.dimension is TariffDimensionType.FLAT:
        why = f"charged once: {why}"
    timed = line.dimension in (TariffDimensionType.TIME, TariffDimensionType.PARKING_TIME)
    source = _source(period) if timed else None
    if source == "volume":
        note += "; the period's reported time volume is priced, not its timestamps"
    return ExplainRow(
        "line",
        to_datetime(period.start).astimezone(result.zone),
        to_datetime(period.end).astimezone(result.zone),
        _label(line),
        component.element + 1,
        _quantity_text(line.dimension, line.quantity),
        _quantity_text(line.dimension, line.billed),
        component.price,
        component.vat,
        line.excl_vat,
        line.incl_vat,
        why + note,
        source,
    )


def _free_rows(result: PricingResult) -> list[ExplainRow]:
    rows: list[ExplainRow] = []
    for period in result.periods:
        sel = period.selection
        missing = {
            State.CHARGING: [] if sel.time or sel.energy else ["TIME/ENERGY"],
            State.PARKING: [] if sel.parking else ["PARKING_TIME"],
            State.RESERVATION: [] if sel.time else ["RESERVATION TIME"],
        }[period.state]
        for name in missing:
            rows.append(
                ExplainRow(
                    "free",
                    to_datetime(period.start).astimezone(result.zone),
                    to_datetime(period.end).astimezone(result.zone),
                    name,
                    None,
                    _hours_text(hours(period.micros)),
                    "0",
                    None,
                    None,
                    Decimal(0),
                    Decimal(0),
                    f"not billed: no element with a {name} component applies",
                    _source(period),
                )
            )
    return rows


def _step_notes(result: PricingResult) -> dict[int, str]:
    notes: dict[int, str] = {}
    for step in result.steps:
        line = result.lines[step.line]
        unit = "Wh" if step.dimension is TariffDimensionType.ENERGY else "s"
        notes[step.line] = (
            f"; step_size {step.component.step_size} {unit} of element "
            f"{step.component.element + 1}: session total "
            f"{_quantity_text(step.dimension, step.measured)} billed as "
            f"{_quantity_text(step.dimension, step.billed)}, the surplus "
            f"{_quantity_text(step.dimension, line.billed - line.quantity)} added here"
        )
    return notes


def _total_rows(result: PricingResult) -> list[ExplainRow]:
    rows = [
        ExplainRow(
            "adjustment", None, None, a.bound, None, "", "", None, None,
            a.after - a.before if a.vat == "excl_vat" else None,
            a.after - a.before if a.vat == "incl_vat" else None,
            f"{a.vat}: {a.before} → {a.after} (the tariff's {a.bound} applies to {a.vat})",
        )
        for a in result.adjustment
    ]  # fmt: skip
    total = result.totals.total_cost
    rounding = (
        "exact, not rounded"
        if result.decimals is None
        else f"rounded half up to {result.decimals} decimals from "
        f"{result.total.excl_vat} / {result.total.incl_vat}"
    )
    rows.append(
        ExplainRow(
            "total", None, None, "TOTAL", None, "", "", None, None,
            total.excl_vat, total.incl_vat, rounding,
        )
    )  # fmt: skip
    return rows


def _start(row: ExplainRow) -> datetime:
    assert row.start is not None  # line and free rows always have their period's start
    return row.start


def explain(result: PricingResult) -> list[ExplainRow]:
    """The breakdown of ``result``: priced lines and free stretches in time order, then the
    min/max_price adjustments and the rounded total."""
    notes = _step_notes(result)
    rows = [_line_row(result, line, notes.get(i, "")) for i, line in enumerate(result.lines)]
    rows.extend(_free_rows(result))
    rows.sort(key=_start)
    return rows + _total_rows(result)


def format_explain(rows: list[ExplainRow], decimals: int | None = 4) -> str:
    """The breakdown as plain text, one row per line."""
    out: list[str] = []
    for row in rows:
        span = f"{row.start:%Y-%m-%d %H:%M}-{row.end:%H:%M} " if row.start and row.end else ""
        element = f"element {row.element} " if row.element is not None else ""
        excl = "" if row.excl_vat is None else f"{round_money(row.excl_vat, decimals)}"
        incl = "" if row.incl_vat is None else f"{round_money(row.incl_vat, decimals)}"
        billed = f" billed {row.billed}" if row.billed and row.billed != row.quantity else ""
        source = f" [duration from {row.duration_from}]" if row.duration_from else ""
        out.append(
            f"{span}{row.dimension} {element}{row.quantity}{billed} = {excl} excl / {incl} incl"
            f" — {row.why}{source}"
        )
    return "\n".join(out)
