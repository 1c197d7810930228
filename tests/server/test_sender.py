"""Our Sender interfaces (mod_locations, mod_tariffs, mod_tokens "Sender Interface"): partners
GET our own Locations (with their EVSEs and Connectors), Tariffs and Tokens; every answer names
the parties in the routing headers (transport_and_format "Message Routing"). SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.types import Role
from tests.api.support import connector, evse
from tests.server.roaming_support import (
    JSON,
    SQLITE_ONLY,
    Party,
    Roaming,
    location,
    open_roaming,
    receiver_url,
    sender_url,
    tariff,
    token,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of, token_header

T1 = "2026-01-01T11:00:00Z"
ROUTING = (
    "ocpi-from-country-code",
    "ocpi-from-party-id",
    "ocpi-to-country-code",
    "ocpi-to-party-id",
)


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner, cpo_parties=2) as setup:
        yield setup


def routing(response: httpx.Response) -> tuple[Party, Party]:
    """(OCPI-from, OCPI-to) of an answer."""
    values = [response.headers.get(name) for name in ROUTING]
    assert None not in values, dict(response.headers)
    return (values[0], values[1]), (values[2], values[3])


def to_headers(party: Party) -> dict[str, str]:
    return {"OCPI-to-country-code": party[0], "OCPI-to-party-id": party[1]}


def from_headers(party: Party) -> dict[str, str]:
    return {"OCPI-from-country-code": party[0], "OCPI-from-party-id": party[1]}


def data_of(response: httpx.Response) -> Any:
    return envelope_of(response, 200, 1000)["data"]


def second_cpo(roaming: Roaming) -> Party:
    party = next(
        p
        for p in roaming.node.platform.parties
        if p.role == Role.CPO and (p.country_code, p.party_id) != roaming.cpo
    )
    return party.country_code, party.party_id


async def test_list_returns_only_our_own_objects(roaming: Roaming) -> None:
    """mod_locations/mod_tariffs/mod_tokens "Sender Interface" (mod_locations Sender "GET
    Method"; T&F "Paginated Response"): the list holds the objects we own — not those partners
    pushed to our Receiver interface."""
    ours = {
        "locations": location(roaming.cpo, "OWN1"),
        "tariffs": tariff(roaming.cpo, "OWN1"),
        "tokens": token(roaming.emsp, "OWN1"),
    }
    theirs = {
        "locations": location(roaming.partner_cpo, "THEIRS1"),
        "tariffs": tariff(roaming.partner_cpo, "THEIRS1"),
        "tokens": token(roaming.partner_emsp, "THEIRS1"),
    }
    for module, document in ours.items():
        await roaming.own_put(module, document)
    for module, document in theirs.items():
        key = "uid" if module == "tokens" else "id"
        url = receiver_url(module, (document["country_code"], document["party_id"]), document[key])
        envelope_of(await roaming.put(url, document), 201, 1000)
    for module, document in ours.items():
        response = await roaming.get(sender_url(module))
        assert data_of(response) == [document], module
        assert response.headers["x-total-count"] == "1", module


async def test_get_location_evse_and_connector(roaming: Roaming) -> None:
    """mod_locations "Sender Interface, GET Object": /{location_id}, /{location_id}/{evse_uid}
    and /{location_id}/{evse_uid}/{connector_id} return that Location, EVSE or Connector
    (mod_locations Sender "GET Method"); ids are CiStrings (types.asciidoc "CiString":
    case-insensitive)."""
    second = evse("E2", connectors=[connector("1"), connector("2", max_amperage=16)])
    document = location(roaming.cpo, "LOC1", evses=[evse(), second])
    await roaming.own_put("locations", document)
    cases = [
        (("LOC1",), document),
        (("loc1",), document),
        (("LOC1", "E2"), second),
        (("Loc1", "e2"), second),
        (("LOC1", "E2", "2"), second["connectors"][1]),
        (("LOC1", "E1", "1"), document["evses"][0]["connectors"][0]),
    ]
    for ids, expected in cases:
        response = await roaming.get(sender_url("locations", *ids))
        assert set(envelope_of(response, 200, 1000)) == {"data", "status_code", "timestamp"}
        assert data_of(response) == expected, ids


async def test_unknown_object_is_404(roaming: Roaming) -> None:
    """status_codes.asciidoc (introduction): GET of an object that does not exist → HTTP 404
    with an envelope — an unknown Location, EVSE or Connector, and a partner's Location (not
    ours)."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    pushed = location(roaming.partner_cpo, "THEIRS1")
    envelope_of(
        await roaming.put(receiver_url("locations", roaming.partner_cpo, "THEIRS1"), pushed),
        201,
        1000,
    )
    for ids in (("NOPE",), ("LOC1", "E9"), ("LOC1", "E1", "9"), ("NOPE", "E1"), ("THEIRS1",)):
        response = await roaming.get(sender_url("locations", *ids))
        body = envelope_of(response, 404, 2000)
        assert set(body) == {"status_code", "status_message", "timestamp"}, ids


