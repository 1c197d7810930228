"""Our Tariffs and Tokens Receiver interfaces (mod_tariffs, mod_tokens "Receiver Interface";
transport_and_format "Client Owned Object Push"): a CPO partner PUTs and DELETEs its Tariffs at
``/{country_code}/{party_id}/{tariff_id}``; an eMSP partner PUTs and PATCHes its Tokens at
``/{country_code}/{party_id}/{token_uid}[?type=]``. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import TARIFFS, TOKENS
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.errors import NotFound
from openroam.models.v221.types import Role
from tests.server.roaming_support import (
    JSON,
    SQLITE_ONLY,
    Party,
    Roaming,
    open_roaming,
    receiver_url,
    tariff,
    token,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of, token_header

T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def tariff_url(roaming: Roaming, tariff_id: str, party: Party | None = None) -> str:
    return receiver_url("tariffs", party or roaming.partner_cpo, tariff_id)


def token_url(
    roaming: Roaming, uid: str, type_: str | None = None, party: Party | None = None
) -> str:
    return receiver_url("tokens", party or roaming.partner_emsp, uid, type_=type_)


async def data_at(roaming: Roaming, url: str, auth: dict[str, str] | None = None) -> Any:
    return envelope_of(await roaming.get(url, auth), 200, 1000)["data"]


# --- Tariffs ---------------------------------------------------------------------------------


async def test_tariff_put_new_is_201_and_replace_is_200(roaming: Roaming) -> None:
    """mod_tariffs "PUT"; status_codes.asciidoc: new → HTTP 201, replace → HTTP 200; GET returns
    the Tariff as stored; a replace drops what the new one omits (transport_and_format
    "PUT")."""
    first = tariff(roaming.partner_cpo, tariff_alt_url="https://example.com/t1")
    response = await roaming.put(tariff_url(roaming, "T1"), first)
    assert set(envelope_of(response, 201, 1000)) == {"status_code", "timestamp"}
    assert await data_at(roaming, tariff_url(roaming, "T1")) == first
    second = tariff(roaming.partner_cpo, currency="USD", last_updated=T1)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), second), 200, 1000)
    assert await data_at(roaming, tariff_url(roaming, "T1")) == second


async def test_tariff_ids_must_match_the_url(roaming: Roaming) -> None:
    """transport_and_format "Errors"; mod_tariffs "PUT" parameters: URL id ≠ body id, or URL
    country_code/party_id ≠ the body's → 2001; nothing is stored."""
    bodies = [
        tariff(roaming.partner_cpo, "T2"),
        tariff(("FR", roaming.partner_cpo[1])),
        tariff(roaming.partner_cpo2),
    ]
    for body in bodies:
        envelope = envelope_of(await roaming.put(tariff_url(roaming, "T1"), body), 200, 2001)
        assert "in the body differs from the URL" in envelope["status_message"], body
    for tariff_id in ("T1", "T2"):
        envelope_of(await roaming.get(tariff_url(roaming, tariff_id)), 404, 2000)


@SQLITE_ONLY
async def test_tariff_patch_and_post_are_not_offered(roaming: Roaming) -> None:
    """mod_tariffs "Receiver Interface": PATCH was removed in 2.2 and there is no POST → HTTP
    405 envelopes listing what the path serves; the Tariff is unchanged."""
    document = tariff(roaming.partner_cpo)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), document), 201, 1000)
    patch = orjson.dumps({"currency": "USD", "last_updated": T1})
    for method in ("PATCH", "POST"):
        response = await roaming.client.request(
            method, tariff_url(roaming, "T1"), content=patch, headers=roaming.auth | JSON
        )
        envelope_of(response, 405, 2000)
        assert response.headers["allow"] == "GET, PUT, DELETE"
    assert await data_at(roaming, tariff_url(roaming, "T1")) == document


async def test_tariff_delete_removes_it(roaming: Roaming) -> None:
    """mod_tariffs Receiver "DELETE Method": the Tariff is removed, a later GET → 404; deleting
    it again, or an unknown one → 404; a new PUT creates it again (201)."""
    document = tariff(roaming.partner_cpo)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), document), 201, 1000)
    response = await roaming.client.delete(tariff_url(roaming, "t1"), headers=roaming.auth)
    assert set(envelope_of(response, 200, 1000)) == {"status_code", "timestamp"}
    envelope_of(await roaming.get(tariff_url(roaming, "T1")), 404, 2000)
    with pytest.raises(NotFound):
        await roaming.node.roaming.read(
            roaming.partner_id, TARIFFS, ObjectPath(*roaming.partner_cpo, "T1")
        )
    for tariff_id in ("T1", "NOPE"):
        response = await roaming.client.delete(tariff_url(roaming, tariff_id), headers=roaming.auth)
        envelope_of(response, 404, 2000)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), document), 201, 1000)


