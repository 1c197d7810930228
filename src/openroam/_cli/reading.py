"""``openroam partners reading NAME strict|lenient``: how a partner's objects are read.

``strict`` (the default) reads the spec (types.asciidoc "DateTime"); ``lenient`` also accepts the
DateTime deviations of ``openroam.models._lenient`` (a space for the ``T``, ``+00:00``, another
offset), stores the spec's form and counts each deviation, listed here after the change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from openroam._cli.node import ConfigOption, console, deviation_table, run_with_node

if TYPE_CHECKING:
    from openroam._services.node import Node
    from openroam._store import repositories as repo

__all__ = ["deviation_table", "reading"]


class Policy(StrEnum):
    STRICT = "strict"
    LENIENT = "lenient"


def reading(
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    policy: Annotated[
        Policy,
        typer.Argument(
            help="strict: the spec only (default). lenient: also a space for the T, +00:00 or "
            "another offset in DateTimes; stored in the spec's form and counted."
        ),
    ],
    config: ConfigOption = None,
) -> None:
    """Set how a partner's objects are read, and show the deviations counted so far."""
    from openroam._services import reading as reading_service

    async def change(node: Node) -> list[repo.DeviationRecord]:
        await reading_service.set_policy(node.db, name, str(policy))
        return (await reading_service.deviations(node.db, name))[1]

    rows = run_with_node(config, change)
    console.print(f"{name} is read [bold]{policy}[/]")
    if rows:
        console.print(deviation_table(rows))
