"""The eMSP side's other 2.1.1 interfaces: the Tokens Sender with real-time authorization
(mod_tokens.md 2.2), the CDRs Receiver (mod_cdrs.md 2.2) and the endpoint where a 2.1.1 CPO
POSTs the asynchronous result of a command we sent (mod_commands.md 2.2). SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest_asyncio

from openroam._services.commands import V211_SENDER_PATH
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import CDRS
from openroam._store import commands as command_store
from openroam._store.db import Database
from openroam.models.v211 import cdrs as v211_cdrs
from openroam.models.v211 import tokens as v211_tokens
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.types import Role
from tests.server.roaming_support import JSON, SQLITE_ONLY, Roaming, token
from tests.server.support import FakePartner, envelope_of
from tests.server.v211.support import cdr, emsp_url, open_v211, post

pytestmark = SQLITE_ONLY


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_v211(database, partner) as setup:
        yield setup


def data_of(response: httpx.Response, http_status: int = 200) -> Any:
    return envelope_of(response, http_status, 1000).get("data")


# --- Tokens Sender ---------------------------------------------------------------------------


async def test_tokens_list_is_211(roaming: Roaming) -> None:
    """mod_tokens.md 2.2.1 GET Method: our Tokens as 2.1.1 Tokens (auth_id, no owner;
    APP_USER becomes OTHER), paginated."""
    await roaming.own_put(
        "tokens", token(roaming.emsp, "U1"), token(roaming.emsp, "U2", type="APP_USER")
    )
    response = await roaming.get(emsp_url("tokens"))
    page = data_of(response)
    assert isinstance(page, list)
    for item in page:
        v211_tokens.Token.model_validate_json(orjson.dumps(item))
    assert [(item["uid"], item["type"]) for item in page] == [("U1", "RFID"), ("U2", "OTHER")]
    assert page[0]["auth_id"] == "NL-ORM-C12345678-X"
    assert "country_code" not in page[0]
    assert response.headers["X-Total-Count"] == "2"


async def test_authorize_allowed(roaming: Roaming) -> None:
    """mod_tokens.md 2.2.2 POST Method: a known valid Token at a Location is ALLOWED, with
    the LocationReferences (3.1 AuthorizationInfo: no token, no authorization_reference)."""
    await roaming.own_put("tokens", token(roaming.emsp, "U1"))
    where = {"location_id": "LOC1", "evse_uids": ["E1"], "connector_ids": ["1"]}
    info = data_of(await post(roaming, emsp_url("tokens", "U1", "authorize"), where))
    v211_tokens.AuthorizationInfo.model_validate_json(orjson.dumps(info))
    assert info == {"allowed": "ALLOWED", "location": {"location_id": "LOC1", "evse_uids": ["E1"]}}
    response = await roaming.client.post(
        emsp_url("tokens", "U1", "authorize"), headers=roaming.auth
    )
    assert data_of(response) == {"allowed": "ALLOWED"}


async def test_authorize_blocked_and_unknown(roaming: Roaming) -> None:
    """mod_tokens.md 2.2.2 POST Method: an invalid Token is BLOCKED; an unknown one is HTTP 404
    (status_codes.md: the resource does not exist) with 2000 (2.1.1 has no 2004); a type
    2.1.1 does not know is 2001."""
    await roaming.own_put("tokens", token(roaming.emsp, "U1", valid=False))
    response = await roaming.client.post(
        emsp_url("tokens", "U1", "authorize"), headers=roaming.auth
    )
    assert data_of(response) == {"allowed": "BLOCKED"}
    response = await roaming.client.post(
        emsp_url("tokens", "NOPE", "authorize"), headers=roaming.auth
    )
    envelope_of(response, 404, 2000)
    response = await roaming.client.post(
        emsp_url("tokens", "U1", "authorize") + "?type=APP_USER", headers=roaming.auth
    )
    envelope_of(response, 200, 2001)


# --- CDRs Receiver ---------------------------------------------------------------------------


async def test_cdr_post_and_get(roaming: Roaming) -> None:
    """mod_cdrs.md 2.2.2 POST Method (201 and the Location header), 2.2.1 GET Method at that
    URL: stored as a 2.2.1 CDR of the caller's CPO party (cdr_token of our eMSP party), read
    back as 2.1.1; a repeated identical POST is 200."""
    body = cdr("CDR1")
    response = await post(roaming, emsp_url("cdrs"), body)
    envelope_of(response, 201, 1000)
    where = response.headers["Location"]
    assert where.endswith(f"/ocpi/2.1.1/emsp/cdrs/{'/'.join(roaming.partner_cpo)}/CDR1")
    got = data_of(await roaming.client.get(where, headers=roaming.auth))
    v211_cdrs.CDR.model_validate_json(orjson.dumps(got))
    assert got["id"] == "CDR1"
    assert got["total_cost"] == 2.5
    assert got["auth_id"] == "NL-ORM-C12345678-X"
    path = ObjectPath(*roaming.partner_cpo, "CDR1")
    stored = await roaming.node.roaming.read(roaming.partner_id, CDRS, path)
    document = CDR.model_validate_json(stored)
    assert (document.cdr_token.country_code, document.cdr_token.party_id) == roaming.emsp
    envelope_of(await post(roaming, emsp_url("cdrs"), body), 200, 1000)


async def test_cdr_token_from_our_token(roaming: Roaming) -> None:
    """mod_cdrs.md 3.1 CDR Object: ``auth_id`` names our Token by its contract_id: a POSTed
    CDR is stored with that Token's uid and type in cdr_token; an auth_id no Token of ours
    carries keeps the fallback (uid = auth_id, type OTHER, our eMSP party)."""
    await roaming.own_put(
        "tokens", token(roaming.emsp, "APP-5", type="APP_USER", contract_id="NL-ORM-C5")
    )
    envelope_of(await post(roaming, emsp_url("cdrs"), cdr("CDR5", auth_id="NL-ORM-C5")), 201, 1000)
    body = cdr("CDR6", auth_id="NL-ORM-NOBODY")
    envelope_of(await post(roaming, emsp_url("cdrs"), body), 201, 1000)
    tokens = {}
    for cdr_id in ("CDR5", "CDR6"):
        path = ObjectPath(*roaming.partner_cpo, cdr_id)
        stored = CDR.model_validate_json(
            await roaming.node.roaming.read(roaming.partner_id, CDRS, path)
        )
        tokens[cdr_id] = stored.cdr_token.to_dict()
    owner = {"country_code": roaming.emsp[0], "party_id": roaming.emsp[1]}
    assert tokens["CDR5"] == owner | {
        "uid": "APP-5",
        "type": "APP_USER",
        "contract_id": "NL-ORM-C5",
    }
    assert tokens["CDR6"] == owner | {
        "uid": "NL-ORM-NOBODY",
        "type": "OTHER",
        "contract_id": "NL-ORM-NOBODY",
    }


async def test_cdr_errors(roaming: Roaming) -> None:
    """mod_cdrs.md 2.2.2 POST Method: an invalid CDR is 2001, not JSON HTTP 400, a changed
    CDR with a stored id 2000 (CDRs cannot be replaced); an unknown CDR 404; a partner not
    registered as CPO may not POST (404)."""
    bad = cdr("CDR2")
    del bad["auth_id"]
    envelope_of(await post(roaming, emsp_url("cdrs"), bad), 200, 2001)
    response = await roaming.client.post(
        emsp_url("cdrs"), content=b"nope", headers=roaming.auth | JSON
    )
    envelope_of(response, 400, 2001)
    envelope_of(await post(roaming, emsp_url("cdrs"), cdr("CDR3")), 201, 1000)
    envelope_of(await post(roaming, emsp_url("cdrs"), cdr("CDR3", total_cost=9.0)), 200, 2000)
    missing = emsp_url("cdrs", *roaming.partner_cpo, "NOPE")
    envelope_of(await roaming.get(missing), 404, 2000)
    _, auth = await roaming.register([(Role.EMSP, ("DE", "QQ2"))])
    response = await roaming.client.post(
        emsp_url("cdrs"), content=orjson.dumps(cdr("CDR4")), headers=auth | JSON
    )
    envelope_of(response, 404, 2000)


# --- Command results -------------------------------------------------------------------------


async def _sent_command(roaming: Roaming) -> str:
    uid = uuid.uuid4().hex
    async with roaming.node.db.session() as session, session.begin():
        await command_store.insert_command(
            session,
            uid=uid,
            side=command_store.CommandSide.SENT,
            partner_id=roaming.partner_id,
            type="START_SESSION",
            request=b"{}",
            response_url=f"https://node.example.com{V211_SENDER_PATH}/START_SESSION/{uid}",
            state=command_store.CommandState.PENDING,
            deadline=datetime.now(UTC) + timedelta(minutes=1),
        )
    return uid


async def test_command_result_arrives(roaming: Roaming) -> None:
    """mod_commands.md 2.2.1 POST Method: the CPO POSTs the Charge Point's CommandResponse to
    the response_url; it is the 2.2.1 CommandResult of the command (UNKNOWN_SESSION, which
    2.2.1 results lack, becomes REJECTED)."""
    uid = await _sent_command(roaming)
    url = f"{V211_SENDER_PATH}/START_SESSION/{uid}"
    envelope_of(await post(roaming, url, {"result": "ACCEPTED"}), 200, 1000)
    found = await roaming.node.commands.get(uid)
    assert found is not None
    assert found["result"] == {"result": "ACCEPTED"}
    envelope_of(await post(roaming, url, {"result": "UNKNOWN_SESSION"}), 200, 1000)
    found = await roaming.node.commands.get(uid)
    assert found is not None
    assert found["result"]["result"] == "REJECTED"


async def test_command_result_refused(roaming: Roaming) -> None:
    """mod_commands.md 2.2.1 POST Method: an unknown command is 404; an invalid
    CommandResponse 2001; another command type in the URL 404."""
    uid = await _sent_command(roaming)
    url = f"{V211_SENDER_PATH}/START_SESSION/{uid}"
    envelope_of(await post(roaming, url, {"result": "MAYBE"}), 200, 2001)
    envelope_of(
        await post(roaming, f"{V211_SENDER_PATH}/START_SESSION/x", {"result": "ACCEPTED"}),
        404,
        2000,
    )
    other = f"{V211_SENDER_PATH}/STOP_SESSION/{uid}"
    envelope_of(await post(roaming, other, {"result": "ACCEPTED"}), 404, 2000)
