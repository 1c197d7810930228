"""The CPO side's 2.1.1 interfaces: the Senders of our Locations, Tariffs, Sessions and CDRs
(mod_locations.md 2.1, mod_tariffs.md 2.1, mod_sessions.md 2.1, mod_cdrs.md 2.1 "CPO
Interface"), the Tokens Receiver (mod_tokens.md 2.1) and the Commands Receiver (mod_commands.md
2.1). Our objects are stored in their 2.2.1 shape and answered as 2.1.1. SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import pytest_asyncio

from openroam._server.v211.cache import CONVERTED
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import TOKENS
from openroam._store.db import Database
from openroam.models.v211 import cdrs as v211_cdrs
from openroam.models.v211 import commands as v211_commands
from openroam.models.v211 import locations as v211_locations
from openroam.models.v211 import sessions as v211_sessions
from openroam.models.v211 import tariffs as v211_tariffs
from openroam.models.v211 import tokens as v211_tokens
from openroam.models.v221.tokens import Token
from openroam.models.v221.types import Role
from tests.api import support as api_objects
from tests.server.roaming_support import JSON, SQLITE_ONLY, Roaming, location, session, tariff
from tests.server.support import FakePartner, envelope_of
from tests.server.v211.support import T0, T1, T2, cpo_url, data_of, open_v211, post, push_url
from tests.server.v211.support import token as token211

pytestmark = SQLITE_ONLY


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_v211(database, partner) as setup:
        yield setup


# --- Locations Sender ------------------------------------------------------------------------


async def test_locations_list_is_211_and_paginated(roaming: Roaming) -> None:
    """mod_locations.md 2.1.1 GET Method, transport_and_format.md "Pagination": our stored
    2.2.1 Locations as valid 2.1.1 Locations; X-Limit is this page's size, X-Total-Count all
    objects, the Link's next page repeats the filters."""
    await roaming.own_put(
        "locations",
        *(
            location(roaming.cpo, f"L{n}", last_updated=f"2026-01-0{n + 1}T10:00:00Z")
            for n in range(3)
        ),
    )
    response = await roaming.get(cpo_url("locations"), params={"limit": "2"})
    page = data_of(response)
    assert [item["id"] for item in page] == ["L0", "L1"]
    for item in page:
        v211_locations.Location.model_validate_json(orjson.dumps(item))
        assert item["type"]
        assert "country_code" not in item
        assert "publish" not in item
    assert response.headers["X-Total-Count"] == "3"
    assert response.headers["X-Limit"] == "2"
    link = response.headers["Link"]
    assert link.endswith('>; rel="next"')
    query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
    assert query["offset"] == ["2"]
    assert query["limit"] == ["2"]
    last = await roaming.client.get(link[1 : link.index(">")], headers=roaming.auth)
    assert [item["id"] for item in data_of(last)] == ["L2"]
    assert "Link" not in last.headers


async def test_locations_list_date_from_is_exclusive(roaming: Roaming) -> None:
    """mod_locations.md 2.1.1 "Request Parameters": date_from returns objects "last updated
    after" it (2.1.1), date_to before it; the Link repeats both as given."""
    await roaming.own_put(
        "locations",
        location(roaming.cpo, "A", last_updated=T0),
        location(roaming.cpo, "B", last_updated=T1),
        location(roaming.cpo, "C", last_updated=T2),
    )
    response = await roaming.get(cpo_url("locations"), params={"date_from": T0, "date_to": T2})
    assert [item["id"] for item in data_of(response)] == ["B"]
    assert response.headers["X-Total-Count"] == "1"
    response = await roaming.get(cpo_url("locations"), params={"date_from": T0, "limit": "1"})
    link = response.headers["Link"]
    assert f"date_from={T0.replace(':', '%3A')}" in link


async def test_location_objects_are_211(roaming: Roaming) -> None:
    """mod_locations.md 2.1.2 GET Object Method: a Location, an EVSE, a Connector as 2.1.1
    (Connector voltage/amperage from max_voltage/max_amperage); unknown ones 404."""
    await roaming.own_put("locations", location(roaming.cpo, "L1"))
    got = data_of(await roaming.get(cpo_url("locations", "L1")))
    v211_locations.Location.model_validate_json(orjson.dumps(got))
    got = data_of(await roaming.get(cpo_url("locations", "L1", "E1")))
    v211_locations.EVSE.model_validate_json(orjson.dumps(got))
    got = data_of(await roaming.get(cpo_url("locations", "L1", "E1", "1")))
    v211_locations.Connector.model_validate_json(orjson.dumps(got))
    assert (got["voltage"], got["amperage"]) == (230, 32)
    envelope_of(await roaming.get(cpo_url("locations", "NOPE")), 404, 2000)
    envelope_of(await roaming.get(cpo_url("locations", "L1", "E9")), 404, 2000)


