"""Commands module calls (mod_commands.asciidoc "Interfaces and endpoints")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openroam.client._base import OcpiHttpClient
from openroam.models.v221.commands import CommandResponse

__all__ = ["CommandCalls"]


class CommandCalls(OcpiHttpClient):
    """POST a command to a CPO, and a CommandResult to an eMSP's ``response_url``."""

    async def post_command(
        self,
        url: str,
        command: bytes,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> CommandResponse:
        """POST ``{commands}/{command}`` with the command object (JSON text); the CPO's
        synchronous CommandResponse ("Receiver Interface", "Response Data"). ``headers``: the
        routing headers."""
        reply = await self.send("POST", url, json_body=command, timeout=timeout, headers=headers)
        return reply.parse(CommandResponse)

    async def post_command_data(
        self,
        url: str,
        command: bytes,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """POST ``{commands}/{command}`` with the command object (JSON text); the ``data`` of
        the CPO's answer as it came, for a caller that reads it in the partner's version
        (mod_commands.md 2.1.1 "POST Method", "Response Data": a 2.1.1 CommandResponse)."""
        reply = await self.send("POST", url, json_body=command, timeout=timeout, headers=headers)
        return reply.envelope.data

    async def post_command_result(
        self,
        url: str,
        result: bytes,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """POST the CommandResult (JSON text) to the ``response_url`` of a command
        ("Sender Interface"); the answer carries no data."""
        await self.send("POST", url, json_body=result, timeout=timeout, headers=headers)
