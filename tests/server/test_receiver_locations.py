"""Our Locations Receiver interface (mod_locations "Receiver Interface"; transport_and_format
"Client Owned Object Push"): a CPO partner PUTs and PATCHes its Locations, EVSEs and Connectors
to ``/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]``. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.errors import NotFound
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
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of, token_header

T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"
T3 = "2026-01-01T13:00:00Z"
T4 = "2026-01-01T14:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def url(roaming: Roaming, *ids: str, party: Party | None = None) -> str:
    return receiver_url("locations", party or roaming.partner_cpo, *ids)


async def stored(roaming: Roaming, *ids: str, party: Party | None = None) -> Any:
    """The object as our Receiver GET returns it (``data``), after asserting 200/1000."""
    response = await roaming.get(url(roaming, *ids, party=party))
    return envelope_of(response, 200, 1000)["data"]


async def assert_not_stored(roaming: Roaming, origin: int, party: Party, *ids: str) -> None:
    """Nothing under this owner and id, read through the service (as the backend API reads)."""
    path = ObjectPath(*party, ids[0], ids[1:])
    with pytest.raises(NotFound):
        await roaming.node.roaming.read(origin, LOCATIONS, path)


async def test_put_new_location_is_201_and_replace_is_200(roaming: Roaming) -> None:
    """status_codes.asciidoc: a PUT that creates → HTTP 201, one that replaces → HTTP 200; GET
    returns the object as stored (mod_locations Receiver "PUT Method"). A PUT replaces the
    whole object: an optional field it omits is gone (transport_and_format "PUT")."""
    first = location(roaming.partner_cpo, name="Station", postal_code="3511")
    response = await roaming.put(url(roaming, "LOC1"), first)
    assert set(envelope_of(response, 201, 1000)) == {"status_code", "timestamp"}
    assert await stored(roaming, "LOC1") == first
    second = location(roaming.partner_cpo, city="Amersfoort", last_updated=T1)
    envelope_of(await roaming.put(url(roaming, "LOC1"), second), 200, 1000)
    assert await stored(roaming, "LOC1") == second


async def test_put_evse_and_connector_create_or_replace_them(roaming: Roaming) -> None:
    """mod_locations "PUT": at EVSE or Connector depth a PUT adds the object when its id is new
    (201) and replaces it otherwise (200); each is then served at its own URL."""
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    new_evse = evse("E2", status="CHARGING", last_updated=T1)
    envelope_of(await roaming.put(url(roaming, "LOC1", "E2"), new_evse), 201, 1000)
    assert await stored(roaming, "LOC1", "E2") == new_evse
    assert [e["uid"] for e in (await stored(roaming, "LOC1"))["evses"]] == ["E1", "E2"]
    replaced = evse("E2", status="AVAILABLE", last_updated=T2)
    envelope_of(await roaming.put(url(roaming, "LOC1", "E2"), replaced), 200, 1000)
    assert await stored(roaming, "LOC1", "E2") == replaced
    new_connector = connector("2", max_amperage=16, last_updated=T3)
    envelope_of(await roaming.put(url(roaming, "LOC1", "E2", "2"), new_connector), 201, 1000)
    assert await stored(roaming, "LOC1", "E2", "2") == new_connector
    envelope_of(await roaming.put(url(roaming, "LOC1", "E2", "2"), new_connector), 200, 1000)
    assert len((await stored(roaming, "LOC1", "E2"))["connectors"]) == 2


async def test_put_or_patch_of_evse_or_connector_moves_parents_last_updated(
    roaming: Roaming,
) -> None:
    """mod_locations "PUT"/"PATCH": on a Connector the Receiver SHALL set the new last_updated on
    the parent EVSE and Location; on an EVSE, on the parent Location."""
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    steps = [
        (roaming.put, ("LOC1", "E1", "1"), connector(last_updated=T1), (T1, T1, T1)),
        (roaming.patch, ("LOC1", "E1"), {"status": "CHARGING", "last_updated": T2}, (T2, T2, T1)),
        (roaming.patch, ("LOC1", "E1", "1"), {"max_amperage": 16, "last_updated": T3}, (T3,) * 3),
        (roaming.put, ("LOC1", "E1"), evse(last_updated=T4), (T4, T4, "2026-01-01T10:00:00Z")),
    ]
    for send, ids, body, (at_location, at_evse, at_connector) in steps:
        envelope_of(await send(url(roaming, *ids), body), 200, 1000)
        document = await stored(roaming, "LOC1")
        assert document["last_updated"] == at_location, ids
        assert document["evses"][0]["last_updated"] == at_evse, ids
        assert document["evses"][0]["connectors"][0]["last_updated"] == at_connector, ids


async def test_patch_updates_only_the_given_fields(roaming: Roaming) -> None:
    """transport_and_format "PATCH"; mod_locations location_patch_example_status: a PATCH changes
    the fields it carries and leaves all others as they were (mod_locations Receiver "PATCH
    Method")."""
    original = location(roaming.partner_cpo, name="Station")
    envelope_of(await roaming.put(url(roaming, "LOC1"), original), 201, 1000)
    patch = {"status": "CHARGING", "last_updated": T1}
    response = await roaming.patch(url(roaming, "LOC1", "E1"), patch)
    assert set(envelope_of(response, 200, 1000)) == {"status_code", "timestamp"}
    envelope_of(
        await roaming.patch(url(roaming, "LOC1"), {"name": "New", "last_updated": T2}), 200, 1000
    )
    expected = location(
        roaming.partner_cpo,
        name="New",
        last_updated=T2,
        evses=[evse(status="CHARGING", last_updated=T1)],
    )
    assert await stored(roaming, "LOC1") == expected


async def test_patch_without_last_updated_is_2001(roaming: Roaming) -> None:
    """status_codes.asciidoc 2001, mod_locations "PATCH": every PATCH SHALL contain
    last_updated; at every depth, and nothing changes."""
    original = location(roaming.partner_cpo)
    envelope_of(await roaming.put(url(roaming, "LOC1"), original), 201, 1000)
    for ids in (("LOC1",), ("LOC1", "E1"), ("LOC1", "E1", "1")):
        body = envelope_of(await roaming.patch(url(roaming, *ids), {"name": "x"}), 200, 2001)
        assert "$.last_updated" in body["status_message"], ids
    assert await stored(roaming, "LOC1") == original


async def test_patch_of_unknown_object_is_404_and_creates_nothing(roaming: Roaming) -> None:
    """transport_and_format "PATCH": a PATCH of an object the receiver does not have fails (the
    client then PUTs it); it creates nothing — not the Location, not an EVSE or Connector."""
    patch = {"status": "CHARGING", "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "NOPE"), patch), 404, 2000)
    envelope_of(await roaming.patch(url(roaming, "NOPE", "E1"), patch), 404, 2000)
    envelope_of(await roaming.get(url(roaming, "NOPE")), 404, 2000)
    await assert_not_stored(roaming, roaming.partner_id, roaming.partner_cpo, "NOPE")
    original = location(roaming.partner_cpo)
    envelope_of(await roaming.put(url(roaming, "LOC1"), original), 201, 1000)
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E9"), patch), 404, 2000)
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E1", "9"), patch), 404, 2000)
    envelope_of(await roaming.get(url(roaming, "LOC1", "E9")), 404, 2000)
    assert await stored(roaming, "LOC1") == original


async def test_put_evse_of_unknown_location_is_refused(roaming: Roaming) -> None:
    """mod_locations "add an EVSE" leaves an unknown parent unspecified (docs/spec-decisions.md
    "EVSE or Connector PUT under an unknown parent"): we answer 404 so the CPO PUTs the Location
    first, and store nothing."""
    envelope_of(await roaming.put(url(roaming, "NOPE", "E1"), evse()), 404, 2000)
    envelope_of(await roaming.put(url(roaming, "NOPE", "E1", "1"), connector()), 404, 2000)
    await assert_not_stored(roaming, roaming.partner_id, roaming.partner_cpo, "NOPE")


async def test_url_id_differs_from_body_id_is_2001(roaming: Roaming) -> None:
    """transport_and_format "Errors" (under "Client Owned Object Push"): URL object_id ≠ the id
    in the body → 2001, at every depth; nothing is stored."""
    cases = [
        (("LOC2",), location(roaming.partner_cpo, "LOC1")),
        (("LOC1", "E2"), evse("E1")),
        (("LOC1", "E1", "2"), connector("1")),
    ]
    original = location(roaming.partner_cpo, "LOC1")
    envelope_of(await roaming.put(url(roaming, "LOC1"), original), 201, 1000)
    for ids, body in cases:
        envelope = envelope_of(await roaming.put(url(roaming, *ids), body), 200, 2001)
        assert "differs from the URL" in envelope["status_message"], ids
    patch = {"uid": "E2", "status": "CHARGING", "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E1"), patch), 200, 2001)
    envelope_of(await roaming.get(url(roaming, "LOC2")), 404, 2000)
    assert await stored(roaming, "LOC1") == original


