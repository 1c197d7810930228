"""``openroam validate``: check a partner's JSON against the OCPI models, readably."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from openroam.models._check import OBJECT_TYPES, CheckResult, UnreadableInput, check_document

__all__ = ["validate"]

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _report(console: Console, source: str, result: CheckResult) -> None:
    what = f"{result.count} {result.type_name}" if result.shape != "object" else result.type_name
    if result.valid:
        console.print(f"[green]✓ valid[/] {source}: {what} ({result.shape}, OCPI {result.version})")
        return
    console.print(
        f"[red]✗ invalid[/] {source}: {what} ({result.shape}, OCPI {result.version}) — "
        f"{len(result.problems)} problem(s)"
    )
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("path", style="cyan", overflow="fold")
    table.add_column("problem")
    table.add_column("spec rule", style="dim", overflow="fold")
    for problem, rule in result.problems:
        table.add_row(problem.path, problem.message, rule)
    console.print(table)


def validate(
    file: Annotated[Path, typer.Argument(help="A JSON file: an object, a list or an envelope.")],
    type_name: Annotated[
        str | None,
        typer.Option("--type", "-t", help="The object type, e.g. Location, Session, CDR, Tariff."),
    ] = None,
    version: Annotated[
        str,
        typer.Option(
            "--version", help=f"The OCPI version: {' or '.join(OBJECT_TYPES)}.", show_default=True
        ),
    ] = "2.2.1",
) -> None:
    """Validate a JSON file against the OCPI models; print each problem with its JSON path.

    Exit code 0 when valid, 1 when not, 2 when the input cannot be read.
    """
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        text = file.read_bytes()
        result = check_document(text, type_name, version)
    except (OSError, UnreadableInput) as error:
        errors.print(f"[red]cannot read[/] {file}: {error}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    except ValueError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    _report(console, str(file), result)
    raise typer.Exit(EXIT_VALID if result.valid else EXIT_INVALID)


validate.__doc__ = (validate.__doc__ or "") + "".join(
    f"\n\nTypes of OCPI {version}: " + ", ".join(sorted(types)) + "."
    for version, types in OBJECT_TYPES.items()
)
