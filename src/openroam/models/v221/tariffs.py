"""OCPI 2.2.1 mod_tariffs.asciidoc: the Tariff object, its classes and enums.

What a Tariff *means* (which element prices what, step_size, min/max price) is the tariff
engine's business (``openroam.pricing``); this module only holds the shapes and the rules the
spec puts on single values:

* ``start_time``/``end_time`` and ``start_date``/``end_date`` follow the regexes of
  mod_tariffs.asciidoc "TariffRestrictions class".
* A reservation element (``restrictions.reservation`` set) may only hold ``FLAT`` and ``TIME``
  components (mod_tariffs.asciidoc "TariffRestrictions class", field ``reservation``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from openroam.models.common import (
    URL,
    CiString2,
    CiString3,
    CiString36,
    DateTime,
    Int,
    Number,
    OcpiModel,
    String3,
)
from openroam.models.v221.locations import EnergyMix
from openroam.models.v221.types import DisplayText, Price

__all__ = [
    "DayOfWeek",
    "PriceComponent",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
]

# mod_tariffs.asciidoc "TariffRestrictions class": the regexes of start_time and start_date
# (end_time and end_date have "the same syntax"). Anchored, because a pattern is searched.
TIME_OF_DAY_PATTERN = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN = r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

TimeOfDay = Annotated[str, StringConstraints(max_length=5, pattern=TIME_OF_DAY_PATTERN)]
"""string(5) ``HH:MM``, 24h with leading zeros, local time of the Location."""
LocalDate = Annotated[str, StringConstraints(max_length=10, pattern=DATE_PATTERN)]
"""string(10) ``YYYY-MM-DD``, a local date of the Location."""


class DayOfWeek(StrEnum):
    """mod_tariffs.asciidoc "DayOfWeek enum"."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    """mod_tariffs.asciidoc "ReservationRestrictionType enum"."""

    RESERVATION = "RESERVATION"
    """Costs of a reservation."""
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"
    """Costs of a reservation that expires without a session starting before its expiry_date."""


class TariffDimensionType(StrEnum):
    """mod_tariffs.asciidoc "TariffDimensionType enum"."""

    ENERGY = "ENERGY"
    """In kWh, step_size multiplier 1 Wh."""
    FLAT = "FLAT"
    """A flat fee, no unit for step_size."""
    PARKING_TIME = "PARKING_TIME"
    """Time not charging, in hours, step_size multiplier 1 second."""
    TIME = "TIME"
    """Time charging (or reservation time in a reservation element), in hours, step 1 second."""


class TariffType(StrEnum):
    """mod_tariffs.asciidoc "TariffType enum"."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class PriceComponent(OcpiModel):
    """mod_tariffs.asciidoc "PriceComponent class": how one dimension is priced."""

    type: TariffDimensionType
    price: Number
    """Price per unit, excluding VAT."""
    vat: Number | None = None
    """VAT percentage. Absent means no VAT is applicable, which differs from 0.0 (0 %)."""
    step_size: Int
    """Billing block in the dimension's multiplier (1 Wh or 1 s); unused for FLAT."""


class TariffRestrictions(OcpiModel):
    """mod_tariffs.asciidoc "TariffRestrictions class": when an element is active (ANDed)."""

    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Int | None = None
    max_duration: Int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


# mod_tariffs.asciidoc "TariffRestrictions class", field reservation: "A reservation can only
# have: FLAT and TIME TariffDimensions".
_RESERVATION_DIMENSIONS = frozenset({TariffDimensionType.FLAT, TariffDimensionType.TIME})


class TariffElement(OcpiModel):
    """mod_tariffs.asciidoc "TariffElement class": price components sharing restrictions."""

    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None

    @model_validator(mode="after")
    def _reservation_prices_only_flat_and_time(self) -> TariffElement:
        if self.restrictions is None or self.restrictions.reservation is None:
            return self
        bad = [c.type for c in self.price_components if c.type not in _RESERVATION_DIMENSIONS]
        if bad:
            raise ValueError(
                "a reservation TariffElement may only have FLAT and TIME price components "
                f"(mod_tariffs TariffRestrictions.reservation), not {', '.join(bad)}"
            )
        return self


class Tariff(OcpiModel):
    """mod_tariffs.asciidoc "Tariff object"."""

    country_code: CiString2
    party_id: CiString3
    id: CiString36
    currency: String3
    """ISO 4217 currency code."""
    type: TariffType | None = None
    """Absent: the tariff is valid for all sessions."""
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
