"""Our CDRs Receiver interface (mod_cdrs "Receiver Interface"): a CPO partner POSTs new CDRs to
``/ocpi/2.2.1/receiver/cdrs``; the answer's ``Location`` header is where it GETs them again. A
stored CDR never changes. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio

from openroam._services.object_specs import CDRS
from openroam._services.roaming import PageQuery
from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api.support import cdr, credit_of
from tests.server.conftest import PUBLIC_URL
from tests.server.roaming_support import (
    BASE,
    JSON,
    SQLITE_ONLY,
    Party,
    Roaming,
    open_roaming,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of

POST_URL = f"{BASE}/receiver/cdrs"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def partner_cdr(roaming: Roaming, cdr_id: str = "CDR1", **changes: Any) -> dict[str, Any]:
    """A CDR of the partner's CPO party for a Token of our eMSP party."""
    return cdr(cdr_id, roaming.partner_cpo, roaming.emsp, **changes)


async def post(roaming: Roaming, body: Any, auth: dict[str, str] | None = None) -> Any:
    headers = (roaming.auth if auth is None else auth) | JSON
    return await roaming.client.post(POST_URL, content=orjson.dumps(body), headers=headers)


def location_url(party: Party, cdr_id: str) -> str:
    return f"{PUBLIC_URL}{POST_URL}/{party[0]}/{party[1]}/{cdr_id}"


async def stored_cdrs(roaming: Roaming, partner_id: int | None = None) -> list[Any]:
    origin = roaming.partner_id if partner_id is None else partner_id
    query = PageQuery(None, None, 0, 100)
    page = await roaming.node.roaming.page(origin, CDRS, query, None)
    return [orjson.loads(document) for document in page.documents]


async def test_post_stores_the_cdr_and_answers_its_location_where_get_returns_it(
    roaming: Roaming,
) -> None:
    # mod_cdrs "POST Method", "Response Headers" (Location required), "GET Method".
    body = partner_cdr(roaming)
    response = await post(roaming, body)
    assert envelope_of(response, 201, 1000).get("data") is None
    assert response.headers["Location"] == location_url(roaming.partner_cpo, "CDR1")
    assert response.headers["OCPI-from-party-id"] == roaming.emsp[1]

    fetched = await roaming.get(response.headers["Location"].removeprefix(PUBLIC_URL))
    assert envelope_of(fetched, 200, 1000)["data"] == body
    assert await stored_cdrs(roaming) == [body]


async def test_get_at_the_location_matches_ids_case_insensitively(roaming: Roaming) -> None:
    # types.asciidoc "CiString": ids are case-insensitive.
    await post(roaming, partner_cdr(roaming, "cdr-abc"))
    country_code, party_id = roaming.partner_cpo
    url = f"{POST_URL}/{country_code.lower()}/{party_id.lower()}/CDR-ABC"
    assert envelope_of(await roaming.get(url), 200, 1000)["data"]["id"] == "cdr-abc"


async def test_repeated_identical_post_succeeds_and_the_cdr_is_stored_once(
    roaming: Roaming,
) -> None:
    # mod_cdrs "Flow and Lifecycle": a CDR cannot be changed; the same CDR again (a sender
    # retrying after a lost answer) succeeds with the same Location, so the sender stops.
    body = partner_cdr(roaming)
    first = await post(roaming, body)
    again = await post(roaming, {key: body[key] for key in reversed(body)})
    envelope_of(again, 200, 1000)
    assert again.headers["Location"] == first.headers["Location"]
    assert await stored_cdrs(roaming) == [body]


async def test_post_of_other_content_under_a_stored_id_is_refused_and_changes_nothing(
    roaming: Roaming,
) -> None:
    # mod_cdrs "Flow and Lifecycle": "it cannot be changed or replaced once sent ... Changes are
    # simply not allowed"; "Receiver Interface": PUT/PATCH n/a.
    body = partner_cdr(roaming)
    await post(roaming, body)
    changed = body | {"total_cost": {"excl_vat": 5.0, "incl_vat": 5.5}}
    refused = envelope_of(await post(roaming, changed), 200, 2000)
    assert "Credit CDR" in refused["status_message"]
    assert "Location" not in (await post(roaming, changed)).headers
    assert await stored_cdrs(roaming) == [body]


async def test_credit_cdr_is_a_new_cdr_with_its_own_id(roaming: Roaming) -> None:
    # mod_cdrs "Credit CDRs": a new id (original + "-C", up to 39 characters), credit = true,
    # credit_reference_id = the original id, total_cost negated; the original stays.
    original = partner_cdr(roaming, "C" * 36)
    await post(roaming, original)
    credit = credit_of(original, "-CR")
    response = await post(roaming, credit)
    envelope_of(response, 201, 1000)
    assert response.headers["Location"] == location_url(roaming.partner_cpo, "C" * 36 + "-CR")
    assert await stored_cdrs(roaming) == [original, credit]
    stored_credit = await roaming.get(response.headers["Location"].removeprefix(PUBLIC_URL))
    assert envelope_of(stored_credit, 200, 1000)["data"]["total_cost"] == {
        "excl_vat": -4.0,
        "incl_vat": -4.4,
    }


