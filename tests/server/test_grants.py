"""Roles are granted, not claimed: the probes of a hostile partner (docs/architecture.md "Partner
grants", docs/spec-decisions.md "Roles a partner is not granted").

A partner is invited as what the operator grants it. Its credentials POST or PUT may claim only
granted roles: not another partner's party, not one of ours, not HUB unless granted (2001,
nothing stored). Each interface is open to the roles the spec gives it. Run on SQLite and
PostgreSQL (the ``database`` fixture).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.tokens import AllowedType
from openroam.models.v221.types import Role
from tests.api import support as api_objects
from tests.server.roaming_support import (
    Party,
    Roaming,
    open_roaming,
    receiver_url,
    sender_url,
    session,
    token,
)
from tests.server.support import (
    CREDENTIALS,
    PARTNER_CREDENTIALS,
    PARTNER_VERSIONS,
    FakePartner,
    envelope,
    envelope_of,
    partner_credentials,
    token_header,
    unique_party_id,
)


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    """Our node (a CPO and an eMSP party) and a registered victim partner: CPO and eMSP
    ``partner_cpo``/``partner_emsp``, CPO ``partner_cpo2``."""
    async with open_roaming(database, partner) as setup:
        yield setup


def _roles(roles: list[tuple[Role, Party]]) -> list[dict[str, Any]]:
    return [
        {
            "role": str(role),
            "business_details": {"name": f"party {role}"},
            "country_code": country_code,
            "party_id": party_id,
        }
        for role, (country_code, party_id) in roles
    ]


async def _invite(node: Node, grants: list[tuple[Role, Party]]) -> tuple[str, str]:
    name = f"attacker-{uuid.uuid4().hex}"
    granted = [Grant(role, *party) for role, party in grants]
    return name, await node.credentials.invite(name, grants=granted)


async def _post(roaming: Roaming, token_a: str, roles: list[tuple[Role, Party]]) -> httpx.Response:
    body = partner_credentials(f"token-b-{uuid.uuid4().hex}", roles=_roles(roles))
    return await roaming.client.post(CREDENTIALS, json=body, headers=token_header(token_a))


async def _refused(roaming: Roaming, response: httpx.Response, name: str) -> None:
    """A refused registration: 2001, and the partner is still only invited (nothing stored)."""
    body = envelope_of(response, 200, 2001)
    assert "not granted" in body["status_message"], body
    async with roaming.node.db.session() as db_session:
        partner = await repo.get_partner_by_name(db_session, name)
    assert partner is not None
    assert partner.status == repo.PartnerStatus.PENDING
    assert partner.declared_roles == ()
    # Its token A still works: it may register again as what it is granted.
    token_a = response.request.headers["authorization"]
    response = await roaming.client.get(CREDENTIALS, headers={"Authorization": token_a})
    envelope_of(response, 200, 1000)


async def _register(
    roaming: Roaming, token_a: str, roles: list[tuple[Role, Party]]
) -> dict[str, str]:
    response = await _post(roaming, token_a, roles)
    envelope_of(response, 200, 1000)
    return token_header(response.json()["data"]["token"])


async def test_claiming_another_partners_party_is_refused(roaming: Roaming) -> None:
    """Probe: a partner invited as anything registers claiming the victim's party."""
    name, token_a = await _invite(roaming.node, [(Role.EMSP, ("DE", unique_party_id()))])
    response = await _post(roaming, token_a, [(Role.EMSP, roaming.partner_emsp)])
    await _refused(roaming, response, name)


async def test_claiming_one_of_our_own_parties_is_refused(roaming: Roaming) -> None:
    name, token_a = await _invite(roaming.node, [(Role.EMSP, ("DE", unique_party_id()))])
    for claim in ([(Role.EMSP, roaming.emsp)], [(Role.CPO, roaming.cpo)]):
        await _refused(roaming, await _post(roaming, token_a, claim), name)


async def test_claiming_hub_without_a_grant_is_refused(roaming: Roaming) -> None:
    own = ("DE", unique_party_id())
    name, token_a = await _invite(roaming.node, [(Role.EMSP, own)])
    await _refused(roaming, await _post(roaming, token_a, [(Role.HUB, own)]), name)


async def test_granted_roles_register_and_a_hub_only_when_granted(roaming: Roaming) -> None:
    hub = ("DE", unique_party_id())
    _, token_a = await _invite(roaming.node, [(Role.HUB, hub)])
    await _register(roaming, token_a, [(Role.HUB, hub)])


async def test_a_grant_of_our_party_or_another_partners_is_refused(roaming: Roaming) -> None:
    """The operator cannot grant a party that is ours or already another partner's."""
    for party in (roaming.cpo, roaming.partner_emsp):
        with pytest.raises(Exception, match=r"own parties|another partner"):
            await _invite(roaming.node, [(Role.EMSP, party)])


