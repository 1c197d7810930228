"""What the routing headers of a request may name on a platform (transport_and_format.asciidoc
"Message Routing"; status_codes.asciidoc "2xxx: Client errors", "4xxx: Hub errors"), on the
FastAPI routes and the fast paths (Sender GET list, Receiver PUT/PATCH), and how a platform
hosting two parties (CPO NL*ORC, eMSP NL*EMS) routes by ``OCPI-to-*``. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, TOKENS
from openroam.models.v221.types import Role
from tests.api import support as objects
from tests.routing.conftest import CPO, EMSP, Register, auth

BASE = "/ocpi/2.2.1"
LOCATIONS_SENDER = f"{BASE}/sender/locations"
TOKENS_SENDER = f"{BASE}/sender/tokens"


async def _own_objects(node: Node) -> None:
    location = objects.location("LOC1", *CPO)
    await node.roaming.own_put(LOCATIONS, ObjectPath(*CPO, "LOC1"), orjson.dumps(location))
    token = objects.token("TOK1", country_code=EMSP[0], party_id=EMSP[1])
    await node.roaming.own_put(
        TOKENS, ObjectPath(*EMSP, "TOK1", object_type="RFID"), orjson.dumps(token)
    )


def _status(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["status_code"]


def _routing_of(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith(("ocpi-from", "ocpi-to"))}


def _parties(from_party: tuple[str, str], to_party: tuple[str, str]) -> dict[str, str]:
    return {
        "ocpi-from-country-code": from_party[0],
        "ocpi-from-party-id": from_party[1],
        "ocpi-to-country-code": to_party[0],
        "ocpi-to-party-id": to_party[1],
    }


async def test_from_a_party_the_direct_partner_does_not_hold_is_2001(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """A direct partner speaks only for the parties it registered: a FROM naming another is
    refused with 2001 (HTTP 200), naming the header — on the Sender list fast path, a FastAPI
    route and the Receiver PUT fast path alike; its own party is accepted."""
    await _own_objects(node)
    caller, _ = await register(((Role.EMSP, "DE", "AAA"), (Role.CPO, "DE", "AAC")))
    stranger = ("DE", "ZZZ")
    location = objects.location("L9", "DE", "AAC")
    requests: list[tuple[str, str, Any]] = [
        ("GET", LOCATIONS_SENDER, None),
        ("GET", f"{LOCATIONS_SENDER}/LOC1", None),
        ("PUT", f"{BASE}/receiver/locations/DE/AAC/L9", location),
    ]
    for method, url, body in requests:
        refused = await ocpi.request(method, url, json=body, headers=auth(caller, from_=stranger))
        assert _status(refused) == (200, 2001), (method, url, refused.text)
        assert "OCPI-from" in refused.json()["status_message"]
        assert "DE*ZZZ" in refused.json()["status_message"]
    accepted = await ocpi.get(LOCATIONS_SENDER, headers=auth(caller, from_=("de", "aaa")))
    assert _status(accepted) == (200, 1000)
    assert [loc["id"] for loc in accepted.json()["data"]] == ["LOC1"]
    pushed = await ocpi.put(
        f"{BASE}/receiver/locations/DE/AAC/L9",
        json=location,
        headers=auth(caller, from_=("DE", "AAC"), to=EMSP),
    )
    assert _status(pushed) == (201, 1000), pushed.text
    assert _routing_of(pushed) == _parties(EMSP, ("DE", "AAC"))


async def test_a_hub_may_speak_for_parties_behind_it_only(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """A Hub partner may name any party FROM but ours and those another partner holds (a party
    belongs to one connection); the answer goes TO the party it named."""
    await _own_objects(node)
    hub, _ = await register(((Role.HUB, "NL", "HUB"),))
    await register(((Role.EMSP, "DE", "BBB"),))
    behind = ("DE", "XYZ")
    accepted = await ocpi.get(LOCATIONS_SENDER, headers=auth(hub, from_=behind, to=CPO))
    assert _status(accepted) == (200, 1000), accepted.text
    assert _routing_of(accepted) == _parties(CPO, behind)
    for party in (EMSP, ("nl", "orc"), ("DE", "BBB")):
        refused = await ocpi.get(LOCATIONS_SENDER, headers=auth(hub, from_=party, to=CPO))
        assert _status(refused) == (200, 2001), (party, refused.text)
        refused = await ocpi.get(f"{LOCATIONS_SENDER}/LOC1", headers=auth(hub, from_=party))
        assert _status(refused) == (200, 2001), (party, refused.text)
    # The Hub's own party is its own to speak for.
    own = await ocpi.get(LOCATIONS_SENDER, headers=auth(hub, from_=("NL", "HUB")))
    assert _status(own) == (200, 1000)


async def test_to_a_party_we_do_not_host_is_4001(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """status_codes.asciidoc 4001 "Unknown receiver (TO address is unknown)": on the fast paths
    and a FastAPI route; the answer still carries our routing headers."""
    caller, _ = await register(((Role.EMSP, "DE", "AAA"), (Role.CPO, "DE", "AAC")))
    nobody = ("NL", "XXX")
    location = objects.location("L9", "DE", "AAC")
    for method, url, body in [
        ("GET", LOCATIONS_SENDER, None),
        ("GET", f"{LOCATIONS_SENDER}/LOC1", None),
        ("PUT", f"{BASE}/receiver/locations/DE/AAC/L9", location),
        ("POST", f"{BASE}/receiver/commands/STOP_SESSION", {"session_id": "S1"}),
    ]:
        refused = await ocpi.request(method, url, json=body, headers=auth(caller, to=nobody))
        assert _status(refused) == (200, 4001), (method, url, refused.text)
        assert "NL*XXX" in refused.json()["status_message"]
        assert refused.headers["ocpi-from-country-code"] == "NL"


async def test_to_our_party_whose_role_does_not_serve_the_interface_is_404(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """Our eMSP party serves no Locations Sender, our CPO party no Locations Receiver and no
    Tokens Sender: HTTP 404 + 2000, as for a caller whose role may not call the interface."""
    await _own_objects(node)
    caller, _ = await register(((Role.EMSP, "DE", "AAA"), (Role.CPO, "DE", "AAC")))
    location = objects.location("L9", "DE", "AAC")
    for method, url, body, to in [
        ("GET", LOCATIONS_SENDER, None, EMSP),
        ("GET", f"{LOCATIONS_SENDER}/LOC1", None, EMSP),
        ("GET", TOKENS_SENDER, None, CPO),
        ("PUT", f"{BASE}/receiver/locations/DE/AAC/L9", location, CPO),
    ]:
        refused = await ocpi.request(method, url, json=body, headers=auth(caller, to=to))
        assert _status(refused) == (404, 2000), (method, url, refused.text)


async def test_missing_or_half_headers(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """Without routing headers a request is allowed (peer to peer, the registered parties are
    assumed); one header of a pair alone is 2001."""
    await _own_objects(node)
    caller, _ = await register(((Role.EMSP, "DE", "AAA"),))
    plain = await ocpi.get(LOCATIONS_SENDER, headers=auth(caller))
    assert _status(plain) == (200, 1000)
    assert _routing_of(plain) == _parties(CPO, ("DE", "AAA"))
    half = auth(caller) | {"OCPI-to-country-code": "NL"}
    refused = await ocpi.get(LOCATIONS_SENDER, headers=half)
    assert _status(refused) == (200, 2001)
    half = auth(caller) | {"OCPI-from-party-id": "AAA"}
    refused = await ocpi.get(f"{LOCATIONS_SENDER}/LOC1", headers=half)
    assert _status(refused) == (200, 2001)


async def test_two_parties_on_one_node_route_by_to(
    node: Node, ocpi: httpx.AsyncClient, register: Register
) -> None:
    """CPO NL*ORC and eMSP NL*EMS on one node: each request is served by the party its TO names
    and answered FROM that party, both directions (Sender reads, Receiver pushes)."""
    await _own_objects(node)
    caller, _ = await register(((Role.EMSP, "DE", "PE1"), (Role.CPO, "DE", "PC1")))
    emsp, cpo = ("DE", "PE1"), ("DE", "PC1")

    locations = await ocpi.get(LOCATIONS_SENDER, headers=auth(caller, from_=emsp, to=CPO))
    assert _status(locations) == (200, 1000)
    assert [loc["id"] for loc in locations.json()["data"]] == ["LOC1"]
    assert _routing_of(locations) == _parties(CPO, emsp)

    tokens = await ocpi.get(TOKENS_SENDER, headers=auth(caller, from_=cpo, to=EMSP))
    assert _status(tokens) == (200, 1000)
    assert [token["uid"] for token in tokens.json()["data"]] == ["TOK1"]
    assert _routing_of(tokens) == _parties(EMSP, cpo)

    location = objects.location("L7", *cpo)
    pushed = await ocpi.put(
        f"{BASE}/receiver/locations/DE/PC1/L7",
        json=location,
        headers=auth(caller, from_=cpo, to=EMSP),
    )
    assert _status(pushed) == (201, 1000), pushed.text
    assert _routing_of(pushed) == _parties(EMSP, cpo)

    token = objects.token("T7", country_code="DE", party_id="PE1")
    pushed = await ocpi.put(
        f"{BASE}/receiver/tokens/DE/PE1/T7",
        json=token,
        headers=auth(caller, from_=emsp, to=CPO),
    )
    assert _status(pushed) == (201, 1000), pushed.text
    assert _routing_of(pushed) == _parties(CPO, emsp)

    # Addressed to the other party of the node: that party serves no such interface.
    wrong = await ocpi.put(
        f"{BASE}/receiver/tokens/DE/PE1/T8",
        json=objects.token("T8", country_code="DE", party_id="PE1"),
        headers=auth(caller, from_=emsp, to=EMSP),
    )
    assert _status(wrong) == (404, 2000)
