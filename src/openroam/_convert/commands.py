"""Commands between 2.2.1 (mod_commands.asciidoc) and 2.1.1 (mod_commands.md).

2.1.1 answers a command twice with the same object: the CPO's synchronous ``CommandResponse``
(3.1) and, POSTed to ``response_url``, the Charge Point's asynchronous ``CommandResponse``.
2.2.1 splits them into ``CommandResponse`` (``result``, ``timeout``, ``message``) and
``CommandResult`` (CommandResultType, ``message``).

Lost from 2.2.1:
- CommandType ``CANCEL_RESERVATION`` (2.1.1 mod_commands.md 4.2 has none): :class:`Unconvertible`.
- StartSession ``connector_id`` (2.1.1 starts on the EVSE, 3.3) and ``authorization_reference``;
  ReserveNow ``authorization_reference``.
- ReserveNow ``reservation_id`` that is not a decimal int written as Python writes it (no
  leading zeros or ``+``, so it comes back the same) (2.1.1 3.2: ``int``): :class:`Unconvertible`.
- The command's Token as for Tokens (owner, group_id, default_profile_type, energy_contract;
  AD_HOC_USER/APP_USER become OTHER).
- CommandResponse ``timeout`` and ``message``; CommandResult ``message``.
- CommandResultType values 2.1.1 lacks become ``REJECTED``: CANCELED_RESERVATION,
  EVSE_OCCUPIED, EVSE_INOPERATIVE, FAILED, UNKNOWN_RESERVATION.

Filled in for 2.2.1:
- The command's Token owner = ``Context.owner`` (the eMSP sending the command); ``contract_id``
  = ``auth_id``.
- ``reservation_id`` = the 2.1.1 int in decimal.
- CommandResponse ``timeout`` = the caller's (default :data:`DEFAULT_TIMEOUT` seconds); a 2.1.1
  synchronous ``TIMEOUT`` (2.2.1 CommandResponseType has none) becomes ``REJECTED`` with a
  ``message`` naming it.
- A 2.1.1 asynchronous ``UNKNOWN_SESSION`` (CommandResultType has none) becomes ``REJECTED``
  with a ``message`` naming it.
"""

from __future__ import annotations

import re
from typing import Any

from openroam._convert._context import Context, Doc
from openroam._convert.locations import Unconvertible
from openroam._convert.tokens import CONVERTER as TOKENS

__all__ = [
    "DEFAULT_TIMEOUT",
    "V211_COMMANDS",
    "Unconvertible",
    "command_from_v211",
    "command_response_from_v211",
    "command_response_to_v211",
    "command_result_from_v211",
    "command_result_to_v211",
    "command_to_v211",
    "reservation_id_to_v211",
]

# 2.1.1 mod_commands.md 4.2 CommandType.
V211_COMMANDS = frozenset({"RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"})
DEFAULT_TIMEOUT = 60
"""Seconds: the 2.2.1 ``timeout`` for a 2.1.1 CPO's answer (the CPO side's own default)."""

# Each command's fields (besides ``token``), by version.
_FIELDS_V211: dict[str, tuple[str, ...]] = {
    "RESERVE_NOW": ("response_url", "expiry_date", "reservation_id", "location_id", "evse_uid"),
    "START_SESSION": ("response_url", "location_id", "evse_uid"),
    "STOP_SESSION": ("response_url", "session_id"),
    "UNLOCK_CONNECTOR": ("response_url", "location_id", "evse_uid", "connector_id"),
}
# 2.1.1 mod_commands.md 4.1 CommandResponseType.
_V211_RESPONSES = frozenset({"NOT_SUPPORTED", "REJECTED", "ACCEPTED", "TIMEOUT", "UNKNOWN_SESSION"})
# 2.2.1 CommandResultType -> 2.1.1 CommandResponseType (the asynchronous answer).
_RESULT_TO_V211 = {
    "ACCEPTED": "ACCEPTED",
    "CANCELED_RESERVATION": "REJECTED",
    "EVSE_OCCUPIED": "REJECTED",
    "EVSE_INOPERATIVE": "REJECTED",
    "FAILED": "REJECTED",
    "NOT_SUPPORTED": "NOT_SUPPORTED",
    "REJECTED": "REJECTED",
    "TIMEOUT": "TIMEOUT",
    "UNKNOWN_RESERVATION": "REJECTED",
}
# 2.1.1 CommandResponseType (asynchronous) -> 2.2.1 CommandResultType.
_RESULT_FROM_V211 = {
    "ACCEPTED": "ACCEPTED",
    "NOT_SUPPORTED": "NOT_SUPPORTED",
    "REJECTED": "REJECTED",
    "TIMEOUT": "TIMEOUT",
    "UNKNOWN_SESSION": "REJECTED",
}
# 2.2.1 CommandResponseType (synchronous): all four exist in 2.1.1.
_RESPONSES_V221 = frozenset({"NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"})
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")