async def test_unpublished_locations_are_not_shown(roaming: Roaming) -> None:
    """mod_locations.md 3.1 Location Object has no ``publish``: a Location our backend stored
    with publish false (2.2.1) is not in the 2.1.1 list, and it, its EVSEs and Connectors are
    unknown (404) to a 2.1.1 partner."""
    await roaming.own_put(
        "locations", location(roaming.cpo, "SHOWN"), location(roaming.cpo, "HID", publish=False)
    )
    page = data_of(await roaming.get(cpo_url("locations")))
    assert [item["id"] for item in page] == ["SHOWN"]
    envelope_of(await roaming.get(cpo_url("locations", "HID")), 404, 2000)
    envelope_of(await roaming.get(cpo_url("locations", "HID", "E1")), 404, 2000)
    envelope_of(await roaming.get(cpo_url("locations", "HID", "E1", "1")), 404, 2000)


async def test_conversion_happens_once_per_stored_change(roaming: Roaming) -> None:
    """A 2.1.1 page converts each stored document once; a changed one again."""
    await roaming.own_put("locations", location(roaming.cpo, "L1"))
    await roaming.get(cpo_url("locations"))
    before = CONVERTED.conversions
    await roaming.get(cpo_url("locations"))
    assert CONVERTED.conversions == before
    await roaming.own_put("locations", location(roaming.cpo, "L1", last_updated=T1))
    await roaming.get(cpo_url("locations"))
    assert CONVERTED.conversions == before + 1


async def test_sender_refuses_a_partner_without_the_role(roaming: Roaming) -> None:
    """The 2.1.1 CPO interface is the eMSP's (mod_locations.md 2.1): a partner registered
    only as CPO gets 404 (the 2.2.1 rules of who may call an interface)."""
    _, auth = await roaming.register([(Role.CPO, ("DE", "QQ1"))])
    envelope_of(await roaming.get(cpo_url("locations"), auth=auth), 404, 2000)


async def test_unknown_token_is_401(roaming: Roaming) -> None:
    """transport_and_format.md "Security and authentication": an unknown token is refused."""
    response = await roaming.client.get(cpo_url("locations"), headers={"Authorization": "Token x"})
    envelope_of(response, 401, 2000)


# --- Tariffs, Sessions, CDRs Senders ---------------------------------------------------------


async def test_tariffs_list_is_211(roaming: Roaming) -> None:
    """mod_tariffs.md 2.1.1 GET Method: our Tariffs, prices as numbers excluding VAT."""
    await roaming.own_put("tariffs", tariff(roaming.cpo, "T1"))
    page = data_of(await roaming.get(cpo_url("tariffs")))
    assert [item["id"] for item in page] == ["T1"]
    v211_tariffs.Tariff.model_validate_json(orjson.dumps(page[0]))
    assert page[0]["elements"][0]["price_components"][0]["price"] == 0.25


async def test_sessions_list_embeds_the_location(roaming: Roaming) -> None:
    """mod_sessions.md 2.1.1 GET Method, 3.1 Session Object: our Sessions of the caller's
    Tokens, with the Location embedded and auth_id = the Token's contract_id."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    await roaming.own_put("sessions", session(roaming.cpo, roaming.partner_emsp, "S1"))
    await roaming.own_put("sessions", session(roaming.cpo, ("FR", "OTH"), "S2"))
    page = data_of(await roaming.get(cpo_url("sessions")))
    assert [item["id"] for item in page] == ["S1"]
    item = page[0]
    v211_sessions.Session.model_validate_json(orjson.dumps(item))
    assert item["location"]["id"] == "LOC1"
    v211_locations.Location.model_validate_json(orjson.dumps(item["location"]))
    assert item["auth_id"].startswith(roaming.partner_emsp[0])
    assert item["start_datetime"] == "2026-01-01T10:00:00Z"


async def test_cdrs_list_is_211(roaming: Roaming) -> None:
    """mod_cdrs.md 2.1.1 GET Method, 3.1 CDR Object: stop_date_time, auth_id, embedded
    Location, total_cost a number excluding VAT; a Credit CDR (no 2.1.1 form) is left out."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    cdr = api_objects.cdr("CDR1", owner=roaming.cpo, token_party=roaming.partner_emsp)
    credit = api_objects.credit_of(cdr)
    await roaming.own_put("cdrs", cdr, credit)
    page = data_of(await roaming.get(cpo_url("cdrs")))
    assert [item["id"] for item in page] == ["CDR1"]
    item = page[0]
    v211_cdrs.CDR.model_validate_json(orjson.dumps(item))
    assert item["stop_date_time"] == "2026-01-01T09:58:23Z"
    assert item["total_cost"] == 4.0
    assert item["location"]["id"] == "LOC1"


# --- Tokens Receiver -------------------------------------------------------------------------


def token_url(roaming: Roaming, uid: str, party: tuple[str, str] | None = None) -> str:
    return push_url("cpo", "tokens", party or roaming.partner_emsp, uid)


