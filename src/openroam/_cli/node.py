"""CLI commands that run or manage a node: serve, db upgrade, invite, register, partners,
unregister, rotate-token.

Each command works on the node's database directly (the same one ``openroam serve`` uses), so it
can run beside a serving process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from openroam._config import Settings
from openroam._logging import logging_to
from openroam._runtime import build_app, open_node
from openroam._services.credentials import parse_grant
from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.db import upgrade
from openroam._store.outbox_admin import BacklogRecord, delivery_backlog
from openroam.errors import OcpiError

__all__ = [
    "ConfigOption",
    "db_app",
    "invite",
    "load_settings",
    "partners",
    "partners_app",
    "register",
    "rotate_token",
    "run_with_node",
    "serve",
    "unregister",
]

T = TypeVar("T")
console = Console(highlight=False)


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="A TOML settings file (env vars OPENROAM_* override it)."),
]


def load_settings(config: Path | None) -> Settings:
    try:
        return Settings.load(config)
    except (OSError, ValueError) as error:
        console.print(f"[red]invalid settings:[/] {error}")
        raise typer.Exit(2) from None


def run_with_node(config: Path | None, action: Callable[[Node], Awaitable[T]]) -> T:
    """Open the node's services, run ``action``, report an OCPI failure readably."""

    async def go() -> T:
        async with open_node(load_settings(config)) as node:
            return await action(node)

    try:
        return asyncio.run(go())
    except OcpiError as error:
        console.print(f"[red]failed[/] ({error.received_status_code}): {error.message}")
        raise typer.Exit(1) from None
    except (repo.PartnerExists, repo.PartnerNotFound) as error:
        console.print(f"[red]failed:[/] {error}")
        raise typer.Exit(1) from None


class LogFormatOption(StrEnum):
    TEXT = "text"
    JSON = "json"


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default 8080).")] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Also uvicorn's access line per request (openroam logs each request already).",
        ),
    ] = False,
    log_level: Annotated[
        LogLevel,
        typer.Option(help="info: a line per request; warning: only problems."),
    ] = LogLevel.INFO,
    log_format: Annotated[
        LogFormatOption | None,
        typer.Option(
            help="text lines, or one JSON object per line (default: the log_format setting, text)."
        ),
    ] = None,
) -> None:
    """Start the node: serve OCPI to partners."""
    settings = load_settings(config)
    try:
        settings.require_parties()
    except ValueError as error:
        console.print(f"[red]cannot serve:[/] {error}")
        raise typer.Exit(2) from None
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"openroam serving on http://{bind_host}:{bind_port}")
    console.print(f"versions URL for partners: {settings.public_url.rstrip('/')}/ocpi/versions")
    import uvicorn  # only this command serves HTTP: the others start without it

    # Every line, uvicorn's too (log_config=None: it keeps no handlers of its own), goes through
    # one writer thread, as text or JSON (openroam._logging). One line per request is
    # openroam's own (method, path, partner, HTTP and OCPI status, duration, request id);
    # uvicorn's access line would repeat it.
    chosen = log_format.value if log_format is not None else settings.log_format
    with logging_to(level=log_level.value, log_format="json" if chosen == "json" else "text"):
        uvicorn.run(
            build_app(settings),
            host=bind_host,
            port=bind_port,
            log_level=log_level.value,
            log_config=None,
            access_log=access_log,
        )


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Run the database migrations up to the newest revision."""
    settings = load_settings(config)
    upgrade(settings.database_url)
    console.print("database is up to date")


RoleOption = Annotated[
    list[str],
    typer.Option(
        "--role",
        help="A role the partner may register as (CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP); "
        "repeat it with --party for each grant.",
    ),
]
PartyOption = Annotated[
    list[str],
    typer.Option(
        "--party",
        help="The party of the --role at the same position, as COUNTRY*PARTY (e.g. DE*ABC).",
    ),
]


def grants_of(roles: list[str], parties: list[str]) -> list[repo.Grant]:
    """The grants of ``--role R --party CC*PID`` pairs (in order); exit 2 when they do not pair."""
    if not roles or len(roles) != len(parties):
        console.print(
            "[red]invalid:[/] give each grant as --role ROLE --party COUNTRY*PARTY "
            f"({len(roles)} --role, {len(parties)} --party)"
        )
        raise typer.Exit(2)
    try:
        return [parse_grant(role, party) for role, party in zip(roles, parties, strict=True)]
    except OcpiError as error:
        console.print(f"[red]invalid:[/] {error.message}")
        raise typer.Exit(2) from None


def _show_grants(grants: tuple[repo.Grant, ...] | list[repo.Grant]) -> str:
    return ", ".join(str(grant) for grant in grants)


def invite(
    name: Annotated[str, typer.Argument(help="A name for the new partner.")],
    role: RoleOption,
    party: PartyOption,
    config: ConfigOption = None,
) -> None:
    """Create a token A for a new partner, which may register only as the roles granted here,
    and print it with our versions URL."""
    grants = grants_of(role, party)
    token = run_with_node(config, lambda node: node.credentials.invite(name, grants=grants))
    node_url = load_settings(config).public_url.rstrip("/")
    console.print(f"partner:      {name}")
    console.print(f"may register: {_show_grants(grants)}")
    console.print(f"versions URL: {node_url}/ocpi/versions")
    console.print(f"token A:      {token}")


def register(
    versions_url: Annotated[str, typer.Argument(help="The partner's versions URL.")],
    token: Annotated[str, typer.Option("--token", help="The token A the partner gave us.")],
    role: RoleOption,
    party: PartyOption,
    name: Annotated[str | None, typer.Option(help="A name for the partner.")] = None,
    raw_token: Annotated[
        bool, typer.Option("--raw-token", help="Send the token un-encoded (legacy peers).")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Register with a partner: versions, details, POST credentials, store token C. The roles
    the partner answers with must be among those granted here (--role/--party)."""
    grants = grants_of(role, party)
    label = name or versions_url
    record = run_with_node(
        config,
        lambda node: node.credentials.register_with(
            label, versions_url, token, grants=grants, encode_token=not raw_token
        ),
    )
    console.print(f"[green]registered[/] with {record.name} (OCPI {record.version})")


