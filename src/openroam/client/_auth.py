"""The OCPI credentials token as an ``httpx.Auth``.

transport_and_format.asciidoc "Authorization header": every OCPI request carries
``Authorization: Token <encoded token>``, where the encoded token is the RFC 4648 Base64 of the
UTF-8 bytes of the credentials token. The spec's own example value (``ZXhhbXBsZS10b2tlbgo=``)
encodes the token *plus a newline* (docs/spec-decisions.md "Authorization header example encodes
a newline"), so this follows RFC 4648, not the example.

The same section notes that many 2.1.1 and 2.2 implementations send the token un-encoded and
leaves the choice to configuration: ``encode=False`` sends ``Token <raw token>``.
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx

__all__ = ["OcpiTokenAuth", "authorization_value", "encode_token"]


def encode_token(token: str) -> str:
    """RFC 4648 §4 Base64 (standard alphabet, with padding) of the token's UTF-8 bytes."""
    return base64.b64encode(token.encode("utf-8")).decode("ascii")


def authorization_value(token: str, *, encode: bool = True) -> str:
    """The ``Authorization`` header value: ``Token`` + exactly one space + the (encoded) token."""
    return f"Token {encode_token(token) if encode else token}"


class OcpiTokenAuth(httpx.Auth):
    """Adds ``Authorization: Token …`` to every request.

    ``encode=False`` is for legacy 2.1.1/2.2 peers that expect the raw token.
    """

    def __init__(self, token: str, *, encode: bool = True) -> None:
        self._header = authorization_value(token, encode=encode)
        self.encode = encode

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        # Never show the credentials token in logs or tracebacks.
        return f"OcpiTokenAuth(encode={self.encode})"
