"""OCPI 2.1.1 models: one module per spec chapter, classes named as the spec names them (the same
names as :mod:`openroam.models.v221` where the spec's names are the same).

Use them as ``from openroam.models import v211`` and ``v211.Location``. 2.1.1's ``string`` is
printable ASCII (types.md "string type"), unlike 2.2.1's UTF-8.
"""

from __future__ import annotations

from openroam.models.v211.locations import (
    EVSE,
    AdditionalGeoLocation,
    BusinessDetails,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorPatch,
    ConnectorType,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    EVSEPatch,
    ExceptionalPeriod,
    Facility,
    GeoLocation,
    Hours,
    Image,
    ImageCategory,
    Location,
    LocationPatch,
    LocationType,
    ParkingRestriction,
    PowerType,
    RegularHours,
    Status,
    StatusSchedule,
)
from openroam.models.v211.tariffs import (
    DayOfWeek,
    PriceComponent,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffPatch,
    TariffRestrictions,
)
from openroam.models.v211.types import (
    DisplayText,
)

# The names of versions.py and credentials.py (Version, VersionDetails, Endpoint, Credentials,
# ...) are added here at integration; another branch writes those modules.

__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Capability",
    "Connector",
    "ConnectorFormat",
    "ConnectorPatch",
    "ConnectorType",
    "DayOfWeek",
    "DisplayText",
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
    "PriceComponent",
    "RegularHours",
    "Status",
    "StatusSchedule",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffPatch",
    "TariffRestrictions",
]