async def test_credentials_put_cannot_switch_roles(roaming: Roaming) -> None:
    """Probe: a registered partner PUTs credentials claiming other roles (here the victim's
    party, HUB, and CPO of its own party): refused, its roles and its token stay as they were."""
    own = ("DE", unique_party_id())
    name, token_a = await _invite(roaming.node, [(Role.EMSP, own)])
    auth = await _register(roaming, token_a, [(Role.EMSP, own)])
    for claim in (
        [(Role.EMSP, roaming.partner_emsp)],
        [(Role.CPO, roaming.partner_cpo)],
        [(Role.HUB, own)],
        [(Role.CPO, own)],
    ):
        body = partner_credentials(f"token-b-{uuid.uuid4().hex}", roles=_roles(claim))
        response = await roaming.client.put(CREDENTIALS, json=body, headers=auth)
        assert envelope_of(response, 200, 2001)["status_message"].startswith("roles:")
    async with roaming.node.db.session() as db_session:
        partner = await repo.get_partner_by_name(db_session, name)
    assert partner is not None
    assert [(r.role, r.country_code, r.party_id) for r in partner.declared_roles] == [
        (Role.EMSP, *own)
    ]
    envelope_of(await roaming.client.get(CREDENTIALS, headers=auth), 200, 1000)


async def test_a_token_pushed_under_another_partners_party_cannot_unblock_it(
    roaming: Roaming,
) -> None:
    """Probe: the victim eMSP blocked its Token; an attacker pushes a newer valid copy under the
    victim's party. The CPO's check behind ``POST /api/authorize`` stays BLOCKED."""
    uid = f"T{unique_party_id()}"
    blocked = token(roaming.partner_emsp, uid, whitelist="ALWAYS", valid=False)
    url = receiver_url("tokens", roaming.partner_emsp, uid)
    envelope_of(await roaming.put(url, blocked), 201, 1000)
    assert (await roaming.node.realtime.check(uid)).allowed == AllowedType.BLOCKED

    own = ("DE", unique_party_id())
    _, token_a = await _invite(roaming.node, [(Role.EMSP, own)])
    claimed = await _post(roaming, token_a, [(Role.EMSP, roaming.partner_emsp)])
    if claimed.json()["status_code"] == 1000:  # today's code let it register as the victim
        auth = token_header(claimed.json()["data"]["token"])
    else:
        auth = await _register(roaming, token_a, [(Role.EMSP, own)])
    newer = blocked | {"valid": True, "last_updated": "2099-01-01T00:00:00Z"}
    response = await roaming.put(url, newer, auth=auth)
    envelope_of(response, 404, 2000)
    assert (await roaming.node.realtime.check(uid)).allowed == AllowedType.BLOCKED
    assert (
        await roaming.node.realtime.check(uid, token_party=roaming.partner_emsp)
    ).allowed == AllowedType.BLOCKED


async def test_emsp_only_partner_cannot_push_locations_or_sessions(roaming: Roaming) -> None:
    """Probe: Locations and Sessions Receivers take pushes from CPOs only."""
    own = ("DE", unique_party_id())
    _, auth = await roaming.register([(Role.EMSP, own)])
    location = api_objects.location("LOC-X", *own)
    response = await roaming.put(receiver_url("locations", own, "LOC-X"), location, auth=auth)
    envelope_of(response, 404, 2000)
    charge = session(own, roaming.emsp, "S-X")
    response = await roaming.put(receiver_url("sessions", own, "S-X"), charge, auth=auth)
    envelope_of(response, 404, 2000)
    async with roaming.node.db.session() as db_session:
        for module in ("locations", "sessions"):
            stored = await repo.list_objects(
                db_session, module=module, origin=None, owners=[own], limit=10
            )
            assert stored == [], module


async def test_cpo_only_partner_cannot_push_tokens(roaming: Roaming) -> None:
    """Probe: the Tokens Receiver takes pushes from eMSPs only."""
    own = ("DE", unique_party_id())
    _, auth = await roaming.register([(Role.CPO, own)])
    body = token(own, "TOKEN-X")
    response = await roaming.put(receiver_url("tokens", own, "TOKEN-X"), body, auth=auth)
    envelope_of(response, 404, 2000)


