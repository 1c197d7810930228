"""CLI commands that run or manage a node: serve, db upgrade, invite, register, partners
(list, show, grant), unregister, rotate-token.

Each command works on the node's database directly (the same one ``openroam serve`` uses), so it
can run beside a serving process.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from openroam.errors import OcpiError
from openroam.models.common import format_datetime

# The node's stack (settings, services, store, web framework) is imported by the commands that
# run it, not here: ``openroam --help`` and the commands that do not open the node start without.
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import datetime

    from openroam._config import Settings
    from openroam._services.node import Node
    from openroam._services.partner_status import Deliveries, ModuleStatus, PartnerStatus
    from openroam._store import repositories as repo

__all__ = [
    "ConfigOption",
    "PartyOption",
    "RawTokenOption",
    "RoleOption",
    "db_app",
    "grants_of",
    "invite",
    "load_settings",
    "partners",
    "partners_app",
    "register",
    "rotate_token",
    "run_with_node",
    "serve",
    "show_partner",
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
    from openroam._config import Settings

    try:
        return Settings.load(config)
    except (OSError, ValueError) as error:
        console.print(f"[red]invalid settings:[/] {error}")
        raise typer.Exit(2) from None


def run_with_node(config: Path | None, action: Callable[[Node], Awaitable[T]]) -> T:
    """Open the node's services, run ``action``, report an OCPI failure readably."""
    from openroam._runtime import open_node
    from openroam._store import repositories as repo

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


def _print_console(settings: Settings) -> None:
    from openroam._admin import console_enabled  # loads the web framework: serving only

    if not console_enabled(settings):
        return
    logins = (["admin with the admin token"] if settings.admin_token else []) + [
        user.name for user in settings.console.users
    ]
    who = ", ".join(logins) or "nobody: set admin_token or [[console.users]]"
    # soft_wrap: the address stays on one line, whole, to copy.
    console.print(
        f"operator console: {settings.public_url.rstrip('/')}/admin (log in: {who})",
        soft_wrap=True,
    )


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
    _print_console(settings)
    import uvicorn  # only this command serves HTTP: the others start without it

    from openroam._logging import logging_to
    from openroam._runtime import build_app

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
    from openroam._store.db import upgrade

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
    from openroam._services.credentials import parse_grant

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


RawTokenOption = Annotated[
    bool,
    typer.Option(
        "--raw-token",
        help="The partner expects its tokens un-encoded (many 2.1.1/2.2 platforms): send them "
        "raw, not Base64-encoded as OCPI 2.2.1 asks.",
    ),
]


def invite(
    name: Annotated[str, typer.Argument(help="A name for the new partner.")],
    role: RoleOption,
    party: PartyOption,
    raw_token: RawTokenOption = False,
    config: ConfigOption = None,
) -> None:
    """Create a token A for a new partner, which may register only as the roles granted here,
    and print it with our versions URL. Without --raw-token the partner is called the way its
    own registration sends token A (raw or Base64)."""
    grants = grants_of(role, party)
    token = run_with_node(
        config, lambda node: node.credentials.invite(name, grants=grants, raw_token=raw_token)
    )
    node_url = load_settings(config).public_url.rstrip("/")
    console.print(f"partner:      {name}")
    console.print(f"may register: {_show_grants(grants)}")
    console.print(f"versions URL: {node_url}/ocpi/versions")
    console.print(f"token A:      {token}")
    if raw_token:
        console.print("tokens:       sent raw (--raw-token)")


