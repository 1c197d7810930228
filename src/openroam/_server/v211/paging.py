"""Paginated GET lists in OCPI 2.1.1 (transport_and_format.md "Pagination").

What differs from 2.2.1 (``_server/pagination.py``, which reads the parameters):

* ``date_from``: "Only return ... that have ``last_updated`` after this Date/Time" (e.g.
  mod_tokens.md 2.2.1 GET Method): after, so exclusive. The store's filter is inclusive, so it is
  asked from one microsecond later (the stores keep microseconds). ``date_to``: "before", as
  2.2.1's exclusive bound.
* ``X-Limit``: "Number of objects that are returned. Note that this is an upper limit" — the
  page size of this answer (the ``limit`` asked for, capped by the node's ``page_limit``), not
  the server's maximum (2.2.1).
* ``Link``: "should also contain any filters present in the original request": the 2.1.1
  ``date_from`` and ``date_to`` as given, with ``offset``, ``limit`` and our ``after``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

from openroam._server.pagination import PageParams, page_query
from openroam._services.roaming import Page, PageQuery

__all__ = ["v211_page_headers", "v211_page_query"]

_AFTER = timedelta(microseconds=1)


def v211_page_query(params: PageParams, max_limit: int) -> PageQuery:
    """The store's query for 2.1.1 parameters (``date_from`` exclusive)."""
    query = page_query(params, max_limit)
    if query.date_from is not None:
        query = replace(query, date_from=query.date_from + _AFTER)
    return query


def v211_page_headers(
    base: str, params: PageParams, query: PageQuery, page: Page
) -> dict[str, str]:
    """X-Total-Count, X-Limit and, but on the last page, the Link to the next one."""
    headers = {"X-Total-Count": str(page.total), "X-Limit": str(query.limit)}
    if page.documents and page.more:
        parameters: dict[str, str | int] = {}
        if params.date_from is not None:
            parameters["date_from"] = params.date_from
        if params.date_to is not None:
            parameters["date_to"] = params.date_to
        parameters["offset"] = query.offset + len(page.documents)
        parameters["limit"] = query.limit
        if page.last_pk is not None:
            parameters["after"] = page.last_pk
        headers["Link"] = f'<{base}?{urlencode(parameters)}>; rel="next"'
    return headers