async def test_sessions_and_cdrs_are_not_readable_by_claiming_a_victims_party(
    roaming: Roaming,
) -> None:
    """Probe: our Sessions and CDRs for the victim eMSP's drivers are not served to a partner
    that tried to register as the victim."""
    victim_session = session(roaming.cpo, roaming.partner_emsp, f"S{unique_party_id()}")
    cdr = api_objects.cdr(
        f"C{unique_party_id()}", owner=roaming.cpo, token_party=roaming.partner_emsp
    )
    await roaming.own_put("sessions", victim_session)
    await roaming.own_put("cdrs", cdr)
    own = ("DE", unique_party_id())
    _, token_a = await _invite(roaming.node, [(Role.EMSP, own)])
    claimed = await _post(roaming, token_a, [(Role.EMSP, roaming.partner_emsp)])
    if claimed.json()["status_code"] == 1000:  # today's code let it register as the victim
        auth = token_header(claimed.json()["data"]["token"])
    else:
        auth = await _register(roaming, token_a, [(Role.EMSP, own)])
    for module in ("sessions", "cdrs"):
        body = envelope_of(await roaming.get(sender_url(module), auth=auth), 200, 1000)
        assert body["data"] == [], module
    # The victim itself reads them.
    for module, wanted in (("sessions", victim_session["id"]), ("cdrs", cdr["id"])):
        body = envelope_of(await roaming.get(sender_url(module)), 200, 1000)
        assert [item["id"] for item in body["data"]] == [wanted], orjson.dumps(body)


async def test_a_hub_reads_sessions_and_cdrs_but_not_those_of_a_party_another_partner_holds(
    roaming: Roaming,
) -> None:
    """A Hub is served the Sessions and CDRs of every party but those another partner holds
    (pushes go to that partner, not to the Hub): granting HUB is no way around a grant."""
    unheld = ("DE", unique_party_id())
    for emsp, suffix in ((roaming.partner_emsp, "held"), (unheld, "free")):
        await roaming.own_put("sessions", session(roaming.cpo, emsp, f"S-{suffix}"))
        await roaming.own_put(
            "cdrs", api_objects.cdr(f"C-{suffix}", owner=roaming.cpo, token_party=emsp)
        )
    hub = ("DE", unique_party_id())
    _, token_a = await _invite(roaming.node, [(Role.HUB, hub)])
    auth = await _register(roaming, token_a, [(Role.HUB, hub)])
    for module, wanted in (("sessions", "S-free"), ("cdrs", "C-free")):
        for query in ("", "?limit=1", "?offset=0&limit=10"):
            response = await roaming.get(sender_url(module) + query, auth=auth)
            body = envelope_of(response, 200, 1000)
            assert [item["id"] for item in body["data"]] == [wanted], (module, query)
            assert response.headers["X-Total-Count"] == "1"
    # The partner that holds the party still reads its own.
    for module, wanted in (("sessions", "S-held"), ("cdrs", "C-held")):
        body = envelope_of(await roaming.get(sender_url(module)), 200, 1000)
        assert [item["id"] for item in body["data"]] == [wanted], module


def _answering(partner: FakePartner, roles: list[tuple[Role, Party]]) -> None:
    """The fake partner answers a credentials POST (and PUT, DELETE) with these roles."""
    body = {"token": f"token-c-{uuid.uuid4().hex}", "url": PARTNER_VERSIONS, "roles": _roles(roles)}
    partner.broken[PARTNER_CREDENTIALS] = httpx.Response(200, json=envelope(body))


async def test_registering_with_a_partner_checks_the_roles_it_answers(
    roaming: Roaming, partner: FakePartner
) -> None:
    """`openroam register … --role … --party …`: a partner answering as what it is not granted
    (here the victim's party) is refused; the registration is undone at the partner (DELETE)
    and here (no token kept), and the grant is free again for a retry."""
    own = ("DE", unique_party_id())
    _answering(partner, [(Role.CPO, roaming.partner_cpo)])
    name = f"upstream-{uuid.uuid4().hex}"
    with pytest.raises(InvalidOrMissingParameters, match="not granted"):
        await roaming.node.credentials.register_with(
            name, PARTNER_VERSIONS, "their-token-a", grants=[Grant(Role.CPO, *own)]
        )
    assert [r.method for r in partner.requests if str(r.url) == PARTNER_CREDENTIALS] == [
        "POST",
        "DELETE",
    ]
    async with roaming.node.db.session() as db_session:
        record = await repo.get_partner_by_name(db_session, name)
    assert record is not None
    assert record.status == repo.PartnerStatus.UNREGISTERED
    assert record.outgoing_token is None
    # Answering as granted, it registers (the same grant, under another name).
    _answering(partner, [(Role.CPO, own)])
    registered = await roaming.node.credentials.register_with(
        f"{name}-2", PARTNER_VERSIONS, "their-token-a", grants=[Grant(Role.CPO, *own)]
    )
    assert [(r.role, r.country_code, r.party_id) for r in registered.roles] == [(Role.CPO, *own)]