partners_app = typer.Typer(
    help="Partner connections: list them (no sub-command), change what one may be (grant).",
    invoke_without_command=True,
)


@partners_app.command("grant")
def grant(
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    role: RoleOption,
    party: PartyOption,
    config: ConfigOption = None,
) -> None:
    """Replace the roles a partner may be (all of them: give every grant it keeps). The change
    is recorded; a registered role no longer granted stops counting at once."""
    grants = grants_of(role, party)
    record = run_with_node(config, lambda node: node.credentials.change_grants(name, grants))
    console.print(f"[green]granted[/] {record.name}: {_show_grants(record.grants)}")


@partners_app.callback()
def partners(ctx: typer.Context, config: ConfigOption = None) -> None:
    """List partner connections: state, grants, roles, version and push delivery backlog."""
    if ctx.invoked_subcommand is not None:
        return

    async def fetch(node: Node) -> tuple[list[repo.PartnerRecord], dict[int, BacklogRecord]]:
        async with node.db.session() as session:
            records = await repo.list_partners(session)
            backlog = {row.partner_id: row for row in await delivery_backlog(session)}
        return records, backlog

    records, backlog = run_with_node(config, fetch)
    table = Table(
        "name", "status", "version", "granted", "roles", "backlog", "last error", "versions URL"
    )
    for record in records:
        roles = ", ".join(f"{r.role} {r.country_code}*{r.party_id}" for r in record.roles)
        pending = backlog.get(record.id)
        table.add_row(
            record.name,
            str(record.status),
            record.version or "",
            _show_grants(record.grants),
            roles,
            str(pending.pending) if pending else "0",
            (pending.last_error or "") if pending else "",
            record.versions_url or "",
        )
    console.print(table)


def unregister(
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    config: ConfigOption = None,
) -> None:
    """Unregister from a partner (credentials DELETE); its tokens stop working."""
    run_with_node(config, lambda node: node.credentials.unregister(name))
    console.print(f"unregistered from {name}")


def rotate_token(
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    config: ConfigOption = None,
) -> None:
    """Give a partner a new token and get a new one back (credentials PUT)."""
    run_with_node(config, lambda node: node.credentials.rotate_token(name))
    console.print(f"[green]rotated[/] the tokens with {name}")
