"""``openroam demo`` (what ``make run`` starts) and ``openroam simulate``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from openroam._cli.node import ConfigOption, load_settings

if TYPE_CHECKING:
    from openroam._demo.nodes import DemoNode

__all__ = ["demo", "simulate"]

console = Console(highlight=False, soft_wrap=True)


class EmspVersion(StrEnum):
    """The OCPI version the demo's eMSP node speaks with the CPO."""

    V221 = "2.2.1"
    V211 = "2.1.1"


# What the eMSP node offers (setting ocpi_versions); the CPO node offers both, and a registration
# agrees on the newest version both offer (version_information_endpoint.md).
EMSP_OFFERS = {EmspVersion.V221: ("2.2.1", "2.1.1"), EmspVersion.V211: ("2.1.1",)}

Speed = Annotated[
    float, typer.Option(min=0.1, help="Simulated seconds per real second for the charge points.")
]


def _charge_point(line: str) -> None:
    console.print(f"    [dim]charge point │ {line}[/]")


def _step(step: str, text: str) -> None:
    console.print(f"[bold cyan]{step}[/] {text}")


_LABELS = {"cpo": "CPO", "emsp": "eMSP"}


def _console_logins(*nodes: DemoNode) -> None:
    for node in nodes:
        if node.console_url is not None:
            label = _LABELS.get(node.name, node.name)
            console.print(
                f"  console of the {label:<4} node: {node.console_url}  "
                f"(name [bold]admin[/], password {node.admin_token})"
            )


def _look_around(cpo: DemoNode, emsp: DemoNode) -> None:
    console.print()
    console.print("[bold]Both nodes keep running.[/] Look around (Ctrl-C stops them):")
    _console_logins(cpo, emsp)
    console.print(f"  export CPO={cpo.base_url} CPO_ADMIN={cpo.admin_token}")
    console.print(f"  export EMSP={emsp.base_url} EMSP_ADMIN={emsp.admin_token}")
    console.print('  curl -H "Authorization: Bearer $EMSP_ADMIN" $EMSP/api/partners/cpo/cdrs')
    console.print('  curl -H "Authorization: Bearer $EMSP_ADMIN" "$EMSP/api/events?limit=20"')
    console.print('  curl -H "Authorization: Bearer $CPO_ADMIN" "$CPO/api/commands?side=received"')
    console.print('  curl -H "Authorization: Bearer $CPO_ADMIN" $CPO/api/locations')
    console.print("  the backend API: $CPO/api/openapi.json, docs/backend-api.md")


async def _demo(directory: Path, cpo_port: int, emsp_port: int, speed: float, *,
                emsp_version: EmspVersion, stay: bool, log_level: str) -> None:  # fmt: skip
    from openroam._demo import sample
    from openroam._demo.nodes import node_settings, serving
    from openroam._demo.story import Story
    from openroam.simulator import BackendApi, Simulator, SimulatorSettings

    offers = EMSP_OFFERS[emsp_version]
    cpo_settings = node_settings(directory, "cpo", cpo_port, sample.CPO, "CPO")
    emsp_settings = node_settings(directory, "emsp", emsp_port, sample.EMSP, "EMSP", offers)
    async with (
        serving("cpo", cpo_settings, log_level) as cpo,
        serving("emsp", emsp_settings, log_level) as emsp,
    ):
        cpo_offers = " and ".join(cpo_settings.ocpi_versions)
        emsp_offers = " and ".join(offers) + (" only" if len(offers) == 1 else "")
        _step("0", f"CPO node  {cpo.base_url}  (NL*ORC, OCPI {cpo_offers}, SQLite in {directory})")
        _step("0", f"eMSP node {emsp.base_url}  (DE*MSP, OCPI {emsp_offers})")
        _console_logins(cpo, emsp)
        story = Story(cpo, emsp, _step, speed)
        api = BackendApi(cpo.base_url, cpo.admin_token)
        settings = SimulatorSettings(speed=speed, report_readings=False)
        try:
            await story.publish_and_register()
            async with Simulator(api, settings, _charge_point).running():
                await story.play_session()
            console.print("[bold green]The story is complete.[/]")
            if stay:
                _look_around(cpo, emsp)
                await asyncio.Event().wait()
        finally:
            await story.aclose()
            await api.aclose()


