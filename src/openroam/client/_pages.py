"""Reading a paginated Sender GET list page by page (transport_and_format.asciidoc "Pagination").

The client follows the ``Link: <…>; rel="next"`` header until a page has none, so the server's
page size (``X-Limit``) and its own next-page URLs (with the filters repeated) are honoured.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from openroam.client._base import OcpiHttpClient, QueryParams
from openroam.errors import PartnerRequestError
from openroam.models.common import OcpiModel

__all__ = ["ListPage", "iter_pages", "next_link"]

_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)
#: A safety bound: a partner whose next links never end cannot keep a pull running forever.
MAX_PAGES = 100_000


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page: its objects (models when validated on the way, else JSON-ready data), and the
    pagination headers."""

    items: list[Any]
    total: int | None
    limit: int | None
    url: str


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if any."""
    if not header:
        return None
    match = _NEXT.search(header)
    return match.group(1) if match else None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None


async def iter_pages(
    client: OcpiHttpClient,
    url: str,
    params: QueryParams | None = None,
    item_model: type[OcpiModel] | None = None,
) -> AsyncIterator[ListPage]:
    """Every page of a GET list, following ``Link`` headers.

    With ``item_model``, a page whose objects all validate holds them as models (read in one
    pass); a page with an invalid object holds JSON data, for the caller to sort out.
    """
    data_model = list[item_model] if item_model is not None else None  # type: ignore[valid-type]
    next_url: str | None = url
    next_params = params
    for _ in range(MAX_PAGES):
        if next_url is None:
            return
        reply = await client.send("GET", next_url, params=next_params, data_model=data_model)
        data = reply.envelope.data
        if not isinstance(data, list):
            raise PartnerRequestError(f"GET {next_url}: data of a list answer is not an array")
        yield ListPage(
            items=data,
            total=_int_header(reply.headers, "X-Total-Count"),
            limit=_int_header(reply.headers, "X-Limit"),
            url=str(next_url),
        )
        link = next_link(reply.headers.get("Link"))
        # An empty page that still links onward would loop forever: stop there.
        next_url = link if data else None
        next_params = None
    raise PartnerRequestError(f"GET {url}: more than {MAX_PAGES} pages; stopped")
