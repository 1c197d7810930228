"""CLI commands for background work: ``openroam worker`` and ``openroam pull``."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from openroam._cli.node import ConfigOption, load_settings, run_with_node
from openroam._services.object_specs import SPECS
from openroam.errors import OcpiError

if TYPE_CHECKING:
    from rich.progress import Progress

    from openroam._delivery.pull import PullWorker
    from openroam._services.node import Node
    from openroam._store import repositories as repo

__all__ = ["pull", "worker"]

console = Console(highlight=False)
#: How many invalid objects a pull lists with their reasons (all of them are logged).
_SHOWN_INVALID = 5


def _freeze() -> None:
    # What start-up built (modules, models, the node) lives as long as the process; frozen, the
    # collector no longer walks it each time a pulled page's garbage triggers a full collection.
    gc.collect()
    gc.freeze()
    # A pulled page is ~15,000 objects that live until it is stored and then die by reference
    # counting. At the default 700 allocations per young collection they were walked several
    # times and promoted, which made full collections frequent; at 10,000 most die before a
    # collection sees them (validating, serialising and freeing pages of 100 Locations:
    # 49.7 -> 40.6 us per Location). Cyclic garbage still goes, only a little later.
    gc.set_threshold(10_000, 10, 10)


def worker(config: ConfigOption = None) -> None:
    """Run push delivery, pull-sync and webhooks without serving HTTP (separate worker processes).

    Several workers may share one PostgreSQL database: each delivery is claimed by one of them.
    """
    from openroam._logging import logging_to
    from openroam._runtime import open_node, running_workers

    settings = load_settings(config)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with open_node(settings) as node, running_workers(node, settings):
            _freeze()
            console.print("openroam worker running (Ctrl-C stops it)")
            await stop.wait()

    # As ``openroam serve`` logs: text or JSON lines (``log_format``), written by one thread.
    with logging_to(level="INFO", log_format=settings.log_format):
        asyncio.run(go())


_MODULES = ", ".join(SPECS)


def pull(
    partner: Annotated[str, typer.Argument(help="The partner's name.")],
    module: Annotated[
        str | None,
        typer.Option(
            help=f"One of {_MODULES} (default: every one the partner offers as Sender).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Pull everything, not only changes.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Pull a partner's objects now, module by module, with a progress bar; one line per
    module: objects stored, unchanged and invalid, pages and time, or the error (the call, the
    HTTP status and the partner's OCPI status). A failing module does not stop the others.

    Exits with 1 when a module failed or was incomplete (fewer objects than the partner's
    X-Total-Count); either is recorded on the sync state (``openroam partners show``) and
    pulled again later."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from openroam._delivery.pull import PullSettings, PullWorker
    from openroam._runtime import client_factory
    from openroam._services.partner_status import pulled_modules
    from openroam._store import repositories as repo

    if module is not None and module not in SPECS:
        console.print(f"[red]unknown module {module!r}[/]; choose from {_MODULES}")
        raise typer.Exit(2)

    async def go(node: Node) -> list[str]:
        async with node.db.session() as session:
            record = await repo.get_partner_by_name(session, partner)
        if record is None:
            raise repo.PartnerNotFound(f"no partner named {partner!r}")
        modules = [module] if module is not None else pulled_modules(record, node.platform)
        if not modules:
            console.print(f"{escape(partner)} offers no Sender interface of {_MODULES}")
            return []
        _freeze()
        clients = client_factory(settings=load_settings(config), message_log=node.message_log)
        pulling = PullSettings(v211_time_zone=node.v211_time_zone)
        puller = PullWorker(node.db, node.roaming, clients, pulling)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            return [
                name
                for name in modules
                if not await _pull_one(puller, record, name, full=full, progress=progress)
            ]

    failed = run_with_node(config, go)
    if failed:
        console.print(f"[red]not complete from {escape(partner)}:[/] {', '.join(failed)}")
        raise typer.Exit(1)


async def _pull_one(
    puller: PullWorker, record: repo.PartnerRecord, name: str, *, full: bool, progress: Progress
) -> bool:
    """Pull one module and print its line; whether it was pulled completely."""
    from openroam._store import repositories as repo

    what = f"{name} from {escape(record.name)}"
    task = progress.add_task(what, total=None)

    def advance(count: int, total: int | None) -> None:
        progress.update(task, advance=count, total=total)

    started = time.perf_counter()
    try:
        result = await puller.pull(record, name, full=full, progress=advance)
    except (OcpiError, repo.PartnerNotFound) as error:
        # Recorded on the sync state by ``pull`` already (but an interface not offered).
        problem = error.describe() if isinstance(error, OcpiError) else str(error)
        seconds = time.perf_counter() - started
        progress.update(task, description=f"{what} [red]failed[/]")
        progress.console.print(f"[red]{what}: failed[/] after {seconds:.1f} s: {escape(problem)}")
        return False
    seconds = time.perf_counter() - started
    progress.console.print(
        f"{what}: {result.stored} stored, {result.unchanged} unchanged, "
        f"{len(result.invalid)} invalid, {result.pages} page(s)"
        + (" (full)" if result.full else "")
        + f" in {seconds:.1f} s"
    )
    for label, problem in result.invalid[:_SHOWN_INVALID]:
        progress.console.print(f"  invalid {label}: {problem}", markup=False, soft_wrap=True)
    if result.incomplete is not None:
        progress.console.print(
            f"[yellow]{what} is incomplete[/]: {escape(result.incomplete)}; "
            "recorded, and pulled again later"
        )
        return False
    return True
