"""Results through the Hub (mod_commands "response_url", mod_charging_profiles "response_url"): a
forwarded command or charging-profile request carries a ``response_url`` of the Hub, and what
the receiving party POSTs there reaches the requester's own URL with the requester's token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select, update

from openroam._services.node import Node
from openroam._store import hub_relays
from openroam._store.hub_tables import HubRelay
from tests.hub.forward_support import HUB_URL, Party, Reply, Target, envelope, set_connection_status

pytest_plugins = ["tests.hub.forward_fixtures"]

RESULTS = f"{HUB_URL}/ocpi/2.2.1/hub/results/"


def command_body(response_url: str) -> bytes:
    # As a party writes it: spacing and key order of its own, kept byte for byte but the URL.
    return (
        b'{"response_url" : "' + response_url.encode() + b'",  "token": {"uid":"TOK1",'
        b'"last_updated":"2024-05-01T10:00:00.250Z"}, "location_id":"LOC1"}'
    )


async def start_session(
    hub: httpx.AsyncClient, emsp: Party, cpo: Party, cpo_site: Target, response_url: str
) -> str:
    """eMSP → Hub → CPO START_SESSION; the relay URL the CPO got."""
    response = await hub.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION",
        content=command_body(response_url),
        headers=emsp.routing(cpo.key) | {"X-Correlation-ID": "corr-command"},
    )
    assert response.json()["status_code"] == 1000, response.text
    got = cpo_site.got[-1]
    relay_url: str = json.loads(got.body)["response_url"]
    assert relay_url.startswith(RESULTS)
    # Nothing else of the body changed.
    assert got.body == command_body(relay_url)
    return relay_url


async def test_a_command_result_reaches_the_requester_through_the_relay(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party, emsp_site: Target
) -> None:
    original = f"{emsp_site.url}/ocpi/2.2.1/commands/sender/START_SESSION/u1"
    relay_url = await start_session(hub, emsp, cpo, cpo_site, original)
    emsp_site.reply("/ocpi/2.2.1/commands/sender/START_SESSION/u1", Reply(200, envelope()))
    result = b'{"result":"ACCEPTED"}'

    answer = await hub.post(
        relay_url.removeprefix(HUB_URL),
        content=result,
        headers=cpo.routing() | {"X-Request-ID": "req-cpo", "X-Correlation-ID": "corr-result"},
    )

    assert answer.status_code == 200
    assert answer.json()["status_code"] == 1000
    [got] = emsp_site.got
    assert (got.method, got.path, got.body) == (
        "POST",
        "/ocpi/2.2.1/commands/sender/START_SESSION/u1",
        result,
    )
    assert got.headers["authorization"] == emsp.hub_auth
    assert got.headers["x-correlation-id"] == "corr-result"
    assert got.headers["x-request-id"] not in ("", "req-cpo")
    assert (got.headers["ocpi-from-country-code"], got.headers["ocpi-from-party-id"]) == cpo.key
    assert (got.headers["ocpi-to-country-code"], got.headers["ocpi-to-party-id"]) == emsp.key
    assert answer.headers["x-request-id"] == "req-cpo"
    assert (answer.headers["ocpi-from-party-id"], answer.headers["ocpi-to-party-id"]) == (
        "EM1",
        "CP1",
    )
    # A later result (a reservation cancelled) goes the same way.
    again = await hub.post(relay_url.removeprefix(HUB_URL), content=result, headers=cpo.auth)
    assert again.json()["status_code"] == 1000
    assert len(emsp_site.got) == 2


async def test_a_result_from_another_party_or_to_no_relay_is_404(
    hub: httpx.AsyncClient,
    cpo: Party,
    cpo_site: Target,
    emsp: Party,
    emsp_site: Target,
    emsp2: Party,
) -> None:
    relay_url = await start_session(hub, emsp, cpo, cpo_site, f"{emsp_site.url}/r/1")
    path = relay_url.removeprefix(HUB_URL)
    other = await hub.post(path, content=b"{}", headers=emsp2.auth)
    unknown = await hub.post(
        "/ocpi/2.2.1/hub/results/00000000-0000-0000-0000-000000000000",
        content=b"{}",
        headers=cpo.auth,
    )
    for response in (other, unknown):
        assert response.status_code == 404
        assert response.json()["status_code"] == 2000
    spoofed = await hub.post(
        path,
        content=b"{}",
        headers=cpo.auth | {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "EM1"},
    )
    assert spoofed.json()["status_code"] == 2001
    wrong_method = await hub.get(path, headers=cpo.auth)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    anonymous = await hub.post(path, content=b"{}")
    assert anonymous.status_code == 401
    assert emsp_site.got == []


async def test_a_result_for_a_requester_gone_offline_is_4003(
    hub: httpx.AsyncClient,
    hub_node: Node,
    cpo: Party,
    cpo_site: Target,
    emsp: Party,
    emsp_site: Target,
) -> None:
    relay_url = await start_session(hub, emsp, cpo, cpo_site, f"{emsp_site.url}/r/1")
    await set_connection_status(hub_node.db, emsp.partner_id, "OFFLINE")
    response = await hub.post(relay_url.removeprefix(HUB_URL), content=b"{}", headers=cpo.auth)
    assert response.status_code == 200
    assert response.json()["status_code"] == 4003
    assert emsp_site.got == []


async def test_a_response_url_off_the_requesters_platform_is_refused(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    for url in ("http://127.0.0.1:9/steal", "https://internal.example.com/x", "not a url"):
        response = await hub.post(
            "/ocpi/2.2.1/receiver/commands/START_SESSION",
            content=command_body(url),
            headers=emsp.routing(cpo.key),
        )
        assert response.json()["status_code"] == 2001, url
        assert "response_url" in response.json()["status_message"]
    assert cpo_site.got == []


async def test_charging_profile_requests_carry_a_relay_in_query_and_body(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party, emsp_site: Target
) -> None:
    original = f"{emsp_site.url}/ocpi/2.2.1/chargingprofiles/sender/results/r1"
    query = f"duration=900&response_url={original}"
    get = await hub.get(
        f"/ocpi/2.2.1/receiver/chargingprofiles/S1?{query}", headers=emsp.routing(cpo.key)
    )
    delete = await hub.delete(
        f"/ocpi/2.2.1/receiver/chargingprofiles/S1?response_url={original}",
        headers=emsp.routing(cpo.key),
    )
    put_body = (
        b'{"charging_profile":{"charging_rate_unit":"W","charging_profile_period":'
        b'[{"start_period":0,"limit":11000.50}]},"response_url":"' + original.encode() + b'"}'
    )
    put = await hub.put(
        "/ocpi/2.2.1/receiver/chargingprofiles/S1", content=put_body, headers=emsp.routing(cpo.key)
    )
    for response in (get, delete, put):
        assert response.json()["status_code"] == 1000
    got_get, got_delete, got_put = cpo_site.got
    sent = parse_qs(urlsplit(got_get.path).query)
    assert sent["duration"] == ["900"]
    assert sent["response_url"][0].startswith(RESULTS)
    assert parse_qs(urlsplit(got_delete.path).query)["response_url"][0].startswith(RESULTS)
    relay = json.loads(got_put.body)["response_url"]
    assert got_put.body == put_body.replace(original.encode(), relay.encode())
    # The PUT's relay leads to the eMSP's URL.
    emsp_site.reply("/ocpi/2.2.1/chargingprofiles/sender/results/r1", Reply(200, envelope()))
    result = b'{"result":"ACCEPTED","profile":{}}'
    answer = await hub.post(relay.removeprefix(HUB_URL), content=result, headers=cpo.auth)
    assert answer.json()["status_code"] == 1000
    [got] = emsp_site.got
    assert (got.path, got.body) == ("/ocpi/2.2.1/chargingprofiles/sender/results/r1", result)


async def test_relays_older_than_two_days_are_pruned(
    hub: httpx.AsyncClient,
    hub_node: Node,
    cpo: Party,
    cpo_site: Target,
    emsp: Party,
    emsp_site: Target,
) -> None:
    async with hub_node.db.session() as session, session.begin():
        await hub_relays.add_relay(
            session,
            "old-relay",
            partner_id=emsp.partner_id,
            module="commands",
            response_url=f"{emsp_site.url}/r/0",
            from_party="NL/EM1",
            to_party="NL/CP1",
        )
        await session.execute(
            update(HubRelay)
            .where(HubRelay.id == "old-relay")
            .values(created_at=datetime.now(UTC) - timedelta(days=3))
        )
    relay_url = await start_session(hub, emsp, cpo, cpo_site, f"{emsp_site.url}/r/1")
    async with hub_node.db.session() as session:
        ids = set(await session.scalars(select(HubRelay.id)))
    assert ids == {relay_url.removeprefix(RESULTS)}