async def test_token_put_get_patch_without_type(roaming: Roaming) -> None:
    """mod_tokens.md 2.1.2 PUT, 2.1.1 GET, 2.1.2 PATCH Method: no ?type= in 2.1.1; the PUT's
    body names the type, GET and PATCH find the Token by uid; stored as a 2.2.1 Token
    (contract_id = auth_id, owner from the URL)."""
    url = token_url(roaming, "012345678")
    envelope_of(await roaming.put(url, token211(type="OTHER")), 201, 1000)
    path = ObjectPath(*roaming.partner_emsp, "012345678", (), "OTHER")
    stored = await roaming.node.roaming.read(roaming.partner_id, TOKENS, path)
    document = Token.model_validate_json(stored)
    assert document.contract_id == "DE8ACC12E46L89"
    envelope_of(await roaming.patch(url, {"valid": False}), 200, 1000)
    got = data_of(await roaming.get(url))
    v211_tokens.Token.model_validate_json(orjson.dumps(got))
    assert got["valid"] is False
    assert got["auth_id"] == "DE8ACC12E46L89"
    assert got["type"] == "OTHER"
    assert "country_code" not in got
    envelope_of(await roaming.put(url, token211(type="OTHER", last_updated=T1)), 200, 1000)


async def test_token_errors(roaming: Roaming) -> None:
    """mod_tokens.md 2.1: an unknown Token is 404; another party's URL 404
    (transport_and_format.md "Client owned object push"); an invalid Token 2001; a body that
    is not JSON HTTP 400 (status_codes.md)."""
    envelope_of(await roaming.get(token_url(roaming, "NOPE")), 404, 2000)
    envelope_of(await roaming.patch(token_url(roaming, "NOPE"), {"valid": False}), 404, 2000)
    other = token_url(roaming, "012345678", ("FR", "XYZ"))
    envelope_of(await roaming.put(other, token211()), 404, 2000)
    envelope_of(
        await roaming.put(token_url(roaming, "1"), token211("1", type="APP_USER")), 200, 2001
    )
    envelope_of(await roaming.put(token_url(roaming, "1"), token211("2")), 200, 2001)
    response = await roaming.client.put(
        token_url(roaming, "1"), content=b"[", headers=roaming.auth | JSON
    )
    envelope_of(response, 400, 2001)


# --- Commands Receiver -----------------------------------------------------------------------


def start_session(location_id: str = "LOC1") -> dict[str, Any]:
    """mod_commands.md 3.3 StartSession Object."""
    return {
        "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/1",
        "token": token211(),
        "location_id": location_id,
        "evse_uid": "E1",
    }


async def test_start_session_accepted(roaming: Roaming) -> None:
    """mod_commands.md 2.1.1 POST Method: answered with the 2.1.1 CommandResponse (result
    only) by the same command receiver as 2.2.1."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1"))
    response = await post(roaming, cpo_url("commands", "START_SESSION"), start_session())
    answer = data_of(response)
    v211_commands.CommandResponse.model_validate_json(orjson.dumps(answer))
    assert answer == {"result": "ACCEPTED"}


async def test_commands_refused(roaming: Roaming) -> None:
    """mod_commands.md 2.1.1 POST Method: an unknown Location is 2003 (status_codes.md)
    with REJECTED; STOP_SESSION of an unknown Session UNKNOWN_SESSION; an unknown command
    (4.2 CommandType) and an invalid body 2001; not JSON HTTP 400."""
    response = await post(roaming, cpo_url("commands", "START_SESSION"), start_session("NOPE"))
    assert envelope_of(response, 200, 2003)["data"] == {"result": "REJECTED"}
    stop = {"response_url": "https://emsp.example.com/r/1", "session_id": "NOPE"}
    response = await post(roaming, cpo_url("commands", "STOP_SESSION"), stop)
    assert data_of(response) == {"result": "UNKNOWN_SESSION"}
    envelope_of(await post(roaming, cpo_url("commands", "CANCEL_RESERVATION"), stop), 200, 2001)
    envelope_of(await post(roaming, cpo_url("commands", "STOP_SESSION"), {"x": 1}), 200, 2001)
    response = await roaming.client.post(
        cpo_url("commands", "STOP_SESSION"), content=b"{", headers=roaming.auth | JSON
    )
    envelope_of(response, 400, 2001)


@pytest.mark.parametrize("path", ["locations/L1", "tariffs", "cdrs", "sessions"])
async def test_cpo_side_answers_without_routing_headers(roaming: Roaming, path: str) -> None:
    """transport_and_format.md: no message routing in 2.1.1 (no OCPI-to/from headers)."""
    response = await roaming.get(f"/ocpi/2.1.1/cpo/{path}")
    assert not [name for name in response.headers if name.lower().startswith("ocpi-")]