async def test_credit_cdr_without_credit_reference_id_is_refused(roaming: Roaming) -> None:
    # mod_cdrs "CDR Object": credit = true needs credit_reference_id; a non-credit id has ≤ 36.
    credit = partner_cdr(roaming, "CDR1-C", credit=True)
    message = envelope_of(await post(roaming, credit), 200, 2001)["status_message"]
    assert "credit_reference_id" in message
    too_long = envelope_of(await post(roaming, partner_cdr(roaming, "X" * 37)), 200, 2001)
    assert "$.id" in too_long["status_message"]
    assert await stored_cdrs(roaming) == []


async def test_cdr_for_an_unknown_location_and_token_is_accepted(roaming: Roaming) -> None:
    # mod_cdrs "Flow and Lifecycle": "CDRs may be sent for charging locations that have not been
    # published via the Location module"; the CDR carries its CdrLocation and CdrToken itself.
    body = partner_cdr(roaming)
    body["cdr_location"]["id"] = "NEVER-PUBLISHED"
    body["cdr_token"]["uid"] = "NEVER-PUSHED"
    envelope_of(await post(roaming, body), 201, 1000)
    assert await stored_cdrs(roaming) == [body]


async def test_post_of_a_cdr_of_a_party_the_partner_did_not_register_is_refused(
    roaming: Roaming,
) -> None:
    # transport_and_format.asciidoc "Client Owned Object Push": a party writes its own objects.
    foreign = cdr("CDR1", ("DE", unique_party_id()), roaming.emsp)
    message = envelope_of(await post(roaming, foreign), 200, 2001)["status_message"]
    assert "not a party you registered" in message
    assert await stored_cdrs(roaming) == []


async def test_post_of_a_cdr_for_another_emsps_token_is_refused(roaming: Roaming) -> None:
    # mod_cdrs "Push model": a CPO sends a CDR to the eMSP it is relevant to, the one of its
    # cdr_token (_services.addressing); one for another eMSP's token was sent to the wrong party.
    misaddressed = cdr("CDR1", roaming.partner_cpo, ("DE", unique_party_id()))
    message = envelope_of(await post(roaming, misaddressed), 200, 2001)["status_message"]
    assert "cdr_token" in message
    assert await stored_cdrs(roaming) == []


async def test_a_partner_cannot_get_another_partners_cdr(roaming: Roaming) -> None:
    # transport_and_format.asciidoc "Errors": a URL of another party may be answered 404.
    response = await post(roaming, partner_cdr(roaming))
    other_party = ("DE", unique_party_id())
    other_id, other_auth = await roaming.register([(Role.CPO, other_party)])
    url = response.headers["Location"].removeprefix(PUBLIC_URL)
    envelope_of(await roaming.get(url, other_auth), 404, 2000)
    # Its own CDR with the same id is another CDR: stored apart, each served to its owner.
    mine = cdr("CDR1", other_party, roaming.emsp)
    envelope_of(await post(roaming, mine, other_auth), 201, 1000)
    assert await stored_cdrs(roaming, other_id) == [mine]
    assert envelope_of(await roaming.get(url), 200, 1000)["data"]["party_id"] != other_party[1]


@SQLITE_ONLY
async def test_invalid_and_non_json_bodies(roaming: Roaming) -> None:
    # status_codes.asciidoc: not JSON → HTTP 400 + 2001; JSON that is no CDR → 200 + 2001.
    headers = roaming.auth | JSON
    not_json = await roaming.client.post(POST_URL, content=b"{nope", headers=headers)
    envelope_of(not_json, 400, 2001)
    body = partner_cdr(roaming)
    del body["cdr_location"]
    assert "$.cdr_location" in envelope_of(await post(roaming, body), 200, 2001)["status_message"]
    session_only = partner_cdr(roaming)
    session_only["charging_periods"][0]["dimensions"].append({"type": "POWER", "volume": 11})
    envelope_of(await post(roaming, session_only), 200, 2001)


@SQLITE_ONLY
async def test_cdrs_are_never_put_patched_or_deleted(roaming: Roaming) -> None:
    # mod_cdrs "Receiver Interface": PUT, PATCH and DELETE are n/a.
    response = await post(roaming, partner_cdr(roaming))
    url = response.headers["Location"].removeprefix(PUBLIC_URL)
    for method in ("PUT", "PATCH", "DELETE"):
        answer = await roaming.client.request(
            method, url, content=orjson.dumps(partner_cdr(roaming)), headers=roaming.auth | JSON
        )
        assert answer.status_code == 405, (method, answer.text)
    envelope_of(await roaming.get(url), 200, 1000)


@SQLITE_ONLY
async def test_unknown_cdr_and_bad_segments(roaming: Roaming) -> None:
    country_code, party_id = roaming.partner_cpo
    envelope_of(await roaming.get(f"{POST_URL}/{country_code}/{party_id}/NOPE"), 404, 2000)
    too_long = f"{POST_URL}/{country_code}/{party_id}/{'X' * 40}"
    envelope_of(await roaming.get(too_long), 200, 2001)
    envelope_of(await roaming.client.post(POST_URL, json=partner_cdr(roaming)), 401, 2000)
