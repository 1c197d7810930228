"""``openroam console-password``: the hash of a console user's password for the settings."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

__all__ = ["console_password"]


def console_password(
    name: Annotated[str, typer.Argument(help="The user's login name.")],
    stdin: Annotated[
        bool,
        typer.Option("--stdin", help="Read the password from the first line of standard input."),
    ] = False,
) -> None:
    """Ask for a password (twice) and print the ``[[console.users]]`` entry that lets NAME log
    in to the console with it. Only the scrypt hash is printed: the password is stored nowhere.
    """
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        typer.echo("refused: a console password has at least 8 characters", err=True)
        raise typer.Exit(2)
    # Imported here: hashing needs no web framework, and the other commands start without it.
    from openroam._admin._passwords import hash_password

    typer.echo("[[console.users]]")
    typer.echo(f'name = "{_toml_string(name)}"')
    typer.echo(f'password_hash = "{hash_password(password)}"')


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
