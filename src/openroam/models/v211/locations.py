"""OCPI 2.1.1 mod_locations.md: Location, EVSE, Connector, their classes and enums.

Transcribed from the 2.1.1 tables (mod_locations.md 3 "Object description", 4 "Data types");
where 2.1.1 differs from 2.2.1 the 2.1.1 text is followed:

* Ids are 2.1.1 ``string`` (printable ASCII): Location.id and EVSE.uid string(39),
  Connector.id string(36). There is no ``country_code``/``party_id``/``publish`` in the object.
* Location: ``type`` (:class:`LocationType`) and ``postal_code`` are required, ``address`` is
  string(45), ``time_zone`` is optional (an IANA name when given).
* Connector: ``voltage`` and ``amperage`` are required ints, one optional ``tariff_id``.
* ``country`` is "ISO 3166-1 alpha-3" (table 3.1), three capital letters; the Location embedded in
  the examples of mod_sessions.md and mod_cdrs.md sends ``"BE"`` (alpha-2): the table wins, so
  those examples are refused at ``location.country``.
* The example "add an EVSE" (2.2.3) leaves out required fields and sends numbers for
  ``floor_level``/``physical_reference``; the text itself says such an object "may be discarded",
  and it is refused.
* GeoLocation (mod_locations.md 4.12) and AdditionalGeoLocation (4.1): exactly six decimals, as
  the regex ``-?[0-9]{1,2}\\.[0-9]{6}`` says (2.2.1 allows five to seven).
* Hours (4.13) is "Choice: one of two": ``regular_hours`` or ``twentyfourseven``. The text's own
  example (4.19.1) sends both, with ``twentyfourseven: false``; so both are accepted together as
  long as they agree: at least one of the two is given, ``twentyfourseven: true`` comes without
  ``regular_hours``, and ``twentyfourseven: false`` comes with at least one RegularHours.
* EnvironmentalImpact (4.8) names its category field ``source`` (table and example agree).
* RegularHours (4.19): ``period_end`` "Must be later than period_begin"; an end of ``00:00`` is
  read as midnight at the end of the day, as in :mod:`openroam.models.v221.locations`.
* A PATCH (mod_locations.md 2.2.3, transport_and_format.md "PATCH") holds only the fields to
  update; unlike 2.2.1, 2.1.1 does not require ``last_updated`` in it (its own examples lack it).

BusinessDetails (4.1), Image (4.14) and ImageCategory (4.15) are defined in
:mod:`openroam.models.v211.types` and re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from openroam.models.common import DateTime, Int, Number, OcpiModel, patch_model
from openroam.models.v211.types import (
    URL,
    BusinessDetails,
    DisplayText,
    Image,
    ImageCategory,
    String4,
    String10,
    String16,
    String36,
    String39,
    String45,
    String48,
    String64,
    String255,
)

__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Capability",
    "Connector",
    "ConnectorFormat",
    "ConnectorPatch",
    "ConnectorType",
    "EVSEPatch",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "ExceptionalPeriod",
    "Facility",
    "GeoLocation",
    "Hours",
    "Image",
    "ImageCategory",
    "Location",
    "LocationPatch",
    "LocationType",
    "ParkingRestriction",
    "PowerType",
    "RegularHours",
    "Status",
    "StatusSchedule",
]

# --- enums (mod_locations.md 4 "Data types") ---------------------------------------------------


class Capability(StrEnum):
    """mod_locations.md 4.2 "Capability enum"."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorFormat(StrEnum):
    """mod_locations.md 4.3 "ConnectorFormat enum"."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorType(StrEnum):
    """mod_locations.md 4.4 "ConnectorType enum". The IEC 60309 values are mixed case."""

    CHADEMO = "CHADEMO"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class EnergySourceCategory(StrEnum):
    """mod_locations.md 4.7 "EnergySourceCategory enum"."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    """mod_locations.md 4.9 "EnvironmentalImpactCategory enum"."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class Facility(StrEnum):
    """mod_locations.md 4.11 "Facility enum"."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class LocationType(StrEnum):
    """mod_locations.md 4.16 "LocationType enum": the general type of the location."""

    ON_STREET = "ON_STREET"
    PARKING_GARAGE = "PARKING_GARAGE"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"
    """Not known by the operator (default)."""


class ParkingRestriction(StrEnum):
    """mod_locations.md 4.17 "ParkingRestriction enum"."""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class PowerType(StrEnum):
    """mod_locations.md 4.18 "PowerType enum"."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class Status(StrEnum):
    """mod_locations.md 4.20 "Status enum": the status of an EVSE (UNKNOWN also when offline)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


# --- value types -------------------------------------------------------------------------------

# mod_locations.md 4.12 "GeoLocation class": the regexes of the table, anchored.
Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{6}$")]
"""string(10), decimal degrees with six decimals, for example ``50.770774``."""
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{6}$")]
"""string(11), decimal degrees with six decimals, for example ``-126.104965``."""

# mod_locations.md 4.19 "RegularHours class": 24h format with leading zeros.
TimeOfDay = Annotated[
    str, StringConstraints(max_length=5, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
]
"""string(5) ``HH:MM``."""

CountryAlpha3 = Annotated[str, StringConstraints(max_length=3, pattern=r"^[A-Z]{3}$")]
"""string(3), an ISO 3166-1 alpha-3 country code such as ``BEL``."""


@cache
def _iana_zone_names() -> frozenset[str]:
    # The tzdata package lists every zone it ships (as for 2.2.1), so each accepted name also
    # loads with zoneinfo.ZoneInfo on any machine.
    zones = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(zones.split())


def _check_time_zone(value: str) -> str:
    if value not in _iana_zone_names():
        raise ValueError(
            f"{value!r} is not an IANA time zone name (like Europe/Oslo), "
            "as mod_locations.md 3.1 Location.time_zone requires"
        )
    return value


TimeZone = Annotated[String255, AfterValidator(_check_time_zone)]
"""string(255), one of IANA tzdata's TZ values, such as ``Europe/Oslo``."""