async def test_connector_change_moves_parents_and_date_filtered_list_returns_the_location(
    roaming: Roaming,
) -> None:
    """mod_locations "GET List": a change of a Connector updates the EVSE's and the Location's
    last_updated, so a date_from GET returns the Location (mod_locations "Location Object" and
    "EVSE Object": last_updated covers the children)."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    await roaming.own_put("locations", location(roaming.cpo, "LOC2"))
    path = ObjectPath(*roaming.cpo, "LOC1", ("E1", "1"))
    body = orjson.dumps({"max_amperage": 16, "last_updated": T1})
    await roaming.node.roaming.own_patch(LOCATIONS, path, body)
    response = await roaming.get(sender_url("locations"), params={"date_from": T1})
    [changed] = data_of(response)
    assert changed["id"] == "LOC1"
    assert changed["last_updated"] == changed["evses"][0]["last_updated"] == T1
    assert changed["evses"][0]["connectors"][0] == connector(max_amperage=16, last_updated=T1)


@SQLITE_ONLY
async def test_answers_carry_routing_headers(roaming: Roaming) -> None:
    """T&F "Message Routing Headers": functional-module answers carry OCPI-from (the answering
    party: ours, of the module's role) and OCPI-to (the requesting partner) — Sender lists and
    objects, Receiver GET/PUT/PATCH/DELETE (T&F "Party to Party (without Hub)")."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    partner_party = roaming.partner_cpo
    pushed_location = location(partner_party, "THEIRS1")
    pushed_tariff = tariff(partner_party, "THEIRS1")
    pushed_token = token(roaming.partner_emsp, "THEIRS1")
    loc_url = receiver_url("locations", partner_party, "THEIRS1")
    tariff_url = receiver_url("tariffs", partner_party, "THEIRS1")
    token_url = receiver_url("tokens", roaming.partner_emsp, "THEIRS1")
    answers = [
        (roaming.cpo, await roaming.get(sender_url("locations"))),
        (roaming.cpo, await roaming.get(sender_url("tariffs"))),
        (roaming.emsp, await roaming.get(sender_url("tokens"))),
        (roaming.cpo, await roaming.get(sender_url("locations", "LOC1"))),
        (roaming.cpo, await roaming.get(sender_url("locations", "LOC1", "E1"))),
        (roaming.cpo, await roaming.get(sender_url("locations", "LOC1", "E1", "1"))),
        (roaming.emsp, await roaming.put(loc_url, pushed_location)),
        (roaming.emsp, await roaming.patch(loc_url, {"name": "x", "last_updated": T1})),
        (roaming.emsp, await roaming.get(loc_url)),
        (roaming.emsp, await roaming.put(tariff_url, pushed_tariff)),
        (roaming.emsp, await roaming.client.delete(tariff_url, headers=roaming.auth)),
        (roaming.cpo, await roaming.put(token_url, pushed_token)),
        (roaming.cpo, await roaming.get(token_url)),
    ]
    for ours, response in answers:
        assert response.status_code in (200, 201), response.text
        assert routing(response) == (ours, partner_party), response.request.url


@SQLITE_ONLY
async def test_error_answers_carry_routing_headers(roaming: Roaming) -> None:
    """T&F "Message Routing Headers": the headers SHALL be used on any request/response of a
    Functional Module — a 404 or 2001 answer too, or a Hub could not route it back."""
    partner_party = roaming.partner_cpo
    loc_url = receiver_url("locations", partner_party, "THEIRS1")
    envelope_of(await roaming.put(loc_url, location(partner_party, "THEIRS1")), 201, 1000)
    errors = [
        (roaming.cpo, await roaming.get(sender_url("locations", "NOPE")), 404, 2000),
        (
            roaming.emsp,
            await roaming.get(receiver_url("locations", partner_party, "NOPE")),
            404,
            2000,
        ),
        (roaming.emsp, await roaming.patch(loc_url, {"name": "no last_updated"}), 200, 2001),
        (
            roaming.cpo,
            await roaming.get(sender_url("locations"), params={"offset": "-1"}),
            200,
            2001,
        ),
    ]
    for ours, response, http_status, status_code in errors:
        envelope_of(response, http_status, status_code)
        assert routing(response) == (ours, partner_party), response.request.url


@SQLITE_ONLY
async def test_request_routing_headers_are_honoured(roaming: Roaming) -> None:
    """T&F "Message Routing", "Party to Party (without Hub)": the answer goes FROM the party
    the request was sent TO, and TO the party it came FROM — here one of our two CPO parties,
    and the partner's second CPO party; header values are CiStrings (case-insensitive)."""
    first, second = roaming.cpo, second_cpo(roaming)
    await roaming.own_put("locations", location(first, "LOC1"))
    requester = roaming.partner_emsp
    for ours in (first, second, (second[0].lower(), second[1].lower())):
        spelled = first if ours == first else second
        headers = roaming.auth | to_headers(ours) | from_headers(requester)
        for url in (sender_url("locations"), sender_url("tariffs")):
            response = await roaming.client.get(url, headers=headers)
            envelope_of(response, 200, 1000)
            assert routing(response) == (spelled, requester), (ours, url)
    headers = roaming.auth | to_headers(roaming.emsp) | from_headers(roaming.partner_cpo2)
    pushed = location(roaming.partner_cpo2, "THEIRS1")
    response = await roaming.client.put(
        receiver_url("locations", roaming.partner_cpo2, "THEIRS1"),
        content=orjson.dumps(pushed),
        headers=headers | JSON,
    )
    envelope_of(response, 201, 1000)
    assert routing(response) == (roaming.emsp, roaming.partner_cpo2)


async def test_a_request_to_one_of_our_parties_gets_that_partys_objects(roaming: Roaming) -> None:
    """T&F "Message Routing": the headers address parties, not platforms. A platform hosting two
    CPOs answers a GET sent TO one of them with that party's Locations only (list and object);
    without OCPI-to the whole platform answers (both parties' objects)."""
    first, second = roaming.cpo, second_cpo(roaming)
    await roaming.own_put("locations", location(first, "LOC1"))
    await roaming.own_put("locations", location(second, "LOC2"))
    both = await roaming.get(sender_url("locations"))
    assert [item["id"] for item in data_of(both)] == ["LOC1", "LOC2"]
    for ours, own_id, other_id in ((first, "LOC1", "LOC2"), (second, "LOC2", "LOC1")):
        headers = roaming.auth | to_headers(ours)
        response = await roaming.client.get(sender_url("locations"), headers=headers)
        assert [item["id"] for item in data_of(response)] == [own_id], ours
        assert response.headers["x-total-count"] == "1"
        response = await roaming.client.get(sender_url("locations", own_id), headers=headers)
        assert data_of(response)["id"] == own_id
        response = await roaming.client.get(sender_url("locations", other_id), headers=headers)
        envelope_of(response, 404, 2000)


@SQLITE_ONLY
async def test_token_a_and_unknown_partners_are_401(roaming: Roaming) -> None:
    """transport_and_format "Authorization header": token A on a functional module, or a token
    of no (longer) registered party → HTTP 401 on every Sender route."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    token_a = await roaming.node.credentials.invite(
        f"invited-{unique_party_id()}", grants=[Grant(Role.EMSP, "DE", unique_party_id())]
    )
    _, auth = await roaming.register([(Role.EMSP, ("DE", unique_party_id()))])
    envelope_of(await roaming.client.delete("/ocpi/2.2.1/credentials", headers=auth), 200, 1000)
    urls = [
        sender_url("locations"),
        sender_url("tariffs"),
        sender_url("tokens"),
        sender_url("locations", "LOC1"),
        sender_url("locations", "LOC1", "E1"),
        sender_url("locations", "LOC1", "E1", "1"),
    ]
    for headers in (token_header(token_a), auth):
        for url in urls:
            response = await roaming.client.get(url, headers=headers)
            body = envelope_of(response, 401, 2000)
            assert "data" not in body, url
