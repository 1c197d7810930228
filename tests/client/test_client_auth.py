"""transport_and_format.asciidoc "Authorization header": the credentials token on every request."""

from __future__ import annotations

import base64

import httpx

from openroam.client import OcpiClient, OcpiTokenAuth, authorization_value, encode_token
from tests.client.ocpi_fakes import URL, FakePartner, envelope


async def _authorization(token: str, *, encode: bool = True) -> str:
    partner = FakePartner()
    partner.answer(json=envelope([]))
    async with OcpiClient(token, encode_token=encode, transport=partner.transport) as client:
        await client.get_versions(URL)
    return partner.requests[0].headers["Authorization"]


async def test_authorization_header_is_base64_of_the_token() -> None:
    """T&F "Authorization header": ``Token`` + one space + RFC 4648 Base64 of the UTF-8 token."""
    assert await _authorization("example-token") == "Token ZXhhbXBsZS10b2tlbg=="


async def test_authorization_header_is_not_the_spec_example_with_a_newline() -> None:
    """docs/spec-decisions.md "Authorization header example encodes a newline": the spec's
    ``ZXhhbXBsZS10b2tlbgo=`` encodes ``example-token\\n``."""
    header = await _authorization("example-token")
    assert header != "Token ZXhhbXBsZS10b2tlbgo="
    assert base64.b64decode(header.removeprefix("Token ")) == b"example-token"


async def test_authorization_header_encodes_utf8_bytes() -> None:
    """T&F "Authorization header": the token is encoded to UTF-8 octets before Base64."""
    header = await _authorization("tökén")
    assert header == "Token " + base64.b64encode("tökén".encode()).decode()


async def test_authorization_header_raw_token_for_legacy_peers() -> None:
    """T&F "Authorization header" NOTE: many 2.1.1/2.2 peers expect the token un-encoded."""
    assert await _authorization("example-token", encode=False) == "Token example-token"


def test_encode_token_pads_per_rfc4648() -> None:
    assert encode_token("a") == "YQ=="
    assert encode_token("ab") == "YWI="
    assert encode_token("abc") == "YWJj"
    assert authorization_value("a", encode=False) == "Token a"


def test_auth_flow_sets_the_header() -> None:
    request = httpx.Request("GET", URL)
    flow = OcpiTokenAuth("example-token").auth_flow(request)
    assert next(flow).headers["Authorization"] == "Token ZXhhbXBsZS10b2tlbg=="


def test_auth_repr_hides_the_token() -> None:
    assert "example-token" not in repr(OcpiTokenAuth("example-token"))
    assert "ZXhhbXBsZS10b2tlbg" not in repr(OcpiTokenAuth("example-token"))