def _fields(command: str) -> tuple[str, ...]:
    fields = _FIELDS_V211.get(command)
    if fields is None:
        raise Unconvertible(f"command {command!r} does not exist in 2.1.1")
    return fields


def reservation_id_to_v211(reservation_id: Any) -> int:
    """A 2.2.1 ``reservation_id`` (CiString) as 2.1.1's int: only a canonical decimal int."""
    if isinstance(reservation_id, str) and _DECIMAL.fullmatch(reservation_id):
        return int(reservation_id)
    raise Unconvertible(f"reservation_id {reservation_id!r} is not a 2.1.1 int")


def command_to_v211(command: str, doc: Doc) -> Doc:
    """A 2.2.1 command object (for ``command``, a CommandType) as the 2.1.1 one."""
    out: Doc = {key: doc[key] for key in _fields(command) if doc.get(key) is not None}
    if command == "RESERVE_NOW":
        out["reservation_id"] = reservation_id_to_v211(doc["reservation_id"])
    if "token" in doc and command in ("RESERVE_NOW", "START_SESSION"):
        out["token"] = TOKENS.to_v211(doc["token"])
    return out


def command_from_v211(command: str, doc: Doc, context: Context) -> Doc:
    """A 2.1.1 command object as the 2.2.1 one; ``context.owner`` owns the command's Token."""
    out: Doc = {key: doc[key] for key in _fields(command) if doc.get(key) is not None}
    if command == "RESERVE_NOW":
        reservation_id = doc["reservation_id"]
        if isinstance(reservation_id, bool) or not isinstance(reservation_id, int):
            raise Unconvertible(f"reservation_id {reservation_id!r} is not an int")
        out["reservation_id"] = str(reservation_id)
    if "token" in doc and command in ("RESERVE_NOW", "START_SESSION"):
        out["token"] = TOKENS.from_v211(doc["token"], context)
    return out


def command_response_to_v211(doc: Doc) -> Doc:
    """2.2.1 CommandResponse (synchronous) as 2.1.1: ``timeout`` and ``message`` are lost."""
    if doc.get("result") not in _RESPONSES_V221:
        raise Unconvertible(f"CommandResponseType {doc.get('result')!r} is unknown")
    return {"result": doc["result"]}


def command_response_from_v211(doc: Doc, timeout: int = DEFAULT_TIMEOUT) -> Doc:
    """2.1.1 synchronous CommandResponse as 2.2.1, with ``timeout`` filled in."""
    result = doc.get("result")
    if result not in _V211_RESPONSES:
        raise Unconvertible(f"CommandResponseType {result!r} is not a 2.1.1 value")
    if result == "TIMEOUT":
        note = "2.1.1 CommandResponse TIMEOUT"
        return {"result": "REJECTED", "timeout": timeout, "message": [_english(note)]}
    return {"result": result, "timeout": timeout}


def command_result_to_v211(doc: Doc) -> Doc:
    """2.2.1 CommandResult as the 2.1.1 CommandResponse POSTed to ``response_url``."""
    result = _RESULT_TO_V211.get(str(doc.get("result")))
    if result is None:
        raise Unconvertible(f"CommandResultType {doc.get('result')!r} is unknown")
    return {"result": result}


def command_result_from_v211(doc: Doc) -> Doc:
    """The 2.1.1 CommandResponse POSTed to ``response_url`` as a 2.2.1 CommandResult."""
    result = doc.get("result")
    mapped = _RESULT_FROM_V211.get(str(result))
    if mapped is None:
        raise Unconvertible(f"CommandResponseType {result!r} is not a 2.1.1 value")
    if mapped != result:
        return {"result": mapped, "message": [_english(f"2.1.1 CommandResponse {result}")]}
    return {"result": mapped}


def _english(text: str) -> Doc:
    return {"language": "en", "text": text}
