"""OCPI routing headers on functional-module answers (transport_and_format.asciidoc "Message
Routing"): the answer goes FROM the addressed party TO the requesting party.

A request names its parties in ``OCPI-from-*`` and ``OCPI-to-*``; when they are absent (a direct
connection with one party on each side) the answer names the partner's registered party and our
own party of the module's role. Configuration modules (versions, credentials, hubclientinfo) never
carry them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request

from openroam._server.auth import RegisteredCaller
from openroam._server.v221.modules import interface, may_call
from openroam._services.credentials import Caller
from openroam._services.platform import Platform
from openroam.errors import NotFound
from openroam.models.common import fold_id
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = [
    "addressed_party",
    "check_interface",
    "functional_caller",
    "interface_caller",
    "routing_headers",
]


def addressed_party(headers: Mapping[str, str], platform: Platform) -> tuple[str, str] | None:
    """The own party a request is sent TO (``OCPI-to-*``), if it names one of ours.

    ``headers``: the request's headers, looked up by lower-case name (Starlette's ``Headers`` or a
    plain dict of lower-case names).
    """
    country_code = headers.get("ocpi-to-country-code")
    party_id = headers.get("ocpi-to-party-id")
    if not (country_code and party_id):
        return None
    for party in platform.parties:
        if (fold_id(party.country_code), fold_id(party.party_id)) == (
            fold_id(country_code),
            fold_id(party_id),
        ):
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


def _their_party(headers: Mapping[str, str], caller: Caller) -> tuple[str, str] | None:
    country_code = headers.get("ocpi-from-country-code")
    party_id = headers.get("ocpi-from-party-id")
    if country_code and party_id:
        return country_code, party_id
    if caller.roles:
        _, country_code, party_id = caller.roles[0]
        return country_code, party_id
    return None


def routing_headers(
    headers: Mapping[str, str], platform: Platform, caller: Caller, own_role: Role
) -> dict[str, str]:
    """The routing headers of the answer to a request with these ``headers`` (see
    :func:`addressed_party`)."""
    answer: dict[str, str] = {}
    ours = _own_party(headers, platform, own_role)
    theirs = _their_party(headers, caller)
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
        return caller

    return dependency
