"""``openroam demo`` — what ``make run`` starts — plays its whole story: on a fresh clone,
``make run`` completes the demo story (docs/simulator.md "`make run` / `openroam demo`").

The demo runs as a separate process, exactly as a newcomer starts it, with ``--exit`` so it stops
after the story instead of serving until Ctrl-C.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.nodes import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_is_the_demo() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    assert "openroam demo" in recipe.group(1)


@pytest.mark.parametrize(("emsp_version", "speed"), [("2.2.1", "120"), ("2.1.1", "240")])
def test_the_demo_story_runs_to_its_end(tmp_path: Path, emsp_version: str, speed: str) -> None:
    """The default story, and with ``--emsp-version 2.1.1`` the same story with an eMSP node
    offering only OCPI 2.1.1 (docs/versions.md): the same checks hold (at twice the speed: CI
    time)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")}
    command = [
        sys.executable, "-m", "openroam", "demo", "--exit", "--speed", speed,
        "--cpo-port", str(free_port()), "--emsp-port", str(free_port()), "--dir", str(tmp_path),
        "--emsp-version", emsp_version,
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env | {"COLUMNS": "200"}, capture_output=True, text=True, timeout=240
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    steps = [
        f"--party NL*ORC → OCPI {emsp_version}",
        "eMSP pulled 3 Locations and 2 Tariffs from the CPO",
        "START_SESSION result ACCEPTED",
        "the price changed at",
        "STOP_SESSION result ACCEPTED",
        "eMSP price audit with the Tariff it pulled: ok",
        "The story is complete.",
    ]
    positions = [output.find(step) for step in steps]
    assert all(p >= 0 for p in positions), output
    assert positions == sorted(positions), output
    # The CDR has a period before and one after the peak, each with the AC Tariff.
    cdr_periods = re.findall(r"^7 +from \d\d:\d\d: ENERGY .*AC-TIME-OF-USE", output, re.MULTILINE)
    assert len(cdr_periods) == 2, output
