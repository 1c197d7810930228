"""OCPI 2.2.1 mod_commands.asciidoc: remote commands from the eMSP to a Charge Point.

The eMSP POSTs a command object to ``{commands}/{CommandType}``; the CPO answers at once with a
:class:`CommandResponse` (its own verdict and a ``timeout``) and later POSTs the Charge Point's
:class:`CommandResult` to the command's ``response_url``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from openroam.models.common import URL, CiString36, DateTime, Int, OcpiModel
from openroam.models.v221.tokens import Token
from openroam.models.v221.types import DisplayText

__all__ = [
    "COMMAND_OBJECTS",
    "CancelReservation",
    "CommandResponse",
    "CommandResponseType",
    "CommandResult",
    "CommandResultType",
    "CommandType",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
]


class CommandType(StrEnum):
    """mod_commands.asciidoc "CommandType": also the last segment of the command URL."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"
    """For operators and help desks only; never sent directly by the EV driver."""


class CommandResponseType(StrEnum):
    """mod_commands.asciidoc "CommandResponseType": the CPO's synchronous verdict."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """mod_commands.asciidoc "CommandResultType": the Charge Point's result."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    """The CPO cancelled the reservation (POSTed to the RESERVE_NOW response_url)."""
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    """No answer from the Charge Point in a reasonable time."""
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CancelReservation(OcpiModel):
    """mod_commands.asciidoc "CancelReservation Object"."""

    response_url: URL
    reservation_id: CiString36
    """The id given in the ReserveNow to cancel (docs/spec-decisions.md "CancelReservation:
    reservation_id text")."""


class CommandResponse(OcpiModel):
    """mod_commands.asciidoc "CommandResponse Object": the body of the CPO's HTTP answer."""

    result: CommandResponseType
    timeout: Int
    """Seconds; if no CommandResult arrives in time, it may never arrive."""
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    """mod_commands.asciidoc "CommandResult Object": POSTed by the CPO to ``response_url``."""

    result: CommandResultType
    message: list[DisplayText] | None = None


class ReserveNow(OcpiModel):
    """mod_commands.asciidoc "ReserveNow Object".

    The same ``reservation_id`` for the same Location replaces the reservation. The CPO maps
    ``reservation_id`` to an id unique across eMSPs before it reaches the Charge Point.
    """

    response_url: URL
    token: Token
    """Already authorized by the eMSP; the CPO does not check it."""
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    """Absent: the Charge Point keeps any one EVSE available."""
    authorization_reference: CiString36 | None = None


class StartSession(OcpiModel):
    """mod_commands.asciidoc "StartSession Object"."""

    response_url: URL
    token: Token
    """Already authorized by the eMSP; the CPO does not check it."""
    location_id: CiString36
    evse_uid: CiString36 | None = None
    """Absent: the Charge Point chooses the EVSE. Required when ``connector_id`` is set."""
    connector_id: CiString36 | None = None
    """Required when the EVSE has the capability START_SESSION_CONNECTOR_REQUIRED."""
    authorization_reference: CiString36 | None = None

    @model_validator(mode="after")
    def _connector_needs_evse(self) -> Self:
        # mod_commands.asciidoc "StartSession Object", evse_uid: "Required when connector_id
        # is set": a connector id means nothing without its EVSE.
        if self.connector_id is not None and self.evse_uid is None:
            error = PydanticCustomError(
                "value_error", "evse_uid is required when connector_id is set"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=error, loc=("evse_uid",), input=None)],
            )
        return self


class StopSession(OcpiModel):
    """mod_commands.asciidoc "StopSession Object"."""

    response_url: URL
    session_id: CiString36


class UnlockConnector(OcpiModel):
    """mod_commands.asciidoc "UnlockConnector Object"."""

    response_url: URL
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


COMMAND_OBJECTS: dict[CommandType, type[OcpiModel]] = {
    CommandType.CANCEL_RESERVATION: CancelReservation,
    CommandType.RESERVE_NOW: ReserveNow,
    CommandType.START_SESSION: StartSession,
    CommandType.STOP_SESSION: StopSession,
    CommandType.UNLOCK_CONNECTOR: UnlockConnector,
}
"""mod_commands.asciidoc "Receiver Interface" POST: the request body of each command."""
