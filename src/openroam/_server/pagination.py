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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from pydantic import Field, TypeAdapter, ValidationError
from starlette.types import Scope

from openroam._services.roaming import Page, PageQuery
from openroam.errors import InvalidOrMissingParameters
from openroam.models.common import format_datetime, parse_datetime

__all__ = [
    "MAX_COUNT",
    "PageParams",
    "base_url",
    "page_headers",
    "page_query",
    "query_of",
    "read_page_params",
]

#: The largest offset, limit or ``after`` accepted: both databases bind them as signed 64-bit
#: integers. A larger one (or one of thousands of digits) is refused with 2001, HTTP 400
#: (docs/spec-decisions.md "Integers beyond 64 bits").
MAX_COUNT = 2**63 - 1
_MAX_DIGITS = len(str(MAX_COUNT))


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


def read_page_params(query: Mapping[str, str]) -> PageParams:
    """The pagination parameters of a request's query (name → last value given).

    Read by hand rather than declared as FastAPI query parameters: this runs on the GET list hot
    path, where FastAPI's per-request dependency solving cost more than reading the page. Values
    and 2001 messages are those FastAPI gave (an int ≥ 0; a wrong one is checked by pydantic, and
    every wrong one is named); a parameter given twice counts with its last value.
    """
    problems: list[str] = []
    unreadable: list[str] = []
    offset, limit, after = (_count(query.get(name), name, problems, unreadable) for name in _COUNTS)
    if unreadable:
        # Beyond what the store can bind: like a body that is not JSON, the request cannot be
        # read into the OCPI layer's types, so HTTP 400 (docs/architecture.md "Bounded input").
        raise InvalidOrMissingParameters("; ".join(unreadable), http_status=400)
    if problems:
        raise InvalidOrMissingParameters("; ".join(problems[:5]))
    return PageParams(query.get("date_from"), query.get("date_to"), offset or 0, limit, after)


def query_of(scope: Scope) -> dict[str, str]:
    """The query parameters of a request, each with its last value (as Starlette reads them)."""
    text = scope["query_string"].decode("latin-1")
    return dict(parse_qsl(text, keep_blank_values=True)) if text else {}


def base_url(public_url: str, path: str) -> str:
    """The Link's base: the node's configured ``public_url`` and the request's path.

    Never the request's Host header, which is the caller's to choose: a Link built from it
    would send the partner's next request (and its token) wherever the Host named.
    """
    return f"{public_url.rstrip('/')}{path}"


_COUNTS = ("offset", "limit", "after")
_COUNT = TypeAdapter(Annotated[int, Field(ge=0)])


def _count(value: str | None, name: str, problems: list[str], unreadable: list[str]) -> int | None:
    if value is None:
        return None
    if value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS:
        count = int(value)
    else:
        digits = value.strip().lstrip("+-")
        if digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) > _MAX_DIGITS:
            # int() of thousands of digits is refused by Python (and slow): lengths first.
            count = MAX_COUNT + 1
        else:
            try:
                count = _COUNT.validate_python(value)
            except ValidationError as error:
                problems += [f"$.query.{name}: {e['msg']}" for e in error.errors()]
                return None
    if count > MAX_COUNT:
        unreadable.append(f"$.query.{name}: an integer of at most {MAX_COUNT} is required")
        return None
    return count


def page_query(params: PageParams, max_limit: int) -> PageQuery:
    limit = max_limit if params.limit is None else min(params.limit, max_limit)
    return PageQuery(
        date_from=_when("date_from", params.date_from),
        date_to=_when("date_to", params.date_to),
        offset=params.offset,
        limit=limit,
        after_pk=params.after,
    )


def page_headers(base: str, query: PageQuery, page: Page, max_limit: int) -> dict[str, str]:
    """X-Total-Count, X-Limit and, but on the last page, the Link to the next one (``base``: the
    request's URL without query, :func:`base_url`)."""
    headers = {"X-Total-Count": str(page.total), "X-Limit": str(max_limit)}
    next_offset = query.offset + len(page.documents)
    if page.documents and page.more:
        dates: dict[str, str] = {}
        if query.date_from is not None:
            dates["date_from"] = _repeated(query.date_from)
        if query.date_to is not None:
            dates["date_to"] = _repeated(query.date_to)
        numbers = f"offset={next_offset}&limit={query.limit}"
        if page.last_pk is not None:
            numbers += f"&after={page.last_pk}"
        parameters = f"{urlencode(dates)}&{numbers}" if dates else numbers
        headers["Link"] = f'<{base}?{parameters}>; rel="next"'
    return headers
