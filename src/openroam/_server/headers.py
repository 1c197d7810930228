"""OCPI routing headers on functional-module answers (transport_and_format.asciidoc "Message
Routing"): the answer goes FROM the addressed party TO the requesting party.

A request names its parties in ``OCPI-from-*`` and ``OCPI-to-*``; when they are absent (a direct
connection with one party on each side) the answer names the partner's registered party and our
own party of the module's role. Configuration modules (versions, credentials, hubclientinfo) never
carry them.

On a platform (not a Hub node, whose routing layer checks them ahead of the routes),
:func:`check_routing` holds what a request's headers may name: ``OCPI-from-*`` a party the caller
holds (2001), ``OCPI-to-*`` a party we host (4001) whose role serves the interface (404 + 2000).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request

from openroam._server.auth import RegisteredCaller
from openroam._server.v221.modules import interface, may_call
from openroam._services.credentials import Caller
from openroam._services.platform import Platform
from openroam._services.routing import named_party, same_party
from openroam.errors import InvalidOrMissingParameters, NotFound, UnknownReceiver
from openroam.models.common import fold_id
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = [
    "addressed_party",
    "check_interface",
    "check_routing",
    "functional_caller",
    "interface_caller",
    "may_speak_for",
    "named_from",
    "requesting_party",
    "routing_headers",
]


def _folded(party: tuple[str, str]) -> tuple[str, str]:
    return fold_id(party[0]), fold_id(party[1])


def _hosts(platform: Platform, party: tuple[str, str]) -> bool:
    return any(_folded((p.country_code, p.party_id)) == _folded(party) for p in platform.parties)


def may_speak_for(caller: Caller, platform: Platform, party: tuple[str, str]) -> bool:
    """Whether ``caller`` may send a request FROM ``party`` (transport_and_format.asciidoc
    "Message Routing"): a direct partner only for a party it registered (and was granted); a
    Hub for any party behind it — every party but ours and those another partner holds (a
    party belongs to one connection, ``Caller.held_elsewhere``)."""
    wanted = _folded(party)
    if any(_folded((cc, pid)) == wanted for _, cc, pid in caller.roles):
        return True
    return caller.hub and not _hosts(platform, party) and wanted not in caller.held_elsewhere


def named_from(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The party ``OCPI-from-*`` names, if both headers are given (checked by
    :func:`check_routing` on a platform, by the routing layer on a Hub node)."""
    return named_party(headers, "from", strict=False)


def requesting_party(
    headers: Mapping[str, str],
    platform: Platform,
    caller: Caller,
    roles: tuple[Role, ...] = (),
) -> tuple[str, str] | None:
    """The party a request comes FROM: its ``OCPI-from-*`` when the caller may speak for it,
    else (peer to peer without headers) the caller's registered party in the first of
    ``roles`` it has, or its first party."""
    named = named_party(headers, "from", strict=False)
    if named is not None and may_speak_for(caller, platform, named):
        return named
    for role in roles:
        for caller_role, country_code, party_id in caller.roles:
            if caller_role == role:
                return country_code, party_id
    if caller.roles:
        _, country_code, party_id = caller.roles[0]
        return country_code, party_id
    return None


def check_routing(
    headers: Mapping[str, str],
    platform: Platform,
    caller: Caller,
    module: ModuleID,
    role: InterfaceRole,
) -> None:
    """Refuse routing headers naming parties they may not (transport_and_format.asciidoc
    "Message Routing"; status_codes.asciidoc "4xxx: Hub errors"):

    * ``OCPI-from-*`` naming a party the caller does not hold (:func:`may_speak_for`), or only
      one of the two headers: 2001, naming the header;
    * ``OCPI-to-*`` naming a party we do not host: 4001 (Unknown receiver); naming our party
      whose role does not serve this interface: HTTP 404 + 2000, as :func:`check_interface`.

    Missing headers stay allowed (peer to peer, one party on each side). A Hub node checks
    them in its routing layer, ahead of the routes; nothing is checked here then.
    """
    if platform.is_hub:
        return
    named = named_party(headers, "from")
    to = named_party(headers, "to")
    if named is not None and not may_speak_for(caller, platform, named):
        raise InvalidOrMissingParameters(
            f"OCPI-from-country-code/OCPI-from-party-id name {named[0]}*{named[1]}, a party "
            "this connection does not hold"
        )
    if to is None:
        return
    hosted = [p for p in platform.parties if _folded((p.country_code, p.party_id)) == _folded(to)]
    if not hosted:
        raise UnknownReceiver(
            f"OCPI-to-country-code/OCPI-to-party-id name {to[0]}*{to[1]}, which this platform "
            "does not host"
        )
    served = interface(module, role).for_roles
    if not any(p.role in served for p in hosted):
        raise NotFound(
            f"{to[0]}*{to[1]} is our {hosted[0].role} party, which serves no {module} "
            f"{role.lower()} interface"
        )


