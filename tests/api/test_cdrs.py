"""CDRs through the backend API and the Python API: hand over a final own CDR, read own and
partners' CDRs with filters, see where each own CDR was delivered (mod_cdrs). SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson
import pytest

from openroam._api import Backend
from openroam._services.node import Node
from openroam._store import cdr_receipts
from openroam._store import object_repo as objects
from openroam.errors import ClientError
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import cdr, credit_of, data_of, error_of, without

STORED_AT = "https://emsp.example.com/ocpi/2.2.1/cdrs/77"


async def _emsp(register_partner: RegisterPartner, name: str = "emsp") -> int:
    endpoints = (("credentials", "SENDER"), ("cdrs", "RECEIVER"))
    caller = await register_partner(name, roles=((Role.EMSP, "DE", "MSP"),), endpoints=endpoints)
    return caller.partner_id


async def test_post_stores_an_own_cdr_and_names_its_receiver(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    # mod_cdrs "Push model": the CDR goes to the eMSP of its token only.
    await _emsp(register_partner)
    body = cdr()
    data = data_of(await client.post("/api/cdrs", json=body), 201)
    assert data == {
        "created": True,
        "country_code": "NL",
        "party_id": "ORM",
        "id": "CDR1",
        "last_updated": body["last_updated"],
        "receivers": ["emsp"],
    }
    assert data_of(await client.get("/api/cdrs/nl/orm/cdr1")) == body
    listed = (await client.get("/api/cdrs")).json()
    assert listed == {"data": [body], "total": 1}


async def test_a_second_post_of_an_id_is_refused_with_409(client: httpx.AsyncClient) -> None:
    # mod_cdrs "Flow and Lifecycle": a CDR cannot be changed or replaced; "Credit CDRs".
    body = cdr()
    data_of(await client.post("/api/cdrs", json=body), 201)
    for again in (body, body | {"total_energy": 20}):
        assert "Credit CDR" in error_of(await client.post("/api/cdrs", json=again), 409, 2000)
    assert data_of(await client.get("/api/cdrs/NL/ORM/CDR1")) == body
    credit = credit_of(body)
    data_of(await client.post("/api/cdrs", json=credit), 201)
    assert (await client.get("/api/cdrs")).json()["data"] == [body, credit]


async def test_post_errors(client: httpx.AsyncClient) -> None:
    assert "$.cdr_token" in error_of(
        await client.post("/api/cdrs", json=without(cdr(), "cdr_token")), 400, 2001
    )
    error_of(await client.post("/api/cdrs", content=b"{no json"), 400, 2001)
    # Only the node's CPO parties own CDRs here.
    error_of(await client.post("/api/cdrs", json=cdr(owner=("DE", "XXX"))), 404, 2000)
    error_of(await client.get("/api/cdrs/NL/ORM/NOPE"), 404, 2000)
    error_of(await client.get(f"/api/cdrs/NL/ORM/{'X' * 40}"), 400, 2001)
    error_of(await client.put("/api/cdrs/NL/ORM/CDR1", json=cdr()), 405, 2000)


async def test_post_fills_in_last_updated(client: httpx.AsyncClient) -> None:
    data = data_of(await client.post("/api/cdrs", json=without(cdr(), "last_updated")), 201)
    stored = data_of(await client.get("/api/cdrs/NL/ORM/CDR1"))
    assert stored["last_updated"] == data["last_updated"]


async def test_own_cdrs_filtered_by_date(client: httpx.AsyncClient) -> None:
    # transport_and_format "Pagination": date_from inclusive, date_to exclusive.
    for number, stamp in enumerate(("2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z"), start=1):
        await client.post("/api/cdrs", json=cdr(f"CDR{number}", last_updated=stamp))
    window = {"date_from": "2026-01-02T10:00:00Z", "date_to": "2026-01-03T00:00:00Z"}
    answer = (await client.get("/api/cdrs", params=window)).json()
    assert [c["id"] for c in answer["data"]] == ["CDR2"]
    before = (await client.get("/api/cdrs", params={"date_to": "2026-01-02T10:00:00Z"})).json()
    assert [c["id"] for c in before["data"]] == ["CDR1"]


async def test_deliveries_show_the_location_each_receiver_answered(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    # mod_cdrs "Response Headers": the Location of the CDR in the eMSP's system is kept.
    partner_id = await _emsp(register_partner)
    await client.post("/api/cdrs", json=cdr())
    assert data_of(await client.get("/api/cdrs/NL/ORM/CDR1/deliveries")) == []
    async with node.db.session() as session, session.begin():
        stored = await objects.get_object(session, "cdrs", objects.OWN, "NL", "ORM", "CDR1")
        assert stored is not None
        at = datetime(2026, 1, 1, 11, tzinfo=UTC)
        await cdr_receipts.save_receipt(session, stored, partner_id, STORED_AT, at)
    assert data_of(await client.get("/api/cdrs/NL/ORM/CDR1/deliveries")) == [
        {"partner": "emsp", "location": STORED_AT, "delivered_at": "2026-01-01T11:00:00Z"}
    ]
    error_of(await client.get("/api/cdrs/NL/ORM/NOPE/deliveries"), 404, 2000)


async def test_partners_cdrs_are_read_per_partner(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    cpo = await register_partner("cpo", roles=((Role.CPO, "DE", "CPO"),))
    other = await register_partner("other", roles=((Role.CPO, "BE", "CPO"),))
    body = cdr("P1", ("DE", "CPO"), ("NL", "ORM"))
    await node.cdrs.receive_post(cpo, orjson.dumps(body))
    await node.cdrs.receive_post(other, orjson.dumps(cdr("P2", ("BE", "CPO"), ("NL", "ORM"))))
    assert (await client.get("/api/partners/cpo/cdrs")).json() == {"data": [body], "total": 1}
    assert data_of(await client.get("/api/partners/cpo/cdrs/DE/CPO/P1")) == body
    error_of(await client.get("/api/partners/other/cdrs/DE/CPO/P1"), 404, 2000)
    later = {"date_from": "2026-01-01T10:00:01Z"}
    assert (await client.get("/api/partners/cpo/cdrs", params=later)).json()["total"] == 0


async def test_python_api(node: Node, register_partner: RegisterPartner) -> None:
    backend = Backend(node)
    partner_id = await _emsp(register_partner)
    model = CDR.model_validate_json(orjson.dumps(cdr()))
    posted = await backend.post_cdr(model)
    assert (posted.created, posted.receivers) == (True, (partner_id,))
    with pytest.raises(ClientError):
        await backend.post_cdr(model)
    assert await backend.get_cdr("NL", "ORM", "CDR1") == model
    listing = await backend.list_cdrs(date_from="2026-01-01T10:00:00Z")
    assert (listing.items, listing.total) == ([model], 1)
    assert await backend.cdr_deliveries("NL", "ORM", "CDR1") == []

    cpo = await register_partner("cpo", roles=((Role.CPO, "DE", "CPO"),))
    theirs = cdr("P1", ("DE", "CPO"), ("NL", "ORM"))
    await node.cdrs.receive_post(cpo, orjson.dumps(theirs))
    received = await backend.get_cdr("DE", "CPO", "P1", partner="cpo")
    assert received.to_dict() == theirs
    assert (await backend.list_cdrs(partner="cpo")).total == 1
