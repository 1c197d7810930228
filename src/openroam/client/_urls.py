"""Building partner URLs from the endpoint URLs they published."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["join_url"]

# RFC 3986 "pchar" minus "/" and "%": everything a single path segment may hold unencoded.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


def join_url(base: str, *segments: str) -> str:
    """``base`` followed by each segment, with exactly one ``/`` between them.

    The spec writes endpoint templates both as ``{tokens_endpoint_url}/{token_uid}`` and as
    ``{tokens_endpoint_url}{token_uid}/authorize`` (mod_tokens.asciidoc Sender "POST Method";
    docs/spec-decisions.md "Endpoint URL templates without a slash"), and partners publish
    endpoint URLs with and without a trailing slash, so the slash is normalised here. Each
    segment is one path segment: an id holding ``/``, ``?``, ``#`` or a space is percent-encoded
    instead of changing the path; an empty segment is an error.

    >>> join_url("https://x.example/ocpi/2.2.1/tokens/", "NL", "TNM", "012345678")
    'https://x.example/ocpi/2.2.1/tokens/NL/TNM/012345678'
    """
    if not segments:
        return base
    if any(segment == "" for segment in segments):
        # An empty id would silently address the collection instead of an object.
        raise ValueError(f"empty path segment in join_url({base!r}, *{segments!r})")
    parts = [base.rstrip("/")]
    parts.extend(quote(segment, safe=_SEGMENT_SAFE) for segment in segments)
    return "/".join(parts)