# --- cross-field rules -------------------------------------------------------------------------

Loc = tuple[str | int, ...]


def _rule(loc: Loc, kind: str, message: str, value: object = None) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def _raise_if(model: OcpiModel, errors: list[InitErrorDetails]) -> None:
    # Raised inside a validator, the errors keep their loc, prefixed with the object's path.
    if errors:
        raise ValidationError.from_exception_data(type(model).__name__, errors)


def _duplicates(items: Iterable[str], field: str, where: str, name: str) -> list[InitErrorDetails]:
    seen: set[str] = set()
    errors = []
    for index, value in enumerate(items):
        if value in seen:
            message = f"{field} {value!r} appears twice; it SHALL be unique within {where}"
            errors.append(_rule((name, index, field), f"duplicate_{field}", message, value))
        seen.add(value)
    return errors


# --- classes -----------------------------------------------------------------------------------


class GeoLocation(OcpiModel):
    """mod_locations.md 4.12 "GeoLocation class": a WGS 84 point."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OcpiModel):
    """mod_locations.md 4.1 "AdditionalGeoLocation class": a related point."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class EnergySource(OcpiModel):
    """mod_locations.md 4.6 "EnergySource class": one source and its share (0-100)."""

    source: EnergySourceCategory
    percentage: Annotated[Number, Field(ge=0, le=100)]


