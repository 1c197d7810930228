"""Broadcast Push on a Hub node (transport_and_format.asciidoc "Broadcast Push"; docs/hub.md
"Running a Hub"): who gets a party's pushed objects through the Hub.

A connected party pushes its Locations, Tariffs or Tokens to the Hub once; the Hub stores them
(origin = the pushing partner, as any partner's objects) and, in the same transaction, queues
them for every other connected party of the "opposite role" that implements the module's
Receiver interface. The receivers get them at the original owner's ids ("the party-id and
country-code in the URL segments will still be the original party-id and country-code from the
original client"), sent by the Hub (``routing.delivery_headers``: FROM the Hub).

Sessions and CDRs are never broadcast: they concern one party ("possibly even protected by GDPR
or other laws"); the Hub forwards them to the party they name (``_services/hub_routing.py``).
"""

from __future__ import annotations

from openroam._services.object_specs import ModuleSpec
from openroam._services.platform import Platform
from openroam._services.routing import receiving_roles
from openroam._store.object_repo import OWN
from openroam._store.outbox_receivers import Relay
from openroam.models.v221.versions import ModuleID

__all__ = ["BROADCAST_MODULES", "relay_of"]

#: What a Hub broadcasts: the modules of Client Owned Objects meant for every party (Tokens and
#: Locations, and the Tariffs Locations refer to), never Sessions or CDRs.
BROADCAST_MODULES = frozenset({ModuleID.LOCATIONS, ModuleID.TARIFFS, ModuleID.TOKENS})


def relay_of(platform: Platform, spec: ModuleSpec, origin: int) -> Relay | None:
    """How a partner's stored push of ``spec``'s module is relayed: on a Hub node, to every
    other partner of a role that receives the module ("opposite role",
    ``routing.receiving_roles``; ``outbox_receivers.relay_statement``); elsewhere, or for a
    module that is not broadcast, not at all (None)."""
    if not platform.is_hub or origin == OWN or spec.module not in BROADCAST_MODULES:
        return None
    # transport_and_format.asciidoc "Broadcast Push": "CPO pushing information to all eMSPs and
    # NSPs, eMSP pushing information to all CPOs"; "Other" is "an eMSP type of role".
    roles = receiving_roles(str(spec.module))
    return Relay(origin, tuple(str(role) for role in roles)) if roles else None
