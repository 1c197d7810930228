"""Real-time authorization, eMSP side: POST {tokens}/{token_uid}/authorize on our Tokens Sender
interface (mod_tokens.asciidoc "Real-time authorization", "Sender Interface", "POST Method",
"AuthorizationInfo Object"). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio

from openroam._services.authorization import AuthorizationRequest, Decision
from openroam._services.events import token_subject
from openroam._store.db import Database
from openroam.errors import NotEnoughInformation
from openroam.models.v221.tokens import AllowedType, LocationReferences
from tests.server.roaming_support import BASE, JSON, SQLITE_ONLY, Roaming, open_roaming, token
from tests.server.support import FakePartner, envelope_of


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def authorize_url(uid: str, type_: str | None = None) -> str:
    url = f"{BASE}/sender/tokens/{uid}/authorize"
    return url if type_ is None else f"{url}?type={type_}"


async def post(roaming: Roaming, url: str, body: Any = None) -> Any:
    content = b"" if body is None else orjson.dumps(body)
    return await roaming.client.post(url, content=content, headers=roaming.auth | JSON)


async def test_a_valid_token_is_allowed_with_the_complete_token_and_a_reference(
    roaming: Roaming,
) -> None:
    stored = token(roaming.emsp, "AUTH1")
    await roaming.own_put("tokens", stored)
    body = envelope_of(await post(roaming, authorize_url("auth1")), 200, 1000)
    info = body["data"]
    assert info["allowed"] == "ALLOWED"
    # "AuthorizationInfo Object": token is the complete Token object.
    assert info["token"] == stored
    assert len(info["authorization_reference"]) <= 36
    assert "location" not in info
    second = envelope_of(await post(roaming, authorize_url("AUTH1")), 200, 1000)["data"]
    assert second["authorization_reference"] != info["authorization_reference"]


async def test_an_invalid_token_is_blocked_without_a_reference(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH2", valid=False))
    info = envelope_of(await post(roaming, authorize_url("AUTH2")), 200, 1000)["data"]
    assert info["allowed"] == "BLOCKED"
    assert "authorization_reference" not in info


async def test_unknown_token_is_http_404_with_status_2004_and_no_data(roaming: Roaming) -> None:
    # mod_tokens "POST Method": unknown Token → HTTP 404 with OCPI status code 2004.
    body = envelope_of(await post(roaming, authorize_url("NOSUCH")), 404, 2004)
    assert "data" not in body


async def test_the_type_selects_the_token(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH3", type="APP_USER"))
    envelope_of(await post(roaming, authorize_url("AUTH3")), 404, 2004)  # RFID by default
    info = envelope_of(await post(roaming, authorize_url("AUTH3", "APP_USER")), 200, 1000)
    assert info["data"]["allowed"] == "ALLOWED"


async def test_location_references_come_back_when_allowed(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH4"))
    where = {"location_id": "LOC1", "evse_uids": ["E1", "E2"]}
    info = envelope_of(await post(roaming, authorize_url("AUTH4"), where), 200, 1000)["data"]
    assert info["location"] == where


async def test_the_backend_hook_decides_and_may_narrow_the_evses(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH5"))
    seen: list[AuthorizationRequest] = []

    async def hook(request: AuthorizationRequest) -> Decision | None:
        seen.append(request)
        if request.location is None:
            # "Real-time authorization": too little information to decide → 2002.
            raise NotEnoughInformation("a location is needed")
        if request.location.location_id == "FAR":
            return Decision(AllowedType.NOT_ALLOWED)
        return Decision(
            AllowedType.ALLOWED,
            location=LocationReferences(location_id=request.location.location_id, evse_uids=["E2"]),
            authorization_reference="REF-42",
        )

    roaming.node.authorization.set_hook(hook)
    envelope_of(await post(roaming, authorize_url("AUTH5")), 200, 2002)
    far = envelope_of(
        await post(roaming, authorize_url("AUTH5"), {"location_id": "FAR"}), 200, 1000
    )
    assert far["data"]["allowed"] == "NOT_ALLOWED"
    assert "location" not in far["data"]
    where = {"location_id": "LOC1", "evse_uids": ["E1", "E2"]}
    info = envelope_of(await post(roaming, authorize_url("AUTH5"), where), 200, 1000)["data"]
    assert info["location"] == {"location_id": "LOC1", "evse_uids": ["E2"]}
    assert info["authorization_reference"] == "REF-42"
    assert seen[0].partner_id == roaming.partner_id
    assert seen[0].token.uid == "AUTH5"


async def test_each_answer_is_an_event_for_the_backend(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH6"))
    info = envelope_of(await post(roaming, authorize_url("AUTH6")), 200, 1000)["data"]
    subject = token_subject(*roaming.emsp, "AUTH6")
    events = await roaming.node.events.read(subject=subject)
    assert [event.type for event in events] == ["token.authorization"]
    data = orjson.loads(events[0].payload)
    assert data["allowed"] == "ALLOWED"
    assert data["authorization_reference"] == info["authorization_reference"]


@SQLITE_ONLY
async def test_an_invalid_body_is_2001(roaming: Roaming) -> None:
    await roaming.own_put("tokens", token(roaming.emsp, "AUTH7"))
    envelope_of(await post(roaming, authorize_url("AUTH7"), {"evse_uids": []}), 200, 2001)
    response = await roaming.client.post(
        authorize_url("AUTH7"), content=b"{not json", headers=roaming.auth | JSON
    )
    envelope_of(response, 400, 2001)
    envelope_of(await post(roaming, authorize_url("AUTH7", "NFC")), 200, 2001)


@SQLITE_ONLY
async def test_a_token_of_another_party_is_unknown_here(roaming: Roaming) -> None:
    # Only the Tokens of our own eMSP parties are answered for.
    await roaming.own_put("tokens", token(roaming.cpo, "AUTH8"))
    envelope_of(await post(roaming, authorize_url("AUTH8")), 404, 2004)
