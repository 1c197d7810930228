"""The ``Link`` header of a paginated answer (transport_and_format.asciidoc "Pagination"), read
as RFC 8288 writes it, and where a next page may be fetched with our credentials token.

``httpx.Response.links`` is not used: it keys links by the ``rel`` text as written (``REL=next``,
``rel="prev next"`` and ``rel=NEXT`` are not found as ``next``), it drops the parameters after a
value holding ``=``, and it does not resolve relative targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

__all__ = ["Origin", "next_target", "origin_of"]

# RFC 8288 "Link Serialisation in HTTP Headers": link-value = "<" URI-Reference ">"
# *( OWS ";" OWS link-param ); link-param = token BWS [ "=" BWS ( token / quoted-string ) ].
# A quoted string is matched whole, so a ";", "," or "<" inside one is never taken for syntax.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = rf"\s*;\s*([^\s;,=]+)\s*(?:=\s*({_QUOTED}|[^\s;,]*))?"
_LINK = re.compile(rf"<([^>]*)>((?:{_PARAM})*)")
_PARAMS = re.compile(_PARAM)
_ESCAPED = re.compile(r"\\(.)")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPED.sub(r"\1", value[1:-1])
    return value


def _relations(params: str) -> list[str]:
    """The relation types of a link: its first ``rel`` parameter (RFC 8288 "The rel Parameter":
    later occurrences are ignored), a space-separated list compared case-insensitively."""
    for name, value in _PARAMS.findall(params):
        if name.lower() == "rel":
            return _unquote(value).lower().split()
    return []


def next_target(header: str | None) -> str | None:
    """The target of the first ``rel="next"`` link in a ``Link`` header, as written (possibly
    relative); ``None`` without one.

    >>> next_target('<https://x.example/help>; rel=help, <?offset=10>; REL="prev NEXT"')
    '?offset=10'
    """
    if not header:
        return None
    for link in _LINK.finditer(header):
        if "next" in _relations(link.group(2)):
            return link.group(1).strip()
    return None


@dataclass(frozen=True, slots=True)
class Origin:
    """RFC 6454 origin: scheme, host and port (the scheme's default port when none is given)."""

    scheme: str
    host: str
    port: int | None

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def origin_of(url: httpx.URL) -> Origin:
    """The origin of ``url``; hosts and schemes are compared as httpx normalises them (lower
    case, IDNA), and an explicit default port equals none."""
    scheme = url.scheme.lower()
    return Origin(scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme))
