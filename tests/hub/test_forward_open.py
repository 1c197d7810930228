"""Open Routing at the Hub (transport_and_format.asciidoc "Open Routing Request"): a request
without ``OCPI-to-*`` goes where its content says, or is answered 4001 when the Hub cannot
tell (GET is never broadcast; Sessions and CDRs concern one party)."""

from __future__ import annotations

import json

import httpx

from tests.hub.forward_support import HUB, Party, Reply, Target, envelope

pytest_plugins = ["tests.hub.forward_fixtures"]

LOCATION = {
    "country_code": "NL",
    "party_id": "CP1",
    "id": "LOC1",
    "publish": True,
    "address": "Street 1",
    "city": "Town",
    "country": "NLD",
    "coordinates": {"latitude": "52.000000", "longitude": "4.000000"},
    "time_zone": "Europe/Amsterdam",
    "last_updated": "2024-05-01T10:00:00Z",
}
TOKEN = {
    "country_code": "DE",
    "party_id": "EM2",
    "uid": "TOK1",
    "type": "RFID",
    "contract_id": "DE-EM2-C0001",
    "issuer": "eMSP 2",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2024-05-01T10:00:00Z",
}
SESSION = (
    b'{"country_code":"NL","party_id":"CP1","id":"S1","start_date_time":"2024-05-01T10:00:00Z",'
    b'"kwh":0,"cdr_token":{"country_code":"DE","party_id":"EM2","uid":"TOK1","type":"RFID",'
    b'"contract_id":"DE-EM2-C0001"},"auth_method":"WHITELIST","location_id":"LOC1",'
    b'"evse_uid":"E1","connector_id":"1","currency":"EUR","status":"ACTIVE",'
    b'"last_updated":"2024-05-01T10:00:00.5Z"}'
)


async def hold_location(hub: httpx.AsyncClient, cpo: Party) -> None:
    """The CPO pushes LOC1 to the Hub (Broadcast Push): the Hub holds it."""
    response = await hub.put(
        "/ocpi/2.2.1/receiver/locations/NL/CP1/LOC1",
        content=json.dumps(LOCATION).encode(),
        headers=cpo.routing(HUB) | {"Content-Type": "application/json"},
    )
    assert response.json()["status_code"] == 1000, response.text


async def hold_token(hub: httpx.AsyncClient, emsp2: Party) -> None:
    response = await hub.put(
        "/ocpi/2.2.1/receiver/tokens/DE/EM2/TOK1?type=RFID",
        content=json.dumps(TOKEN).encode(),
        headers=emsp2.routing(HUB) | {"Content-Type": "application/json"},
    )
    assert response.json()["status_code"] == 1000, response.text


def parties_of(got_headers: dict[str, str]) -> tuple[tuple[str, str], tuple[str, str]]:
    return (
        (got_headers["ocpi-from-country-code"], got_headers["ocpi-from-party-id"]),
        (got_headers["ocpi-to-country-code"], got_headers["ocpi-to-party-id"]),
    )


async def test_a_session_goes_to_the_party_of_its_cdr_token(
    hub: httpx.AsyncClient,
    cpo: Party,
    emsp: Party,
    emsp2: Party,
    emsp_site: Target,
    emsp2_site: Target,
) -> None:
    response = await hub.put(
        "/ocpi/2.2.1/receiver/sessions/NL/CP1/S1",
        content=SESSION,
        headers=cpo.routing() | {"Content-Type": "application/json"},
    )
    assert response.json()["status_code"] == 1000
    assert emsp_site.got == []
    [got] = emsp2_site.got
    assert (got.method, got.path) == ("PUT", "/ocpi/2.2.1/sessions/receiver/NL/CP1/S1")
    assert got.body == SESSION
    assert parties_of(got.headers) == (cpo.key, emsp2.key)
    assert response.headers["ocpi-from-party-id"] == "EM2"
    assert response.headers["ocpi-to-party-id"] == "CP1"


async def test_a_cdr_goes_to_the_party_of_its_cdr_token(
    hub: httpx.AsyncClient, cpo: Party, emsp2: Party, emsp2_site: Target
) -> None:
    cdr = b'{"id":"C1","cdr_token":{"country_code":"de","party_id":"em2","uid":"TOK1"}}'
    response = await hub.post("/ocpi/2.2.1/receiver/cdrs", content=cdr, headers=cpo.routing())
    assert response.json()["status_code"] == 1000
    [got] = emsp2_site.got
    assert (got.method, got.path, got.body) == ("POST", "/ocpi/2.2.1/cdrs/receiver", cdr)
    # The party as the eMSP registered it, not as the CDR spelled it.
    assert parties_of(got.headers) == (cpo.key, emsp2.key)