def demo(
    cpo_port: Annotated[int, typer.Option(help="The CPO node's port.")] = 8080,
    emsp_port: Annotated[int, typer.Option(help="The eMSP node's port.")] = 8090,
    speed: Speed = 60.0,
    emsp_version: Annotated[
        EmspVersion,
        typer.Option(
            "--emsp-version",
            help="2.2.1: the eMSP node offers 2.2.1 and 2.1.1 (the default settings), so the "
            "two nodes agree on 2.2.1. 2.1.1: it offers only 2.1.1, so the CPO node talks "
            "2.1.1 with it (docs/versions.md).",
        ),
    ] = EmspVersion.V221,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where the two SQLite files go (default: a temporary one)."),
    ] = None,
    stay: Annotated[
        bool, typer.Option("--stay/--exit", help="Keep both nodes running after the story.")
    ] = True,
    verbose: Annotated[bool, typer.Option(help="Show the nodes' request logs.")] = False,
) -> None:
    """Two nodes on loopback (a CPO with simulated charge points, an eMSP) and a story between
    them: registration, pull, a session started by command, meter values across a tariff
    change, the stop, the CDR priced and delivered. ``--emsp-version 2.1.1``: the same story
    with an eMSP node that speaks only OCPI 2.1.1."""
    from openroam._demo.story import StoryFailed

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    log_level = "info" if verbose else "warning"
    with contextlib.ExitStack() as stack:
        if directory is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="openroam-")))
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("cpo.db", "emsp.db"):
            (directory / name).unlink(missing_ok=True)  # every run tells the story from the start
        try:
            asyncio.run(
                _demo(directory, cpo_port, emsp_port, speed, emsp_version=emsp_version,
                      stay=stay, log_level=log_level)
            )  # fmt: skip
        except KeyboardInterrupt:
            console.print("stopped")
        except (StoryFailed, OSError, RuntimeError) as error:
            console.print(f"[red]the demo stopped:[/] {error}")
            raise typer.Exit(1) from None


def simulate(
    config: ConfigOption = None,
    url: Annotated[
        str | None,
        typer.Option(help="The node's HTTP address (default: host and port of the config)."),
    ] = None,
    speed: Speed = 1.0,
    interval: Annotated[
        float, typer.Option(min=1, help="Simulated seconds between two meter values.")
    ] = 60.0,
) -> None:
    """Simulate the charge points of the node's own Locations: carry out partners' commands,
    charge, send meter values and statuses, all through the backend API (OPENROAM_ADMIN_TOKEN)."""
    from openroam.simulator import BackendApi, Simulator, SimulatorSettings

    settings = load_settings(config)
    if settings.admin_token is None:
        console.print("[red]cannot simulate:[/] set OPENROAM_ADMIN_TOKEN (the backend API's token)")
        raise typer.Exit(2)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    base_url = url or f"http://{settings.host}:{settings.port}"
    api = BackendApi(base_url, settings.admin_token.get_secret_value())
    simulator = Simulator(api, SimulatorSettings(speed=speed, interval=interval), console.print)

    async def go() -> None:
        # SIGINT (Ctrl-C) and SIGTERM stop it cleanly, as they stop ``openroam worker``: handled
        # here, not left to KeyboardInterrupt, so it stops also when it inherited SIGINT ignored
        # (a background job of a shell script, a process started by a test runner's worker).
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await simulator.run(stop)
        finally:
            await api.aclose()

    console.print(f"simulating the charge points of {base_url} (Ctrl-C stops)")
    # A Ctrl-C before the handlers are in place (while it starts) stops it without a traceback.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(go())
    console.print("stopped")
