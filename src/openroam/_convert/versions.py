"""Versions: a 2.1.1 partner's version details endpoints in the 2.2.1 shape we store.

2.1.1's Endpoint is ``{identifier, url}`` (version_information_endpoint.md "Endpoint class");
2.2.1's also names the InterfaceRole. A 2.1.1 connection is between one CPO and one eMSP and each
side lists the endpoints of its own role, so the role follows from the partner's role (the role
granted to the connection):

* partner CPO: locations, tariffs, sessions, cdrs SENDER; tokens, commands RECEIVER;
* partner eMSP: locations, tariffs, sessions, cdrs RECEIVER; tokens, commands SENDER.

Filled in for 2.2.1: ``role`` of every endpoint, as above; ``credentials`` (the same for every
role) is stored as SENDER, as 2.2.1 peers publish it.

Lost from 2.1.1: custom module ids (version_information_endpoint.md "Custom Modules"): with no
role to infer they are not stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openroam._convert._context import Doc

__all__ = ["endpoint_role", "endpoints_from_v211"]

_SENDER = "SENDER"
_RECEIVER = "RECEIVER"

#: The interface role of each 2.1.1 module's endpoint at a CPO (mod_*.md "Interfaces and
#: endpoints": the CPO serves its objects and receives Tokens and Commands).
_AT_CPO: dict[str, str] = {
    "locations": _SENDER,
    "tariffs": _SENDER,
    "sessions": _SENDER,
    "cdrs": _SENDER,
    "tokens": _RECEIVER,
    "commands": _RECEIVER,
}
_OPPOSITE = {_SENDER: _RECEIVER, _RECEIVER: _SENDER}


def endpoint_role(identifier: str, partner_role: str) -> str | None:
    """The InterfaceRole of the 2.1.1 endpoint ``identifier`` of a ``partner_role`` partner
    (``"CPO"`` or ``"EMSP"``), or ``None`` for an id with no known role (a custom module).
    ``ValueError`` for another partner role: a 2.1.1 party is a CPO or an eMSP."""
    role = partner_role.upper()
    if role not in ("CPO", "EMSP"):
        raise ValueError(f"a 2.1.1 partner is a CPO or an EMSP, not {partner_role!r}")
    module = identifier.lower()
    if module == "credentials":
        return _SENDER
    at_cpo = _AT_CPO.get(module)
    if at_cpo is None:
        return None
    return at_cpo if role == "CPO" else _OPPOSITE[at_cpo]


def endpoints_from_v211(endpoints: Iterable[Mapping[str, Any]], partner_role: str) -> list[Doc]:
    """2.1.1 ``{identifier, url}`` endpoints as 2.2.1 ``{identifier, role, url}`` ones, each
    module's role inferred from ``partner_role`` (module docstring); custom modules dropped."""
    converted: list[Doc] = []
    for endpoint in endpoints:
        identifier = str(endpoint["identifier"])
        role = endpoint_role(identifier, partner_role)
        if role is not None:
            url = endpoint["url"]
            converted.append({"identifier": identifier.lower(), "role": role, "url": url})
    return converted
