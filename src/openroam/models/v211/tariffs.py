"""OCPI 2.1.1 mod_tariffs.md: the Tariff object, its classes and enums.

Transcribed from the 2.1.1 tables (mod_tariffs.md 3.1, 4.1-4.5). Unlike 2.2.1, a 2.1.1 Tariff
has no ``country_code``/``party_id``/``type``/``min_price``/``max_price``/
``start_date_time``/``end_date_time``; a PriceComponent has no ``vat`` (``price`` excludes VAT);
TariffRestrictions has no ``min_current``/``max_current``/``reservation``.

Where the text contradicts itself, the tables win:

* Tariff.last_updated is required (table 3.1), although the PUT example of 2.2.2 leaves it out.
* TariffRestrictions ``start_date``/``end_date`` (4.5) have no regex in 2.1.1, only the example
  ``2015-12-24``; that shape (``YYYY-MM-DD``, as 2.2.1 writes it) is required, since a date in any
  other shape cannot be applied. ``start_time``/``end_time`` follow the table's regex.

mod_tariffs.md 2.2.3: the eMSP (Receiver) interface has a PATCH; :data:`TariffPatch` holds only
the fields to update, without a required ``last_updated``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from openroam.models.common import DateTime, Int, Number, OcpiModel, patch_model
from openroam.models.v211.locations import EnergyMix
from openroam.models.v211.types import URL, DisplayText, String3, String36

__all__ = [
    "DayOfWeek",
    "PriceComponent",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffPatch",
    "TariffRestrictions",
]

# mod_tariffs.md 4.5 "TariffRestrictions class": the start_time regex (end_time has "the same
# syntax"), anchored because a pattern is searched.
TIME_OF_DAY_PATTERN = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN = r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

TimeOfDay = Annotated[str, StringConstraints(max_length=5, pattern=TIME_OF_DAY_PATTERN)]
"""string(5) ``HH:MM``, 24h with leading zeros."""
LocalDate = Annotated[str, StringConstraints(max_length=10, pattern=DATE_PATTERN)]
"""string(10) ``YYYY-MM-DD``, as in the example ``2015-12-24``."""


class DayOfWeek(StrEnum):
    """mod_tariffs.md 4.1 "DayOfWeek enum"."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class TariffDimensionType(StrEnum):
    """mod_tariffs.md 4.4 "TariffDimensionType enum"."""

    ENERGY = "ENERGY"
    """In kWh, step_size multiplier 1 Wh."""
    FLAT = "FLAT"
    """A flat fee, no unit."""
    PARKING_TIME = "PARKING_TIME"
    """Time not charging, in hours, step_size multiplier 1 second."""
    TIME = "TIME"
    """Time charging, in hours, step_size multiplier 1 second."""


class PriceComponent(OcpiModel):
    """mod_tariffs.md 4.2 "PriceComponent class": how one dimension is priced."""

    type: TariffDimensionType
    price: Number
    """Price per unit, excluding VAT."""
    step_size: Int
    """Billing block in the dimension's multiplier (1 Wh or 1 s); no unit for FLAT."""


class TariffRestrictions(OcpiModel):
    """mod_tariffs.md 4.5 "TariffRestrictions class": when an element applies."""

    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    """Valid until this day, excluding this day."""
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_power: Number | None = None
    """kW."""
    max_power: Number | None = None
    """kW."""
    min_duration: Int | None = None
    """Seconds."""
    max_duration: Int | None = None
    """Seconds."""
    day_of_week: list[DayOfWeek] | None = None


class TariffElement(OcpiModel):
    """mod_tariffs.md 4.3 "TariffElement class": price components sharing restrictions."""

    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    """mod_tariffs.md 3.1 "Tariff Object": the first element whose restrictions match applies."""

    id: String36
    currency: String3
    """ISO 4217 currency code."""
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


# mod_tariffs.md 2.2.3 "PATCH Method": only the fields to update.
TariffPatch = patch_model(Tariff, "TariffPatch", required=())
