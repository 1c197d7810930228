"""SQLAlchemy statements run on a plain ``sqlite3`` connection (the SqliteWriter's).

The statements are written once with SQLAlchemy (so SQLite and PostgreSQL share their
definition); on the writer's connection they run as compiled text, without SQLAlchemy's
execution machinery. Bind parameters named ``b_<name>`` are the caller's values; any other
bind is a constant of the statement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["PlainStatement", "plain_statement"]

_SQLITE = sqlite.dialect(paramstyle="qmark")


@dataclass(frozen=True, slots=True)
class PlainStatement:
    """A SQLAlchemy statement compiled once for sqlite3: its text, and how to bind by name
    (each value through its column type's bind processor, as SQLAlchemy would)."""

    text: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: dict[str, Any]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional parameters for ``values`` (keyed by bind name)."""
        bound = []
        for name, processor in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.constants[name]
            bound.append(processor(value) if processor is not None else value)
        return bound


@functools.cache
def plain_statement(statement: ClauseElement) -> PlainStatement:
    """``statement`` compiled for sqlite3 (cached: pass module-level statements)."""
    compiled = cast(SQLCompiler, statement.compile(dialect=_SQLITE))
    names = tuple(compiled.positiontup or ())
    binds = [compiled.binds[name] for name in names]
    return PlainStatement(
        compiled.string,
        names,
        tuple(bind.type._cached_bind_processor(_SQLITE) for bind in binds),
        {name: bind.value for name, bind in zip(names, binds, strict=True) if name[:2] != "b_"},
    )
