"""Lenient reading: the few DateTime deviations a partner may be forgiven, and their rewriting.

types.asciidoc "DateTime" allows RFC 3339 in UTC only: ``2015-06-29T20:39:09Z``, the same
without ``Z``, fractional seconds in both forms; "+00:00 is not the same as UTC". Partners'
implementations still write what their language gives them (``str(datetime)`` in Python writes
``2026-01-02 10:00:00.123456+00:00``). A partner whose reading policy is ``lenient`` gets these
deviations rewritten into the spec's form before its object is validated again; nothing else:

* ``space``: a space instead of the ``T`` between date and time;
* ``utc_offset``: the offset ``+00:00`` (or ``-00:00``) instead of ``Z``;
* ``offset``: any other offset ``±HH:MM``: the instant is converted to UTC.

A missing ``Z`` is not a deviation: the spec allows it (no designator means UTC).

Only DateTime fields are rewritten: the rewriting is driven by the errors of a strict
validation, and only errors of the type :data:`DATETIME_ERROR` (raised by the models'
``DateTime`` parser only) are looked at. The strict path pays nothing for this. Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

__all__ = [
    "DATETIME_ERROR",
    "KINDS",
    "Respelled",
    "describe",
    "deviation_kinds",
    "respell",
    "respell_errors",
]

#: The pydantic error type of a DateTime that does not read (``models.common.parse_datetime``).
DATETIME_ERROR = "ocpi_datetime"

#: Each deviation lenient reading repairs, with what it is, for messages and for operators.
KINDS: dict[str, str] = {
    "space": "space instead of T",
    "utc_offset": "+00:00 instead of Z",
    "offset": "an offset instead of UTC",
}

# A DateTime that is right but for the listed deviations: the date, "T" or a space, the time
# with optional fraction, then "Z", an offset or nothing.
_SHAPE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})([T ])(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.ASCII
)


# Memoized: a page repeats the same few DateTimes (a Location carries about nine, often equal).
@functools.lru_cache(maxsize=4096)
def deviation_kinds(text: str) -> tuple[str, ...]:
    """The deviations (keys of :data:`KINDS`) in DateTime text ``text``, in a fixed order;
    empty when it has none or is not a DateTime that lenient reading repairs."""
    match = _SHAPE.match(text)
    if match is None:
        return ()
    kinds = []
    if match.group(2) == " ":
        kinds.append("space")
    zone = match.group(5)
    if zone is not None and zone != "Z":
        kinds.append("utc_offset" if zone[1:] == "00:00" else "offset")
    return tuple(kinds)


def describe(text: str) -> str | None:
    """``space instead of T`` (joined by ``, ``) for a DateTime with deviations, else None."""
    kinds = deviation_kinds(text)
    return ", ".join(KINDS[kind] for kind in kinds) if kinds else None


@functools.lru_cache(maxsize=4096)
def respell(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``text`` in the spec's form and the deviations repaired, or None when ``text`` has no
    deviation lenient reading repairs (conform already, or wrong in another way).

    ``2026-01-02 10:00:00Z`` → ``2026-01-02T10:00:00Z``; ``2026-01-02T10:00:00.5+00:00`` →
    ``2026-01-02T10:00:00.5Z``; ``2026-01-02T11:00:00+01:00`` → ``2026-01-02T10:00:00Z``. A
    date or offset out of range (month 13, ``+25:00``) is not repaired: the strict error stays.
    """
    match = _SHAPE.match(text)
    if match is None:
        return None
    kinds = deviation_kinds(text)
    if not kinds:
        return None
    date, _, time, fraction, zone = match.groups()
    fraction = fraction or ""
    if zone is None or zone == "Z" or zone[1:] == "00:00":
        respelled = f"{date}T{time}{fraction}{'Z' if zone is not None else ''}"
    else:
        if int(zone[1:3]) > 23 or int(zone[4:6]) > 59:  # RFC 3339 "time-numoffset"
            return None
        try:
            m = datetime.fromisoformat(f"{date}T{time}{zone}").astimezone(UTC)
        except (ValueError, OverflowError):  # out of range, or beyond year 1..9999 in UTC
            return None
        # Not strftime: "%Y" drops the leading zeros of years before 1000 on glibc.
        respelled = (
            f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
            f"{fraction}Z"
        )
    try:
        datetime.fromisoformat(respelled.removesuffix("Z")[:19])
    except ValueError:
        return None
    return respelled, kinds


@dataclass(frozen=True, slots=True)
class Respelled:
    """One DateTime rewritten: where (the JSON location), what it was, which deviations."""

    location: tuple[int | str, ...]
    original: str
    kinds: tuple[str, ...]

    @property
    def field(self) -> str:
        """The field's path without list positions: ``evses.connectors.last_updated``."""
        return ".".join(part for part in self.location if isinstance(part, str))


def _container(document: Any, location: Sequence[int | str]) -> Any:
    """The list or dict holding ``location``'s last step, or None where the path leaves the
    document (pydantic adds the tags of union members to a location; they are no JSON keys)."""
    node = document
    for step in location[:-1]:
        if not _holds(node, step):
            return None
        node = node[step]
    return node


def _holds(node: Any, step: int | str) -> bool:
    if isinstance(node, dict):
        return isinstance(step, str) and step in node
    return isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)


def respell_errors(document: Any, error: ValidationError) -> list[Respelled]:
    """Rewrite, in ``document`` (parsed JSON, changed in place), every DateTime that failed the
    strict validation ``error`` only by the deviations of :data:`KINDS`; what was rewritten.

    The validated JSON must be ``document`` as it is (its locations are followed in it).
    """
    found = []
    for detail in error.errors(include_url=False):
        if detail["type"] != DATETIME_ERROR:
            continue
        location = tuple(detail["loc"])
        if not location:
            continue
        holder = _container(document, location)
        last = location[-1]
        if not _holds(holder, last) or not isinstance(value := holder[last], str):
            continue
        respelled = respell(value)
        if respelled is None:
            continue
        holder[last] = respelled[0]
        found.append(Respelled(location, value, respelled[1]))
    return found