def addressed_party(headers: Mapping[str, str], platform: Platform) -> tuple[str, str] | None:
    """The own party a request is sent TO (``OCPI-to-*``), if it names one of ours.

    ``headers``: the request's headers, looked up by lower-case name (Starlette's ``Headers`` or a
    plain dict of lower-case names).
    """
    named = named_party(headers, "to", strict=False)
    if named is None:
        return None
    for party in platform.parties:
        if same_party((party.country_code, party.party_id), named):
            return party.country_code, party.party_id
    return None


def _own_party(
    headers: Mapping[str, str], platform: Platform, role: Role
) -> tuple[str, str] | None:
    addressed = addressed_party(headers, platform)
    if addressed is not None:
        return addressed
    parties = [p for p in platform.parties if p.role == role] or list(platform.parties)
    return (parties[0].country_code, parties[0].party_id) if parties else None


def check_interface(caller: Caller, module: ModuleID, role: InterfaceRole) -> None:
    """Refuse a partner none of whose roles may call this interface (``modules.MODULES``): HTTP
    404 with 2000, as for an object of a party it does not hold (transport_and_format.asciidoc
    "Errors"; docs/spec-decisions.md "Which partner roles may call an interface")."""
    if not may_call((r for r, _, _ in caller.roles), module, role):
        callers = ", ".join(sorted(str(r) for r in interface(module, role).callers))
        held = ", ".join(sorted({r for r, _, _ in caller.roles})) or "none"
        raise NotFound(
            f"The {module} {role.lower()} interface is open to {callers} partners (and Hubs); "
            f"your granted roles: {held}"
        )


def routing_headers(
    headers: Mapping[str, str], platform: Platform, caller: Caller, own_role: Role
) -> dict[str, str]:
    """The routing headers of the answer to a request with these ``headers`` (see
    :func:`addressed_party`)."""
    answer: dict[str, str] = {}
    ours = _own_party(headers, platform, own_role)
    theirs = requesting_party(headers, platform, caller)
    if ours is not None:
        answer["OCPI-from-country-code"], answer["OCPI-from-party-id"] = ours
    if theirs is not None:
        answer["OCPI-to-country-code"], answer["OCPI-to-party-id"] = theirs
    return answer


def functional_caller(own_role: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency for Functional-module routes: the registered caller, with the routing
    headers of the answer kept on ``request.state.ocpi_routing`` so that error answers carry them
    too (transport_and_format.asciidoc: on every response of a Functional module)."""

    async def dependency(request: Request, caller: RegisteredCaller) -> Caller:
        node = request.app.state.node
        request.state.ocpi_routing = routing_headers(
            request.headers, node.platform, caller, own_role
        )
        return caller

    return dependency


def interface_caller(
    module: ModuleID, role: InterfaceRole, own_role: Role
) -> Callable[..., Awaitable[Caller]]:
    """A dependency for the routes of one interface: :func:`functional_caller` (``own_role``: our
    role on it, for the routing headers), then :func:`check_interface` — the one place a route's
    caller roles are checked."""

    async def dependency(request: Request, caller: RegisteredCaller) -> Caller:
        node = request.app.state.node
        request.state.ocpi_routing = routing_headers(
            request.headers, node.platform, caller, own_role
        )
        check_interface(caller, module, role)
        check_routing(request.headers, node.platform, caller, module, role)
        return caller

    return dependency
