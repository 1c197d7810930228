"""Where the OCPI 2.2.1 spec's example files are, for tests."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "ocpi-spec"
EXAMPLES_221 = SPEC_DIR / "2.2.1" / "examples"


def load_example(name: str) -> Any:
    """An example file as JSON with numbers as Decimal (so 8.50 == 8.5, number formatting aside)."""
    return json.loads((EXAMPLES_221 / name).read_text(), parse_float=Decimal)


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
