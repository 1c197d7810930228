"""OCPI 2.1.1 mod_commands.md: remote commands from the eMSP to a Charge Point.

The eMSP POSTs a command object to ``{commands}/{CommandType}``; the CPO answers with a
:class:`CommandResponse` and later POSTs another :class:`CommandResponse`, the Charge Point's
result, to the command's ``response_url``. 2.1.1 has one object and one enum for both
(2.2.1 splits them into CommandResponse/CommandResult): :class:`CommandResponseType` includes
``TIMEOUT``; a CommandResponse has no ``timeout`` and no ``message``. There is no
``CANCEL_RESERVATION``; ``ReserveNow.reservation_id`` is an int; no command has an
``authorization_reference``, StartSession has no ``connector_id``.
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import DateTime, Int, OcpiModel
from openroam.models.v211.tokens import Token
from openroam.models.v211.types import URL, String36, String39

__all__ = [
    "COMMAND_OBJECTS",
    "CommandResponse",
    "CommandResponseType",
    "CommandType",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
]


class CommandType(StrEnum):
    """mod_commands.md 4.2 "CommandType enum": also the last segment of the command URL."""

    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"
    """For help desk operators only; never sent directly by the EV driver."""


class CommandResponseType(StrEnum):
    """mod_commands.md 4.1 "CommandResponseType enum": the response/result of a command."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    TIMEOUT = "TIMEOUT"
    """No response from the Charge Point in a reasonable time."""
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResponse(OcpiModel):
    """mod_commands.md 3.1 "CommandResponse Object": the CPO's answer and the later result."""

    result: CommandResponseType


class ReserveNow(OcpiModel):
    """mod_commands.md 3.2 "ReserveNow Object".

    The same ``reservation_id`` for the same Location replaces the reservation; without
    ``evse_uid`` the Charge Point keeps any one EVSE available.
    """

    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: Int
    location_id: String39
    evse_uid: String39 | None = None


class StartSession(OcpiModel):
    """mod_commands.md 3.3 "StartSession Object": without ``evse_uid`` the CP chooses."""

    response_url: URL
    token: Token
    location_id: String39
    evse_uid: String39 | None = None


class StopSession(OcpiModel):
    """mod_commands.md 3.4 "StopSession Object"."""

    response_url: URL
    session_id: String36


class UnlockConnector(OcpiModel):
    """mod_commands.md 3.5 "UnlockConnector Object"."""

    response_url: URL
    location_id: String39
    evse_uid: String39
    connector_id: String36


COMMAND_OBJECTS: dict[CommandType, type[OcpiModel]] = {
    CommandType.RESERVE_NOW: ReserveNow,
    CommandType.START_SESSION: StartSession,
    CommandType.STOP_SESSION: StopSession,
    CommandType.UNLOCK_CONNECTOR: UnlockConnector,
}
"""mod_commands.md 2.1.1 "POST Method" (CPO interface): the request body of each command."""