async def test_a_session_without_a_cdr_token_party_or_naming_nobody_is_4001(
    hub: httpx.AsyncClient, cpo: Party, emsp2_site: Target
) -> None:
    without = await hub.put(
        "/ocpi/2.2.1/receiver/sessions/NL/CP1/S1", content=b'{"id":"S1"}', headers=cpo.routing()
    )
    nobody = await hub.put(
        "/ocpi/2.2.1/receiver/sessions/NL/CP1/S1",
        content=SESSION.replace(b'"EM2"', b'"ZZZ"'),
        headers=cpo.routing(),
    )
    patch = await hub.patch(
        "/ocpi/2.2.1/receiver/sessions/NL/CP1/S1", content=b'{"kwh":1}', headers=cpo.routing()
    )
    for response in (without, nobody, patch):
        assert response.status_code == 200
        assert response.json()["status_code"] == 4001
    assert "cdr_token" in without.json()["status_message"]
    assert "OCPI-to" in patch.json()["status_message"]
    assert emsp2_site.got == []


async def test_a_get_of_one_location_goes_to_the_owner_of_the_location_held(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    await hold_location(hub, cpo)
    cpo_site.reply("/ocpi/2.2.1/locations/sender/LOC1/E1", _ok_reply())
    response = await hub.get("/ocpi/2.2.1/sender/locations/loc1/E1", headers=emsp.routing())
    assert response.json()["status_code"] == 1000
    [got] = cpo_site.got
    assert got.path == "/ocpi/2.2.1/locations/sender/loc1/E1"
    assert parties_of(got.headers) == (emsp.key, cpo.key)


async def test_a_get_of_a_location_nobody_holds_is_4001(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    response = await hub.get("/ocpi/2.2.1/sender/locations/NOPE", headers=emsp.routing())
    assert response.json()["status_code"] == 4001
    assert cpo_site.got == []


async def test_a_command_goes_to_the_owner_of_its_location(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party, emsp_site: Target
) -> None:
    await hold_location(hub, cpo)
    command = {
        "response_url": f"{emsp_site.url}/ocpi/2.2.1/commands/sender/START_SESSION/u1",
        "token": TOKEN,
        "location_id": "LOC1",
    }
    response = await hub.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION",
        content=json.dumps(command).encode(),
        headers=emsp.routing(),
    )
    assert response.json()["status_code"] == 1000
    [got] = cpo_site.got
    assert got.path == "/ocpi/2.2.1/commands/receiver/START_SESSION"
    assert parties_of(got.headers) == (emsp.key, cpo.key)


async def test_stop_session_without_a_receiver_is_4001(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party, emsp_site: Target
) -> None:
    response = await hub.post(
        "/ocpi/2.2.1/receiver/commands/STOP_SESSION",
        content=json.dumps({"response_url": f"{emsp_site.url}/r", "session_id": "S1"}).encode(),
        headers=emsp.routing(),
    )
    assert response.json()["status_code"] == 4001
    assert cpo_site.got == []


async def test_real_time_authorization_goes_to_the_owner_of_the_token_held(
    hub: httpx.AsyncClient, cpo: Party, emsp2: Party, emsp2_site: Target
) -> None:
    await hold_token(hub, emsp2)
    emsp2_site.reply("/ocpi/2.2.1/tokens/sender/TOK1/authorize", _ok_reply({"allowed": "ALLOWED"}))
    response = await hub.post(
        "/ocpi/2.2.1/sender/tokens/TOK1/authorize?type=RFID",
        content=b'{"location_id":"LOC1"}',
        headers=cpo.routing(),
    )
    assert response.json() == json.loads(envelope({"allowed": "ALLOWED"}))
    [got] = emsp2_site.got
    assert (got.method, got.path) == ("POST", "/ocpi/2.2.1/tokens/sender/TOK1/authorize?type=RFID")
    assert got.body == b'{"location_id":"LOC1"}'
    assert parties_of(got.headers) == (cpo.key, emsp2.key)
    other_type = await hub.post(
        "/ocpi/2.2.1/sender/tokens/TOK1/authorize?type=APP_USER",
        content=b"{}",
        headers=cpo.routing(),
    )
    assert other_type.json()["status_code"] == 4001


def _ok_reply(data: object = None) -> Reply:
    return Reply(200, envelope(data if data is not None else {"id": "E1"}))
