"""Tokens taken out of a message before it is stored in the message log (docs/console.md
"Message log").

The credentials module carries the tokens themselves (credentials.asciidoc "Credentials
object" ``token``; 2.1.1 the same field): the request body of a POST or PUT, and the ``data``
of an answer. In a body of that module every JSON member named ``token``, at any depth, gets
:data:`MASK` instead of its value. Bodies of other modules hold no credentials token (a
``Token`` object of the tokens or commands module is an RFID card's data, kept as sent).

A body that is no JSON, or that the log cut at ``body_bytes``, is masked textually: every
``"token": "…"`` string value, also one cut before its closing quote.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

__all__ = ["MASK", "is_credentials_url", "mask_tokens"]

#: What a masked token reads as in the log.
MASK = "***masked***"

_TOKEN_TEXT = re.compile(rb'("token"\s*:\s*")(?:[^"\\]|\\.)*(?:"|\\?$)', re.DOTALL)


def is_credentials_url(url: str) -> bool:
    """Whether ``url`` is an endpoint of the credentials module (``…/credentials``, also with
    a trailing slash or a query)."""
    path = url.partition("?")[0].rstrip("/")
    return path.endswith("/credentials") or path == "credentials"


def mask_tokens(body: bytes) -> bytes:
    """``body`` with every credentials token replaced by :data:`MASK`."""
    if b"token" not in body and b"\\u" not in body:
        return body
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _TOKEN_TEXT.sub(rb"\g<1>" + MASK.encode() + b'"', body)
    return orjson.dumps(_masked(document))


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: MASK if key == "token" and item is not None else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
