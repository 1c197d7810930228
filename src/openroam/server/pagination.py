"""Paginated GET list answers (transport_and_format.asciidoc "Pagination").

* ``date_from`` is inclusive and ``date_to`` exclusive on ``last_updated``; ``offset`` is 0
  by default.
* ``X-Limit`` is the server's maximum page size; a larger ``limit`` gets at most that many objects.
* ``X-Total-Count`` counts every object matching the filters, ignoring offset and limit.
* ``Link: <…>; rel="next"`` is on every page but the last, repeats the filters and carries the
  effective limit. It also carries ``after`` (the last object's position), so a client that
  follows the link is served by a keyset query: page 2,000 costs what page 1 costs. A client that
  computes offsets itself still gets correct pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request

from openroam.errors import InvalidOrMissingParameters
from openroam.models.common import format_datetime, parse_datetime
from openroam.services.roaming import Page, PageQuery

__all__ = ["PageParams", "page_headers", "page_params", "page_query"]


@dataclass(frozen=True, slots=True)
class PageParams:
    date_from: str | None
    date_to: str | None
    offset: int
    limit: int | None
    after: int | None


def _when(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise InvalidOrMissingParameters(f"{name}: {error}") from None


def _repeated(value: datetime) -> str:
    # The next link repeats the filter exactly (T&F "Pagination Examples"); format_datetime drops
    # fractional seconds, which would widen a date_from window and narrow a date_to one.
    stamp = format_datetime(value)
    return f"{stamp[:-1]}.{value.microsecond:06d}Z" if value.microsecond else stamp


def page_params(
    date_from: Annotated[str | None, Query()] = None,
    date_to: Annotated[str | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int | None, Query(ge=0)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> PageParams:
    """The pagination query parameters (a FastAPI dependency)."""
    return PageParams(date_from, date_to, offset, limit, after)


def page_query(params: PageParams, max_limit: int) -> PageQuery:
    limit = max_limit if params.limit is None else min(params.limit, max_limit)
    return PageQuery(
        date_from=_when("date_from", params.date_from),
        date_to=_when("date_to", params.date_to),
        offset=params.offset,
        limit=limit,
        after_pk=params.after,
    )


def page_headers(request: Request, query: PageQuery, page: Page, max_limit: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(page.total), "X-Limit": str(max_limit)}
    next_offset = query.offset + len(page.documents)
    if page.documents and page.more:
        params: dict[str, str | int] = {}
        if query.date_from is not None:
            params["date_from"] = _repeated(query.date_from)
        if query.date_to is not None:
            params["date_to"] = _repeated(query.date_to)
        params["offset"] = next_offset
        params["limit"] = query.limit
        if page.last_pk is not None:
            params["after"] = page.last_pk
        base = str(request.url.replace(query=""))
        headers["Link"] = f'<{base}?{urlencode(params)}>; rel="next"'
    return headers
