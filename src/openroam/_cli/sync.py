"""CLI commands for background work: ``openroam worker`` and ``openroam pull``."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from openroam._cli.node import ConfigOption, load_settings, run_with_node
from openroam._delivery.pull import PullSettings, PullWorker
from openroam._runtime import client_factory, open_node, running_workers
from openroam._services.node import Node
from openroam._services.object_specs import SPECS
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
    settings = load_settings(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with open_node(settings) as node, running_workers(node, settings):
            _freeze()
            console.print("openroam worker running (Ctrl-C stops it)")
            await stop.wait()

    asyncio.run(go())


def pull(
    partner: Annotated[str, typer.Argument(help="The partner's name.")],
    module: Annotated[
        str | None, typer.Option(help="locations, tariffs or tokens (default: all offered).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Pull everything, not only changes.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Pull a partner's objects now, with a progress bar.

    Exits with 1 when a pull failed or was incomplete (fewer objects than the partner's
    X-Total-Count); either is recorded on the sync state and pulled again later."""
    if module is not None and module not in SPECS:
        console.print(f"[red]unknown module {module!r}[/]; choose from {', '.join(SPECS)}")
        raise typer.Exit(2)

    async def go(node: Node) -> None:
        async with node.db.session() as session:
            record = await repo.get_partner_by_name(session, partner)
        if record is None:
            raise repo.PartnerNotFound(f"no partner named {partner!r}")
        offered = [
            e.identifier for e in record.endpoints if e.identifier in SPECS and e.role == "SENDER"
        ]
        modules = [module] if module is not None else offered
        _freeze()
        puller = PullWorker(node.db, node.roaming, client_factory(), PullSettings())
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            for name in modules:
                task = progress.add_task(f"{name} from {partner}", total=None)

                def advance(count: int, total: int | None, task: TaskID = task) -> None:
                    progress.update(task, advance=count, total=total)

                result = await puller.pull(record, name, full=full, progress=advance)
                progress.console.print(
                    f"{name}: {result.stored} stored, {result.unchanged} unchanged, "
                    f"{len(result.invalid)} invalid, {result.pages} page(s)"
                    + (" (full)" if result.full else "")
                )
                for label, problem in result.invalid[:_SHOWN_INVALID]:
                    progress.console.print(
                        f"  invalid {label}: {problem}", markup=False, soft_wrap=True
                    )
                if result.incomplete is not None:
                    incomplete.append(name)
                    progress.console.print(
                        f"[yellow]{name} is incomplete[/]: {result.incomplete}; "
                        "recorded, and pulled again later"
                    )

    incomplete: list[str] = []
    run_with_node(config, go)
    if incomplete:
        raise typer.Exit(1)
