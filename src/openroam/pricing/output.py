"""What the engine reports in CDR terms: the totals and the ChargingPeriods.

* :class:`CdrTotals` holds the CDR ``total_*`` fields (mod_cdrs.asciidoc "CDR Object").
  ``total_fixed_cost`` is the FLAT fees outside a reservation; reservation FLAT and TIME go to
  ``total_reservation_cost``; ``total_parking_cost`` holds PARKING_TIME only, because OCPI has no
  way to express a fixed parking fee (DIGEST A28). ``total_time`` is the session (charging and
  parking) without the reservation before it.
* :func:`charging_periods` gives one ChargingPeriod per engine period, each with the measured
  volumes (not the step-rounded ones, like the spec's ``cdr_example``), in kWh and hours with 4
  decimals, and the Tariff's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from openroam.models.common import Number, OcpiModel
from openroam.models.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from openroam.models.v221.tariffs import TariffDimensionType
from openroam.models.v221.types import Price
from openroam.pricing.periods import Period
from openroam.pricing.timeline import State, hours, to_datetime

if TYPE_CHECKING:
    from openroam.pricing.engine import Line

__all__ = ["CdrTotals", "charging_periods", "round_money", "round_quantity"]

_ZERO = Decimal(0)
_FOUR = Decimal("0.0001")


def round_quantity(value: Decimal) -> Decimal:
    """kWh and hours as OCPI numbers: 4 decimals (types.asciidoc "number"), half up."""
    return value.quantize(_FOUR, ROUND_HALF_UP)


def round_money(value: Decimal, decimals: int | None) -> Decimal:
    """An amount rounded half up to ``decimals`` places; ``None`` keeps it exact."""
    if decimals is None:
        return value
    return value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _price(amounts: tuple[Decimal, Decimal], decimals: int | None) -> Price:
    excl, incl = amounts
    return Price.model_construct(
        excl_vat=round_money(excl, decimals), incl_vat=round_money(incl, decimals)
    )


class CdrTotals(OcpiModel):
    """The ``total_*`` fields of a CDR, as the engine computed them."""

    total_cost: Price
    total_fixed_cost: Price
    total_energy: Number
    total_energy_cost: Price
    total_time: Number
    total_time_cost: Price
    total_parking_time: Number
    total_parking_cost: Price
    total_reservation_cost: Price

    @classmethod
    def build(
        cls,
        periods: Sequence[Period],
        lines: Iterable[Line],
        total: tuple[Decimal, Decimal],
        decimals: int | None,
    ) -> CdrTotals:
        """Sum ``lines`` into the breakdown fields; ``total`` is after min/max_price."""
        sums = dict.fromkeys(("fixed", "energy", "time", "parking", "reserve"), (_ZERO, _ZERO))
        for line in lines:
            excl, incl = sums[_field(line)]
            sums[_field(line)] = (excl + line.excl_vat, incl + line.incl_vat)
        session = [p for p in periods if p.state is not State.RESERVATION]
        parking = [p for p in session if p.state is State.PARKING]
        return cls.model_construct(
            total_cost=_price(total, decimals),
            total_fixed_cost=_price(sums["fixed"], decimals),
            total_energy=round_quantity(sum((p.energy for p in session), _ZERO)),
            total_energy_cost=_price(sums["energy"], decimals),
            total_time=round_quantity(hours(sum(p.end - p.start for p in session))),
            total_time_cost=_price(sums["time"], decimals),
            total_parking_time=round_quantity(hours(sum(p.end - p.start for p in parking))),
            total_parking_cost=_price(sums["parking"], decimals),
            total_reservation_cost=_price(sums["reserve"], decimals),
        )


def _field(line: Line) -> str:
    if line.reservation:
        return "reserve"
    return {
        TariffDimensionType.FLAT: "fixed",
        TariffDimensionType.ENERGY: "energy",
        TariffDimensionType.TIME: "time",
        TariffDimensionType.PARKING_TIME: "parking",
    }[line.dimension]


def _dimension(kind: CdrDimensionType, volume: Decimal) -> CdrDimension:
    return CdrDimension.model_construct(type=kind, volume=volume)


def _dimensions(period: Period) -> list[CdrDimension]:
    length = round_quantity(hours(period.end - period.start))
    if period.state is State.RESERVATION:
        return [_dimension(CdrDimensionType.RESERVATION_TIME, length)]
    dims: list[CdrDimension] = []
    if period.state is State.CHARGING or period.energy:
        dims.append(_dimension(CdrDimensionType.ENERGY, round_quantity(period.energy)))
    if period.state is State.CHARGING:
        dims.append(_dimension(CdrDimensionType.TIME, length))
        if period.current is not None:
            dims.append(_dimension(CdrDimensionType.MIN_CURRENT, period.current[0]))
            dims.append(_dimension(CdrDimensionType.MAX_CURRENT, period.current[1]))
        if period.power is not None:
            dims.append(_dimension(CdrDimensionType.MIN_POWER, round_quantity(period.power[0])))
            dims.append(_dimension(CdrDimensionType.MAX_POWER, round_quantity(period.power[1])))
    else:
        dims.append(_dimension(CdrDimensionType.PARKING_TIME, length))
    return dims


def charging_periods(periods: Iterable[Period], tariff_id: str) -> list[ChargingPeriod]:
    """One ChargingPeriod per engine period (mod_cdrs.asciidoc "ChargingPeriod")."""
    return [
        ChargingPeriod.model_construct(
            start_date_time=to_datetime(period.start),
            dimensions=_dimensions(period),
            tariff_id=tariff_id,
        )
        for period in periods
    ]