async def test_url_country_code_or_party_id_differs_from_body_is_2001(roaming: Roaming) -> None:
    """mod_locations "PUT" request parameters: the URL's country_code and party_id SHALL equal
    the object's — even when both parties are the partner's own; nothing stored."""
    other_country = location(("FR", roaming.partner_cpo[1]))
    other_party = location(roaming.partner_cpo2)
    for body in (other_country, other_party):
        envelope = envelope_of(await roaming.put(url(roaming, "LOC1"), body), 200, 2001)
        assert "in the body differs from the URL" in envelope["status_message"]
    for party in (roaming.partner_cpo, roaming.partner_cpo2, ("FR", roaming.partner_cpo[1])):
        await assert_not_stored(roaming, roaming.partner_id, party, "LOC1")


async def test_every_registered_role_is_an_owner_prefix(roaming: Roaming) -> None:
    """credentials.asciidoc "CredentialsRole class"; transport_and_format "Client Owned Object
    Push": each of the client's CredentialsRoles is a country_code/party_id it may push under."""
    for party in (roaming.partner_cpo, roaming.partner_cpo2):
        document = location(party)
        envelope_of(await roaming.put(url(roaming, "LOC1", party=party), document), 201, 1000)
        assert await stored(roaming, "LOC1", party=party) == document


