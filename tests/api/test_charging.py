"""The CPO's session lifecycle through the backend API: start, meter values, status, stop (the
CDR), Credit CDRs; stored, priced and queued for the token's eMSP. SQLite and PostgreSQL.

Spec: mod_sessions "Session Object", "PATCH Method"; mod_cdrs "CDR Object", "Credit CDRs",
"Push model"; docs/spec-decisions.md "A repeated PATCH of charging_periods", "CDR totals add up".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import TOKENS
from openroam._store import outbox_admin
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.sessions import Session
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.types import Role
from openroam.pricing import MeterSample, audit, price, timeline_from_samples
from tests.api.conftest import RegisterPartner
from tests.api.support import connector, error_of, evse, location, token

START = datetime(2024, 11, 5, 16, 20, tzinfo=UTC)  # 17:20 in Amsterdam; the price changes at 18:00
EVENING: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "ORM",
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
                {"type": "TIME", "price": 1.00, "vat": 21, "step_size": 1},
            ]
        },
    ],
    "last_updated": "2024-01-01T00:00:00Z",
}
EMSP_TOKEN = token("04A1B2C3", country_code="DE", party_id="MSP", contract_id="DE-MSP-C1-X")


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def meter_values(first: int, count: int) -> list[dict[str, Any]]:
    """Readings every 2 minutes from START, 0.35 kWh each: reading n at START + 2n minutes."""
    return [
        {"timestamp": stamp(START + timedelta(minutes=2 * n)), "kwh": f"{Decimal('0.35') * n}"}
        for n in range(first, first + count)
    ]


def numbers(values: list[dict[str, Any]]) -> bytes:
    """The meter values as JSON with kWh as numbers written from their decimal text."""
    items = [f'{{"timestamp":"{v["timestamp"]}","kwh":{v["kwh"]}}}' for v in values]
    return b'{"meter_values":[' + ",".join(items).encode() + b"]}"


async def emsp(register_partner: RegisterPartner, node: Node) -> Caller:
    """An eMSP partner DE/MSP with Sessions and CDRs receivers, which pushed us its Token."""
    caller = await register_partner(
        "emsp",
        roles=((Role.EMSP, "DE", "MSP"),),
        endpoints=(("credentials", "SENDER"), ("sessions", "RECEIVER"), ("cdrs", "RECEIVER")),
    )
    path = ObjectPath("DE", "MSP", "04A1B2C3", (), "RFID")
    await node.roaming.receive_put(caller, TOKENS, path, orjson.dumps(EMSP_TOKEN))
    return caller


async def setup(client: httpx.AsyncClient, tariff_ids: list[str] | None = None) -> None:
    plug = connector(tariff_ids=["T1"] if tariff_ids is None else tariff_ids)
    body = location(evses=[evse(connectors=[plug])])
    assert (await client.put("/api/locations/NL/ORM/LOC1", json=body)).status_code == 201
    assert (await client.put("/api/tariffs/NL/ORM/T1", json=EVENING)).status_code == 201


def start_body(**changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "NL",
        "party_id": "ORM",
        "location_id": "LOC1",
        "evse_uid": "E1",
        "connector_id": "1",
        "auth_method": "WHITELIST",
        "token": {"country_code": "DE", "party_id": "MSP", "uid": "04A1B2C3"},
        "id": "S1",
        "start_date_time": stamp(START),
        "authorization_reference": "REF1",
    }
    return body | changes


async def queued(node: Node) -> list[tuple[int, str, str, str]]:
    # Listed, not claimed: a claim takes one row per object (docs/architecture.md, Delivery).
    async with node.db.session() as session:
        rows = await outbox_admin.list_deliveries(session, states=["pending"])
    return sorted((d.partner_id, d.module, d.method, d.path) for d in rows)


async def test_a_session_from_start_to_cdr(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    partner = await emsp(register_partner, node)
    await register_partner(
        "other-emsp",
        roles=((Role.EMSP, "BE", "OTH"),),
        endpoints=(("credentials", "SENDER"), ("sessions", "RECEIVER"), ("cdrs", "RECEIVER")),
    )
    await setup(client)
    started = await client.post("/api/sessions", json=start_body())
    assert started.status_code == 201, started.text
    session = started.json()["data"]
    assert session["status"] == "ACTIVE"
    assert session["cdr_token"] == {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "04A1B2C3",
        "type": "RFID",
        "contract_id": "DE-MSP-C1-X",
    }
    assert (session["kwh"], session["currency"]) == (0, "EUR")

    url = "/api/sessions/NL/ORM/S1"
    for first in (1, 11, 21):  # 30 readings, 17:22 .. 18:20 local, in three batches
        answer = await client.post(f"{url}/meter-values", content=numbers(meter_values(first, 10)))
        assert answer.status_code == 200, answer.text
    live = answer.json()["data"]
    assert live["kwh"] == 10.5
    assert len(live["charging_periods"]) == 1  # the one closed at 18:00; the last one is open

    stopped = await client.post(f"{url}/stop", json={})
    assert stopped.status_code == 200, stopped.text
    final, cdr = stopped.json()["data"]["session"], stopped.json()["data"]["cdr"]
    assert final["status"] == "COMPLETED"
    assert final["charging_periods"] == cdr["charging_periods"]
    assert [p["start_date_time"] for p in cdr["charging_periods"]] == [
        "2024-11-05T16:20:00Z",
        "2024-11-05T17:00:00Z",
        "2024-11-05T17:20:00Z",
    ]  # the last: parking from the last reading (18:20) to the stop (now)
    assert (cdr["id"], cdr["session_id"], cdr["authorization_reference"]) == ("S1", "S1", "REF1")
    assert cdr["cdr_location"]["evse_id"] == "NL*ORM*EE1"
    assert cdr["tariffs"][0]["id"] == "T1"

    # The stored Session is the one answered, and the CDR the eMSP's audit accepts.
    assert (await client.get(url)).json()["data"] == final
    model = CDR.model_validate_json(orjson.dumps(cdr))
    assert audit(model, zone="Europe/Amsterdam").ok
    # Only the token's eMSP is told: the Session (PUT, then changes) and one CDR POST.
    told = {(p, m, meth) for p, m, meth, _ in await queued(node)}
    assert told == {
        (partner.partner_id, "sessions", "PUT"),  # the start, and every change adding periods
        (partner.partner_id, "sessions", "PATCH"),  # kwh, total_cost, status
        (partner.partner_id, "cdrs", "POST"),
    }


async def test_cdr_totals_equal_a_recomputation_over_the_same_samples(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await emsp(register_partner, node)
    await setup(client)
    await client.post("/api/sessions", json=start_body())
    values = meter_values(1, 30)
    await client.post("/api/sessions/NL/ORM/S1/meter-values", content=numbers(values))
    end = START + timedelta(minutes=60)
    stopped = await client.post(
        "/api/sessions/NL/ORM/S1/stop", json={"end_date_time": stamp(end), "kwh": 10.5}
    )
    cdr = CDR.model_validate_json(orjson.dumps(stopped.json()["data"]["cdr"]))
    samples = [MeterSample(START, Decimal(0))] + [
        MeterSample(datetime.fromisoformat(v["timestamp"]), Decimal(v["kwh"])) for v in values
    ]
    tariff = Tariff.model_validate_json(orjson.dumps(EVENING))
    expected = price(tariff, timeline_from_samples(samples), "Europe/Amsterdam").totals
    assert cdr.total_cost == expected.total_cost
    assert cdr.total_cost.excl_vat == Decimal("3.975")
    assert (cdr.total_energy, cdr.total_time) == (Decimal("10.5"), Decimal(1))
    assert cdr.total_energy_cost == expected.total_energy_cost
    assert cdr.total_time_cost == expected.total_time_cost


async def test_the_cdr_is_immutable_and_corrected_by_a_credit_cdr(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    partner = await emsp(register_partner, node)
    await setup(client)
    await client.post("/api/sessions", json=start_body())
    await client.post("/api/sessions/NL/ORM/S1/meter-values", content=numbers(meter_values(1, 5)))
    cdr = (await client.post("/api/sessions/NL/ORM/S1/stop", json={})).json()["data"]["cdr"]
    # mod_cdrs: a CDR cannot be changed; the session is over.
    error_of(await client.post("/api/sessions/NL/ORM/S1/stop", json={}), 409, 2000)
    again = await client.post(
        "/api/sessions/NL/ORM/S1/meter-values", content=numbers(meter_values(6, 1))
    )
    error_of(again, 409, 2000)

    credit = await client.post("/api/cdrs/NL/ORM/S1/credit", json={})
    assert credit.status_code == 201, credit.text
    made = credit.json()["data"]
    assert (made["id"], made["credit"], made["credit_reference_id"]) == ("S1-C", True, "S1")
    assert made["total_cost"] == {k: -v for k, v in cdr["total_cost"].items()}
    assert made["total_energy_cost"] == cdr["total_energy_cost"]
    error_of(await client.post("/api/cdrs/NL/ORM/S1/credit", json={}), 409, 2000)
    error_of(await client.post("/api/cdrs/NL/ORM/S1-C/credit", json={}), 400, 2001)
    error_of(await client.post("/api/cdrs/NL/ORM/NOPE/credit"), 404, 2000)
    posts = [d for d in await queued(node) if d[1] == "cdrs"]
    assert posts == [
        (partner.partner_id, "cdrs", "POST", "NL/ORM/S1"),
        (partner.partner_id, "cdrs", "POST", "NL/ORM/S1-C"),
    ]


async def test_without_a_tariff_the_stop_states_the_total(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await emsp(register_partner, node)
    await setup(client, tariff_ids=[])
    error_of(await client.post("/api/sessions", json=start_body()), 400, 2001)  # no currency
    started = await client.post("/api/sessions", json=start_body(currency="EUR"))
    assert started.status_code == 201
    assert "total_cost" not in started.json()["data"]
    await client.post("/api/sessions/NL/ORM/S1/meter-values", content=numbers(meter_values(1, 3)))
    error_of(await client.post("/api/sessions/NL/ORM/S1/stop", json={}), 400, 2001)
    cost = {"excl_vat": 2.0, "incl_vat": 2.42}
    stopped = await client.post("/api/sessions/NL/ORM/S1/stop", json={"total_cost": cost})
    assert stopped.status_code == 200, stopped.text
    cdr = stopped.json()["data"]["cdr"]
    assert cdr["total_cost"] == cost
    assert "tariffs" not in cdr
    assert all("tariff_id" not in p for p in cdr["charging_periods"])


async def test_status_changes(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await emsp(register_partner, node)
    await setup(client)
    await client.post("/api/sessions", json=start_body(status="PENDING"))
    url = "/api/sessions/NL/ORM/S1/status"
    later = stamp(START + timedelta(minutes=3))
    active = await client.put(url, json={"status": "ACTIVE", "at": later})
    assert active.status_code == 200, active.text
    # mod_sessions: start_date_time becomes the moment the session became ACTIVE
    assert active.json()["data"]["start_date_time"] == later
    error_of(await client.put(url, json={"status": "COMPLETED"}), 400, 2001)
    invalid = await client.put(url, json={"status": "INVALID"})
    assert invalid.json()["data"]["status"] == "INVALID"
    error_of(await client.post("/api/sessions/NL/ORM/S1/stop", json={}), 409, 2000)


@pytest.mark.parametrize(
    ("body", "http", "code"),
    [
        (start_body(location_id="NOPE"), 404, 2000),
        (start_body(evse_uid="E9"), 400, 2001),
        (start_body(token={"country_code": "DE", "party_id": "MSP", "uid": "UNKNOWN"}), 404, 2000),
        (
            start_body(
                cdr_token={
                    "country_code": "DE",
                    "party_id": "MSP",
                    "uid": "X",
                    "type": "RFID",
                    "contract_id": "C",
                }
            ),
            400,
            2001,
        ),
        (start_body(unknown_field=1), 400, 2001),
        (start_body(auth_method="PIN"), 400, 2001),
    ],
)
async def test_start_refusals(
    client: httpx.AsyncClient,
    node: Node,
    register_partner: RegisterPartner,
    body: dict[str, Any],
    http: int,
    code: int,
) -> None:
    await emsp(register_partner, node)
    await setup(client)
    error_of(await client.post("/api/sessions", json=body), http, code)


async def test_start_with_a_cdr_token_and_lifecycle_refusals(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    await setup(client)
    cdr_token = {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "RTA1",
        "type": "APP_USER",
        "contract_id": "DE-MSP-C2-X",
    }
    body = start_body(cdr_token=cdr_token)
    del body["token"]
    assert (await client.post("/api/sessions", json=body)).status_code == 201
    error_of(await client.post("/api/sessions", json=body), 409, 2000)  # exists
    url = "/api/sessions/NL/ORM/S1/meter-values"
    error_of(await client.post(url, content=b"{not json"), 400, 2001)
    error_of(await client.post(url, json={"meter_values": []}), 400, 2001)
    error_of(
        await client.post(url, json={"meter_values": [{"timestamp": stamp(START), "kwh": -1}]}),
        400,
        2001,
    )
    ok = [{"timestamp": stamp(START + timedelta(minutes=5)), "kwh": 1}]
    assert (await client.post(url, json={"meter_values": ok})).status_code == 200
    backwards = [{"timestamp": stamp(START + timedelta(minutes=4)), "kwh": 2}]
    error_of(await client.post(url, json={"meter_values": backwards}), 400, 2001)
    error_of(
        await client.post("/api/sessions/NL/ORM/S9/meter-values", json={"meter_values": ok}),
        404,
        2000,
    )


async def test_python_api(
    node: Node, register_partner: RegisterPartner, client: httpx.AsyncClient
) -> None:
    from openroam._api import Backend
    from openroam._services.charging.service import StartRequest, TokenRef
    from openroam.models.v221.cdrs import AuthMethod

    await emsp(register_partner, node)
    await setup(client)
    backend = Backend(node)
    session = await backend.charging.start_session(
        StartRequest(
            "NL",
            "ORM",
            "LOC1",
            "E1",
            "1",
            AuthMethod.COMMAND,
            token=TokenRef("DE", "MSP", "04A1B2C3"),
            start=START,
        )
    )
    assert isinstance(session, Session)
    samples = [MeterSample(START + timedelta(minutes=m), Decimal(m) / 10) for m in (10, 50)]
    live = await backend.charging.add_meter_values("NL", "ORM", session.id, samples)
    assert live.kwh == Decimal(5)
    stopped = await backend.charging.stop_session(
        "NL", "ORM", session.id, end=START + timedelta(hours=1), kwh=Decimal(6)
    )
    assert stopped.cdr.total_energy == Decimal(6)
    stored = await backend.get_session("NL", "ORM", session.id)
    assert stored.to_dict() == stopped.session.to_dict()
    credit = await backend.charging.credit_cdr("NL", "ORM", stopped.cdr.id)
    assert credit.total_cost.excl_vat == -stopped.cdr.total_cost.excl_vat
