"""Every JSON example of the OCPI 2.2.1 spec is a test case, where the spec is there
(tests/spec_examples.py finds it; every case here is marked ``spec_example``).

Each file parses into the model it shows and serialises back to equal JSON (key order and number
formatting aside). The files docs/spec-decisions.md names invalid ("Invalid example: …") fail
with the erratum's error.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models import v221
from openroam.models._validation import problems
from openroam.models.common import OcpiModel, OcpiResponse
from tests.spec_examples import (
    EXAMPLES_221,
    as_comparable,
    dump_json,
    example_bytes,
    load_example,
    spec_example,
)

# Every case reads the spec's files; the project's own documents are in test_documents.py.
pytestmark = spec_example

# file → (model, key the fragment is wrapped in or None, envelope data shape or None)
VALID: dict[str, tuple[type[OcpiModel], str | None, str | None]] = {
    "cdr_example.json": (v221.CDR, None, None),
    "credentials_example.json": (v221.Credentials, None, None),
    "credentials_example2.json": (v221.Credentials, None, None),
    "credentials_example3.json": (v221.Credentials, None, None),
    "credentials_example4.json": (v221.Credentials, None, None),
    "location_energymix_example_complete.json": (v221.EnergyMix, "energy_mix", None),
    "location_energymix_example_energy_provider.json": (v221.EnergyMix, "energy_mix", None),
    "location_energymix_example_simple.json": (v221.EnergyMix, "energy_mix", None),
    "location_example.json": (v221.Location, None, None),
    "location_example_parking_garage_opening_hours.json": (v221.Location, None, None),
    "location_example_uc2_destination_charger.json": (v221.Location, None, None),
    "location_example_uc3_destination_charger_not_published.json": (v221.Location, None, None),
    "location_example_uc4_limited_visibility.json": (v221.Location, None, None),
    "location_example_uc5_home_charge_point.json": (v221.Location, None, None),
    "location_hours_247_open_exception_closing.json": (v221.Hours, None, None),
    "location_hours_opening_hours_with_exceptional_closing.json": (v221.Hours, None, None),
    "location_hours_opening_hours_with_exceptional_opening.json": (v221.Hours, None, None),
    "location_patch_example_location.json": (v221.LocationPatch, None, None),
    "location_patch_example_remove_evse.json": (v221.EVSEPatch, None, None),
    "location_patch_example_status.json": (v221.EVSEPatch, None, None),
    "location_patch_example_tariff.json": (v221.ConnectorPatch, None, None),
    "location_regularhours_example.json": (v221.Hours, "opening_times", None),
    "session_example_1_simple_start.json": (v221.Session, None, None),
    "session_example_2_short_finished.json": (v221.Session, None, None),
    "session_patch_example_charging_period.json": (v221.SessionPatch, None, None),
    "session_patch_example_total_cost.json": (v221.SessionPatch, None, None),
    "tariff_1_simple_2hour.json": (v221.Tariff, None, None),
    "tariff_2_alt_text.json": (v221.Tariff, None, None),
    "tariff_3_alt_url.json": (v221.Tariff, None, None),
    "tariff_4_complex.json": (v221.Tariff, None, None),
    "tariff_5_free_of_charge.json": (v221.Tariff, None, None),
    "tariff_6_025kwh_start_max_price.json": (v221.Tariff, None, None),
    "tariff_8_simple_025kwh.json": (v221.Tariff, None, None),
    "tariff_9_025kwh_start.json": (v221.Tariff, None, None),
    "tariff_10_025kwh_parking_start.json": (v221.Tariff, None, None),
    "tariff_11_not_possible_alt_text.json": (v221.Tariff, None, None),
    "tariff_12_025kwh_min_price.json": (v221.Tariff, None, None),
    "tariff_13_simple_3hour_5parking.json": (v221.Tariff, None, None),
    "tariff_14_step_size.json": (v221.Tariff, None, None),
    "tariff_15_reservation_5_euro_per_hour.json": (v221.Tariff, None, None),
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json": (v221.Tariff, None, None),
    "tariff_17_reservation_with_expire_fee.json": (v221.Tariff, None, None),
    "tariff_18_reservation_with_expire_time.json": (v221.Tariff, None, None),
    "tariffrestriction_example_max_duration.json": (v221.Tariff, None, None),
    "tariffrestriction_example_max_power.json": (v221.Tariff, None, None),
    "token_example_1_app_user.json": (v221.Token, None, None),
    "token_example_2_full_rfid.json": (v221.Token, None, None),
    "token_patch_example.json": (v221.TokenPatch, None, None),
    "token_put_example.json": (v221.Token, None, None),
    "transport_and_format_get_token_example.json": (v221.Token, None, "object"),
    "transport_and_format_get_token_list_example.json": (v221.Token, None, "list"),
    "transport_and_format_version_details_example.json": (v221.VersionDetails, None, "object"),
    "transport_and_format_version_info_example.json": (v221.Version, None, "list"),
    "type_displaytext_example.json": (v221.DisplayText, None, None),
    "version_details_example.json": (v221.VersionDetails, None, None),
    "version_details_example2.json": (v221.VersionDetails, None, None),
    "versions_info_example.json": (v221.Version, None, "bare list"),
}

# docs/spec-decisions.md "Invalid example: location_put_example_add_evse.json" and "Invalid
# example: tariff_put_example.json": example files that are invalid OCPI, with the fields the
# erratum names.
INVALID: dict[str, tuple[type[OcpiModel], set[str], str]] = {
    "location_put_example_add_evse.json": (
        v221.EVSE,
        {
            "$.connectors[0].power_type",
            "$.connectors[0].max_voltage",
            "$.connectors[0].max_amperage",
            "$.connectors[0].last_updated",
            "$.physical_reference",
        },
        "A13: connector lacks power_type/max_voltage/max_amperage/last_updated; "
        "physical_reference is a number",
    ),
    "tariff_put_example.json": (
        v221.Tariff,
        {"$.last_updated"},
        "A14: missing the required last_updated",
    ),
}


def test_every_example_file_is_covered() -> None:
    files = {path.name for path in EXAMPLES_221.glob("*.json")}
    assert len(files) == 59
    assert files == set(VALID) | set(INVALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_example_parses_and_serialises_back_equal(name: str) -> None:
    model, wrapper, envelope = VALID[name]
    original = load_example(name)
    raw = example_bytes(name)
    if envelope is None:
        fragment = original[wrapper] if wrapper else original
        if wrapper:
            raw = dump_json(fragment)
        parsed = model.model_validate_json(raw)
        assert as_comparable(parsed.to_json()) == fragment
    elif envelope == "bare list":
        parsed_list = [model.model_validate_json(dump_json(item)) for item in original]
        assert [as_comparable(item.to_json()) for item in parsed_list] == original
    else:
        data_type: Any = list[model] if envelope == "list" else model  # type: ignore[valid-type]
        parsed_envelope = OcpiResponse[data_type].model_validate_json(raw)
        assert as_comparable(parsed_envelope.to_json()) == original


@pytest.mark.parametrize("name", sorted(INVALID))
def test_erratum_example_is_rejected_with_the_errata_error(name: str) -> None:
    model, expected_paths, erratum = INVALID[name]
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(example_bytes(name))
    found = {problem.path for problem in problems(caught.value)}
    assert expected_paths <= found, erratum
    assert found <= expected_paths, f"only the erratum's problems are reported: {erratum}"
