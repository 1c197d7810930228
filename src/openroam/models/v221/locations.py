"""OCPI 2.2.1 mod_locations.asciidoc: Location, EVSE, Connector, their classes and enums.

Besides types and lengths, these models enforce the rules the chapter states for a single
object, each reported at the path of the field it concerns:

* GeoLocation ``latitude``/``longitude`` match the spec regexes ("GeoLocation class").
* ``time_zone`` is an IANA tz name ("Location Object"), checked against the ``tzdata`` package's
  zone list, so every accepted name also loads with ``zoneinfo.ZoneInfo``.
* ``country`` is ISO 3166-1 alpha-3: three capital letters ("Location Object").
* ``publish_allowed_to`` "may only be used when the publish field is set to false".
* Hours: ``regular_hours`` has at least one entry when ``twentyfourseven`` is false, and is
  only used then ("Hours class").
* RegularHours: ``weekday`` 1..7, ``HH:MM`` times, ``period_end`` later than ``period_begin``
  ("RegularHours class"). An end of ``00:00`` is read as midnight at the end of the day, so it
  is later than every begin: the regex admits no ``24:00``, and mod_tariffs.asciidoc
  ("TariffRestrictions class", ``end_time``) uses the same convention ("To stop at end of the
  day use: 00:00"). Other periods that pass midnight must be split over two weekdays.
* PublishTokenType: at least one of ``uid``/``visual_number``/``group_id``; ``uid`` needs
  ``type``; ``visual_number`` needs ``issuer`` ("PublishTokenType class").
* Ids are unique where the spec says so: Connector ``id`` within its EVSE ("Connector Object"),
  EVSE ``uid`` within the Location (it is unique within the CPO platform, "EVSE Object").
  Ids are CiStrings, so they are compared case-insensitively.

Address and state are string(255) and string(45): the chapter's NOTE says earlier releases
gave 45 and 20 by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from openroam.models.common import (
    URL,
    CiString2,
    CiString3,
    CiString4,
    CiString36,
    CiString48,
    DateTime,
    Int,
    Number,
    OcpiModel,
    String4,
    String10,
    String16,
    String45,
    String64,
    String100,
    String255,
    fold_id,
    patch_model,
)
from openroam.models.v221.tokens import TokenType
from openroam.models.v221.types import DisplayText

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
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "PublishTokenType",
    "RegularHours",
    "Status",
    "StatusSchedule",
]

# --- enums (mod_locations.asciidoc "Data types") ---------------------------------------------


class Status(StrEnum):
    """ "Status enum": the status of an EVSE (UNKNOWN also when offline)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Capability(StrEnum):
    """ "Capability enum": what an EVSE can do."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorFormat(StrEnum):
    """ "ConnectorFormat enum"."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorType(StrEnum):
    """ "ConnectorType enum". The IEC 60309 values are mixed case on the wire, as in the spec."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
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
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
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
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class PowerType(StrEnum):
    """ "PowerType enum"."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ParkingType(StrEnum):
    """ "ParkingType enum"."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class ParkingRestriction(StrEnum):
    """ "ParkingRestriction enum"."""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class Facility(StrEnum):
    """ "Facility enum"."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class ImageCategory(StrEnum):
    """ "ImageCategory enum"."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class EnergySourceCategory(StrEnum):
    """ "EnergySourceCategory enum"."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    """ "EnvironmentalImpactCategory enum"."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


# --- value types -----------------------------------------------------------------------------

# "GeoLocation class": the regexes of the spec, anchored (a pydantic pattern is searched).
Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
"""string(10), decimal degrees with 5 to 7 decimals, for example ``50.770774``."""
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
"""string(11), decimal degrees with 5 to 7 decimals, for example ``-126.104965``."""