async def test_tariff_of_a_party_the_client_did_not_register_is_refused(roaming: Roaming) -> None:
    """transport_and_format "Errors": PUT, DELETE or GET under a country_code/party_id that is
    not one of the client's CredentialsRoles → 404, and nothing changes."""
    other_party = ("DE", unique_party_id())
    other_id, other_auth = await roaming.register([(Role.CPO, other_party)])
    theirs = tariff(other_party)
    envelope_of(
        await roaming.put(tariff_url(roaming, "T1", other_party), theirs, other_auth), 201, 1000
    )
    for party in (other_party, roaming.cpo, ("DE", unique_party_id())):
        at = tariff_url(roaming, "T1", party)
        envelope_of(
            await roaming.put(at, tariff(party, currency="USD", last_updated=T1)), 404, 2000
        )
        envelope_of(await roaming.client.delete(at, headers=roaming.auth), 404, 2000)
        envelope_of(await roaming.get(at), 404, 2000)
        with pytest.raises(NotFound):
            await roaming.node.roaming.read(roaming.partner_id, TARIFFS, ObjectPath(*party, "T1"))
    assert await data_at(roaming, tariff_url(roaming, "T1", other_party), other_auth) == theirs
    read = await roaming.node.roaming.read(other_id, TARIFFS, ObjectPath(*other_party, "T1"))
    assert orjson.loads(read) == theirs


async def test_tariff_older_put_is_acknowledged_but_not_applied(roaming: Roaming) -> None:
    """An update older than the stored Tariff is acknowledged (1000) and ignored."""
    newer = tariff(roaming.partner_cpo, last_updated=T2)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), newer), 201, 1000)
    older = tariff(roaming.partner_cpo, currency="USD", last_updated=T1)
    envelope_of(await roaming.put(tariff_url(roaming, "T1"), older), 200, 1000)
    assert await data_at(roaming, tariff_url(roaming, "T1")) == newer


async def test_tariff_ids_match_case_insensitively(roaming: Roaming) -> None:
    """types.asciidoc "CiString": PUT T-ABC, GET t-abc, PUT again as T-Abc → one Tariff, 200."""
    cc, pid = roaming.partner_cpo
    lower = (cc.lower(), pid.lower())
    envelope_of(
        await roaming.put(tariff_url(roaming, "T-ABC"), tariff(roaming.partner_cpo, "T-ABC")),
        201,
        1000,
    )
    assert (await data_at(roaming, tariff_url(roaming, "t-abc", lower)))["id"] == "T-ABC"
    again = tariff(lower, "T-Abc", last_updated=T1)
    envelope_of(await roaming.put(tariff_url(roaming, "T-Abc", lower), again), 200, 1000)
    assert await data_at(roaming, tariff_url(roaming, "T-ABC")) == again


# --- Tokens ----------------------------------------------------------------------------------


async def test_token_type_defaults_to_rfid(roaming: Roaming) -> None:
    """mod_tokens "Receiver Interface": ``type`` is optional and defaults to RFID; a body of
    another type at a URL without ``type`` → 2001."""
    rfid = token(roaming.partner_emsp, "UID1")
    envelope_of(await roaming.put(token_url(roaming, "UID1"), rfid), 201, 1000)
    assert await data_at(roaming, token_url(roaming, "UID1")) == rfid
    assert await data_at(roaming, token_url(roaming, "UID1", "RFID")) == rfid
    envelope_of(await roaming.get(token_url(roaming, "UID1", "APP_USER")), 404, 2000)
    app_user = token(roaming.partner_emsp, "UID2", type="APP_USER")
    envelope = envelope_of(await roaming.put(token_url(roaming, "UID2"), app_user), 200, 2001)
    assert envelope["status_message"] == "type in the body differs from the URL"
    envelope_of(await roaming.get(token_url(roaming, "UID2", "APP_USER")), 404, 2000)
    envelope = envelope_of(await roaming.get(token_url(roaming, "UID1", "CARD")), 200, 2001)
    assert "type" in envelope["status_message"]


async def test_same_uid_with_two_types_are_two_tokens(roaming: Roaming) -> None:
    """mod_tokens "Token Object": uid and type together identify a Token; a PATCH
    of one leaves the other alone."""
    rfid = token(roaming.partner_emsp, "UID1")
    app_user = token(roaming.partner_emsp, "UID1", type="APP_USER", contract_id="NL-ORM-APP")
    envelope_of(await roaming.put(token_url(roaming, "UID1", "RFID"), rfid), 201, 1000)
    envelope_of(await roaming.put(token_url(roaming, "UID1", "APP_USER"), app_user), 201, 1000)
    assert await data_at(roaming, token_url(roaming, "UID1")) == rfid
    assert await data_at(roaming, token_url(roaming, "UID1", "APP_USER")) == app_user
    patch = {"valid": False, "last_updated": T1}
    envelope_of(await roaming.patch(token_url(roaming, "UID1", "APP_USER"), patch), 200, 1000)
    assert await data_at(roaming, token_url(roaming, "UID1")) == rfid
    assert await data_at(roaming, token_url(roaming, "UID1", "APP_USER")) == app_user | patch


