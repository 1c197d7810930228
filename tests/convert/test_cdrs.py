"""CDRs between 2.2.1 and 2.1.1 (2.1.1 mod_cdrs.md 3.1 CDR, 4.3 CdrDimensionType), and the
eMSP's price audit of a 2.1.1 CDR against the 2.1.1 Tariff it came with."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from openroam._convert._context import Context, Owner, Related
from openroam._convert.cdrs import CONVERTER, location_from_cdr_location
from openroam._convert.locations import Unconvertible
from openroam._convert.tariffs import CONVERTER as TARIFFS
from openroam.models import v211, v221
from openroam.pricing import audit
from tests.convert.docs import CDR_211, CONTEXT, LOCATION_221, TARIFF_211, Doc, fresh, valid
from tests.convert.strategies import CDRS_221, V211_DIMENSIONS


def _cdr_221() -> Doc:
    return CONVERTER.from_v211(fresh(CDR_211), CONTEXT)


def _parsed(doc: Doc) -> Any:
    return v221.CDR.from_json(json.dumps(doc).encode())


def test_from_v211() -> None:
    assert valid(v211.CDR, CDR_211)
    cdr = _cdr_221()
    assert valid(v221.CDR, cdr)
    assert (cdr["country_code"], cdr["party_id"]) == ("NL", "CPO")
    assert cdr["end_date_time"] == "2026-03-16T11:00:00Z"
    assert cdr["cdr_token"]["contract_id"] == "DE8ACC12E46L89"
    assert cdr["total_cost"] == {"excl_vat": 2.5}
    assert "session_id" not in cdr
    assert cdr["cdr_location"] == {
        "id": "LOC1",
        "name": "Gent Zuid",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "evse_uid": "3256",
        "evse_id": "BE*BEC*E041503001",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "CABLE",
        "connector_power_type": "AC_3_PHASE",
    }
    # 2.1.1 periods name no Tariff: each gets the one the Connector names (tariff_id "11").
    assert [p["tariff_id"] for p in cdr["charging_periods"]] == ["11"]
    assert [t["id"] for t in cdr["tariffs"]] == ["11"]


def test_from_v211_evse_without_evse_id_uses_its_uid() -> None:
    doc = fresh(CDR_211)
    del doc["location"]["evses"][0]["evse_id"]
    assert CONVERTER.from_v211(doc, CONTEXT)["cdr_location"]["evse_id"] == "3256"


def test_from_v211_drops_flat_and_needs_a_period() -> None:
    doc = fresh(CDR_211)
    doc["charging_periods"][0]["dimensions"].append({"type": "FLAT", "volume": 1})
    dims = CONVERTER.from_v211(doc, CONTEXT)["charging_periods"][0]["dimensions"]
    assert [d["type"] for d in dims] == ["ENERGY", "TIME"]
    doc["charging_periods"] = [{"start_date_time": "2026-03-16T10:00:00Z",
                                "dimensions": [{"type": "FLAT", "volume": 1}]}]  # fmt: skip
    with pytest.raises(Unconvertible):
        CONVERTER.from_v211(doc, CONTEXT)


def test_to_v211_from_the_stored_location() -> None:
    cdr = {**_cdr_221(), "session_id": "101", "total_energy_cost": {"excl_vat": 2.5},
           "authorization_reference": "R"}  # fmt: skip
    out = CONVERTER.to_v211(cdr, related=Related(location=LOCATION_221))
    assert valid(v211.CDR, out)
    assert out["location"]["evses"][0]["evse_id"] == "BE*BEC*E041503001"
    assert [valid(v211.Tariff, t).id for t in out["tariffs"]] == ["11"]
    assert out["stop_date_time"] == "2026-03-16T11:00:00Z"
    assert out["total_cost"] == 2.5
    for lost in ("session_id", "total_energy_cost", "authorization_reference", "cdr_location",
                 "cdr_token", "country_code", "party_id", "end_date_time"):  # fmt: skip
        assert lost not in out
    assert out["charging_periods"] == CDR_211["charging_periods"]  # tariff_id lost


def test_to_v211_without_the_location_builds_it_from_cdr_location() -> None:
    out = CONVERTER.to_v211(_cdr_221())
    assert valid(v211.CDR, out)
    location = out["location"]
    assert valid(v211.Location, location)
    assert location["type"] == "UNKNOWN"
    connector = location["evses"][0]["connectors"][0]
    assert (connector["voltage"], connector["amperage"]) == (0, 0)  # named fill-ins
    assert location["evses"][0]["status"] == "UNKNOWN"


def test_to_v211_takes_tariffs_from_related_when_the_cdr_carries_none() -> None:
    cdr = _cdr_221()
    tariff = cdr.pop("tariffs")[0]
    out = CONVERTER.to_v211(cdr, related=Related(tariffs={"11": tariff}))
    assert [t["id"] for t in out["tariffs"]] == ["11"]
    assert "tariffs" not in CONVERTER.to_v211(cdr)


def test_a_reservation_cdr_without_an_evse_embeds_the_location_without_evses() -> None:
    cdr = _cdr_221()
    cdr["cdr_location"] = {**cdr["cdr_location"], "evse_uid": "#NA", "evse_id": "#NA",
                           "connector_id": "#NA"}  # fmt: skip
    cdr["charging_periods"] = [{"start_date_time": "2026-03-16T10:00:00Z",
                                "dimensions": [{"type": "TIME", "volume": 1}]}]  # fmt: skip
    out = CONVERTER.to_v211(cdr, related=Related(location=LOCATION_221))
    assert valid(v211.CDR, out)
    assert out["location"]["evses"] == []


def test_credit_cdr_is_unconvertible() -> None:
    credit = {**_cdr_221(), "credit": True, "credit_reference_id": "CDR-0",
              "total_cost": {"excl_vat": -2.5}}  # fmt: skip
    with pytest.raises(Unconvertible, match="Credit"):
        CONVERTER.to_v211(credit)


def test_cdrs_have_no_patch() -> None:
    with pytest.raises(Unconvertible):
        CONVERTER.patch_to_v211({"remark": "x"})
    with pytest.raises(Unconvertible):
        CONVERTER.patch_from_v211({"remark": "x"}, CONTEXT)


# --- the eMSP's audit (openroam.pricing.audit, as _services/cdr_audit.py calls it) ---------


def _differences(report: Any) -> list[str]:
    """Where the audit found differences. 2.1.1 has no cost breakdown (mod_cdrs.md 3.1): a
    converted 2.1.1 CDR reports none, and is held to its total_cost (docs/pricing.md "Audit")."""
    return [difference.where for difference in report.differences]


def test_a_2_1_1_cdr_audits_ok_against_its_own_2_1_1_tariff() -> None:
    cdr = _parsed(_cdr_221())
    report = audit(cdr)  # the Tariff the CDR carries (pricing._audit.tariff_of)
    assert report.result.totals.total_cost.excl_vat == Decimal("2.5")
    assert _differences(report) == []
    # As _services/cdr_audit.py does: the Tariff held, the same 2.1.1 Tariff stored as 2.2.1.
    held = v221.Tariff.from_json(json.dumps(TARIFFS.from_v211(fresh(TARIFF_211), CONTEXT)).encode())
    assert _differences(audit(cdr, held)) == []


def test_a_tampered_2_1_1_total_cost_is_a_mismatch() -> None:
    report = audit(_parsed(CONVERTER.from_v211({**fresh(CDR_211), "total_cost": 4.5}, CONTEXT)))
    assert _differences(report) == ["total_cost.excl_vat"]


def test_without_the_2_1_1_rule_the_same_cdr_would_not_audit() -> None:
    """The Tariffs converter matters: read by 2.2.1's per-dimension rule as it is, the 2.1.1
    Tariff would price the first hour's TIME at 2.00 (2.1.1's first matching element has no
    TIME, so it is free)."""
    naive = v221.Tariff.from_json(
        json.dumps({**TARIFF_211, "country_code": "NL", "party_id": "CPO"}).encode()
    )
    report = audit(_parsed(_cdr_221()), naive)
    assert report.result.totals.total_cost.excl_vat == Decimal("4.5")
    assert "total_cost.excl_vat" in _differences(report)


def test_the_audit_compares_excl_vat_only_when_incl_vat_is_absent() -> None:
    """A 2.1.1 total_cost becomes a Price without incl_vat: only excl_vat is compared, and
    the absent incl_vat is no difference (pricing._audit: incl_vat when both have it), though
    the recomputation has an incl_vat when the Tariff has VAT."""
    cdr = _parsed(_cdr_221())
    assert cdr.total_cost.incl_vat is None
    assert not [d for d in audit(cdr).differences if "incl_vat" in d.where]


# --- round trip ---------------------------------------------------------------------------


def _kept_by_v211(cdr: Doc) -> Doc:
    kept = {k: cdr[k] for k in ("country_code", "party_id", "id", "start_date_time",
                                "end_date_time", "currency", "total_energy", "total_time",
                                "last_updated", "meter_id", "total_parking_time", "remark")
            if k in cdr}  # fmt: skip
    kept["auth_method"] = "AUTH_REQUEST" if cdr["auth_method"] == "COMMAND" else cdr["auth_method"]
    kept["cdr_token"] = cdr["cdr_token"]
    kept["cdr_location"] = cdr["cdr_location"]
    kept["total_cost"] = {"excl_vat": cdr["total_cost"]["excl_vat"]}
    periods = []
    for period in cdr["charging_periods"]:
        dims = [d for d in period["dimensions"] if d["type"] in V211_DIMENSIONS]
        if dims:
            periods.append({"start_date_time": period["start_date_time"], "dimensions": dims})
    kept["charging_periods"] = periods
    return kept


@settings(max_examples=50, derandomize=True, deadline=None)
@given(CDRS_221)
def test_round_trip_keeps_every_field_2_1_1_carries(cdr: Doc) -> None:
    assert valid(v221.CDR, cdr)
    location = location_from_cdr_location(cdr)
    as_v211 = CONVERTER.to_v211(cdr, related=Related(location=location))
    assert valid(v211.CDR, as_v211)
    context = Context(owner=Owner(cdr["country_code"], cdr["party_id"]))
    back = CONVERTER.from_v211(as_v211, context, related=Related(token=cdr["cdr_token"]))
    assert valid(v221.CDR, back)
    assert back == _kept_by_v211(cdr)
