"""A session from the CPO's backend to the eMSP over real HTTP, priced across a tariff time
boundary, and its CDR delivered once, also when the eMSP was down.

The CPO's backend API starts a session for a Token the eMSP pushed, sends 30 meter values across
an 18:00 price change (Europe/Amsterdam) and stops it. The eMSP then holds the same Session (same
ChargingPeriods) and one CDR whose totals equal an independent recomputation with the tariff
engine over the same readings. A second session ends while the eMSP is down: its CDR arrives by
itself when the eMSP is back, and only once (mod_cdrs "Push model"; transport_and_format
"Offline behaviour").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson

from openroam.models.v221.cdrs import CDR
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample, price, timeline_from_samples
from tests.e2e.nodes import NodeConfig, admin_api, eventually, running, running_together
from tests.e2e.test_roaming import ADMIN, _register, _theirs, _token, pair

__all__ = ["pair"]  # the fixture, shared with test_roaming

START = datetime(2024, 11, 5, 16, 20, tzinfo=UTC)  # 17:20 in Amsterdam
EVENING: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.35, "vat": 21, "step_size": 1}],
            "restrictions": {"start_time": "18:00", "end_time": "00:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.25, "vat": 21, "step_size": 1},
                {"type": "TIME", "price": 1.00, "vat": 21, "step_size": 60},
            ]
        },
    ],
    "last_updated": "2024-01-01T00:00:00Z",
}


def _location() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "LOC1",
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": "E1",
                "evse_id": "NL*CPO*E1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "tariff_ids": ["T1"],
                        "last_updated": "2024-01-01T00:00:00Z",
                    }
                ],
                "last_updated": "2024-01-01T00:00:00Z",
            }
        ],
        "last_updated": "2024-01-01T00:00:00Z",
    }


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _readings(start: datetime) -> list[MeterSample]:
    """30 readings every 2 minutes, 0.35 kWh each, 16 A: across 18:00 local for START."""
    return [
        MeterSample(start + timedelta(minutes=2 * n), Decimal("0.35") * n, current=Decimal(16))
        for n in range(1, 31)
    ]


def _meter_values_body(samples: list[MeterSample]) -> bytes:
    # kWh as JSON numbers written from their decimal text, as a backend sends them.
    items = [
        f'{{"timestamp":"{_stamp(s.timestamp)}","kwh":{s.energy_kwh},"current":{s.current}}}'
        for s in samples
    ]
    return b'{"meter_values":[' + ",".join(items).encode() + b"]}"


def _charge(cpo: NodeConfig, session_id: str, start: datetime) -> list[MeterSample]:
    """Start, 30 meter values (in three requests), stop 60 minutes after the start."""
    body = {
        "country_code": "NL",
        "party_id": "CPO",
        "location_id": "LOC1",
        "evse_uid": "E1",
        "connector_id": "1",
        "auth_method": "WHITELIST",
        "token": {"country_code": "DE", "party_id": "MSP", "uid": "0123456789"},
        "id": session_id,
        "start_date_time": _stamp(start),
    }
    admin_api(cpo, "POST", "sessions", body)
    samples = _readings(start)
    url = f"sessions/NL/CPO/{session_id}"
    for first in (0, 10, 20):
        _raw(cpo, f"{url}/meter-values", _meter_values_body(samples[first : first + 10]))
    admin_api(cpo, "POST", f"{url}/stop", {"end_date_time": _stamp(samples[-1].timestamp)})
    return samples


def _raw(node: NodeConfig, path: str, content: bytes) -> None:
    response = httpx.post(
        f"{node.base_url}/api/{path}",
        content=content,
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _recomputed(start: datetime, samples: list[MeterSample]) -> Any:
    tariff = Tariff.model_validate_json(orjson.dumps(EVENING))
    timeline = timeline_from_samples([MeterSample(start, Decimal(0)), *samples])
    return price(tariff, timeline, "Europe/Amsterdam").totals


def _events(node: NodeConfig, kind: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = admin_api(node, "GET", f"events?type={kind}&limit=1000").json()[
        "data"
    ]
    return events


def _cdrs(emsp: NodeConfig) -> list[dict[str, Any]]:
    return _theirs(emsp, "cpo", "cdrs")


def test_a_session_priced_across_18_00_and_its_cdr_delivered_once(
    pair: tuple[NodeConfig, NodeConfig, Path],
) -> None:
    cpo, emsp, logs = pair
    with running_together((cpo, emsp), logs) as nodes:
        _register(cpo, emsp)
        admin_api(cpo, "PUT", "tariffs/NL/CPO/T1", EVENING)
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1", _location())
        admin_api(emsp, "PUT", "tokens/DE/MSP/0123456789?type=RFID", _token("0123456789"))
        eventually("the token at the CPO", lambda: len(_theirs(cpo, "emsp", "tokens")) == 1)
        # The eMSP audits each CDR with the Tariff and the Location (its time zone) it holds;
        # both are pushed right after registration, so wait until they are there.
        eventually(
            "the Tariff and the Location at the eMSP",
            lambda: (
                len(_theirs(emsp, "cpo", "tariffs")) == 1
                and len(_theirs(emsp, "cpo", "locations")) == 1
            ),
        )

        samples = _charge(cpo, "S1", START)
        ours = admin_api(cpo, "GET", "sessions/NL/CPO/S1").json()["data"]
        assert ours["status"] == "COMPLETED"
        assert len(ours["charging_periods"]) == 2  # split at 18:00 local
        eventually(
            "the same Session at the eMSP",
            lambda: _theirs(emsp, "cpo", "sessions") == [ours],
        )
        eventually("the CDR at the eMSP", lambda: len(_cdrs(emsp)) == 1)
        cdr = CDR.model_validate_json(orjson.dumps(_cdrs(emsp)[0]))
        expected = _recomputed(START, samples)
        assert cdr.total_cost == expected.total_cost
        assert cdr.total_energy == expected.total_energy == Decimal("10.5")
        assert cdr.total_time == expected.total_time
        assert cdr.total_energy_cost == expected.total_energy_cost
        assert cdr.total_time_cost == expected.total_time_cost
        # The CDR's periods are the Session's: one split at 18:00 local.
        assert cdr.to_dict()["charging_periods"] == ours["charging_periods"]
        # The eMSP's own automatic audit (with the Tariff it holds) agrees.
        received = _events(emsp, "cdr.received")
        audits = [e["data"]["audit"] for e in received]
        assert [audit["status"] for audit in audits] == ["ok"], audits
        nodes.stop(emsp)

        # The eMSP is down while a second session ends and its CDR is produced.
        later = START + timedelta(days=1)
        samples2 = _charge(cpo, "S2", later)

        with running(emsp, logs):
            eventually("both CDRs at the eMSP", lambda: len(_cdrs(emsp)) == 2)
            cdrs = {c["id"]: c for c in _cdrs(emsp)}
            assert sorted(cdrs) == ["S1", "S2"]  # each once
            second = CDR.model_validate_json(orjson.dumps(cdrs["S2"]))
            assert second.total_cost == _recomputed(later, samples2).total_cost
            assert _events(emsp, "cdr.price_mismatch") == []
            ours2 = admin_api(cpo, "GET", "sessions/NL/CPO/S2").json()["data"]
            eventually(
                "the second Session at the eMSP",
                lambda: ours2 in _theirs(emsp, "cpo", "sessions"),
            )
