"""An object's identity is its URL (transport_and_format "Client Owned Object Push", "Errors"):
on our Receiver interfaces a PUT or PATCH whose body names other ids than the URL — country_code,
party_id, the object's id, a Token's type; an EVSE's uid, a Connector's id — is answered 2001
(HTTP 200, docs/architecture.md "HTTP status policy") and changes nothing, in every module.
docs/spec-decisions.md "Ids in a PATCH body". SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from openroam._store.db import Database
from tests.api.support import connector, evse
from tests.server.roaming_support import (
    Party,
    Roaming,
    location,
    open_roaming,
    receiver_url,
    session,
    tariff,
    token,
)
from tests.server.support import FakePartner, envelope_of

T1 = "2026-01-01T11:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


async def stored(roaming: Roaming, url: str) -> Any:
    return envelope_of(await roaming.get(url), 200, 1000)["data"]


async def refused(roaming: Roaming, method: str, url: str, body: dict[str, Any]) -> None:
    send = roaming.put if method == "PUT" else roaming.patch
    envelope = envelope_of(await send(url, body), 200, 2001)
    assert "in the body differs from the URL" in envelope["status_message"], (method, url, body)


def elsewhere(roaming: Roaming) -> list[dict[str, str]]:
    """Owner fields naming another party — among them one the partner registered too."""
    country_code, _ = roaming.partner_cpo
    other_country_code, other_party_id = roaming.partner_cpo2
    return [
        {"country_code": "FR"},
        {"party_id": other_party_id},
        {"country_code": other_country_code, "party_id": other_party_id},
        {"country_code": "DE" if country_code != "DE" else "FR", "party_id": "EMS"},
    ]


async def test_patch_changing_the_owner_or_id_of_a_location_is_2001(roaming: Roaming) -> None:
    """A PATCH cannot move a Location to another owner or id, nor rename an EVSE or Connector;
    the stored Location is unchanged."""
    top = receiver_url("locations", roaming.partner_cpo, "LOC1")
    original = location(roaming.partner_cpo, evses=[evse(connectors=[connector()])])
    envelope_of(await roaming.put(top, original), 201, 1000)
    for fields in [*elsewhere(roaming), {"id": "LOC2"}]:
        await refused(roaming, "PATCH", top, {**fields, "name": "moved", "last_updated": T1})
    await refused(roaming, "PATCH", f"{top}/E1", {"uid": "E2", "last_updated": T1})
    await refused(roaming, "PATCH", f"{top}/E1/1", {"id": "2", "last_updated": T1})
    assert await stored(roaming, top) == original
    moved: Party = roaming.partner_cpo2
    envelope_of(await roaming.get(receiver_url("locations", moved, "LOC1")), 404, 2000)


async def test_patch_changing_the_owner_uid_or_type_of_a_token_is_2001(roaming: Roaming) -> None:
    """mod_tokens "Token Object": uid and type identify a Token with its owner; a PATCH naming
    others is refused and the Token stays as it was."""
    url = receiver_url("tokens", roaming.partner_emsp, "UID1")
    original = token(roaming.partner_emsp, "UID1")
    envelope_of(await roaming.put(url, original), 201, 1000)
    changes = [*elsewhere(roaming), {"uid": "UID2"}, {"type": "APP_USER"}]
    for fields in changes:
        await refused(roaming, "PATCH", url, {**fields, "valid": False, "last_updated": T1})
    assert await stored(roaming, url) == original
    typed = receiver_url("tokens", roaming.partner_emsp, "UID1", type_="APP_USER")
    envelope_of(await roaming.get(typed), 404, 2000)


async def test_patch_changing_the_owner_or_id_of_a_session_is_2001(roaming: Roaming) -> None:
    url = receiver_url("sessions", roaming.partner_cpo, "S1")
    original = session(roaming.partner_cpo, roaming.emsp, "S1")
    envelope_of(await roaming.put(url, original), 201, 1000)
    for fields in [*elsewhere(roaming), {"id": "S2"}]:
        await refused(roaming, "PATCH", url, {**fields, "kwh": 5, "last_updated": T1})
    assert await stored(roaming, url) == original


async def test_put_with_body_ids_other_than_the_url_is_2001_in_every_module(
    roaming: Roaming,
) -> None:
    """PUT: the body's ids equal the URL's at every depth of every module, else 2001 and nothing
    is stored or replaced."""
    cpo, emsp = roaming.partner_cpo, roaming.partner_emsp
    top = receiver_url("locations", cpo, "LOC1")
    tokens = receiver_url("tokens", emsp, "UID1")
    originals = {
        top: location(cpo),
        receiver_url("tariffs", cpo, "T1"): tariff(cpo, "T1"),
        tokens: token(emsp, "UID1"),
        receiver_url("sessions", cpo, "S1"): session(cpo, roaming.emsp, "S1"),
    }
    for url, original in originals.items():
        envelope_of(await roaming.put(url, original), 201, 1000)
    id_fields = {top: "id", tokens: "uid"}
    for url, original in originals.items():
        id_field = id_fields.get(url, "id")
        for fields in [*elsewhere(roaming), {id_field: "OTHER"}]:
            await refused(roaming, "PUT", url, {**original, **fields, "last_updated": T1})
    await refused(roaming, "PUT", tokens, {**originals[tokens], "type": "APP_USER"})
    await refused(roaming, "PUT", f"{top}/E1", evse("E2", last_updated=T1))
    await refused(roaming, "PUT", f"{top}/E1/1", connector("2", last_updated=T1))
    for url, original in originals.items():
        assert await stored(roaming, url) == original, url
