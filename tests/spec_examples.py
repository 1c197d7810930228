"""Where the OCPI 2.2.1 spec's example files are, for tests: the one place that finds them.

The spec is CC BY-ND and is not part of the repository. It is looked for at
``$OPENROAM_OCPI_SPEC`` (a directory holding ``2.2.1/examples/``), else at ``../shared/ocpi-spec``
beside the repository. A test that reads an example file is marked ``spec_example``; without the
spec it is skipped (tests/conftest.py), and the summary says how many were and how to run them.
The project's own documents, which need no spec, are in tests/documents/.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

SPEC_VARIABLE = "OPENROAM_OCPI_SPEC"
REPO = Path(__file__).resolve().parents[1]


def find_spec_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """``$OPENROAM_OCPI_SPEC`` when set, else ``../shared/ocpi-spec`` beside the repository."""
    configured = environ.get(SPEC_VARIABLE)
    return Path(configured) if configured else REPO.parent / "shared" / "ocpi-spec"


SPEC_DIR = find_spec_dir()
EXAMPLES_221 = SPEC_DIR / "2.2.1" / "examples"
SPEC_AVAILABLE = EXAMPLES_221.is_dir()

# The distinctive text the skip reason and the summary line share (counted across xdist workers).
SKIP_TEXT = "OCPI spec-example case"
HOW_TO_GET_THEM = (
    f"set {SPEC_VARIABLE} to a copy of the OCPI 2.2.1 spec (the directory holding 2.2.1/examples)"
)
SKIP_REASON = f"{SKIP_TEXT}: no {EXAMPLES_221}; {HOW_TO_GET_THEM}"

#: Marks a test (or one parameter) that reads the spec's example files.
spec_example = pytest.mark.spec_example


def example_path(name: str) -> Path:
    """The path of an example file. Only for tests marked ``spec_example``."""
    return EXAMPLES_221 / name


def example_bytes(name: str) -> bytes:
    return example_path(name).read_bytes()


def load_example(name: str) -> Any:
    """An example file as JSON with numbers as Decimal (so 8.50 == 8.5, number formatting aside)."""
    return json.loads(example_bytes(name), parse_float=Decimal)


def as_comparable(data: bytes | str) -> Any:
    """JSON text parsed with numbers as Decimal, for comparing serialised models."""
    return json.loads(data, parse_float=Decimal)


def dump_json(data: Any) -> bytes:
    """JSON bytes of data loaded by :func:`load_example`, Decimals written as exact numbers."""
    import orjson

    def exact(value: Any) -> Any:
        if isinstance(value, Decimal):
            return orjson.Fragment(str(value))
        raise TypeError(type(value))

    return orjson.dumps(data, default=exact)


# --- OCPI 2.1.1: its examples are JSON blocks inside the Markdown chapters -------------------

SPEC_211 = SPEC_DIR / "2.1.1"
SKIP_REASON_211 = f"{SKIP_TEXT}: no {SPEC_211}; set {SPEC_VARIABLE} to a copy holding 2.1.1/*.md"

_JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)
_REQUEST_LINE = re.compile(r"^\s*(GET|PUT|PATCH|POST|DELETE) To URL:.*$", re.MULTILINE)


def examples_211(chapter: str) -> list[Any]:
    """The JSON examples of a 2.1.1 chapter (e.g. ``mod_tariffs.md``), in order of the text.

    Only for tests marked ``spec_example``; skips when the 2.1.1 text is not there. A request
    line (``PUT To URL: ...``) above a body is dropped; a fragment (``"energy_mix": {...}``) gives
    its value. Numbers are Decimal, as in :func:`load_example`.
    """
    path = SPEC_211 / chapter
    if not path.is_file():
        pytest.skip(SKIP_REASON_211)
    found = []
    for block in _JSON_BLOCK.findall(path.read_text(encoding="utf-8")):
        body = _REQUEST_LINE.sub("", block).strip()
        if body.startswith('"'):
            (value,) = json.loads("{" + body + "}", parse_float=Decimal).values()
            found.append(value)
        else:
            found.append(json.loads(body, parse_float=Decimal))
    return found
