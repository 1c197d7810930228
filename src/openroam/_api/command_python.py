"""Commands in the Python backend API (the same operations as ``/api/commands``).

>>> sent = await backend.send_command("cpo", "START_SESSION", {"token": …, "location_id": "L1"})
>>> sent["response"]                 # the CPO's CommandResponse; the result comes later
>>> backend.on_command(handle)       # CPO: called with each partner's command
>>> await backend.report_command_result(command_id, CommandResult(result=ACCEPTED))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openroam._services.events import Event, EventType
from openroam._services.node import Node
from openroam.models.common import OcpiModel
from openroam.models.v221.commands import CommandResult, CommandType

__all__ = ["CommandBackend"]

CommandHandler = Callable[[dict[str, Any]], Awaitable[None]]


class CommandBackend:
    """Mixed into :class:`openroam._api.Backend`."""

    node: Node

    async def send_command(
        self,
        partner: str,
        command_type: CommandType | str,
        command: OcpiModel | Mapping[str, Any],
        *,
        party: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """eMSP: send a command (without ``response_url``: openroam sets it) to ``partner``;
        the stored command with the CPO's CommandResponse (or ``response_error``). ``party``:
        the CPO party (country_code, party_id) it is for, through a Hub; by default the owner
        of the Location or Session it names."""
        fields = command.to_dict() if isinstance(command, OcpiModel) else dict(command)
        return await self.node.command_sender.send(partner, command_type, fields, target=party)

    async def get_command(self, command_id: str) -> dict[str, Any] | None:
        """A command (either side) with its response and result, as ``GET /api/commands/{id}``."""
        return await self.node.commands.get(command_id)

    def on_command(self, handler: CommandHandler) -> Callable[[], None]:
        """CPO: call ``await handler(data)`` for each partner command this process accepted
        (the data of the ``command.received`` event); returns a function that unsubscribes.
        Commands accepted by another process reach the webhook and ``GET /api/events``."""

        async def call(event: Event) -> None:
            await handler(event.data)

        return self.node.events.subscribe(EventType.COMMAND_RECEIVED, call)

    async def report_command_result(self, command_id: str, result: CommandResult) -> dict[str, Any]:
        """CPO: the Charge Point's result of a received command; POSTed to the partner."""
        return await self.node.command_receiver.report_result(command_id, result)
