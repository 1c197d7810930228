"""GET All on a Hub node (transport_and_format.asciidoc "GET All via Hubs"): the Sender lists of
Locations, Tariffs and Tokens serve every object the Hub holds, of every connected party, as
stored, in one order across origins, with exact X-Total-Count, working Links (keyset and
offset), date filters; Sessions and CDRs only those concerning the caller's parties; GET of one
Location from what the Hub holds."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._store import object_sql
from openroam._store.db import Database, upgrade_async
from openroam.models.v221.types import Role
from tests.api import support as objects
from tests.hub.getall_support import BASE, HUB, PUBLIC_URL, HubNode, Member, open_hub
from tests.server.support import envelope_of

CPO1, CPO2 = ("NL", "CP1"), ("DE", "CP2")
EMSP1, EMSP2 = ("NL", "EM1"), ("BE", "EM2")


def location(party: tuple[str, str], location_id: str, when: str = objects.T0) -> dict[str, Any]:
    evse = objects.evse(f"{location_id}-E1", last_updated=when)
    evse["connectors"] = [objects.connector("1", last_updated=when)]
    return objects.location(location_id, *party, evses=[evse], last_updated=when)


def link_of(response: httpx.Response) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    assert link.startswith("<"), link
    assert link.endswith('>; rel="next"'), link
    return link[1 : link.index(">")]


async def every_page(
    hub: HubNode, url: str, member: Member
) -> tuple[list[dict[str, Any]], list[httpx.Response]]:
    """Follow the Links from ``url``; all objects and every answer."""
    found: list[dict[str, Any]] = []
    answers: list[httpx.Response] = []
    next_url: str | None = url
    while next_url is not None:
        assert len(answers) < 20, "the Links do not end"
        response = await hub.client.get(next_url, headers=member.headers())
        body = envelope_of(response, 200, 1000)
        answers.append(response)
        found += body["data"]
        next_url = link_of(response)
    return found, answers


async def connected(hub: HubNode) -> tuple[Member, Member, Member, Member]:
    return (
        await hub.connect(Role.CPO, CPO1),
        await hub.connect(Role.CPO, CPO2),
        await hub.connect(Role.EMSP, EMSP1),
        await hub.connect(Role.EMSP, EMSP2),
    )


async def test_locations_of_every_cpo_in_one_order_with_exact_paging(database: Database) -> None:
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, _ = await connected(hub)
        pushed = []
        # Interleaved origins: the list's order is the Hub's (creation), not per party.
        for number in range(5):
            cpo = (cpo1, cpo2)[number % 2]
            body = location(cpo.party, f"LOC{number}", f"2026-01-0{number + 1}T10:00:00Z")
            await hub.push(cpo, "locations", body)
            pushed.append(body)

        found, answers = await every_page(hub, f"{BASE}/sender/locations?limit=2", emsp1)

        assert found == pushed
        assert [len(orjson.loads(a.content)["data"]) for a in answers] == [2, 2, 1]
        assert {a.headers["x-total-count"] for a in answers} == {"5"}
        assert {a.headers["x-limit"] for a in answers} == {"100"}  # the Hub's largest page
        # The Links carry the Hub's public URL and a keyset position.
        for answer in answers[:-1]:
            link = link_of(answer)
            assert link is not None
            assert link.startswith(f"{PUBLIC_URL}{BASE}/sender/locations?")
            assert "after" in parse_qs(urlsplit(link).query)
        # Answered FROM the Hub TO the requesting party (GET All via Hubs response).
        first = answers[0].headers
        assert (first["ocpi-from-country-code"], first["ocpi-from-party-id"]) == HUB
        assert (first["ocpi-to-country-code"], first["ocpi-to-party-id"]) == EMSP1

        # Offset paging crosses the origins alike.
        response = await hub.client.get(
            f"{BASE}/sender/locations?offset=1&limit=3", headers=emsp1.headers()
        )
        assert envelope_of(response, 200, 1000)["data"] == pushed[1:4]
        assert response.headers["x-total-count"] == "5"
        next_link = link_of(response)
        assert next_link is not None
        last = await hub.client.get(next_link, headers=emsp1.headers())
        assert envelope_of(last, 200, 1000)["data"] == pushed[4:]
        assert link_of(last) is None


async def test_documents_are_served_as_stored(database: Database) -> None:
    """transport_and_format.asciidoc "Timestamps and Objects send via Hubs": last_updated is not
    changed by the Hub; the stored bytes are the page's."""
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, _ = await connected(hub)
        await hub.push(cpo1, "locations", location(CPO1, "A", "2025-03-04T05:06:07Z"))
        await hub.push(cpo2, "locations", location(CPO2, "B", "2024-12-31T23:59:59Z"))

        response = await hub.client.get(f"{BASE}/sender/locations", headers=emsp1.headers())

        envelope_of(response, 200, 1000)
        page = response.content
        first = await hub.stored(cpo1, "locations", "A")
        second = await hub.stored(cpo2, "locations", "B")
        assert b"[" + first + b"," + second + b"]" in page
        dates = [item["last_updated"] for item in orjson.loads(page)["data"]]
        assert dates == ["2025-03-04T05:06:07Z", "2024-12-31T23:59:59Z"]


