"""The OCPI routing headers of the requests we send (transport_and_format.asciidoc "Message
Routing"): FROM the party we speak for, TO the party the request is for.

Every request of a Functional module carries them, to a Hub and peer to peer alike ("also
needed when a platform hosts more than one party"); Configuration modules (versions,
credentials, hubclientinfo) never do. The headers address *parties*, not platforms: a request
through a Hub names the party behind it, and a Broadcast Push names the Hub itself as TO.

This module is the one home of "which party is on each end" for what we send; the server side
(what a request's headers may name) is ``_server/headers.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from openroam._services.broadcast import receiving_roles
from openroam._services.object_specs import SPECS
from openroam._services.platform import Platform
from openroam._store import repositories as repo
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "Party",
    "delivery_headers",
    "is_hub",
    "own_party",
    "partner_party",
    "routing_headers",
    "same_party",
]

#: (country_code, party_id) as given
Party = tuple[str, str]


def routing_headers(from_party: Party | None, to_party: Party | None) -> dict[str, str]:
    """The ``OCPI-from-*`` and ``OCPI-to-*`` headers naming these parties (a side left out when
    it is None)."""
    headers: dict[str, str] = {}
    if from_party is not None:
        headers["OCPI-from-country-code"], headers["OCPI-from-party-id"] = from_party
    if to_party is not None:
        headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to_party
    return headers


def same_party(a: Party, b: Party) -> bool:
    """CiString equality of two parties (types.asciidoc "CiString")."""
    return (fold_id(a[0]), fold_id(a[1])) == (fold_id(b[0]), fold_id(b[1]))


def own_party(platform: Platform, roles: Iterable[Role]) -> Party | None:
    """Our party in the first of ``roles`` we host; on a Hub node, the HUB party (it speaks for
    itself on every module). None when we host none of them."""
    hub = platform.hub_party
    if hub is not None:
        return hub.country_code, hub.party_id
    for role in roles:
        for party in platform.parties:
            if party.role == role:
                return party.country_code, party.party_id
    return None


def is_hub(partner: repo.PartnerRecord) -> bool:
    """Whether the partner is a Hub (registered, and granted, as HUB)."""
    return any(r.role == Role.HUB for r in partner.roles)


def partner_party(partner: repo.PartnerRecord, roles: Iterable[Role]) -> Party | None:
    """The partner's party in the first of ``roles`` it registered; for a Hub, its HUB party
    (what a request meant for the Hub itself, or a Broadcast Push, is addressed TO)."""
    for record in partner.roles:
        if record.role == Role.HUB:
            return record.country_code, record.party_id
    for role in roles:
        for record in partner.roles:
            if record.role == role:
                return record.country_code, record.party_id
    return None


def delivery_headers(
    platform: Platform,
    partner: repo.PartnerRecord,
    module: str,
    owner: Party,
    counterparty: Party | None = None,
) -> dict[str, str]:
    """The routing headers of a push (a ``deliveries`` row) to ``partner`` of an object of
    ``module`` owned by ``owner`` (``counterparty``: the party a Session or CDR concerns).

    On a Hub node every push relays another party's object (Broadcast Push): FROM the Hub, TO
    the receiving partner's party in a role the object is for (transport_and_format.asciidoc
    "Party to Party Broadcast Push": "Hub to receiving platform | Receiving-party | Hub").
    Elsewhere: none yet (the pushes of our own objects are addressed by the platform side of
    the Hub work, which extends this function).
    """
    hub = platform.hub_party
    if hub is None:
        return {}
    spec = SPECS.get(module)
    roles = receiving_roles(spec.owner_role) if spec is not None else ()
    return routing_headers((hub.country_code, hub.party_id), partner_party(partner, roles))
