"""The ``openroam`` command line."""

from __future__ import annotations

import typer

from openroam._cli.commands import command
from openroam._cli.connect import add as partners_add
from openroam._cli.console import console_password
from openroam._cli.deliveries import deliveries_app
from openroam._cli.demo import demo, simulate
from openroam._cli.node import (
    db_app,
    invite,
    partners_app,
    register,
    rotate_token,
    serve,
    unregister,
)
from openroam._cli.pricing import audit_command, price_command
from openroam._cli.reading import reading
from openroam._cli.sync import pull, worker
from openroam._cli.validate import validate

app = typer.Typer(
    name="openroam",
    help="openroam: an OCPI 2.2.1 platform for CPOs, eMSPs and hubs.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """openroam: an OCPI 2.2.1 platform for CPOs, eMSPs and hubs."""


app.command("validate")(validate)
app.command("serve")(serve)
app.add_typer(db_app, name="db")
app.command("invite")(invite)
app.command("register")(register)
partners_app.command("add")(partners_add)
partners_app.command("reading")(reading)
app.add_typer(partners_app, name="partners")
app.add_typer(deliveries_app, name="deliveries")
app.command("unregister")(unregister)
app.command("rotate-token")(rotate_token)
app.command("worker")(worker)
app.command("pull")(pull)
app.command("price")(price_command)
app.command("audit")(audit_command)
app.command("command")(command)
app.command("demo")(demo)
app.command("simulate")(simulate)
app.command("console-password")(console_password)


def main() -> None:
    """Entry point of the ``openroam`` console script."""
    app()
