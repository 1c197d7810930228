"""What every OCPI 2.1.1 route shares: who calls, how a 2.1.1 body is read and converted to the
2.2.1 document the services take, and how errors are answered in 2.1.1's terms.

* **Caller**: the registered partner (401 otherwise), allowed on the 2.2.1 interface the
  endpoint corresponds to (``ServedModule.interface``; the rules of
  :mod:`openroam._server.v221.modules` via :func:`~openroam._server.headers.check_interface`).
  2.1.1 has no message routing (one connection per CPO/eMSP pair): no ``OCPI-to``/``OCPI-from``
  header is read or answered.
* **Body**: validated as the 2.1.1 model (HTTP 400 + 2001 for a body that is not JSON,
  status_codes.md; 2001 with each problem's JSON path otherwise), converted
  (:mod:`openroam._convert`), and handed to the 2.2.1 service as JSON bytes, which validates it
  again as 2.2.1: a value 2.1.1 allows and 2.2.1 cannot hold is 2001 too.
* **Status codes**: 2.1.1 knows 1000, 2000-2003 and 3000-3003 (status_codes.md). An unknown
  object is HTTP 404 (status_codes.md: "if the resource does NOT exist, the server should
  return a HTTP 404"); 2.2.1's 2004 (unknown Token) is answered 2000 with that 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from openroam._convert._context import Context, Owner, Related
from openroam._server.auth import RegisteredCaller
from openroam._server.body import validated_body
from openroam._server.headers import check_interface
from openroam._server.v211.modules import ServedModule
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.token_contracts import own_token_parties
from openroam.errors import ClientError, InvalidOrMissingParameters, OcpiError
from openroam.models.common import OcpiModel
from openroam.models.v221.types import Role

__all__ = [
    "V211_STATUS_CODES",
    "caller_party",
    "context",
    "converting",
    "node_of",
    "own_party",
    "read_v211",
    "served_caller",
    "token_related",
    "v211_errors",
]


#: status_codes.md: the codes a 2.1.1 answer may carry.
V211_STATUS_CODES = frozenset({1000, 2000, 2001, 2002, 2003, 3000, 3001, 3002, 3003})


def node_of(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def served_caller(served: ServedModule) -> Callable[..., Awaitable[Caller]]:
    """A dependency for the routes of one 2.1.1 endpoint: the registered caller, allowed on
    the corresponding 2.2.1 interface (404 + 2000 otherwise, as on 2.2.1)."""

    async def dependency(caller: RegisteredCaller) -> Caller:
        with v211_errors():
            check_interface(caller, served.identifier, served.interface)
        return caller

    return dependency


def _v211_error(error: OcpiError) -> OcpiError:
    if int(error.status_code) in V211_STATUS_CODES:
        return error
    # 2004 (unknown Token) and the 4xxx hub codes do not exist in 2.1.1: a generic client
    # error with the same HTTP status and message (an unknown Token stays a 404).
    return ClientError(error.message, http_status=error.http_status)


@contextmanager
def v211_errors() -> Iterator[None]:
    """Re-raise an OCPI error of the block with a status code 2.1.1 knows."""
    try:
        yield
    except OcpiError as error:
        mapped = _v211_error(error)
        if mapped is error:
            raise
        raise mapped from None


def read_v211(model: type[OcpiModel], body: bytes) -> dict[str, Any]:
    """``body`` validated as the 2.1.1 ``model``, as JSON data.

    HTTP 400 + 2001 for a body that is not JSON (status_codes.md: "When a message does not
    contain a valid JSON string, the HTTP error 400"), 2001 with the problems' JSON paths
    for one that does not validate.
    """
    data: dict[str, Any] = validated_body(body, model).to_dict()
    return data


@contextmanager
def converting(what: str) -> Iterator[None]:
    """A conversion of input that 2.2.1 cannot hold (the converters raise ``ValueError``,
    e.g. ``Unconvertible``; a missing field ``KeyError``) is the caller's invalid data: 2001."""
    try:
        yield
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidOrMissingParameters(f"{what} cannot be taken as OCPI 2.2.1: {error}") from None


def caller_party(caller: Caller, role: Role) -> Owner | None:
    """The caller's party in ``role`` (2.1.1 credentials carry one party per connection)."""
    for held, country_code, party_id in caller.roles:
        if held == role:
            return Owner(country_code, party_id)
    return None


def own_party(node: Node, role: Role) -> Owner | None:
    """Our first party in ``role``: a 2.1.1 connection is between one CPO and one eMSP."""
    for party in node.platform.parties:
        if party.role == role:
            return Owner(party.country_code, party.party_id)
    return None


def context(node: Node, owner: Owner) -> Context:
    """The conversion context of an object of ``owner`` arriving at this node: Locations get
    the setting ``v211_time_zone`` when they name none; Sessions' and CDRs' ``auth_id`` names a
    Token of our eMSP party (2.1.1 mod_sessions.md 3.1 ``auth_id``)."""
    return Context(owner, node.v211_time_zone, own_party(node, Role.EMSP))


async def token_related(node: Node, data: dict[str, Any]) -> Related | None:
    """Our own Token a 2.1.1 Session or CDR (or Session PATCH) names by ``auth_id``
    (mod_sessions.md 3.1, mod_cdrs.md 3.1: "identified by the auth_id field of the Token", our
    Token's ``contract_id``), for its 2.2.1 ``cdr_token``; None when the body names none or no
    Token of our eMSP parties carries it (the converter's fallback: ``uid`` = ``auth_id``,
    ``type`` OTHER). Several: the most recently updated."""
    auth_id = data.get("auth_id")
    if not isinstance(auth_id, str):
        return None
    parties = own_token_parties(node.platform)
    token = await node.roaming.own_token_by_contract(parties, auth_id)
    return None if token is None else Related(token=token)
