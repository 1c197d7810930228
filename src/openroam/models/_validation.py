"""Readable validation messages: each problem with the JSON path where it was found."""

from __future__ import annotations

import contextlib
import gc
import json
import math
from collections.abc import Iterator, Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "MAX_INT",
    "MIN_INT",
    "Problem",
    "collector_paused",
    "json_path",
    "problems",
    "unstorable",
]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (synchronous code only).

    Validating a large document (a page of 100 Locations) allocates its objects' whole trees,
    all of which stay alive until validation returns: the collections their allocations would
    trigger inside it could find nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def json_path(location: Sequence[int | str]) -> str:
    """``("roles", 0, "party_id")`` → ``$.roles[0].party_id``."""
    path = "$"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


class Problem:
    """One validation problem: where (a JSON path) and what."""

    __slots__ = ("message", "path", "type")

    def __init__(self, path: str, message: str, type_: str) -> None:
        self.path = path
        self.message = message
        self.type = type_

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.message!r})"


def _message(detail: ErrorDetails) -> str:
    message = detail["msg"]
    # pydantic prefixes messages of our own validators with "Value error, ".
    return message.removeprefix("Value error, ")


def _location(detail: ErrorDetails) -> list[int | str]:
    # Union members ("function-after[...]", "list[...]", "int") and the enum/str variants of a
    # union appear in the location; they are not JSON keys, so leave them out of the path.
    return [
        part
        for part in detail["loc"]
        if isinstance(part, int) or ("[" not in part and part not in _TYPE_TAGS)
    ]


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "none", "decimal", "datetime"})


def problems(error: ValidationError, prefix: Sequence[int | str] = ()) -> list[Problem]:
    """The problems of a pydantic ``ValidationError``, each with its JSON path."""
    return [
        Problem(
            json_path([*prefix, *_location(detail)]),
            _message(detail),
            detail["type"],
        )
        for detail in error.errors(include_url=False)
    ]


#: The integers a body may hold: what both databases bind (signed 64 bits) and what orjson
#: writes back exactly. Beyond them a number would be refused by the store, rounded by orjson's
#: reader or refused by its writer (docs/spec-decisions.md "Integers beyond 64 bits").
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
_INT_DIGITS = len(str(MAX_INT))

# What may make a JSON text unstorable: the escape of NUL, a run of 19 digits (an integer of 64
# bits or more) and a digit with an exponent of 3 digits (a float beyond double range). A body
# without any is accepted without being parsed; one with one is parsed and looked at. Found by
# substring searches in the text with every byte mapped to its class (digit → "0", e/E → "e",
# sign → "+", anything else → " "): C-speed passes, a fifth of what a regular expression costs.
_CLASSES = bytes(
    ord("0") if chr(byte).isdigit() and byte < 128
    else ord("e") if byte in b"eE"
    else ord("+") if byte in b"+-"
    else ord(" ")
    for byte in range(256)
)  # fmt: skip
_LONG_RUN = b"0" * 19


def _suspect(body: bytes) -> bool:
    if b"\\u0000" in body:
        return True
    classes = body.translate(_CLASSES)
    # An exponent follows a digit ("1e400"): "EVSE-123" or "NL*ORM*E123" are not suspect.
    return _LONG_RUN in classes or b"0e000" in classes or b"0e+000" in classes


class _OutOfRange:
    """An integer of more digits than any 64-bit one, kept as its text (``int()`` of thousands
    of digits is refused by Python and costly)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _read_int(text: str) -> int | _OutOfRange:
    if len(text.lstrip("-0")) > _INT_DIGITS:
        return _OutOfRange(text)
    return int(text)


def unstorable(body: bytes) -> str | None:
    """Why the JSON text ``body`` cannot be stored and written back exactly, or None.

    * an integer outside the signed 64-bit range;
    * a number beyond the range of a double (it would be read as infinity);
    * a NUL character in a string or a key (PostgreSQL's JSONB cannot store ``\\u0000``, and
      text columns refuse it on both databases; refused alike on SQLite).

    A body that is not JSON is not judged here (None): the route reports it as invalid JSON.
    """
    if not _suspect(body):
        return None
    try:
        document = json.loads(body, parse_int=_read_int)
    except (ValueError, RecursionError):
        return None
    return _first_unstorable(document)


def _first_unstorable(document: object) -> str | None:
    stack: list[tuple[list[int | str], object]] = [([], document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return f"{json_path(path)}: a NUL character (\\u0000) cannot be stored"
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return f"{json_path(path)}: a NUL character (\\u0000) in a key"
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, index], item) for index, item in enumerate(value))
        elif isinstance(value, _OutOfRange) or (
            isinstance(value, int) and not MIN_INT <= value <= MAX_INT
        ):
            return f"{json_path(path)}: an integer outside the 64-bit range [{MIN_INT}, {MAX_INT}]"
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{json_path(path)}: a number beyond the range of a double"
    return None