# "RegularHours class": 24h format with leading zeros.
TimeOfDay = Annotated[
    str, StringConstraints(max_length=5, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
]
"""string(5) ``HH:MM`` in the Location's local time."""

CountryAlpha3 = Annotated[str, StringConstraints(max_length=3, pattern=r"^[A-Z]{3}$")]
"""string(3), an ISO 3166-1 alpha-3 country code such as ``NLD``."""

ImageSize = Annotated[Int, Field(ge=0, le=99999)]
"""int(5): at most five digits."""


@cache
def _iana_zone_names() -> frozenset[str]:
    # The tzdata package lists every zone it ships; ZoneInfo falls back to it, so each name in
    # this list loads on any machine, with or without a system tz database.
    zones = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(zones.split())


def _check_time_zone(value: str) -> str:
    if value not in _iana_zone_names():
        raise ValueError(
            f"{value!r} is not an IANA time zone name (like Europe/Oslo), "
            "as mod_locations.asciidoc Location.time_zone requires"
        )
    return value


TimeZone = Annotated[String255, AfterValidator(_check_time_zone)]
"""string(255), one of IANA tzdata's TZ values, such as ``Europe/Oslo``."""


# --- cross-field rules -----------------------------------------------------------------------

Loc = tuple[str | int, ...]


def _rule(loc: Loc, kind: str, message: str, value: object = None) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def _raise_if(model: OcpiModel, errors: list[InitErrorDetails]) -> None:
    # A ValidationError raised inside a validator keeps each error's loc, prefixed with the
    # path of the object, so the error names the field the rule is about.
    if errors:
        raise ValidationError.from_exception_data(type(model).__name__, errors)


def _duplicates(items: Iterable[str], field: str, where: str, name: str) -> list[InitErrorDetails]:
    seen: set[str] = set()
    errors = []
    for index, value in enumerate(items):
        if fold_id(value) in seen:
            message = f"{field} {value!r} appears twice; it SHALL be unique within {where}"
            errors.append(_rule((name, index, field), f"duplicate_{field}", message, value))
        seen.add(fold_id(value))
    return errors


# --- classes ---------------------------------------------------------------------------------


class GeoLocation(OcpiModel):
    """ "GeoLocation class": a WGS 84 point."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OcpiModel):
    """ "AdditionalGeoLocation class": a related point, such as a parking entrance."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class Image(OcpiModel):
    """ "Image class": a link to an image (photo or logo)."""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: CiString4
    width: ImageSize | None = None
    height: ImageSize | None = None


class BusinessDetails(OcpiModel):
    """ "BusinessDetails class"."""

    name: String100
    website: URL | None = None
    logo: Image | None = None


class EnergySource(OcpiModel):
    """ "EnergySource class": one source and its share (0-100 percent) of the mix."""

    source: EnergySourceCategory
    percentage: Annotated[Number, Field(ge=0, le=100)]


class EnvironmentalImpact(OcpiModel):
    """ "EnvironmentalImpact class": waste produced per kWh, in g/kWh."""

    category: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OcpiModel):
    """ "EnergyMix class": the energy supplied at a Location (or in a Tariff)."""

    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class RegularHours(OcpiModel):
    """ "RegularHours class": a weekly recurring period, in the Location's local time."""

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
    """ "ExceptionalPeriod class": an exception to the opening hours, in UTC."""

    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiModel):
    """ "Hours class": opening and access hours of a Location."""

    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _regular_hours_iff_not_24_7(self) -> Self:
        if not self.twentyfourseven and not self.regular_hours:
            message = "regular_hours needs at least one entry when twentyfourseven is false"
            _raise_if(self, [_rule(("regular_hours",), "regular_hours_missing", message)])
        if self.twentyfourseven and self.regular_hours:
            message = "regular_hours may only be used when twentyfourseven is false"
            _raise_if(self, [_rule(("regular_hours",), "regular_hours_unexpected", message)])
        return self


class StatusSchedule(OcpiModel):
    """ "StatusSchedule class": a planned status of an EVSE; informational only."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class PublishTokenType(OcpiModel):
    """ "PublishTokenType class": a Token to which a non-published Location may be shown."""

    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None

    @model_validator(mode="after")
    def _identifying_fields(self) -> Self:
        errors = []
        if self.uid is None and self.visual_number is None and self.group_id is None:
            message = "at least one of uid, visual_number or group_id SHALL be set"
            errors.append(_rule((), "publish_token_empty", message))
        if self.uid is not None and self.type is None:
            errors.append(_rule(("type",), "missing", "type SHALL be set when uid is set"))
        if self.visual_number is not None and self.issuer is None:
            message = "issuer SHALL be set when visual_number is set"
            errors.append(_rule(("issuer",), "missing", message))
        _raise_if(self, errors)
        return self


class Connector(OcpiModel):
    """ "Connector Object": a socket, or a cable and plug, of an EVSE."""

    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Int
    """Volt; line to neutral for AC_3_PHASE."""
    max_amperage: Int
    max_electric_power: Int | None = None
    """Watt; set when lower than max_voltage times max_amperage."""
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    """ "EVSE Object": what powers one EV in one session; only one connector at a time."""

    uid: CiString36
    evse_id: CiString48 | None = None
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
        ids = [connector.id for connector in self.connectors]
        if len(ids) > 1 and len({fold_id(i) for i in ids}) < len(ids):
            _raise_if(self, _duplicates(ids, "id", "its EVSE", "connectors"))
        return self


class Location(OcpiModel):
    """ "Location Object": a site with a group of EVSEs, owned by a CPO."""

    country_code: CiString2
    party_id: CiString3
    id: CiString36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    address: String255
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None
    country: CountryAlpha3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: TimeZone
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    """Absent means true (the spec's default)."""
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _location_rules(self) -> Self:
        # Run for every Location of a pull: the common case (rules kept) is checked first.
        uids = [evse.uid for evse in self.evses or ()]
        publish_kept = not (self.publish and self.publish_allowed_to)
        if publish_kept and len({fold_id(uid) for uid in uids}) == len(uids):
            return self
        errors = []
        if not publish_kept:
            message = "publish_allowed_to may only be used when publish is false"
            errors.append(_rule(("publish_allowed_to",), "publish_allowed_to_unexpected", message))
        errors += _duplicates(uids, "uid", "the CPO platform", "evses")
        _raise_if(self, errors)
        return self


# "PATCH Method": any PATCH SHALL contain last_updated; everything else is optional.
LocationPatch = patch_model(Location, "LocationPatch")
EVSEPatch = patch_model(EVSE, "EVSEPatch")
ConnectorPatch = patch_model(Connector, "ConnectorPatch")
