"""Finding Locations for the operator console: every origin's (our own and each partner's), by a
text that may be part of the id, the name, the address, the city or the postal code.

The documents are stored as JSON bytes, so a search reads them: the text is first looked for in
the whole document (a plain substring test, cheap), and only a document containing it is parsed
to check that the text is in one of those fields. A search is a scan of the module's objects; a
console page of 50 is read in creation (pk) order, like the OCPI lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, Text, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import OcpiObject
from openroam.models.common import fold_id

__all__ = ["SEARCHED_FIELDS", "FoundLocation", "search_locations"]

T = cast(Table, OcpiObject.__table__)
MODULE = "locations"
#: The Location fields (mod_locations "Location Object") a search looks in, besides the id.
SEARCHED_FIELDS = ("name", "address", "city", "postal_code")


@dataclass(frozen=True, slots=True)
class FoundLocation:
    pk: int
    origin: int
    #: the ids as stored (folded); the document holds them as sent
    country_code: str
    party_id: str
    object_id: str
    last_updated: datetime
    document: bytes


def _like(value: str) -> str:
    """``value`` as a LIKE pattern matching it anywhere (its wildcards escaped)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(dialect: str, text: str) -> ColumnElement[bool]:
    pattern = _like(text)
    if dialect == "postgresql":
        whole: Any = func.convert_from(T.c.document, "UTF8")
        fields = [sql_cast(whole, JSONB)[name].astext for name in SEARCHED_FIELDS]
    else:
        whole = sql_cast(T.c.document, Text)
        fields = [func.json_extract(whole, f"$.{name}") for name in SEARCHED_FIELDS]
    in_fields = or_(*(field.ilike(pattern, escape="\\") for field in fields))
    # JSON writes a quote or backslash escaped: such a text is only looked for in the fields.
    if '"' not in text and "\\" not in text:
        in_fields = whole.ilike(pattern, escape="\\") & in_fields
    return or_(T.c.object_id.like(_like(fold_id(text)), escape="\\"), in_fields)


async def search_locations(
    session: AsyncSession,
    *,
    text: str | None,
    origin: int | None,
    offset: int,
    limit: int,
) -> list[FoundLocation]:
    """Up to ``limit`` Locations from ``offset`` on, in creation order: of one ``origin`` (0:
    ours) or all, and when ``text`` is given only those with it (case-insensitively) in their
    id or a :data:`SEARCHED_FIELDS` field."""
    conditions: list[ColumnElement[bool]] = [T.c.module == MODULE]
    if origin is not None:
        conditions.append(T.c.origin == origin)
    if text:
        conditions.append(_matches(session.get_bind().dialect.name, text))
    rows = await session.execute(
        select(
            T.c.pk,
            T.c.origin,
            T.c.country_code,
            T.c.party_id,
            T.c.object_id,
            T.c.last_updated,
            T.c.document,
        )
        .where(*conditions)
        .order_by(T.c.pk)
        .offset(offset)
        .limit(limit)
    )
    return [FoundLocation(*row) for row in rows]
