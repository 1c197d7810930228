"""Partners through the backend API: the connections, and the objects each partner pushed."""

from __future__ import annotations

import httpx
import orjson

from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, TARIFFS, TOKENS
from openroam._store.records import Grant
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import data_of, error_of, evse, location, tariff, token


async def test_partner_list_shows_status_version_roles_and_no_tokens(
    client: httpx.AsyncClient, register_partner: RegisterPartner, node: Node
) -> None:
    await register_partner(
        "alpha",
        roles=((Role.CPO, "DE", "ALP"), (Role.EMSP, "DE", "ALE")),
        endpoints=(("credentials", "SENDER"), ("locations", "SENDER")),
    )
    await node.credentials.invite("beta", grants=[Grant(Role.EMSP, "DE", "BET")])
    partners = data_of(await client.get("/api/partners"))
    assert [p["name"] for p in partners] == ["alpha", "beta"]
    alpha, beta = partners
    assert alpha["status"] == "registered"
    assert alpha["version"] == "2.2.1"
    assert alpha["roles"] == [
        {"role": "CPO", "country_code": "DE", "party_id": "ALP", "name": "alpha CPO"},
        {"role": "EMSP", "country_code": "DE", "party_id": "ALE", "name": "alpha EMSP"},
    ]
    assert {"identifier": "locations", "role": "SENDER"} in alpha["endpoints"]
    assert alpha["registered_at"].endswith("Z")
    assert beta["status"] == "pending"
    assert beta["version"] is None
    assert beta["roles"] == []
    assert alpha["token_encoding"] == "base64"
    assert alpha["pull_health"] == "1 not pulled yet"
    assert beta["pull_health"] == "nothing to pull"
    # Never a credentials token: these fields and no others.
    fields = {
        "name",
        "status",
        "version",
        "roles",
        "grants",
        "endpoints",
        "registered_at",
        "versions_url",
        "token_encoding",
        "reading_policy",
        "pull_health",
        "deliveries",
        # on a Hub node, the partner's ConnectionStatus and last seen (null here)
        "connection",
    }
    assert all(set(partner) == fields for partner in partners)
    # One partner: the same, and the operations view per module (tests/api/test_partner_status.py).
    one = data_of(await client.get("/api/partners/alpha"))
    assert {key: one[key] for key in fields} == alpha
    # "parties": those behind a Hub partner (null for others)
    assert set(one) == fields | {"modules", "deviations", "parties"}
    assert one["connection"] is None
    assert one["parties"] is None