class EnvironmentalImpact(OcpiModel):
    """mod_locations.md 4.8 "EnvironmentalImpact class": waste per kWh, in g/kWh.

    The category field is ``source`` in 2.1.1 (``category`` in 2.2.1).
    """

    source: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OcpiModel):
    """mod_locations.md 4.5 "EnergyMix class": the energy supplied at a Location or Tariff."""

    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class RegularHours(OcpiModel):
    """mod_locations.md 4.19 "RegularHours class": a weekly recurring period."""

    weekday: Annotated[Int, Field(ge=1, le=7)]
    """1 is Monday, 7 is Sunday."""
    period_begin: TimeOfDay
    period_end: TimeOfDay
    """Later than ``period_begin``; ``00:00`` is midnight at the end of the day."""

    @model_validator(mode="after")
    def _end_after_begin(self) -> Self:
        # HH:MM with leading zeros sorts as text in time order.
        if self.period_end != "00:00" and self.period_end <= self.period_begin:
            message = (
                f"period_end {self.period_end} must be later than period_begin "
                f"{self.period_begin} (use 00:00 to end at midnight)"
            )
            _raise_if(self, [_rule(("period_end",), "period_order", message, self.period_end)])
        return self


class ExceptionalPeriod(OcpiModel):
    """mod_locations.md 4.10 "ExceptionalPeriod class": an exception to the opening hours."""

    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiModel):
    """mod_locations.md 4.13 "Hours class": opening and access hours of a Location.

    The table makes ``regular_hours`` and ``twentyfourseven`` a "Choice: one of two", yet the
    chapter's example (4.19.1) sends ``regular_hours`` with ``twentyfourseven: false``. Both
    readings are accepted: one of the two is required, and when both are given they agree.
    """

    regular_hours: list[RegularHours] | None = None
    twentyfourseven: bool | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _one_of_two(self) -> Self:
        if self.twentyfourseven is None and self.regular_hours is None:
            message = "one of regular_hours or twentyfourseven is required"
            _raise_if(self, [_rule(("twentyfourseven",), "missing", message)])
        if self.twentyfourseven is False and not self.regular_hours:
            message = "regular_hours needs at least one entry when twentyfourseven is false"
            _raise_if(self, [_rule(("regular_hours",), "regular_hours_missing", message)])
        if self.twentyfourseven and self.regular_hours:
            message = "regular_hours may not be given when twentyfourseven is true"
            _raise_if(self, [_rule(("regular_hours",), "regular_hours_unexpected", message)])
        return self


class StatusSchedule(OcpiModel):
    """mod_locations.md 4.21 "StatusSchedule class": a planned status; informational only."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Connector(OcpiModel):
    """mod_locations.md 3.3 "Connector Object": a socket, or a cable and plug, of an EVSE."""

    id: String36
    """Unique within its EVSE."""
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    voltage: Int
    """Volt; line to neutral for AC_3_PHASE."""
    amperage: Int
    """Maximum amperage, in ampere."""
    tariff_id: String36 | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    """mod_locations.md 3.2 "EVSE Object": powers one EV in one session, one connector at a time."""

    uid: String39
    evse_id: String48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)]
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _unique_connector_ids(self) -> Self:
        # mod_locations.md 3.3: "Two connectors may have the same id as long as they do not
        # belong to the same EVSE object". 2.1.1 ids are case-sensitive strings.
        ids = [connector.id for connector in self.connectors]
        if len(set(ids)) < len(ids):
            _raise_if(self, _duplicates(ids, "id", "its EVSE", "connectors"))
        return self


class Location(OcpiModel):
    """mod_locations.md 3.1 "Location Object": a site with a group of EVSEs."""

    id: String39
    type: LocationType
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: String10
    country: CountryAlpha3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: TimeZone | None = None
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    """Absent means true (the spec's default)."""
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _unique_evse_uids(self) -> Self:
        # mod_locations.md 3.2: uid "Uniquely identifies the EVSE within the CPOs platform".
        uids = [evse.uid for evse in self.evses or ()]
        if len(set(uids)) < len(uids):
            _raise_if(self, _duplicates(uids, "uid", "the CPO platform", "evses"))
        return self


# mod_locations.md 2.2.3 "PATCH Method": only the fields to update; 2.1.1 requires no
# last_updated in a PATCH.
LocationPatch = patch_model(Location, "LocationPatch", required=())
EVSEPatch = patch_model(EVSE, "EVSEPatch", required=())
ConnectorPatch = patch_model(Connector, "ConnectorPatch", required=())
