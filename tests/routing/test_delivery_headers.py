"""``routing.delivery_headers`` and ``routing.pull_headers``: which parties the pushes and pulls
we send name (transport_and_format.asciidoc "Message Routing", "Broadcast Push", "GET All via
Hubs"), on a platform hosting two parties and on a Hub node (relayed pushes)."""

from __future__ import annotations

from openroam._services.platform import OwnParty, Platform
from openroam._services.routing import delivery_headers, pull_headers, routing_headers
from openroam.models.v221.types import Role
from tests.routing.conftest import CPO, EMSP, PLATFORM, Register

HUB_NODE = Platform(
    public_url="https://hub.example.com", parties=(OwnParty("NL", "HUB", Role.HUB, "the Hub"),)
)


async def test_pushes_on_a_platform(register: Register) -> None:
    _, emsp = await register(((Role.EMSP, "DE", "AAA"), (Role.CPO, "DE", "AAC")))
    _, cpo = await register(((Role.CPO, "DE", "PC1"),))
    _, hub = await register(((Role.HUB, "NL", "HUB"),))
    # Own Locations: FROM their owner, TO the partner's receiving (eMSP) party or the Hub.
    assert delivery_headers(PLATFORM, emsp, "locations", CPO) == routing_headers(CPO, ("DE", "AAA"))
    assert delivery_headers(PLATFORM, hub, "tariffs", CPO) == routing_headers(CPO, ("NL", "HUB"))
    # Own Tokens: FROM our eMSP party, TO the partner's CPO party.
    assert delivery_headers(PLATFORM, cpo, "tokens", EMSP) == routing_headers(EMSP, ("DE", "PC1"))
    # Sessions and CDRs: TO the cdr_token party, also through a Hub.
    assert delivery_headers(PLATFORM, hub, "cdrs", CPO, ("DE", "EM2")) == routing_headers(
        CPO, ("DE", "EM2")
    )
    # An owner we do not host (never ours: a relayed row elsewhere) falls back to our party
    # of the owner role; a Configuration module gets none.
    assert delivery_headers(PLATFORM, emsp, "locations", ("XX", "YYY")) == routing_headers(
        CPO, ("DE", "AAA")
    )
    assert delivery_headers(PLATFORM, hub, "hubclientinfo", ("DE", "AAA")) == {}


async def test_relayed_pushes_on_a_hub_node(register: Register) -> None:
    """On a Hub node a relayed push goes FROM the Hub TO the receiving partner's party, whoever
    owns the object (transport_and_format.asciidoc "Broadcast Push")."""
    _, emsp = await register(((Role.EMSP, "DE", "EM1"),))
    _, cpo = await register(((Role.CPO, "DE", "CP1"),))
    hub = ("NL", "HUB")
    assert delivery_headers(HUB_NODE, emsp, "locations", ("DE", "CP2")) == routing_headers(
        hub, ("DE", "EM1")
    )
    assert delivery_headers(HUB_NODE, cpo, "tokens", ("DE", "EM2")) == routing_headers(
        hub, ("DE", "CP1")
    )


async def test_pulls(register: Register) -> None:
    _, cpo = await register(((Role.CPO, "DE", "PC1"),))
    _, hub = await register(((Role.HUB, "NL", "HUB"),))
    assert pull_headers(PLATFORM, cpo, "sessions") == routing_headers(EMSP, ("DE", "PC1"))
    assert pull_headers(PLATFORM, hub, "tokens") == routing_headers(CPO, ("NL", "HUB"))
    # A Hub pulls as itself.
    assert pull_headers(HUB_NODE, cpo, "locations") == routing_headers(("NL", "HUB"), ("DE", "PC1"))
