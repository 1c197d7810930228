"""Hub forwarding with the receiver named (transport_and_format.asciidoc "Message Routing",
"Unique message IDs"; status_codes.asciidoc "4xxx: Hub errors"): what reaches the receiving
party, what the requester gets back, and each refusal with its exact status.

The Hub runs in process; the parties behind it are real HTTP servers (``forward_support``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
from sqlalchemy import update

from openroam._config import PartyConfig, Settings
from openroam._runtime import open_node
from openroam._server.app import create_app
from openroam._services.node import Node
from openroam._store.tables import Partner, PartnerStatus
from openroam.client._forward import Forwarder
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID
from tests.hub.forward_support import (
    FORWARD_TIMEOUT,
    HUB,
    HUB_URL,
    Party,
    Reply,
    Target,
    connect,
    envelope,
    running_target,
    set_connection_status,
)

# The Hub node, its client and the parties (fixtures).
pytest_plugins = ["tests.hub.forward_fixtures"]

LOCATION_DOCUMENT = (
    b'{"country_code":"NL","party_id":"CP1","id":"LOC1","publish":true,'
    b'"last_updated":"2024-05-01T10:00:00.123Z","x":1.50}'
)
CPO_LOCATIONS = "/ocpi/2.2.1/locations/sender"


def routing_of(response: httpx.Response) -> tuple[tuple[str, str], tuple[str, str]]:
    """(FROM, TO) of an answer."""
    h = response.headers
    return (
        (h["ocpi-from-country-code"], h["ocpi-from-party-id"]),
        (h["ocpi-to-country-code"], h["ocpi-to-party-id"]),
    )


async def test_a_request_to_a_party_is_forwarded_with_a_new_request_id_and_the_same_correlation(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(
        f"{CPO_LOCATIONS}/LOC1",
        Reply(200, b'{"data":' + LOCATION_DOCUMENT + b',"status_code":1000,"timestamp":"T"}'),
    )
    ids = {"X-Request-ID": "req-emsp-1", "X-Correlation-ID": "corr-emsp-1"}

    response = await hub.get(
        "/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(to=cpo.key) | ids
    )

    [got] = cpo_site.got
    assert (got.method, got.path) == ("GET", f"{CPO_LOCATIONS}/LOC1")
    assert got.headers["authorization"] == cpo.hub_auth
    assert got.headers["x-request-id"] not in ("", "req-emsp-1")
    assert got.headers["x-correlation-id"] == "corr-emsp-1"
    assert (got.headers["ocpi-from-country-code"], got.headers["ocpi-from-party-id"]) == emsp.key
    assert (got.headers["ocpi-to-country-code"], got.headers["ocpi-to-party-id"]) == cpo.key
    # The answer: the CPO's bytes untouched (last_updated, 1.50), the Hub's routing headers.
    assert response.status_code == 200
    assert response.content == (
        b'{"data":' + LOCATION_DOCUMENT + b',"status_code":1000,"timestamp":"T"}'
    )
    assert routing_of(response) == (cpo.key, emsp.key)
    assert response.headers["x-request-id"] == "req-emsp-1"
    assert response.headers["x-correlation-id"] == "corr-emsp-1"


async def test_each_hop_gets_its_own_request_id(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    for _ in range(2):
        await hub.get(
            "/ocpi/2.2.1/sender/locations/LOC1",
            headers=emsp.routing(to=cpo.key) | {"X-Request-ID": "same", "X-Correlation-ID": "c"},
        )
    first, second = (got.headers["x-request-id"] for got in cpo_site.got)
    assert first != second
    assert "same" not in (first, second)


async def test_a_correlation_id_the_requester_did_not_send_is_the_one_it_gets_back(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key))
    [got] = cpo_site.got
    assert got.headers["x-correlation-id"] == response.headers["x-correlation-id"]


async def test_a_correlation_id_beyond_ascii_goes_on_as_its_bytes(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    # A partner's header value with bytes beyond ASCII (RFC 9110 obs-text) is forwarded as it
    # came, never a 3000 (found by the never-5xx test's hypothesis search).
    headers = [(k.encode(), v.encode()) for k, v in emsp.routing(cpo.key).items()]
    headers.append((b"X-Correlation-ID", b"corr-\x84\x97"))
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=headers)
    assert response.status_code < 500
    [got] = cpo_site.got
    # http.server reads header bytes as latin-1: the same two bytes.
    assert got.headers["x-correlation-id"].encode("latin-1") == b"corr-\x84\x97"


async def test_the_body_and_the_query_go_on_as_sent(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    body = b'{"uid":"T1","last_updated":"2024-05-01T10:00:00Z","valid": true,  "n":1.10}'
    response = await hub.put(
        "/ocpi/2.2.1/receiver/tokens/NL/EM1/T1?type=APP_USER",
        content=body,
        headers=emsp.routing(cpo.key) | {"Content-Type": "application/json"},
    )
    assert response.json()["status_code"] == 1000
    [got] = cpo_site.got
    assert (got.method, got.path) == ("PUT", "/ocpi/2.2.1/tokens/receiver/NL/EM1/T1?type=APP_USER")
    assert got.body == body
    assert got.headers["content-type"] == "application/json"


async def test_a_list_page_keeps_its_counts_and_its_next_link_points_at_the_hub(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    base = f"{cpo_site.url}{CPO_LOCATIONS}"
    cpo_site.reply(
        f"{CPO_LOCATIONS}?offset=0&limit=2",
        Reply(
            200,
            envelope([{"id": "L1"}, {"id": "L2"}]),
            {
                "X-Total-Count": "5",
                "X-Limit": "2",
                "Link": f'<{base}?offset=2&limit=2>; rel="next", '
                '<https://elsewhere.example.com/x>; rel="other"',
            },
        ),
    )
    response = await hub.get(
        "/ocpi/2.2.1/sender/locations?offset=0&limit=2", headers=emsp.routing(cpo.key)
    )
    assert response.status_code == 200
    assert response.headers["x-total-count"] == "5"
    assert response.headers["x-limit"] == "2"
    assert response.headers["link"] == (
        f'<{HUB_URL}/ocpi/2.2.1/sender/locations?offset=2&limit=2>; rel="next"'
    )


async def test_a_link_elsewhere_is_dropped_and_a_relative_one_rewritten(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(
        f"{CPO_LOCATIONS}?offset=2",
        Reply(
            200, envelope([]), {"Link": '<https://elsewhere.example.com/p?offset=4>; rel="next"'}
        ),
    )
    cpo_site.reply(
        f"{CPO_LOCATIONS}?offset=4",
        Reply(200, envelope([]), {"Link": f'<{CPO_LOCATIONS}?offset=6>; rel="next"'}),
    )
    elsewhere = await hub.get(
        "/ocpi/2.2.1/sender/locations?offset=2", headers=emsp.routing(cpo.key)
    )
    relative = await hub.get("/ocpi/2.2.1/sender/locations?offset=4", headers=emsp.routing(cpo.key))
    assert "link" not in elsewhere.headers
    assert (
        relative.headers["link"] == f'<{HUB_URL}/ocpi/2.2.1/sender/locations?offset=6>; rel="next"'
    )


async def test_a_location_header_is_rewritten(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(
        "/ocpi/2.2.1/tokens/receiver/NL/EM1/T1",
        Reply(
            201, envelope(), {"Location": f"{cpo_site.url}/ocpi/2.2.1/tokens/receiver/NL/EM1/T1"}
        ),
    )
    response = await hub.put(
        "/ocpi/2.2.1/receiver/tokens/NL/EM1/T1", content=b"{}", headers=emsp.routing(cpo.key)
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"{HUB_URL}/ocpi/2.2.1/receiver/tokens/NL/EM1/T1"


async def test_an_ocpi_error_answer_is_returned_as_it_is(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    body = envelope(status_code=2003, message="Unknown Location LOC9")
    cpo_site.reply(f"{CPO_LOCATIONS}/LOC9", Reply(404, body))
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC9", headers=emsp.routing(cpo.key))
    assert response.status_code == 404
    assert response.content == body
    assert routing_of(response) == (cpo.key, emsp.key)


async def test_without_from_the_callers_only_party_is_the_requester(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    headers = emsp.auth | {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "CP1"}
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=headers)
    assert response.json()["status_code"] == 1000
    [got] = cpo_site.got
    assert (got.headers["ocpi-from-country-code"], got.headers["ocpi-from-party-id"]) == emsp.key
    assert routing_of(response) == (cpo.key, emsp.key)


async def test_a_from_naming_a_party_the_caller_does_not_hold_is_refused(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party, emsp2: Party
) -> None:
    headers = emsp.auth | {
        "OCPI-from-country-code": "DE",
        "OCPI-from-party-id": "EM2",
        "OCPI-to-country-code": "NL",
        "OCPI-to-party-id": "CP1",
    }
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == 2001
    assert "OCPI-from-country-code" in body["status_message"]
    assert "DE*EM2" in body["status_message"]
    assert cpo_site.got == []
    # Addressed to the CPO, answered to the caller's own party, never to the one it named.
    assert routing_of(response) == (cpo.key, emsp.key)


async def test_a_caller_of_several_parties_must_name_its_from(
    hub: httpx.AsyncClient, hub_node: Node, cpo: Party, cpo_site: Target, emsp_site: Target
) -> None:
    both = await connect(
        hub_node,
        "emsp-two-parties",
        ((Role.EMSP, "NL", "EMA"), (Role.EMSP, "NL", "EMB")),
        emsp_site.url,
    )
    headers = both.auth | {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "CP1"}
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=headers)
    assert response.json()["status_code"] == 2001
    assert "OCPI-from" in response.json()["status_message"]
    named = await hub.get(
        "/ocpi/2.2.1/sender/locations/LOC1",
        headers=headers | {"OCPI-from-country-code": "nl", "OCPI-from-party-id": "emb"},
    )
    assert named.json()["status_code"] == 1000
    [got] = cpo_site.got
    assert (got.headers["ocpi-from-country-code"], got.headers["ocpi-from-party-id"]) == (
        "NL",
        "EMB",
    )


async def test_an_unknown_token_is_401_and_nothing_is_forwarded(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target
) -> None:
    token = base64.b64encode(b"nobody").decode()
    response = await hub.get(
        "/ocpi/2.2.1/sender/locations/LOC1",
        headers={
            "Authorization": f"Token {token}",
            "OCPI-to-country-code": "NL",
            "OCPI-to-party-id": "CP1",
        },
    )
    assert response.status_code == 401
    assert response.json()["status_code"] == 2000
    assert response.headers["www-authenticate"] == "Token"
    assert cpo_site.got == []


async def test_a_role_that_may_not_call_the_interface_gets_404(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    # Commands are sent by eMSPs (mod_commands): a CPO may not call the Receiver.
    response = await hub.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION",
        content=b"{}",
        headers=cpo.routing(emsp.key),
    )
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000


async def test_an_unknown_receiver_is_4001(hub: httpx.AsyncClient, cpo: Party, emsp: Party) -> None:
    response = await hub.get(
        "/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(("NL", "XXX"))
    )
    assert response.status_code == 200
    assert response.json()["status_code"] == 4001
    assert "NL*XXX" in response.json()["status_message"]
    assert routing_of(response) == (("NL", "XXX"), emsp.key)


async def test_a_request_to_the_callers_own_party_is_4001(
    hub: httpx.AsyncClient, emsp: Party
) -> None:
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(emsp.key))
    assert response.json()["status_code"] == 4001


async def test_a_party_that_is_offline_suspended_or_planned_is_4003(
    hub: httpx.AsyncClient, hub_node: Node, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    for status in ("OFFLINE", "SUSPENDED", "PLANNED"):
        await set_connection_status(hub_node.db, cpo.partner_id, status)
        response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key))
        assert response.status_code == 200
        assert response.json()["status_code"] == 4003, status
        assert status in response.json()["status_message"]
        assert routing_of(response) == (cpo.key, emsp.key)
    # Back: reachable at once (a party not connected is never cached).
    await set_connection_status(hub_node.db, cpo.partner_id, "CONNECTED")
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key))
    assert response.json()["status_code"] == 1000
    assert len(cpo_site.got) == 1


async def test_a_party_invited_but_not_registered_or_unregistered_is_4003(
    hub: httpx.AsyncClient, hub_node: Node, cpo: Party, emsp: Party
) -> None:
    from openroam._store.records import Grant

    await hub_node.credentials.invite("cpo-planned", grants=[Grant(Role.CPO, "NL", "CP9")])
    planned = await hub.get("/ocpi/2.2.1/sender/locations/L", headers=emsp.routing(("NL", "CP9")))
    assert planned.json()["status_code"] == 4003
    async with hub_node.db.session() as session, session.begin():
        await session.execute(
            update(Partner)
            .where(Partner.id == cpo.partner_id)
            .values(status=PartnerStatus.UNREGISTERED)
        )
    gone = await hub.get("/ocpi/2.2.1/sender/locations/L", headers=emsp.routing(cpo.key))
    assert gone.json()["status_code"] == 4003


async def test_no_answer_in_time_is_4002(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(f"{CPO_LOCATIONS}/SLOW", Reply(delay=FORWARD_TIMEOUT + 0.5))
    response = await hub.get("/ocpi/2.2.1/sender/locations/SLOW", headers=emsp.routing(cpo.key))
    assert response.status_code == 200
    assert response.json()["status_code"] == 4002
    assert routing_of(response) == (cpo.key, emsp.key)
    assert len(cpo_site.got) == 1  # the message was forwarded


async def test_a_party_that_cannot_be_reached_is_4003(
    hub: httpx.AsyncClient, hub_node: Node, emsp: Party
) -> None:
    with running_target() as gone:
        url = gone.url  # a port nobody listens on once the server stopped
    await connect(hub_node, "cpo-down", ((Role.CPO, "NL", "CPD"),), url)
    response = await hub.get(
        "/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(("NL", "CPD"))
    )
    assert response.status_code == 200
    assert response.json()["status_code"] == 4003


async def test_our_token_refused_by_the_party_is_4003(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(f"{CPO_LOCATIONS}/LOC1", Reply(401, envelope(status_code=2000)))
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key))
    assert response.status_code == 200
    assert response.json()["status_code"] == 4003
    assert "401" in response.json()["status_message"]


async def test_an_answer_that_is_not_ocpi_is_4000_naming_its_http_status(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    cpo_site.reply(
        f"{CPO_LOCATIONS}/LOC1",
        Reply(502, b"<html>Bad gateway</html>", {"Content-Type": "text/html"}),
    )
    response = await hub.get("/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key))
    assert response.status_code == 200
    assert response.json()["status_code"] == 4000
    assert "HTTP 502" in response.json()["status_message"]
    assert routing_of(response) == (cpo.key, emsp.key)


async def test_a_party_without_the_endpoint_is_4000_naming_it(
    hub: httpx.AsyncClient, hub_node: Node, cpo_site: Target, emsp: Party
) -> None:
    await connect(
        hub_node,
        "cpo-no-tariffs",
        ((Role.CPO, "NL", "CPT"),),
        cpo_site.url,
        endpoints=((ModuleID.LOCATIONS, InterfaceRole.SENDER),),
    )
    response = await hub.get("/ocpi/2.2.1/sender/tariffs", headers=emsp.routing(("NL", "CPT")))
    assert response.json()["status_code"] == 4000
    assert "tariffs SENDER" in response.json()["status_message"]
    assert cpo_site.got == []


async def test_a_party_on_ocpi_2_1_1_is_4000(
    hub: httpx.AsyncClient, hub_node: Node, cpo_site: Target, emsp: Party
) -> None:
    await connect(hub_node, "cpo-old", ((Role.CPO, "NL", "CPO"),), cpo_site.url, version="2.1.1")
    response = await hub.get("/ocpi/2.2.1/sender/locations/L", headers=emsp.routing(("NL", "CPO")))
    assert response.json()["status_code"] == 4000
    assert "2.1.1" in response.json()["status_message"]
    assert cpo_site.got == []


async def test_a_request_to_the_hub_it_does_not_answer_itself_is_4001(
    hub: httpx.AsyncClient, cpo: Party, emsp: Party
) -> None:
    response = await hub.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION",
        content=b'{"location_id":"LOC1"}',
        headers=emsp.routing(HUB),
    )
    assert response.status_code == 200
    assert response.json()["status_code"] == 4001
    assert "OCPI-to" in response.json()["status_message"]
    assert routing_of(response) == (HUB, emsp.key)


async def test_a_get_all_to_the_hub_is_answered_by_the_hub(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp: Party
) -> None:
    for headers in (emsp.routing(HUB), emsp.routing()):  # to the Hub, or Open Routing
        response = await hub.get("/ocpi/2.2.1/sender/locations", headers=headers)
        assert response.status_code == 200
        assert response.json()["status_code"] == 1000
        assert isinstance(response.json()["data"], list)
    assert cpo_site.got == []


async def test_a_push_to_the_hub_reaches_its_own_receiver_with_the_body(
    hub: httpx.AsyncClient, cpo: Party, cpo_site: Target, emsp_site: Target
) -> None:
    location = json.loads(LOCATION_DOCUMENT)
    location.pop("x")
    location |= {
        "address": "Street 1",
        "city": "Town",
        "country": "NLD",
        "coordinates": {"latitude": "52.000000", "longitude": "4.000000"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": "2024-05-01T10:00:00Z",
    }
    for headers in (cpo.routing(HUB), cpo.routing()):  # Broadcast Push, or Open Routing
        response = await hub.put(
            "/ocpi/2.2.1/receiver/locations/NL/CP1/LOC1",
            content=json.dumps(location).encode(),
            headers=headers | {"Content-Type": "application/json"},
        )
        assert response.status_code in (200, 201), response.text
        assert response.json()["status_code"] == 1000, response.text
    assert cpo_site.got == []
    assert emsp_site.got == []


async def test_a_hub_node_opened_from_its_settings_forwards(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        public_url=HUB_URL,
        parties=(PartyConfig(country_code="NL", party_id="HUB", role=Role.HUB, name="Hub"),),
        hub_forward_timeout_seconds=0.7,
    )
    with running_target() as cpo_site:
        async with open_node(settings) as node:
            assert node.hub_routing is not None
            assert node.hub_routing.timeout == 0.7
            assert isinstance(node.hub_routing.forwarder, Forwarder)
            cpo = await connect(node, "cpo1", ((Role.CPO, "NL", "CP1"),), cpo_site.url)
            emsp = await connect(node, "emsp1", ((Role.EMSP, "NL", "EM1"),), cpo_site.url)
            transport = httpx.ASGITransport(app=create_app(node))
            async with httpx.AsyncClient(transport=transport, base_url=HUB_URL) as hub:
                response = await hub.get(
                    "/ocpi/2.2.1/sender/locations/LOC1", headers=emsp.routing(cpo.key)
                )
    assert response.json()["status_code"] == 1000
    assert [got.path for got in cpo_site.got] == ["/ocpi/2.2.1/locations/sender/LOC1"]


async def test_a_node_that_is_not_a_hub_routes_nothing(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cpo.db'}",
        parties=(PartyConfig(country_code="NL", party_id="CPO", role=Role.CPO, name="CPO"),),
    )
    async with open_node(settings) as node:
        assert node.hub_routing is None
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=HUB_URL) as client:
            response = await client.post("/ocpi/2.2.1/hub/results/x", content=b"{}")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000