async def test_date_filters_and_exact_counts_across_origins(database: Database) -> None:
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, _ = await connected(hub)
        days = ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04"]
        for number, day in enumerate(days):
            cpo = (cpo1, cpo2)[number % 2]
            await hub.push(cpo, "tariffs", _tariff(cpo.party, f"T{number}", f"{day}T00:00:00Z"))

        # date_from inclusive, date_to exclusive (transport_and_format "Paginated Request").
        url = (
            f"{BASE}/sender/tariffs?date_from=2026-02-02T00:00:00Z"
            "&date_to=2026-02-04T00:00:00Z&limit=1"
        )
        found, answers = await every_page(hub, url, emsp1)

        assert [item["id"] for item in found] == ["T1", "T2"]
        assert [item["party_id"] for item in found] == [CPO2[1], CPO1[1]]
        assert {a.headers["x-total-count"] for a in answers} == {"2"}
        # The next Link repeats the filters.
        query = parse_qs(urlsplit(link_of(answers[0]) or "").query)
        assert query["date_from"] == ["2026-02-02T00:00:00Z"]
        assert query["date_to"] == ["2026-02-04T00:00:00Z"]

        # A count cached before a push is not answered after it (X-Total-Count stays exact).
        await hub.push(cpo1, "tariffs", _tariff(CPO1, "T9", "2026-02-02T12:00:00Z"))
        _, answers = await every_page(hub, url, emsp1)
        assert {a.headers["x-total-count"] for a in answers} == {"3"}


def _tariff(party: tuple[str, str], tariff_id: str, when: str) -> dict[str, Any]:
    return objects.tariff(tariff_id, country_code=party[0], party_id=party[1], last_updated=when)


async def test_tokens_of_every_emsp_reach_a_cpo(database: Database) -> None:
    async with open_hub(database) as hub:
        cpo1, _, emsp1, emsp2 = await connected(hub)
        first = objects.token("AA01", country_code=EMSP1[0], party_id=EMSP1[1])
        second = objects.token("BB02", country_code=EMSP2[0], party_id=EMSP2[1], type="APP_USER")
        await hub.push(emsp1, "tokens", first)
        await hub.push(emsp2, "tokens", second)

        found, answers = await every_page(hub, f"{BASE}/sender/tokens", cpo1)

        assert found == [first, second]
        assert answers[0].headers["x-total-count"] == "2"
        # An eMSP does not read the Tokens Sender, through a Hub neither (mod_tokens).
        response = await hub.client.get(f"{BASE}/sender/tokens", headers=emsp1.headers())
        envelope_of(response, 404, 2000)


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
async def test_sessions_and_cdrs_only_those_concerning_the_caller(
    database: Database, module: str
) -> None:
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, emsp2 = await connected(hub)
        ours = [_concerning(module, CPO1, EMSP1, "X1"), _concerning(module, CPO2, EMSP1, "X3")]
        await hub.hold(cpo1, module, ours[0])
        await hub.hold(cpo1, module, _concerning(module, CPO1, EMSP2, "X2"))
        await hub.hold(cpo2, module, ours[1])

        found, answers = await every_page(hub, f"{BASE}/sender/{module}?limit=1", emsp1)

        assert [item["id"] for item in found] == ["X1", "X3"]
        assert {item["cdr_token"]["party_id"] for item in found} == {EMSP1[1]}
        assert {a.headers["x-total-count"] for a in answers} == {"2"}
        other, _ = await every_page(hub, f"{BASE}/sender/{module}", emsp2)
        assert [item["id"] for item in other] == ["X2"]


def _concerning(
    module: str, cpo: tuple[str, str], emsp: tuple[str, str], object_id: str
) -> dict[str, Any]:
    session = objects.session(object_id, emsp=emsp, country_code=cpo[0], party_id=cpo[1])
    if module == "sessions":
        return session
    return {
        "country_code": cpo[0],
        "party_id": cpo[1],
        "id": object_id,
        "start_date_time": "2026-01-01T10:00:00Z",
        "end_date_time": "2026-01-01T11:00:00Z",
        "cdr_token": session["cdr_token"],
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": "LOC1",
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
            "evse_uid": "E1",
            "evse_id": "NL*ORM*EE1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "total_cost": {"excl_vat": 2.5},
        "total_energy": 10,
        "total_time": 1,
        "charging_periods": [objects.charging_period("2026-01-01T10:00:00Z", 10)],
        "last_updated": objects.T0,
    }


