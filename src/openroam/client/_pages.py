"""Reading a paginated Sender GET list page by page (transport_and_format.asciidoc "Pagination").

The client follows the ``Link: <…>; rel="next"`` header until a page has none, so the server's
page size (``X-Limit``) and its own next-page URLs (with the filters repeated) are honoured.

A next link is written by the partner, and every request carries our credentials token, so:

* a relative target is resolved against the URL of the request that returned it (RFC 8288
  "Link Serialisation in HTTP Headers", RFC 3986 "Reference Resolution"), ``?offset=…`` included;
* a target outside the origin (scheme, host, port) of the first URL — the partner's registered
  endpoint — is refused (:class:`NextLinkRefused`) before anything is sent there. ``http`` to
  ``https`` on the same host is another origin too (docs/spec-decisions.md "Next links stay on
  the endpoint's origin");
* a link back to a page already read, or links that go on although more objects than
  ``X-Total-Count`` announced were read, stop the list (:class:`PaginationBroken`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from openroam.client._base import OcpiHttpClient, QueryParams
from openroam.client._links import Origin, next_target, origin_of
from openroam.errors import PartnerRequestError
from openroam.models.common import OcpiModel

__all__ = [
    "ListPage",
    "NextLinkRefused",
    "PaginationBroken",
    "iter_pages",
    "next_link",
]

#: A safety bound for a partner without ``X-Total-Count`` whose next links never end.
MAX_PAGES = 100_000


class NextLinkRefused(PartnerRequestError):
    """A next-page link names another origin than the endpoint's: our token is not sent there."""

    def __init__(self, page_url: str, target: str, origin: Origin) -> None:
        super().__init__(
            f"GET {page_url}: Link rel=next to {target} refused: not on {origin}, the origin of "
            "the registered endpoint (our credentials token is sent there only)"
        )
        self.target = target


class PaginationBroken(PartnerRequestError):
    """The next-page links loop or never end."""


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page: its objects (models when validated on the way, else JSON-ready data), and the
    pagination headers."""

    items: list[Any]
    total: int | None
    limit: int | None
    url: str


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, as written (it may be relative)."""
    return next_target(header)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None


def _resolve(page_url: httpx.URL, target: str, origin: Origin) -> httpx.URL:
    """The absolute URL of a next link read on ``page_url``; refused unless on ``origin``."""
    try:
        resolved = page_url.join(target)
    except httpx.InvalidURL as error:
        raise PartnerRequestError(
            f"GET {page_url}: Link rel=next {target!r} is not a URL ({error})"
        ) from None
    if origin_of(resolved) != origin:
        raise NextLinkRefused(str(page_url), str(resolved), origin)
    # The fragment is never sent; two links differing only there are the same page.
    return resolved.copy_with(fragment=None)


@dataclass(slots=True)
class _Progress:
    """What the pages read so far say about the list, to notice links that do not end."""

    received: int = 0
    most_announced: int | None = None
    largest_page: int = 0

    def add(self, count: int, total: int | None) -> None:
        self.received += count
        self.largest_page = max(self.largest_page, count)
        if total is not None:
            self.most_announced = max(total, self.most_announced or 0)

    def beyond_total(self) -> bool:
        # Objects created while the pages are read raise X-Total-Count on the next page; objects
        # updated during the read may come twice. One page more than the most ever announced is
        # room for both; links that still go on after that do not describe the list.
        announced = self.most_announced
        return announced is not None and self.received > announced + self.largest_page


async def iter_pages(
    client: OcpiHttpClient,
    url: str,
    params: QueryParams | None = None,
    item_model: type[OcpiModel] | None = None,
    *,
    timeout: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[ListPage]:
    """Every page of a GET list, following ``Link`` headers on the origin of ``url`` only.

    With ``item_model``, a page whose objects all validate holds them as models (read in one
    pass); a page with an invalid object holds JSON data, for the caller to sort out.

    Each page is one call of ``client.send``: its redirects (same origin only), timeout
    (``timeout`` overrides the client's) and repetitions apply page by page; ``headers`` (the
    routing headers) go with every page. A next link on a
    page reached through a redirect is resolved against the URL that answered.

    Raises :class:`NextLinkRefused` for a next link to another origin (nothing is sent there)
    and :class:`PaginationBroken` for links that loop or never end.
    """
    data_model = list[item_model] if item_model is not None else None  # type: ignore[valid-type]
    first = httpx.URL(url)
    origin = origin_of(first)
    # Built here as httpx would build it, so relative links resolve against what was sent.
    page_url: httpx.URL | None = first.copy_merge_params(params) if params else first
    seen: set[httpx.URL] = set()
    progress = _Progress()
    while page_url is not None:
        if len(seen) >= MAX_PAGES:
            raise PaginationBroken(f"GET {url}: more than {MAX_PAGES} pages; stopped")
        seen.add(page_url)
        reply = await client.send(
            "GET", str(page_url), data_model=data_model, timeout=timeout, headers=headers
        )
        data = reply.envelope.data
        if not isinstance(data, list):
            raise PartnerRequestError(f"GET {page_url}: data of a list answer is not an array")
        total = _int_header(reply.headers, "X-Total-Count")
        yield ListPage(
            items=data,
            total=total,
            limit=_int_header(reply.headers, "X-Limit"),
            url=str(page_url),
        )
        progress.add(len(data), total)
        target = next_target(reply.headers.get("Link"))
        # An empty page that still links onward says there is nothing more to read here; the
        # caller compares what it received with X-Total-Count.
        if target is None or not data:
            return
        # RFC 3986 "Establishing a Base URI": the URI the page was retrieved from, after any
        # redirect (``reply.url`` is the requested one when there was none).
        following = _resolve(httpx.URL(reply.url), target, origin)
        if following in seen:
            raise PaginationBroken(
                f"GET {page_url}: Link rel=next to {following}, a page already read (a loop)"
            )
        if progress.beyond_total():
            raise PaginationBroken(
                f"GET {page_url}: Link rel=next although {progress.received} objects were read "
                f"and X-Total-Count announced at most {progress.most_announced}"
            )
        page_url = following