async def test_token_put_new_is_201_and_replace_is_200(roaming: Roaming) -> None:
    """mod_tokens "PUT"; status_codes.asciidoc (introduction): new → 201, replace → 200."""
    first = token(roaming.partner_emsp, "UID1", visual_number="1234")
    envelope_of(await roaming.put(token_url(roaming, "UID1"), first), 201, 1000)
    second = token(roaming.partner_emsp, "UID1", whitelist="NEVER", last_updated=T1)
    envelope_of(await roaming.put(token_url(roaming, "uid1", "RFID"), second), 200, 1000)
    assert await data_at(roaming, token_url(roaming, "UID1")) == second


async def test_token_patch_valid_false_invalidates_it(roaming: Roaming) -> None:
    """mod_tokens token_patch_example: tokens are never deleted; PATCH {valid: false,
    last_updated} invalidates one and changes nothing else (mod_tokens Receiver "PATCH
    Method")."""
    document = token(roaming.partner_emsp, "UID1")
    envelope_of(await roaming.put(token_url(roaming, "UID1"), document), 201, 1000)
    patch = {"valid": False, "last_updated": T1}
    response = await roaming.patch(token_url(roaming, "uid1"), patch)
    assert set(envelope_of(response, 200, 1000)) == {"status_code", "timestamp"}
    assert await data_at(roaming, token_url(roaming, "UID1")) == document | patch
    response = await roaming.client.delete(token_url(roaming, "UID1"), headers=roaming.auth)
    envelope_of(response, 405, 2000)
    assert response.headers["allow"] == "GET, PUT, PATCH"


async def test_token_patch_rules(roaming: Roaming) -> None:
    """mod_tokens "PATCH"; status_codes.asciidoc 2001: a PATCH without last_updated → 2001; a
    PATCH of an unknown Token → 404 and nothing is created; an older PATCH is acknowledged
    and ignored; a uid in the body must be the URL's (transport_and_format "Errors")."""
    document = token(roaming.partner_emsp, "UID1", last_updated=T1)
    envelope_of(await roaming.put(token_url(roaming, "UID1"), document), 201, 1000)
    envelope = envelope_of(
        await roaming.patch(token_url(roaming, "UID1"), {"valid": False}), 200, 2001
    )
    assert "$.last_updated" in envelope["status_message"]
    patch = {"valid": False, "last_updated": T2}
    envelope_of(await roaming.patch(token_url(roaming, "UID9"), patch), 404, 2000)
    envelope_of(await roaming.patch(token_url(roaming, "UID1", "OTHER"), patch), 404, 2000)
    envelope_of(await roaming.get(token_url(roaming, "UID9")), 404, 2000)
    envelope_of(await roaming.get(token_url(roaming, "UID1", "OTHER")), 404, 2000)
    older = {"valid": False, "last_updated": "2026-01-01T10:00:00Z"}
    envelope_of(await roaming.patch(token_url(roaming, "UID1"), older), 200, 1000)
    wrong_uid = {"uid": "UID2", "valid": False, "last_updated": T2}
    envelope_of(await roaming.patch(token_url(roaming, "UID1"), wrong_uid), 200, 2001)
    assert await data_at(roaming, token_url(roaming, "UID1")) == document


async def test_token_ids_must_match_the_url(roaming: Roaming) -> None:
    """transport_and_format "Errors"; mod_tokens "PUT" parameters: uid, country_code, party_id
    and type of the body equal the URL's, else 2001; nothing is stored."""
    bodies = [
        token(roaming.partner_emsp, "UID2"),
        token(("FR", roaming.partner_emsp[1]), "UID1"),
        token(roaming.partner_cpo2, "UID1"),
        token(roaming.partner_emsp, "UID1", type="OTHER"),
    ]
    for body in bodies:
        envelope = envelope_of(await roaming.put(token_url(roaming, "UID1"), body), 200, 2001)
        assert "in the body differs from the URL" in envelope["status_message"], body
    for uid, type_ in (("UID1", None), ("UID2", None), ("UID1", "OTHER")):
        envelope_of(await roaming.get(token_url(roaming, uid, type_)), 404, 2000)