async def test_unknown_partner_is_404(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/api/partners/nobody"), 404, 2000)
    error_of(await client.get("/api/partners/nobody/locations"), 404, 2000)
    error_of(await client.get("/api/partners/nobody/locations/DE/PRT/L1"), 404, 2000)


async def test_partner_objects_are_listed_and_read(
    client: httpx.AsyncClient, register_partner: RegisterPartner, node: Node
) -> None:
    caller = await register_partner("cpo-partner")
    for index in range(3):
        body = location(f"P{index}", "DE", "PRT", last_updated=f"2026-01-0{index + 1}T00:00:00Z")
        path = ObjectPath("DE", "PRT", f"P{index}")
        await node.roaming.receive_put(caller, LOCATIONS, path, orjson.dumps(body))
    await client.put("/api/locations/NL/ORM/OWN1", json=location("OWN1"))

    body = (await client.get("/api/partners/cpo-partner/locations")).json()
    assert [item["id"] for item in body["data"]] == ["P0", "P1", "P2"]
    assert body["total"] == 3
    params: dict[str, str | int] = {"date_from": "2026-01-02T00:00:00Z", "limit": 1}
    body = (await client.get("/api/partners/cpo-partner/locations", params=params)).json()
    assert body == {
        "data": [location("P1", "DE", "PRT", last_updated="2026-01-02T00:00:00Z")],
        "total": 2,
    }

    one = data_of(await client.get("/api/partners/cpo-partner/locations/DE/PRT/P0"))
    assert one == location("P0", "DE", "PRT", last_updated="2026-01-01T00:00:00Z")
    assert data_of(await client.get("/api/partners/cpo-partner/locations/de/prt/p0/E1")) == evse()
    assert (
        data_of(await client.get("/api/partners/cpo-partner/locations/DE/PRT/P0/E1/1"))["id"] == "1"
    )

    # Own and partner objects never mix.
    own = (await client.get("/api/locations")).json()
    assert [item["id"] for item in own["data"]] == ["OWN1"]
    error_of(await client.get("/api/locations/DE/PRT/P0"), 404, 2000)
    error_of(await client.get("/api/partners/cpo-partner/locations/NL/ORM/OWN1"), 404, 2000)


async def test_objects_of_one_partner_are_not_another_partners(
    client: httpx.AsyncClient, register_partner: RegisterPartner, node: Node
) -> None:
    first = await register_partner("first")
    # A party belongs to one partner (grants): the second has its own.
    await register_partner("second", roles=((Role.CPO, "DE", "SEC"),))
    path = ObjectPath("DE", "PRT", "L1")
    await node.roaming.receive_put(
        first, LOCATIONS, path, orjson.dumps(location("L1", "DE", "PRT"))
    )
    assert (await client.get("/api/partners/second/locations")).json() == {"data": [], "total": 0}
    error_of(await client.get("/api/partners/second/locations/DE/PRT/L1"), 404, 2000)


async def test_partner_tariffs_and_tokens(
    client: httpx.AsyncClient, register_partner: RegisterPartner, node: Node
) -> None:
    cpo = await register_partner("a-cpo", roles=((Role.CPO, "DE", "PRT"),))
    emsp = await register_partner("an-emsp", roles=((Role.EMSP, "BE", "MSP"),))
    pushed_tariff = tariff(country_code="DE", party_id="PRT")
    await node.roaming.receive_put(
        cpo, TARIFFS, ObjectPath("DE", "PRT", "T1"), orjson.dumps(pushed_tariff)
    )
    pushed_token = token(country_code="BE", party_id="MSP", type="APP_USER")
    await node.roaming.receive_put(
        emsp,
        TOKENS,
        ObjectPath("BE", "MSP", "012345678", (), "APP_USER"),
        orjson.dumps(pushed_token),
    )
    assert (await client.get("/api/partners/a-cpo/tariffs")).json() == {
        "data": [pushed_tariff],
        "total": 1,
    }
    assert data_of(await client.get("/api/partners/a-cpo/tariffs/DE/PRT/T1")) == pushed_tariff
    assert (await client.get("/api/partners/an-emsp/tokens")).json()["total"] == 1
    url = "/api/partners/an-emsp/tokens/BE/MSP/012345678"
    assert data_of(await client.get(url, params={"type": "APP_USER"})) == pushed_token
    error_of(await client.get(url), 404, 2000)


async def test_partner_objects_are_read_only(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    await register_partner("ro")
    response = await client.put(
        "/api/partners/ro/locations/DE/PRT/L1", json=location("L1", "DE", "PRT")
    )
    error_of(response, 405, 2000)
    assert response.headers["allow"] == "GET"


async def test_grants_are_changed_and_every_change_is_recorded(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    """docs/architecture.md "Partner grants": PUT /api/partners/{name}/grants replaces what the
    partner may be; a registered role no longer granted stops counting; each change is kept."""
    await register_partner("gamma", roles=((Role.CPO, "DE", "GAM"),))
    body = {"grants": [{"role": "EMSP", "country_code": "DE", "party_id": "GAM"}]}
    changed = data_of(await client.put("/api/partners/gamma/grants", json=body))
    assert changed["grants"] == body["grants"]
    # Its registered CPO role is no longer granted: it no longer counts.
    assert changed["roles"] == []
    history = data_of(await client.get("/api/partners/gamma/grants"))
    assert [(c["reason"], c["old"], c["new"]) for c in history["changes"]] == [
        ("invite", [], [{"role": "CPO", "country_code": "DE", "party_id": "GAM"}]),
        ("grant", [{"role": "CPO", "country_code": "DE", "party_id": "GAM"}], body["grants"]),
    ]
    assert all(c["changed_at"].endswith("Z") for c in history["changes"])


async def test_a_grant_of_our_own_or_another_partners_party_is_refused(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    await register_partner("delta", roles=((Role.CPO, "DE", "DEL"),))
    await register_partner("epsilon", roles=((Role.CPO, "DE", "EPS"),))
    for party in (("DE", "DEL"), ("NL", "ORM")):
        body = {"grants": [{"role": "EMSP", "country_code": party[0], "party_id": party[1]}]}
        error_of(await client.put("/api/partners/epsilon/grants", json=body), 400, 2001)
    error_of(await client.put("/api/partners/epsilon/grants", json={"grants": []}), 400, 2001)
    history = data_of(await client.get("/api/partners/epsilon/grants"))
    assert [c["reason"] for c in history["changes"]] == ["invite"]
