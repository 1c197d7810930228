"""What the engine reports in CDR terms: the totals and the ChargingPeriods.

* :class:`CdrTotals` holds the CDR ``total_*`` fields (mod_cdrs.asciidoc "CDR Object").
  ``total_fixed_cost`` is the FLAT fees outside a reservation; reservation FLAT and TIME go to
  ``total_reservation_cost``; ``total_parking_cost`` holds PARKING_TIME only, because OCPI has no
  way to express a fixed parking fee (docs/spec-decisions.md "Fixed parking costs").
  ``total_time`` is the session (charging and parking) without the reservation before it.
* :func:`charging_periods` gives one ChargingPeriod per engine period, each with the measured
  volumes (not the step-rounded ones, like the spec's ``cdr_example``), in kWh and hours with 4
  decimals, and the Tariff's id. MIN/MAX_CURRENT and MIN/MAX_POWER are reported when the
  tariff restricts on current or power, because only then are they cost-relevant
  (mod_cdrs "ChargingPeriod": "at least all the relevant information").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from openroam.models.common import Number, OcpiModel
from openroam.models.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from openroam.models.v221.tariffs import TariffDimensionType
from openroam.models.v221.types import Price
from openroam.pricing._periods import Period
from openroam.pricing._timeline import State, hours, to_datetime

if TYPE_CHECKING:
    from openroam.pricing._lines import Line

__all__ = ["CdrTotals", "charging_periods", "round_money", "round_quantity", "trusted"]

M = TypeVar("M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__

_ZERO = Decimal(0)
_FOUR = Decimal("0.0001")


def round_quantity(value: Decimal) -> Decimal:
    """kWh and hours as OCPI numbers: 4 decimals (types.asciidoc "number"), half up."""
    return value.quantize(_FOUR, ROUND_HALF_UP)


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(9)}


def round_money(value: Decimal, decimals: int | None) -> Decimal:
    """An amount rounded half up to ``decimals`` places; ``None`` keeps it exact."""
    if decimals is None:
        return value
    quantum = _QUANTA.get(decimals) or Decimal(1).scaleb(-decimals)
    return value.quantize(quantum, ROUND_HALF_UP)


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for values the engine computed itself, about 4x faster.

    It sets exactly what pydantic's ``model_construct`` sets on a model without aliases,
    defaults, post-init or private attributes, when ``values`` holds every field in field order:
    ``__dict__``, the fields set, the (empty) extra fields and no private state.
    tests/pricing/test_output.py checks the result against ``model_construct`` for every model
    built here, so a pydantic release that changes this fails a test rather than a CDR.
    """
    model = _new(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", {})  # OcpiModel keeps extra fields: an empty dict
    _set(model, "__pydantic_private__", None)
    return model


def _price(excl: Decimal, incl: Decimal, decimals: int | None) -> Price:
    quantum = _QUANTA.get(decimals) if decimals is not None else None
    if quantum is not None:  # round_money, inlined for the common case
        excl, incl = excl.quantize(quantum, ROUND_HALF_UP), incl.quantize(quantum, ROUND_HALF_UP)
    elif decimals is not None:
        excl, incl = round_money(excl, decimals), round_money(incl, decimals)
    return trusted(Price, {"excl_vat": excl, "incl_vat": incl})


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
        excl = dict.fromkeys(_KEYS, _ZERO)
        incl = dict.fromkeys(_KEYS, _ZERO)
        for line in lines:
            key = "reserve" if line.reservation else _FIELDS[line.dimension]
            excl[key] += line.excl_vat
            incl[key] += line.incl_vat
        energy, session, parking = _ZERO, 0, 0
        for period in periods:
            if period.state is not State.RESERVATION:
                energy += period.energy
                session += period.micros
                if period.state is State.PARKING:
                    parking += period.micros
        return trusted(
            cls,
            {
                "total_cost": _price(*total, decimals),
                "total_fixed_cost": _price(excl["fixed"], incl["fixed"], decimals),
                "total_energy": round_quantity(energy),
                "total_energy_cost": _price(excl["energy"], incl["energy"], decimals),
                "total_time": round_quantity(hours(session)),
                "total_time_cost": _price(excl["time"], incl["time"], decimals),
                "total_parking_time": round_quantity(hours(parking)),
                "total_parking_cost": _price(excl["parking"], incl["parking"], decimals),
                "total_reservation_cost": _price(excl["reserve"], incl["reserve"], decimals),
            },
        )


_KEYS = ("fixed", "energy", "time", "parking", "reserve")
_FIELDS = {
    TariffDimensionType.FLAT: "fixed",
    TariffDimensionType.ENERGY: "energy",
    TariffDimensionType.TIME: "time",
    TariffDimensionType.PARKING_TIME: "parking",
}


def _dimension(kind: CdrDimensionType, volume: Decimal) -> CdrDimension:
    return trusted(CdrDimension, {"type": kind, "volume": volume})


def _dimensions(period: Period, current: bool, power: bool) -> list[CdrDimension]:
    length = round_quantity(hours(period.micros))
    if period.state is State.RESERVATION:
        return [_dimension(CdrDimensionType.RESERVATION_TIME, length)]
    dims: list[CdrDimension] = []
    if period.state is State.CHARGING or period.energy:
        dims.append(_dimension(CdrDimensionType.ENERGY, round_quantity(period.energy)))
    if period.state is not State.CHARGING:
        dims.append(_dimension(CdrDimensionType.PARKING_TIME, length))
        return dims
    dims.append(_dimension(CdrDimensionType.TIME, length))
    if current and period.current is not None:
        dims.append(_dimension(CdrDimensionType.MIN_CURRENT, period.current[0]))
        dims.append(_dimension(CdrDimensionType.MAX_CURRENT, period.current[1]))
    if power and period.power is not None:
        dims.append(_dimension(CdrDimensionType.MIN_POWER, round_quantity(period.power[0])))
        dims.append(_dimension(CdrDimensionType.MAX_POWER, round_quantity(period.power[1])))
    return dims


def charging_periods(
    periods: Iterable[Period], tariff_id: str, *, current: bool = True, power: bool = True
) -> list[ChargingPeriod]:
    """One ChargingPeriod per engine period (mod_cdrs.asciidoc "ChargingPeriod").

    ``current`` and ``power``: whether to report MIN/MAX_CURRENT and MIN/MAX_POWER (the engine
    asks for them when the tariff restricts on them: the "relevant information" of the spec).
    """
    return [
        trusted(
            ChargingPeriod,
            {
                "start_date_time": to_datetime(period.start),
                "dimensions": _dimensions(period, current, power),
                "tariff_id": tariff_id,
            },
        )
        for period in periods
    ]