async def test_push_under_a_party_the_client_did_not_register_is_refused(roaming: Roaming) -> None:
    """transport_and_format "Errors": a URL country_code/party_id that is not one of the client's
    CredentialsRoles may be answered 404, and nothing is changed — another
    partner's party, our own party, a party nobody registered; PUT, PATCH and GET alike."""
    other_party = ("DE", unique_party_id())
    other_id, other_auth = await roaming.register([(Role.CPO, other_party)])
    theirs = location(other_party)
    envelope_of(
        await roaming.put(url(roaming, "LOC1", party=other_party), theirs, other_auth), 201, 1000
    )
    for party in (other_party, roaming.cpo, ("DE", unique_party_id())):
        forged = location(party, name="forged", last_updated=T1)
        envelope_of(await roaming.put(url(roaming, "LOC1", party=party), forged), 404, 2000)
        envelope_of(
            await roaming.put(url(roaming, "LOC9", party=party), location(party, "LOC9")), 404, 2000
        )
        patch = {"name": "forged", "last_updated": T1}
        envelope_of(await roaming.patch(url(roaming, "LOC1", party=party), patch), 404, 2000)
        envelope_of(await roaming.get(url(roaming, "LOC1", party=party)), 404, 2000)
        await assert_not_stored(roaming, roaming.partner_id, party, "LOC1")
        await assert_not_stored(roaming, roaming.partner_id, party, "LOC9")
    # The other partner's Location is untouched, read by its owner and by the backend.
    response = await roaming.get(url(roaming, "LOC1", party=other_party), other_auth)
    assert envelope_of(response, 200, 1000)["data"] == theirs
    read = await roaming.node.roaming.read(other_id, LOCATIONS, ObjectPath(*other_party, "LOC1"))
    assert orjson.loads(read) == theirs
    await assert_not_stored(roaming, 0, roaming.cpo, "LOC1")


async def test_older_update_is_acknowledged_but_not_applied(roaming: Roaming) -> None:
    """docs/spec-decisions.md "An update older than the stored object": an update whose
    last_updated is older
    than the stored object's is acknowledged (1000) but does not overwrite newer data."""
    newer = location(
        roaming.partner_cpo, name="newer", last_updated=T2, evses=[evse(last_updated=T2)]
    )
    envelope_of(await roaming.put(url(roaming, "LOC1"), newer), 201, 1000)
    older = [
        (roaming.put, ("LOC1",), location(roaming.partner_cpo, name="older", last_updated=T1)),
        (roaming.patch, ("LOC1",), {"name": "older", "last_updated": T1}),
        (roaming.put, ("LOC1", "E1"), evse(status="BLOCKED", last_updated=T1)),
        (roaming.patch, ("LOC1", "E1"), {"status": "BLOCKED", "last_updated": T1}),
    ]
    for send, ids, body in older:
        envelope_of(await send(url(roaming, *ids), body), 200, 1000)
        assert await stored(roaming, "LOC1") == newer, ids


