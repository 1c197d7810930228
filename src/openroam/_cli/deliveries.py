"""``openroam deliveries``: the push outbox for operators (docs/architecture.md "Delivery").

``openroam deliveries [--partner NAME] [--failed]`` lists rows; ``openroam deliveries retry ID…``
sends rows again now; ``openroam deliveries skip ID… [--reason TEXT]`` decides they are not to
be sent. Decisions are recorded in the rows (and a skip as a ``delivery.skipped`` event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from openroam._cli.node import ConfigOption, console, run_with_node
from openroam.errors import OcpiError

if TYPE_CHECKING:
    from openroam._services.deliveries import DeliveryView
    from openroam._services.node import Node

__all__ = ["deliveries_app"]

deliveries_app = typer.Typer(
    help="Push deliveries to partners: list them, retry or skip one.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _table(views: list[DeliveryView]) -> Table:
    table = Table(
        "id",
        "partner",
        "module",
        "method",
        "path",
        "state",
        "attempts",
        "next attempt",
        "last error",
        "decision",
    )
    for view in views:
        shown = view.to_dict()
        state = str(shown["state"]) + (" (sending)" if shown["in_flight"] else "")
        table.add_row(
            str(shown["id"]),
            view.partner,
            str(shown["module"]),
            str(shown["method"]),
            str(shown["path"]),
            state,
            str(shown["attempts"]),
            str(shown["next_attempt_at"] or ""),
            str(shown["last_error"] or ""),
            str(shown["note"] or ""),
        )
    return table


@deliveries_app.callback()
def deliveries(
    context: typer.Context,
    partner: Annotated[
        str | None, typer.Option("--partner", help="Only this partner's deliveries.")
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed deliveries.")] = False,
    all_states: Annotated[
        bool, typer.Option("--all", help="Also delivered, skipped and superseded ones.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 200,
    config: ConfigOption = None,
) -> None:
    """List push deliveries (pending and failed ones unless --all), oldest first."""
    if context.invoked_subcommand is not None:
        return
    states = ["failed"] if failed else None if all_states else ["pending", "failed"]

    async def fetch(node: Node) -> list[DeliveryView]:
        return await node.deliveries.list(partner=partner, states=states, limit=limit)

    found = run_with_node(config, fetch)
    if not found:
        console.print("no deliveries")
        return
    console.print(_table(found))


Ids = Annotated[list[int], typer.Argument(help="Delivery ids (as listed).")]


@deliveries_app.command("retry")
def retry(ids: Ids, config: ConfigOption = None) -> None:
    """Send deliveries again now (failed, skipped or waiting for a retry)."""

    async def act(node: Node) -> list[DeliveryView | str]:
        done: list[DeliveryView | str] = []
        for delivery_id in ids:
            try:
                done.append(await node.deliveries.retry(delivery_id, by="an operator (CLI)"))
            except OcpiError as error:
                done.append(f"{delivery_id}: {error.message}")
        return done

    _report(run_with_node(config, act), "retried")


@deliveries_app.command("skip")
def skip(
    ids: Ids,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in the row).")] = None,
    config: ConfigOption = None,
) -> None:
    """Decide deliveries are not to be sent (recorded, with a delivery.skipped event)."""

    async def act(node: Node) -> list[DeliveryView | str]:
        done: list[DeliveryView | str] = []
        for delivery_id in ids:
            try:
                view = await node.deliveries.skip(
                    delivery_id, by="an operator (CLI)", reason=reason
                )
                done.append(view)
            except OcpiError as error:
                done.append(f"{delivery_id}: {error.message}")
        return done

    _report(run_with_node(config, act), "skipped")


def _report(outcomes: list[DeliveryView | str], verb: str) -> None:
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    for outcome in outcomes:
        if isinstance(outcome, str):
            console.print(f"[red]not {verb}[/] {outcome}")
        else:
            console.print(f"[green]{verb}[/] {outcome.row.id} ({outcome.row.state})")
    if failures:
        raise typer.Exit(1)
