"""Readable validation messages: each problem with the JSON path where it was found."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

__all__ = ["Problem", "collector_paused", "json_path", "problems"]


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