async def test_ci_string_ids_match_case_insensitively(roaming: Roaming) -> None:
    """types.asciidoc "CiString": ids, country_code and party_id are case-insensitive — PUT LOC1,
    GET loc1, PATCH Loc1 address one Location."""
    cc, pid = roaming.partner_cpo
    lower = (cc.lower(), pid.lower())
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    assert (await stored(roaming, "loc1", party=lower))["id"] == "LOC1"
    patch = {"status": "CHARGING", "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "Loc1", "e1"), patch), 200, 1000)
    assert (await stored(roaming, "LOC1", "E1"))["status"] == "CHARGING"
    assert (await stored(roaming, "lOc1", "e1", "1"))["id"] == "1"
    replaced = location(lower, "loc1", name="again", last_updated=T2)
    envelope_of(await roaming.put(url(roaming, "lOC1", party=lower), replaced), 200, 1000)
    assert await stored(roaming, "LOC1") == replaced


@SQLITE_ONLY
async def test_post_and_delete_are_not_offered(roaming: Roaming) -> None:
    """mod_locations "Receiver Interface": no POST, no DELETE (an EVSE is removed with status
    REMOVED) → HTTP 405 envelopes."""
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    for ids in (("LOC1",), ("LOC1", "E1"), ("LOC1", "E1", "1")):
        for method in ("POST", "DELETE"):
            response = await roaming.client.request(
                method, url(roaming, *ids), headers=roaming.auth
            )
            envelope_of(response, 405, 2000)
            assert response.headers["allow"] == "GET, PUT, PATCH", (method, ids)
    assert (await stored(roaming, "LOC1"))["id"] == "LOC1"


@SQLITE_ONLY
async def test_invalid_json_is_400_2001(roaming: Roaming) -> None:
    """status_codes.asciidoc: a body that is not valid JSON → HTTP 400 (2001), PUT and PATCH."""
    headers = roaming.auth | JSON
    for method in ("PUT", "PATCH"):
        for content in (b"{not json", b"", b'{"id": "LOC1",'):
            response = await roaming.client.request(
                method, url(roaming, "LOC1"), content=content, headers=headers
            )
            body = envelope_of(response, 400, 2001)
            assert body["status_message"] == "The request body is not valid JSON"


@SQLITE_ONLY
async def test_invalid_fields_are_2001_with_the_json_path(roaming: Roaming) -> None:
    """status_codes.asciidoc 2001 "Invalid or missing parameters": the message names where
    (a JSON path) — for a PUT at each depth and for a PATCH; nothing is stored."""
    cases = [
        (
            ("LOC1",),
            location(roaming.partner_cpo, coordinates={"latitude": "x", "longitude": "5.1"}),
            "$.coordinates.latitude",
        ),
        (
            ("LOC1",),
            location(roaming.partner_cpo, evses=[evse(status="BROKEN")]),
            "$.evses[0].status",
        ),
        (
            ("LOC1",),
            {k: v for k, v in location(roaming.partner_cpo).items() if k != "city"},
            "$.city",
        ),
    ]
    for ids, body, path in cases:
        envelope = envelope_of(await roaming.put(url(roaming, *ids), body), 200, 2001)
        assert f"{path}: " in envelope["status_message"], (path, envelope)
    await assert_not_stored(roaming, roaming.partner_id, roaming.partner_cpo, "LOC1")
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    nested = [
        (("LOC1", "E1"), evse(connectors=[]), "$.connectors"),
        (("LOC1", "E1", "1"), connector(max_voltage="high"), "$.max_voltage"),
    ]
    for sub_ids, sub_body, sub_path in nested:
        envelope = envelope_of(await roaming.put(url(roaming, *sub_ids), sub_body), 200, 2001)
        assert f"{sub_path}: " in envelope["status_message"], (sub_path, envelope)
    bad_patch = {"status": "BROKEN", "last_updated": T1}
    envelope = envelope_of(await roaming.patch(url(roaming, "LOC1", "E1"), bad_patch), 200, 2001)
    assert "$.status: " in envelope["status_message"]
    assert await stored(roaming, "LOC1") == location(roaming.partner_cpo)


@SQLITE_ONLY
async def test_token_a_and_unknown_partners_are_401(roaming: Roaming) -> None:
    """transport_and_format "Authorization header": token A on a functional module, or a token
    of no (longer) registered party → HTTP 401, on every Receiver route; nothing is stored."""
    token_a = await roaming.node.credentials.invite(
        f"invited-{unique_party_id()}", grants=[Grant(Role.EMSP, "DE", unique_party_id())]
    )
    unregistered, auth = await roaming.register([(Role.CPO, ("DE", unique_party_id()))])
    await roaming.client.delete("/ocpi/2.2.1/credentials", headers=auth)
    document = location(roaming.partner_cpo)
    for headers in (token_header(token_a), auth):
        for method, body in (("GET", None), ("PUT", document), ("PATCH", {"last_updated": T1})):
            response = await roaming.client.request(
                method,
                url(roaming, "LOC1"),
                content=None if body is None else orjson.dumps(body),
                headers=headers | JSON,
            )
            envelope_of(response, 401, 2000)
    await assert_not_stored(roaming, roaming.partner_id, roaming.partner_cpo, "LOC1")
    await assert_not_stored(roaming, unregistered, roaming.partner_cpo, "LOC1")
