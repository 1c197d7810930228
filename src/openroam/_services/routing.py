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

from collections.abc import Iterable, Mapping
from typing import Literal

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.platform import Platform
from openroam._store import repositories as repo
from openroam._store.held_lookup import find_held
from openroam.errors import ClientError, InvalidOrMissingParameters
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "CONFIGURATION_MODULES",
    "OWNER_ROLES",
    "Party",
    "authorization_headers",
    "delivery_headers",
    "held_owner",
    "is_hub",
    "named_party",
    "own_party",
    "parse_party",
    "partner_party",
    "party_key",
    "pull_headers",
    "receiving_roles",
    "routing_headers",
    "same_party",
]

#: (country_code, party_id) as given
Party = tuple[str, str]

#: Configuration modules: their requests carry no routing headers (transport_and_format.asciidoc
#: "Message Routing": "the routing headers are only used for Functional modules")
CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})

#: The role of the party that owns the objects of each object module ("Data owner" of each
#: module chapter)
OWNER_ROLES: dict[str, Role] = {
    "locations": Role.CPO,
    "tariffs": Role.CPO,
    "sessions": Role.CPO,
    "cdrs": Role.CPO,
    "tokens": Role.EMSP,
}

# transport_and_format.asciidoc "Broadcast Push": CPO data goes to the eMSP-like roles (OTHER
# counts as an eMSP type of role; NSP, NAP and SCSP read Locations and Tariffs), eMSP data to
# CPOs.
_RECEIVING: dict[Role, tuple[Role, ...]] = {
    Role.CPO: (Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.SCSP),
    Role.EMSP: (Role.CPO,),
}


def receiving_roles(module: str) -> tuple[Role, ...]:
    """The roles that receive a module's objects (the other side of its owner), most usual
    first; () for a module without an owner role."""
    owner = OWNER_ROLES.get(module)
    return () if owner is None else _RECEIVING[owner]


def party_key(party: Party) -> str:
    """``"CC/PID"`` as given: how ``commands.counterparty`` and ``profile_requests.counterparty``
    keep a party."""
    return f"{party[0]}/{party[1]}"


def parse_party(key: str | None) -> Party | None:
    """The party of a ``"CC/PID"`` key (as :func:`party_key` or ``counterparty_key`` wrote it);
    None for None or a value that is not one."""
    if not key or key.count("/") != 1:
        return None
    country_code, party_id = key.split("/")
    return (country_code, party_id) if country_code and party_id else None


def named_party(
    headers: Mapping[str, str], side: Literal["from", "to"], *, strict: bool = True
) -> Party | None:
    """The party a request's ``OCPI-<side>-*`` headers name (``headers`` looked up by lower-case
    name); None without them; 2001 when only one of the two is given (transport_and_format
    "Message Routing": country code and party id are one address), or None when not
    ``strict`` (where the request has been checked already, or an error answer is addressed)."""
    country_code = headers.get(f"ocpi-{side}-country-code")
    party_id = headers.get(f"ocpi-{side}-party-id")
    if not (country_code and party_id) and not strict:
        return None
    if not country_code and not party_id:
        return None
    if not (country_code and party_id):
        raise InvalidOrMissingParameters(
            f"OCPI-{side}-country-code and OCPI-{side}-party-id go together; one of them is missing"
        )
    return country_code, party_id


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
    owner: Party | None,
    counterparty: Party | None = None,
) -> dict[str, str]:
    """The routing headers of a push of ``module`` to ``partner``
    (transport_and_format.asciidoc "Message Routing"), before the partner's dialect drops them
    (2.1.1 has none).

    * FROM: on a Hub node, the Hub's party (it relays the objects of the parties behind it,
      "Broadcast Push"); else the object's owner, one of our parties (several parties on one
      node: the one whose object it is), or our party of the module's owner role.
    * TO: the party a Session or CDR concerns (``counterparty``: its ``cdr_token`` party),
      also through a Hub; else, to a Hub partner, the Hub's own party (a Broadcast Push is
      addressed to the Hub); else the partner's party in a role that receives the module.

    A Configuration module (hubclientinfo) gets none.
    """
    if module in CONFIGURATION_MODULES:
        return {}
    owner_role = OWNER_ROLES.get(module)
    roles = (owner_role,) if owner_role is not None else ()
    if platform.is_hub:
        from_party = own_party(platform, roles)
    elif owner is not None and _hosted(platform, owner):
        from_party = owner
    else:
        from_party = own_party(platform, roles)
    to_party = counterparty or partner_party(partner, receiving_roles(module))
    return routing_headers(from_party, to_party)


def pull_headers(platform: Platform, partner: repo.PartnerRecord, module: str) -> dict[str, str]:
    """The routing headers of a GET list we send to ``partner``'s Sender interface (a pull):
    FROM our party in a role that receives the module (on a Hub node, the Hub), TO the
    partner's party owning the module's objects, or — a Hub partner — the Hub's own party
    (transport_and_format.asciidoc "GET All via Hubs": ``OCPI-to-*`` names the Hub)."""
    if module in CONFIGURATION_MODULES:
        return {}
    owner_role = OWNER_ROLES.get(module)
    from_party = own_party(platform, receiving_roles(module))
    to_party = partner_party(partner, (owner_role,) if owner_role is not None else ())
    return routing_headers(from_party, to_party)


def _hosted(platform: Platform, party: Party) -> bool:
    return any(same_party(party, (p.country_code, p.party_id)) for p in platform.parties)


async def held_owner(
    session: AsyncSession, partner: repo.PartnerRecord, module: str, object_id: str
) -> Party | None:
    """The CPO party a request about a Location or Session we hold from ``partner`` is for:
    the owner of the copy held under ``object_id`` (as the partner spelled it). None when none
    is held; :class:`ClientError` (409) when the partner (a Hub) sent us objects of several
    parties under that id, so the caller must name the party."""
    held = await find_held(session, module, partner.id, object_id)
    owners = {(found.country_code, found.party_id) for found in held}
    if len(owners) > 1:
        raise ClientError(
            f"{partner.name} sent us {module} {object_id!r} of several parties; name the CPO "
            "party the request is for",
            http_status=409,
        )
    if not held:
        return None
    document = orjson.loads(held[0].document)
    country_code, party_id = document.get("country_code"), document.get("party_id")
    if isinstance(country_code, str) and isinstance(party_id, str):
        return country_code, party_id
    return held[0].country_code, held[0].party_id


def authorization_headers(platform: Platform, token_party: Party | None) -> dict[str, str]:
    """The routing headers of a real-time authorization we ask (mod_tokens "Real-time
    authorization"): FROM our CPO party, TO the eMSP party owning the Token (through a Hub
    too: the Hub forwards it to that party)."""
    return routing_headers(own_party(platform, (Role.CPO,)), token_party)
