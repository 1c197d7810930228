"""Own Tariffs (PUT, DELETE, no PATCH) and Tokens (PUT, PATCH, typed by ``?type=``) through the
backend API."""

from __future__ import annotations

import httpx

from tests.api.support import T0, TIMESTAMP, data_of, error_of, tariff, token, without

TARIFF = "/api/tariffs/NL/ORM/T1"
TOKEN = "/api/tokens/NL/ORM/012345678"


async def test_tariff_put_get_and_replace(client: httpx.AsyncClient) -> None:
    assert data_of(await client.put(TARIFF, json=tariff()), 201)["created"] is True
    assert data_of(await client.get(TARIFF)) == tariff()
    replaced = await client.put(
        TARIFF, json=tariff(currency="CHF", last_updated="2026-02-01T00:00:00Z")
    )
    assert data_of(replaced, 200)["created"] is False
    assert data_of(await client.get(TARIFF))["currency"] == "CHF"


async def test_tariff_put_without_last_updated_gets_now(client: httpx.AsyncClient) -> None:
    stamp = data_of(await client.put(TARIFF, json=without(tariff(), "last_updated")), 201)[
        "last_updated"
    ]
    assert TIMESTAMP.match(stamp)
    assert data_of(await client.get(TARIFF))["last_updated"] == stamp


async def test_tariff_delete(client: httpx.AsyncClient) -> None:
    """mod_tariffs "DELETE": a Tariff can be removed."""
    await client.put(TARIFF, json=tariff())
    assert data_of(await client.delete(TARIFF)) is None
    error_of(await client.get(TARIFF), 404, 2000)
    error_of(await client.delete(TARIFF), 404, 2000)


async def test_tariffs_have_no_patch(client: httpx.AsyncClient) -> None:
    """mod_tariffs: PATCH was removed in 2.2; all changes go by PUT."""
    await client.put(TARIFF, json=tariff())
    response = await client.patch(TARIFF, json={"currency": "CHF"})
    error_of(response, 405, 2000)
    assert response.headers["allow"] == "GET, PUT, DELETE"


async def test_tariff_list(client: httpx.AsyncClient) -> None:
    await client.put(TARIFF, json=tariff())
    await client.put("/api/tariffs/NL/ORM/T2", json=tariff("T2"))
    body = (await client.get("/api/tariffs")).json()
    assert body == {"data": [tariff(), tariff("T2")], "total": 2}


async def test_token_put_get_with_default_type_rfid(client: httpx.AsyncClient) -> None:
    """mod_tokens "Receiver Interface": type defaults to RFID."""
    assert data_of(await client.put(TOKEN, json=token()), 201)["created"] is True
    assert data_of(await client.get(TOKEN)) == token()
    assert data_of(await client.get(TOKEN, params={"type": "RFID"})) == token()
    error_of(await client.get(TOKEN, params={"type": "APP_USER"}), 404, 2000)


async def test_tokens_are_identified_by_uid_and_type(client: httpx.AsyncClient) -> None:
    """mod_tokens "Token Object": uid and type together identify a Token."""
    await client.put(TOKEN, json=token())
    app_user = token(type="APP_USER", contract_id="NL-ORM-C00000001-X")
    response = await client.put(TOKEN, params={"type": "APP_USER"}, json=app_user)
    assert data_of(response, 201)["created"] is True
    assert data_of(await client.get(TOKEN, params={"type": "APP_USER"})) == app_user
    assert data_of(await client.get(TOKEN)) == token()
    # The type in the body must be the type of the URL (transport_and_format "Errors": 2001).
    error_of(await client.put(TOKEN, json=app_user), 400, 2001)


async def test_token_patch(client: httpx.AsyncClient) -> None:
    """mod_tokens "PATCH Method": valid=false invalidates a Token."""
    await client.put(TOKEN, json=token())
    data = data_of(await client.patch(TOKEN, json={"valid": False}))
    assert TIMESTAMP.match(data["last_updated"])
    assert data_of(await client.get(TOKEN)) == token(valid=False, last_updated=data["last_updated"])


async def test_token_type_must_be_a_token_type(client: httpx.AsyncClient) -> None:
    message = error_of(await client.get(TOKEN, params={"type": "CARD"}), 400, 2001)
    assert "type" in message


async def test_tokens_have_no_delete(client: httpx.AsyncClient) -> None:
    """mod_tokens: Tokens are never deleted; PATCH valid=false instead."""
    error_of(await client.delete(TOKEN), 405, 2000)


async def test_token_list(client: httpx.AsyncClient) -> None:
    await client.put(TOKEN, json=token())
    body = (await client.get("/api/tokens", params={"date_from": T0})).json()
    assert body == {"data": [token()], "total": 1}
    body = (await client.get("/api/tokens", params={"date_to": T0})).json()
    assert body == {"data": [], "total": 0}