async def test_get_one_location_from_what_the_hub_holds(database: Database) -> None:
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, _ = await connected(hub)
        await hub.push(cpo1, "locations", location(CPO1, "ONE"))
        await hub.push(cpo2, "locations", location(CPO2, "TWO"))
        stored = orjson.loads(await hub.stored(cpo2, "locations", "TWO"))

        url = f"{BASE}/sender/locations/TWO"
        whole = await hub.client.get(url, headers=emsp1.headers())
        evse = await hub.client.get(f"{url}/TWO-E1", headers=emsp1.headers())
        connector = await hub.client.get(f"{url}/TWO-E1/1", headers=emsp1.headers())

        assert envelope_of(whole, 200, 1000)["data"] == stored
        assert envelope_of(evse, 200, 1000)["data"] == stored["evses"][0]
        assert envelope_of(connector, 200, 1000)["data"] == stored["evses"][0]["connectors"][0]
        assert (whole.headers["ocpi-from-country-code"], whole.headers["ocpi-from-party-id"]) == HUB
        assert (whole.headers["ocpi-to-country-code"], whole.headers["ocpi-to-party-id"]) == EMSP1
        for missing in ("NONE", "TWO/E9", "TWO/TWO-E1/9"):
            response = await hub.client.get(
                f"{BASE}/sender/locations/{missing}", headers=emsp1.headers()
            )
            envelope_of(response, 404, 2000)


async def test_one_location_id_of_two_parties_must_name_the_owner(database: Database) -> None:
    """Ids are unique per party (mod_locations "Location object"): a GET addressed to the Hub
    for an id two CPOs use cannot tell which is meant (2002, naming both)."""
    async with open_hub(database) as hub:
        cpo1, cpo2, emsp1, _ = await connected(hub)
        await hub.push(cpo1, "locations", location(CPO1, "SAME"))
        await hub.push(cpo2, "locations", location(CPO2, "SAME"))

        response = await hub.client.get(f"{BASE}/sender/locations/SAME", headers=emsp1.headers())

        body = envelope_of(response, 200, 2002)
        assert "NL*CP1" in body["status_message"]
        assert "DE*CP2" in body["status_message"]
        assert "OCPI-to" in body["status_message"]
        # What part of the Hub that routes by a held Location's id reads: both owners.
        held = await hub.node.roaming.held(SPECS["locations"], "same")
        assert [(h.origin, h.party_id) for h in held] == [
            (cpo1.partner_id, "CP1"),
            (cpo2.partner_id, "CP2"),
        ]


async def test_a_platform_serves_its_own_objects_only(database: Database) -> None:
    """The Hub branch is the Hub's: on a platform (a CPO and an eMSP here) the same store
    serves a partner only the platform's own objects, never other partners'."""
    async with open_hub(database) as hub:
        cpo1, _, emsp1, _ = await connected(hub)
        await hub.push(cpo1, "locations", location(CPO1, "HELD"))
    platform = Platform(
        PUBLIC_URL,
        (OwnParty("NL", "ORC", Role.CPO, "own CPO"), OwnParty("NL", "EMS", Role.EMSP, "own eMSP")),
    )
    async with open_hub(database, platform) as node:
        own = location(("NL", "ORC"), "OWN")
        path = ObjectPath("NL", "ORC", "OWN", ())
        await node.node.roaming.own_put(SPECS["locations"], path, orjson.dumps(own))
        response = await node.client.get(
            f"{BASE}/sender/locations", headers=emsp1.headers(("NL", "ORC"))
        )
        assert [item["id"] for item in envelope_of(response, 200, 1000)["data"]] == ["OWN"]
        response = await node.client.get(
            f"{BASE}/sender/locations/HELD", headers=emsp1.headers(("NL", "ORC"))
        )
        envelope_of(response, 404, 2000)


async def test_a_page_of_every_origin_is_read_in_pk_order_without_sorting(
    tmp_path: Path,
) -> None:
    """SQLite: the GET All statement reads the table in pk order and stops after the page;
    choosing the module's index would sort every object of the module for each page."""
    path = tmp_path / "plan.db"
    database = Database.connect(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade_async(database)
    finally:
        await database.dispose()
    for keyset in (False, True):
        shape = object_sql.Shape(False, False, False, False, keyset)
        text, names, _ = object_sql.sqlite_documents_text(shape, 0, 0)
        with closing(sqlite3.connect(path)) as connection:
            plan = connection.execute(f"EXPLAIN QUERY PLAN {text}", [0] * len(names)).fetchall()
        steps = " / ".join(str(row[-1]) for row in plan)
        assert "TEMP B-TREE" not in steps, steps
        assert "ix_ocpi_objects" not in steps, steps
