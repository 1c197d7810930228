"""``openroam command <type> <partner> …``: send a remote command to a CPO partner (eMSP side,
mod_commands.asciidoc) and wait for its result.

The command goes out from this process with the node's database and settings; its
``response_url`` points at the node's public URL, so the running ``openroam serve`` receives the
CommandResult (and decides TIMEOUT) and this command reads it from the database.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from openroam._cli.node import ConfigOption, console, run_with_node
from openroam.errors import InvalidOrMissingParameters, NotFound, OcpiError
from openroam.models.common import format_datetime
from openroam.models.v221.commands import CommandType
from openroam.models.v221.types import Role

if TYPE_CHECKING:
    from openroam._services.node import Node

__all__ = ["command"]

_TOKEN_COMMANDS = (CommandType.START_SESSION, CommandType.RESERVE_NOW)


def _fields(kind: CommandType, given: dict[str, str | None]) -> dict[str, Any]:
    names = {
        CommandType.START_SESSION: ("location_id", "evse_uid", "connector_id",
                                    "authorization_reference"),
        CommandType.STOP_SESSION: ("session_id",),
        CommandType.RESERVE_NOW: ("location_id", "evse_uid", "reservation_id", "expiry_date",
                                  "authorization_reference"),
        CommandType.CANCEL_RESERVATION: ("reservation_id",),
        CommandType.UNLOCK_CONNECTOR: ("location_id", "evse_uid", "connector_id"),
    }[kind]  # fmt: skip
    return {name: given[name] for name in names if given.get(name) is not None}


async def _own_token(node: Node, uid: str, token_type: str) -> dict[str, Any]:
    """One of our eMSP parties' Tokens ("an eMSP sending a StartSession SHALL only use Tokens
    that are owned by this eMSP")."""
    from openroam._services.documents import ObjectPath
    from openroam._services.object_specs import TOKENS

    for party in node.platform.parties:
        if party.role != Role.EMSP:
            continue
        path = ObjectPath(party.country_code, party.party_id, uid, (), token_type)
        try:
            found: dict[str, Any] = orjson.loads(await node.roaming.read(0, TOKENS, path))
        except NotFound:
            continue
        return found
    raise InvalidOrMissingParameters(f"No own {token_type} Token {uid!r}; push it first")


async def _wait(node: Node, uid: str, seconds: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + seconds
    while True:
        found = await node.commands.get(uid)
        if found is None or found["state"] == "done" or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.25)


def _show(found: dict[str, Any]) -> None:
    response, error = found["response"], found["response_error"]
    if response is not None:
        console.print(f"response: [bold]{response['result']}[/] (timeout {response['timeout']} s)")
    if error is not None:
        console.print(f"[red]no response:[/] {error}")
    result = found["result"]
    if result is not None:
        texts = "; ".join(m["text"] for m in result.get("message") or [])
        console.print(f"result: [bold]{result['result']}[/]" + (f" — {texts}" if texts else ""))
    elif found["state"] != "done":
        console.print(f"no result yet (state {found['state']}, deadline {found['deadline']})")


def command(
    command_type: Annotated[
        str,
        typer.Argument(
            help="START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION "
            "or UNLOCK_CONNECTOR (case and - / _ do not matter)."
        ),
    ],
    partner: Annotated[str, typer.Argument(help="The CPO partner's name.")],
    location: Annotated[str | None, typer.Option(help="location_id")] = None,
    evse: Annotated[str | None, typer.Option(help="evse_uid")] = None,
    connector: Annotated[str | None, typer.Option(help="connector_id")] = None,
    session: Annotated[str | None, typer.Option(help="session_id (STOP_SESSION)")] = None,
    reservation: Annotated[str | None, typer.Option(help="reservation_id")] = None,
    expiry: Annotated[
        str | None, typer.Option(help="expiry_date of a reservation (default: in 1 hour)")
    ] = None,
    token_uid: Annotated[str | None, typer.Option(help="uid of one of our own Tokens")] = None,
    token_type: Annotated[str, typer.Option(help="Its type")] = "RFID",
    authorization_reference: Annotated[str | None, typer.Option()] = None,
    body: Annotated[
        Path | None,
        typer.Option(
            help="A JSON file with the command object (merged under the "
            "options); response_url is always set by openroam."
        ),
    ] = None,
    wait: Annotated[
        float | None,
        typer.Option(
            help="Seconds to wait for the result (default: the CPO's timeout + 5; 0: do not wait)."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Send a command to a CPO partner and wait for its CommandResult."""
    from openroam._services.command_sender import command_type_of

    try:
        kind = command_type_of(command_type.replace("-", "_"))
        fields: dict[str, Any] = orjson.loads(body.read_bytes()) if body is not None else {}
    except (OcpiError, OSError, orjson.JSONDecodeError) as error:
        console.print(f"[red]invalid:[/] {getattr(error, 'message', error)}")
        raise typer.Exit(2) from None
    if kind == CommandType.RESERVE_NOW and expiry is None:
        expiry = format_datetime(datetime.now(UTC) + timedelta(hours=1))
    given = {"location_id": location, "evse_uid": evse, "connector_id": connector,
             "session_id": session, "reservation_id": reservation, "expiry_date": expiry,
             "authorization_reference": authorization_reference}  # fmt: skip

    async def go(node: Node) -> bool:
        fields.update(_fields(kind, given))
        if kind in _TOKEN_COMMANDS and token_uid is not None:
            fields["token"] = await _own_token(node, token_uid, token_type.upper())
        sent = await node.command_sender.send(partner, kind, fields)
        console.print(f"sent {kind} to {partner}: command {sent['id']}")
        found: dict[str, Any] | None = sent
        response = sent["response"]
        if sent["state"] != "done" and wait != 0:
            seconds = wait if wait is not None else float(response["timeout"]) + 5
            found = await _wait(node, sent["id"], seconds)
        assert found is not None
        _show(found)
        result = found["result"]
        return (result is not None and result["result"] == "ACCEPTED") or (
            wait == 0 and response is not None and response["result"] == "ACCEPTED"
        )

    if not run_with_node(config, go):
        raise typer.Exit(1)
