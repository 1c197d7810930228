"""The Hub's answer to a forwarded request: the receiving party's HTTP status and body bytes as
they came, with the headers a Hub answers (transport_and_format.asciidoc "Message Routing",
"Pagination").

* ``OCPI-from-*`` the receiving party, ``OCPI-to-*`` the requesting party;
* ``X-Total-Count`` and ``X-Limit`` copied (the list is the receiving party's);
* ``Link`` and ``Location`` rewritten from the receiving party's endpoint to ours when they point
  under it, else left out: the requester can reach nothing but the Hub;
* ``X-Request-ID`` and ``X-Correlation-ID`` are the requester's, added by the middleware.
"""

from __future__ import annotations

from urllib.parse import urljoin

from starlette.types import Send

from openroam._server.envelope import send_json
from openroam._services.hub_routing import Forwarded
from openroam._services.routing import routing_headers

__all__ = ["rewrite_link", "rewrite_url", "send_forwarded"]

_COPIED = ("x-total-count", "x-limit")


async def send_forwarded(send: Send, forwarded: Forwarded) -> None:
    """Answer the requester with ``forwarded`` (see the module docstring)."""
    answer = forwarded.answer
    headers = routing_headers(forwarded.from_party, forwarded.to_party)
    for name in _COPIED:
        value = answer.headers.get(name)
        if value is not None:
            headers[name] = value
    theirs, ours = forwarded.their_base, forwarded.our_base
    if theirs is not None and ours is not None:
        link = answer.headers.get("link")
        if link is not None:
            rewritten = rewrite_link(link, forwarded.url, theirs, ours)
            if rewritten:
                headers["link"] = rewritten
        location = answer.headers.get("location")
        if location is not None:
            moved = rewrite_url(urljoin(forwarded.url, location), theirs, ours)
            if moved is not None:
                headers["location"] = moved
    await send_json(send, answer.body, headers, answer.status)


def rewrite_url(url: str, theirs: str, ours: str) -> str | None:
    """``url`` with the base ``theirs`` replaced by ``ours``; None when it is not under it."""
    if url == theirs or url.startswith((theirs + "/", theirs + "?")):
        return ours + url[len(theirs) :]
    return None


def rewrite_link(value: str, requested: str, theirs: str, ours: str) -> str:
    """A ``Link`` header (RFC 8288: ``<target>; params``, comma-separated) with each target under
    ``theirs`` moved under ``ours`` (relative targets resolved against ``requested``) and every
    other link left out; "" when none is left."""
    kept = []
    for target, params in _links(value):
        moved = rewrite_url(urljoin(requested, target), theirs, ours)
        if moved is not None:
            kept.append(f"<{moved}>{params}")
    return ", ".join(kept)


def _links(value: str) -> list[tuple[str, str]]:
    """(target, the parameters as written after ``>``) of each link; a comma inside a quoted
    parameter value does not end a link."""
    links = []
    index, end_of_value = 0, len(value)
    while index < end_of_value:
        start = value.find("<", index)
        if start < 0:
            break
        end = value.find(">", start)
        if end < 0:
            break
        cursor, quoted = end + 1, False
        while cursor < end_of_value and (quoted or value[cursor] != ","):
            if value[cursor] == '"':
                quoted = not quoted
            cursor += 1
        links.append((value[start + 1 : end], value[end + 1 : cursor].rstrip()))
        index = cursor + 1
    return links
