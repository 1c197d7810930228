"""The project's own OCPI 2.2.1 documents: written for these tests, with our own ids and values.

No file of the spec is copied here (the spec is CC BY-ND; tests/spec_examples.py finds it when it
is there). Every object type has at least one valid document in this folder and one invalid one
in ``invalid/``, so the models, ``openroam validate``, ``openroam price`` and ``openroam audit``
are tested on a fresh clone. :data:`VALID` names each valid document's object type (the name
``openroam validate --type`` takes); :data:`INVALID` each invalid one's type and the JSON paths of
exactly the problems it has.

Documents whose name starts with ``envelope_`` are response envelopes (transport_and_format
"Response format") around their type; ``versions.json`` is a bare list.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from openroam.models import v221
from openroam.models.common import OcpiModel

DOCUMENTS = Path(__file__).resolve().parent

#: valid document → its object type
VALID: dict[str, str] = {
    # mod_locations
    "location.json": "Location",
    "location_not_published.json": "Location",
    "evse.json": "EVSE",
    "connector.json": "Connector",
    "location_patch.json": "LocationPatch",
    "evse_patch.json": "EVSEPatch",
    "connector_patch.json": "ConnectorPatch",
    "hours.json": "Hours",
    "energy_mix.json": "EnergyMix",
    # mod_sessions
    "session_pending.json": "Session",
    "session_completed.json": "Session",
    "session_patch.json": "SessionPatch",
    "session_patch_charging_period.json": "SessionPatch",
    "charging_preferences.json": "ChargingPreferences",
    # mod_cdrs, mod_tariffs
    "cdr.json": "CDR",
    "tariff.json": "Tariff",
    # mod_tokens
    "token.json": "Token",
    "token_rfid.json": "Token",
    "token_patch.json": "TokenPatch",
    "envelope_token.json": "Token",
    "envelope_token_list.json": "Token",
    "authorization_info.json": "AuthorizationInfo",
    "location_references.json": "LocationReferences",
    # credentials, version_information_endpoint
    "credentials.json": "Credentials",
    "credentials_two_roles.json": "Credentials",
    "versions.json": "Version",
    "envelope_versions.json": "Version",
    "version_details.json": "VersionDetails",
    "version_details_both_roles.json": "VersionDetails",
    "envelope_version_details.json": "VersionDetails",
    # mod_hub_client_info
    "client_info.json": "ClientInfo",
    # mod_commands
    "command_response.json": "CommandResponse",
    "command_result.json": "CommandResult",
    "start_session.json": "StartSession",
    "stop_session.json": "StopSession",
    "reserve_now.json": "ReserveNow",
    "cancel_reservation.json": "CancelReservation",
    "unlock_connector.json": "UnlockConnector",
    # mod_charging_profiles
    "set_charging_profile.json": "SetChargingProfile",
    "active_charging_profile.json": "ActiveChargingProfile",
    "charging_profile_response.json": "ChargingProfileResponse",
    "active_charging_profile_result.json": "ActiveChargingProfileResult",
    "charging_profile_result.json": "ChargingProfileResult",
    "clear_profile_result.json": "ClearProfileResult",
    # types
    "display_text.json": "DisplayText",
}

#: invalid document → (its object type, the JSON paths of all its problems)
INVALID: dict[str, tuple[str, frozenset[str]]] = {
    name: (type_name, frozenset(paths))
    for name, type_name, paths in [
        # four-decimal latitude, no country, a time zone that is not an IANA name
        ("location.json", "Location", {"$.coordinates.latitude", "$.country", "$.time_zone"}),
        # the connector lacks power_type, max_voltage, max_amperage and last_updated, and the
        # physical_reference is a number
        (
            "evse.json",
            "EVSE",
            {
                "$.connectors[0].power_type",
                "$.connectors[0].max_voltage",
                "$.connectors[0].max_amperage",
                "$.connectors[0].last_updated",
                "$.physical_reference",
            },
        ),
        ("connector.json", "Connector", {"$.standard", "$.max_voltage"}),
        ("location_patch.json", "LocationPatch", {"$.last_updated", "$.time_zone"}),
        ("evse_patch.json", "EVSEPatch", {"$.status"}),
        ("connector_patch.json", "ConnectorPatch", {"$.last_updated", "$.max_amperage"}),
        ("hours.json", "Hours", {"$.regular_hours[0].period_end", "$.regular_hours[1].weekday"}),
        ("energy_mix.json", "EnergyMix", {"$.is_green_energy", "$.energy_sources[0].percentage"}),
        # RESERVED is not a SessionStatus (RESERVATION is), kwh is a string
        ("session.json", "Session", {"$.kwh", "$.status"}),
        ("session_patch.json", "SessionPatch", {"$.last_updated", "$.status"}),
        ("charging_preferences.json", "ChargingPreferences", {"$.profile_type", "$.energy_need"}),
        # a Credit CDR without credit_reference_id, with a Session-only dimension
        (
            "cdr.json",
            "CDR",
            {"$.credit_reference_id", "$.charging_periods[0].dimensions[1].type"},
        ),
        # a reservation element pricing ENERGY, a 24:00 start_time, no last_updated
        (
            "tariff.json",
            "Tariff",
            {"$.elements[0]", "$.elements[1].restrictions.start_time", "$.last_updated"},
        ),
        ("token.json", "Token", {"$.type", "$.valid", "$.whitelist"}),
        ("token_patch.json", "TokenPatch", {"$.last_updated"}),
        ("envelope_token_list.json", "Token", {"$.data[1].contract_id"}),
        (
            "authorization_info.json",
            "AuthorizationInfo",
            {
                "$.allowed",
                "$.location.location_id",
                "$.token.contract_id",
                "$.token.issuer",
                "$.token.valid",
                "$.token.whitelist",
                "$.token.last_updated",
            },
        ),
        ("location_references.json", "LocationReferences", {"$.location_id"}),
        # the same EMSP role twice (party_id and country_code are case-insensitive)
        ("credentials.json", "Credentials", {"$.roles[1]"}),
        (
            "versions.json",
            "Version",
            {"$[0].url", "$[1].version", "$[1].version.constrained-str"},
        ),
        ("version_details.json", "VersionDetails", {"$.endpoints[0].role", "$.endpoints[1].role"}),
        ("client_info.json", "ClientInfo", {"$.last_updated", "$.status"}),
        ("command_response.json", "CommandResponse", {"$.result", "$.timeout"}),
        ("command_result.json", "CommandResult", {"$.result"}),
        (
            "start_session.json",
            "StartSession",
            {
                "$.token.country_code",
                "$.token.party_id",
                "$.token.contract_id",
                "$.token.issuer",
                "$.token.valid",
                "$.token.whitelist",
                "$.token.last_updated",
            },
        ),
        ("stop_session.json", "StopSession", {"$.session_id"}),
        ("reserve_now.json", "ReserveNow", {"$.expiry_date"}),
        ("cancel_reservation.json", "CancelReservation", {"$.reservation_id"}),
        ("unlock_connector.json", "UnlockConnector", {"$.connector_id"}),
        # kW is not a ChargingRateUnit, and a limit has at most one decimal
        (
            "set_charging_profile.json",
            "SetChargingProfile",
            {
                "$.charging_profile.charging_rate_unit",
                "$.charging_profile.charging_profile_period[0].limit",
            },
        ),
        (
            "active_charging_profile.json",
            "ActiveChargingProfile",
            {"$.start_date_time", "$.charging_profile.charging_profile_period[0].start_period"},
        ),
        ("charging_profile_response.json", "ChargingProfileResponse", {"$.result"}),
        (
            "active_charging_profile_result.json",
            "ActiveChargingProfileResult",
            {"$.profile.charging_profile"},
        ),
        ("charging_profile_result.json", "ChargingProfileResult", {"$.result"}),
        ("clear_profile_result.json", "ClearProfileResult", {"$.result"}),
        ("display_text.json", "DisplayText", {"$.language"}),
    ]
}


def path(name: str) -> Path:
    """A valid document by name, or an invalid one as ``invalid/<name>``."""
    return DOCUMENTS / name


def invalid_path(name: str) -> Path:
    return DOCUMENTS / "invalid" / name


def raw(name: str) -> bytes:
    return path(name).read_bytes()


def load(name: str) -> Any:
    """A document as plain JSON data (floats), to be changed per test."""
    return json.loads(path(name).read_text())


def load_decimal(name: str) -> Any:
    """A document with numbers as Decimal (so 0.60 == 0.6, number formatting aside)."""
    return json.loads(path(name).read_text(), parse_float=Decimal)


def model_of(type_name: str) -> type[OcpiModel]:
    model: type[OcpiModel] = getattr(v221, type_name)
    return model