def register(
    versions_url: Annotated[str, typer.Argument(help="The partner's versions URL.")],
    token: Annotated[str, typer.Option("--token", help="The token A the partner gave us.")],
    role: RoleOption,
    party: PartyOption,
    name: Annotated[str | None, typer.Option(help="A name for the partner.")] = None,
    raw_token: RawTokenOption = False,
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
    help="Partner connections: list them (no sub-command), show one, add one with an agreed token "
    "(add), change what one may be (grant), how its data is read (reading).",
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
    """List partner connections: state, grants, roles, version, token encoding, pull health
    and push delivery backlog; on a Hub node also each one's connection status and last seen
    (``partners show NAME``: all of one)."""
    if ctx.invoked_subcommand is not None:
        return
    from openroam._services.partner_status import PartnerStatusService

    statuses = run_with_node(
        config, lambda node: PartnerStatusService(node.db, node.platform).all()
    )
    table = Table(
        "name",
        "status",
        "version",
        "token",
        "granted",
        "roles",
        "pull",
        "backlog",
        "failed",
        "last delivery error",
        "versions URL",
    )
    # A Hub node: each partner's ConnectionStatus and when it was last heard from.
    hub = any(status.connection is not None for status in statuses)
    if hub:
        table.add_column("connection")
        table.add_column("last seen")
    for status in statuses:
        info, deliveries = status.info, status.deliveries
        # Partners' words (their roles' names aside) are shown as text, never as rich markup.
        row = [
            escape(info.name),
            info.status,
            escape(info.version or ""),
            status.token_encoding,
            _show_grants(info.grants),
            _show_roles(status, names=False),
            escape(status.pull_health()),
            str(deliveries.pending),
            str(deliveries.failed),
            escape(deliveries.last_error or ""),
            escape(status.versions_url or ""),
        ]
        if hub:
            connection = status.connection
            row += [
                (connection.status or "-") if connection else "-",
                _at(connection.last_seen_at if connection else None),
            ]
        table.add_row(*row)
    console.print(table)


@partners_app.command("show")
def show_partner(
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    config: ConfigOption = None,
) -> None:
    """Everything about one connection: roles and grants, version, token encoding; per module
    the last full and incremental pull, objects held, failures and the last error; the push
    delivery backlog. On a Hub node, the partner's connection status and when it was last
    heard from; for a Hub partner, the parties behind it."""
    from openroam._services.partner_status import PartnerStatusService

    status = run_with_node(
        config, lambda node: PartnerStatusService(node.db, node.platform).of(name)
    )
    info = status.info
    console.print(
        f"[bold]{escape(info.name)}[/]: {info.status}, OCPI {escape(info.version or '-')}"
    )
    console.print(f"versions URL:   {escape(status.versions_url or '-')}")
    console.print(f"registered at:  {_at(info.registered_at)}")
    console.print(f"token encoding: {status.token_encoding}")
    console.print(f"granted:        {_show_grants(info.grants) or '-'}")
    console.print(f"roles:          {_show_roles(status) or '-'}")
    console.print(f"pull health:    {escape(status.pull_health())}")
    _show_connection(status)
    console.print(_modules_table(status.modules))
    for module in status.modules:
        sync = module.sync
        if sync is not None and sync.last_error is not None:
            state = "failing" if module.failing else "recovered"
            console.print(
                f"{module.module} last error ({state}) at {_at(sync.last_error_at)}: "
                f"{escape(sync.last_error)}"
            )
    _show_deliveries(status.deliveries)
    _show_reading(status)
    _show_parties(status)


def _show_connection(status: PartnerStatus) -> None:
    """On a Hub node: the partner's ConnectionStatus as ClientInfo reports it, and last seen."""
    connection = status.connection
    if connection is None:
        return
    console.print(
        f"connection:     {connection.status or '-'} since {_at(connection.since)}, "
        f"last seen {_at(connection.last_seen_at)}"
    )


def _show_parties(status: PartnerStatus) -> None:
    """A Hub partner: the parties behind it, as its ClientInfo PUTs said."""
    if status.parties is None:
        return
    if not status.parties:
        console.print("parties behind this Hub: none reported (no ClientInfo received)")
        return
    table = Table("party", "role", "status", "last updated", "received", title="parties behind")
    for info in status.parties:
        table.add_row(
            escape(f"{info.country_code}*{info.party_id}"),
            escape(info.role),
            escape(info.status),
            _at(info.last_updated),
            _at(info.received_at),
        )
    console.print(table)


def _at(value: datetime | None) -> str:
    return format_datetime(value) if value is not None else "-"


def _show_roles(status: PartnerStatus, *, names: bool = True) -> str:
    return ", ".join(
        f"{r.role} {r.country_code}*{r.party_id}"
        + (f" ({escape(r.name)})" if names and r.name else "")
        for r in status.info.roles
    )


def _modules_table(modules: tuple[ModuleStatus, ...]) -> Table:
    table = Table(
        "module",
        "we",
        "objects held",
        "last full pull",
        "last pull",
        "next pull",
        "pull",
        "pending",
        "failed",
        title="modules",
    )
    for module in modules:
        sync = module.sync
        we = "/".join(word for word, on in (("pull", module.pulled), ("push", module.pushed)) if on)
        table.add_row(
            module.module,
            we or "-",
            "-" if module.objects is None else str(module.objects),
            _at(sync.last_full_sync_at if sync else None),
            _at(sync.last_pull_at if sync else None),
            _at(sync.next_pull_at if sync else None),
            module.pull_health(),
            str(module.deliveries.pending),
            str(module.deliveries.failed),
        )
    return table


def _show_deliveries(deliveries: Deliveries) -> None:
    console.print(
        f"deliveries:     {deliveries.pending} pending"
        + (f" (oldest {_at(deliveries.oldest_pending_at)})" if deliveries.pending else "")
        + f", {deliveries.failed} failed, last delivered {_at(deliveries.last_delivered_at)}"
    )
    if deliveries.last_error is not None:
        console.print(
            f"last delivery error at {_at(deliveries.last_error_at)}: "
            f"{escape(deliveries.last_error)}"
        )


def _show_reading(status: PartnerStatus) -> None:
    """How the partner's objects are read, and the deviations lenient reading repaired."""
    console.print(f"reading:        {status.reading_policy}")
    if status.deviations:
        console.print(deviation_table(status.deviations))


def deviation_table(rows: Sequence[repo.DeviationRecord]) -> Table:
    """The deviations read from a partner, one row per module, field and kind."""
    table = Table(
        "module", "field", "kind", "count", "first seen", "last seen", "example", title="deviations"
    )
    for row in rows:
        data = row.to_dict()
        table.add_row(
            row.module,
            escape(row.field),
            row.kind,
            str(row.count),
            data["first_seen"],
            data["last_seen"],
            escape(row.example),
        )
    return table


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
