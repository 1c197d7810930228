"""OCPI 2.1.1 mod_cdrs.md: the Charge Detail Record and the classes it shares with Sessions.

Transcribed from the 2.1.1 tables (mod_cdrs.md 3.1, 4.1-4.4). Unlike 2.2.1, a 2.1.1 CDR names
its end ``stop_date_time``, identifies the Token only by ``auth_id``, embeds the whole
:class:`~openroam.models.v211.locations.Location` (with only the EVSE and Connector used) where
2.2.1 has a CdrLocation, and gives money as plain numbers excluding VAT (``total_cost``); it has
no ``country_code``/``party_id``/``session_id``/credit fields/``signed_data``.
:class:`AuthMethod` has no ``COMMAND``; :class:`CdrDimensionType` has ``FLAT`` and no power,
state-of-charge or reservation dimensions; a :class:`ChargingPeriod` has no ``tariff_id``.

The CDR example (3.1) writes one tariff price as the string ``"2.00"``; number (types.md 1.4)
is a JSON number, so that is refused, like its alpha-2 ``country`` (see
:mod:`openroam.models.v211.locations`).

``id`` is the one ``CiString(36)`` of the 2.1.1 tables (types.md 1.1: case-insensitive printable
ASCII). :class:`AuthMethod`, :class:`CdrDimension` and :class:`ChargingPeriod` live here because
the spec defines them here; Sessions use them too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from openroam.models.common import CiString36, DateTime, Number, OcpiModel
from openroam.models.v211.locations import Location
from openroam.models.v211.tariffs import Tariff
from openroam.models.v211.types import String3, String36, String255

__all__ = [
    "CDR",
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "ChargingPeriod",
]


class AuthMethod(StrEnum):
    """mod_cdrs.md 4.1 "AuthMethod enum"."""

    AUTH_REQUEST = "AUTH_REQUEST"
    """Authentication request from the eMSP."""
    WHITELIST = "WHITELIST"
    """Whitelist used, no request to the eMSP."""


class CdrDimensionType(StrEnum):
    """mod_cdrs.md 4.3 "CdrDimensionType enum"."""

    ENERGY = "ENERGY"
    """kWh."""
    FLAT = "FLAT"
    """A flat fee, no unit."""
    MAX_CURRENT = "MAX_CURRENT"
    """A, the maximum reached during the session."""
    MIN_CURRENT = "MIN_CURRENT"
    """A, the minimum used during the session."""
    PARKING_TIME = "PARKING_TIME"
    """Hours not charging."""
    TIME = "TIME"
    """Hours charging."""


class CdrDimension(OcpiModel):
    """mod_cdrs.md 4.2 "CdrDimension class"."""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiModel):
    """mod_cdrs.md 4.4 "ChargingPeriod class": ends when the next starts, the last at the end."""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]


class CDR(OcpiModel):
    """mod_cdrs.md 3.1 "CDR Object": one charging session and its costs."""

    id: CiString36
    start_date_time: DateTime
    stop_date_time: DateTime
    auth_id: String36
    """The ``auth_id`` of the Token used."""
    auth_method: AuthMethod
    location: Location
    """The Location with only the EVSE and Connector used."""
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    total_cost: Number
    """Excluding VAT."""
    total_energy: Number
    """kWh."""
    total_time: Number
    """Hours, charging and not charging."""
    total_parking_time: Number | None = None
    """Hours not charging."""
    remark: String255 | None = None
    last_updated: DateTime