async def test_token_of_a_party_the_client_did_not_register_is_refused(roaming: Roaming) -> None:
    """transport_and_format "Errors": PUT, PATCH or GET under a party that is not one of the
    client's CredentialsRoles → 404, and nothing changes."""
    other_party = ("DE", unique_party_id())
    other_id, other_auth = await roaming.register([(Role.EMSP, other_party)])
    theirs = token(other_party, "UID1")
    at_theirs = token_url(roaming, "UID1", party=other_party)
    envelope_of(await roaming.put(at_theirs, theirs, other_auth), 201, 1000)
    for party in (other_party, roaming.emsp, ("DE", unique_party_id())):
        at = token_url(roaming, "UID1", party=party)
        envelope_of(
            await roaming.put(at, token(party, "UID1", valid=False, last_updated=T1)), 404, 2000
        )
        envelope_of(await roaming.patch(at, {"valid": False, "last_updated": T1}), 404, 2000)
        envelope_of(await roaming.get(at), 404, 2000)
        path = ObjectPath(*party, "UID1", (), "RFID")
        with pytest.raises(NotFound):
            await roaming.node.roaming.read(roaming.partner_id, TOKENS, path)
    assert await data_at(roaming, at_theirs, other_auth) == theirs
    read = await roaming.node.roaming.read(
        other_id, TOKENS, ObjectPath(*other_party, "UID1", (), "RFID")
    )
    assert orjson.loads(read) == theirs


# --- both ------------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_invalid_json_is_400_2001(roaming: Roaming) -> None:
    """status_codes.asciidoc: a body that is not valid JSON → HTTP 400 with 2001."""
    targets = [
        ("PUT", tariff_url(roaming, "T1")),
        ("PUT", token_url(roaming, "UID1")),
        ("PATCH", token_url(roaming, "UID1")),
    ]
    for method, url in targets:
        for content in (b"{not json", b""):
            response = await roaming.client.request(
                method, url, content=content, headers=roaming.auth | JSON
            )
            body = envelope_of(response, 400, 2001)
            assert body["status_message"] == "The request body is not valid JSON", (method, url)


@SQLITE_ONLY
async def test_invalid_fields_are_2001_with_the_json_path(roaming: Roaming) -> None:
    """status_codes.asciidoc 2001: the message names the JSON path of each invalid field."""
    elements = [{"price_components": [{"type": "KWH", "price": 0.25, "step_size": 1}]}]
    cases = [
        (
            tariff_url(roaming, "T1"),
            tariff(roaming.partner_cpo, elements=elements),
            "$.elements[0].price_components[0].type",
        ),
        (tariff_url(roaming, "T1"), tariff(roaming.partner_cpo, elements=[]), "$.elements"),
        (
            token_url(roaming, "UID1"),
            token(roaming.partner_emsp, "UID1", whitelist="SOMETIMES"),
            "$.whitelist",
        ),
        (token_url(roaming, "UID1"), token(roaming.partner_emsp, "UID1", valid="maybe"), "$.valid"),
    ]
    for url, body, path in cases:
        envelope = envelope_of(await roaming.put(url, body), 200, 2001)
        assert f"{path}: " in envelope["status_message"], (path, envelope)
    envelope_of(await roaming.get(tariff_url(roaming, "T1")), 404, 2000)
    envelope_of(await roaming.get(token_url(roaming, "UID1")), 404, 2000)


@SQLITE_ONLY
async def test_token_a_and_unknown_partners_are_401(roaming: Roaming) -> None:
    """transport_and_format "Authorization header": token A on a functional module, or a token
    of no (longer) registered party → HTTP 401 on every Tariffs and Tokens Receiver route."""
    token_a = await roaming.node.credentials.invite(
        f"invited-{unique_party_id()}", grants=[Grant(Role.EMSP, "DE", unique_party_id())]
    )
    _, auth = await roaming.register([(Role.EMSP, ("DE", unique_party_id()))])
    await roaming.client.delete("/ocpi/2.2.1/credentials", headers=auth)
    routes = [
        ("GET", tariff_url(roaming, "T1"), None),
        ("PUT", tariff_url(roaming, "T1"), tariff(roaming.partner_cpo)),
        ("DELETE", tariff_url(roaming, "T1"), None),
        ("GET", token_url(roaming, "UID1"), None),
        ("PUT", token_url(roaming, "UID1"), token(roaming.partner_emsp, "UID1")),
        ("PATCH", token_url(roaming, "UID1"), {"valid": False, "last_updated": T1}),
    ]
    for headers in (token_header(token_a), auth):
        for method, url, body in routes:
            content = None if body is None else orjson.dumps(body)
            response = await roaming.client.request(
                method, url, content=content, headers=headers | JSON
            )
            envelope_of(response, 401, 2000)
    envelope_of(await roaming.get(tariff_url(roaming, "T1")), 404, 2000)
    envelope_of(await roaming.get(token_url(roaming, "UID1")), 404, 2000)
