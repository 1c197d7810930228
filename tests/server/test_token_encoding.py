"""Which encoding of the credentials token a partner gets (transport_and_format.asciidoc
"Authorization header"; docs/connecting.md "Token encodings").

OCPI 2.2.1 sends ``Token <Base64(token)>``; many 2.1.1/2.2 platforms send and expect the token
raw. A partner's credentials POST or PUT shows which it uses: the callbacks to its versions and
details, and every later call, carry its token the same way. An operator's ``--raw-token`` on
the invitation holds whatever the partner's calls carry. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import uuid

import httpx
import pytest

from openroam._server.auth import sent_raw, token_candidates
from openroam._services.credentials import new_token
from openroam._services.node import Node
from openroam._store import repositories as repo
from tests.server.conftest import partner_grants
from tests.server.support import (
    CREDENTIALS,
    FakePartner,
    envelope_of,
    partner_credentials,
    token_header,
)


def _headers_seen(partner: FakePartner) -> set[str]:
    """The Authorization values of the node's calls to the partner, as sent."""
    return {request.headers["authorization"] for request in partner.requests}


def _raw(token: str) -> str:
    return f"Token {token}"


def _encoded(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


async def _partner(node: Node, name: str) -> repo.PartnerRecord:
    async with node.db.session() as session:
        record = await repo.get_partner_by_name(session, name)
    assert record is not None
    return record


async def _invite(node: Node, *, raw_token: bool = False) -> tuple[str, str]:
    name = f"partner-{uuid.uuid4().hex}"
    token_a = await node.credentials.invite(name, grants=partner_grants(), raw_token=raw_token)
    return name, token_a


async def _post(
    client: httpx.AsyncClient, token_a: str, token_b: str, *, encode: bool
) -> dict[str, object]:
    response = await client.post(
        CREDENTIALS, json=partner_credentials(token_b), headers=token_header(token_a, encode=encode)
    )
    return envelope_of(response, 200, 1000)


async def test_a_partner_registering_with_a_raw_token_is_called_back_raw(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    name, token_a = await _invite(node)
    body = await _post(client, token_a, "token-b-raw", encode=False)
    # The callbacks to its versions and details carried token B as it sent token A: raw.
    assert _headers_seen(partner) == {_raw("token-b-raw")}
    record = await _partner(node, name)
    assert (record.encode_token, record.encode_token_fixed) == (False, False)
    assert record.token_encoding == "raw"
    # Its token C is in the answer's body, which is never encoded; it may call raw or Base64.
    token_c = str(body["data"]["token"])  # type: ignore[index]
    for encode in (False, True):
        answer = await client.get(CREDENTIALS, headers=token_header(token_c, encode=encode))
        envelope_of(answer, 200, 1000)


async def test_a_partner_registering_with_a_base64_token_is_called_back_base64(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    name, token_a = await _invite(node)
    await _post(client, token_a, "token-b-encoded", encode=True)
    assert _headers_seen(partner) == {_encoded("token-b-encoded")}
    record = await _partner(node, name)
    assert (record.encode_token, record.token_encoding) == (True, "base64")


async def test_an_invitation_with_raw_token_holds_whatever_the_partner_sends(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    """The operator's --raw-token wins over what the partner's header shows."""
    name, token_a = await _invite(node, raw_token=True)
    assert (await _partner(node, name)).encode_token is False
    await _post(client, token_a, "token-b-chosen", encode=True)
    assert _headers_seen(partner) == {_raw("token-b-chosen")}
    record = await _partner(node, name)
    assert (record.encode_token, record.encode_token_fixed) == (False, True)


async def test_a_credentials_put_sets_the_encoding_again(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    name, token_a = await _invite(node)
    body = await _post(client, token_a, "token-b-first", encode=True)
    token_c = str(body["data"]["token"])  # type: ignore[index]
    assert (await _partner(node, name)).encode_token is True

    partner.requests.clear()
    answer = await client.put(
        CREDENTIALS,
        json=partner_credentials("token-b-second"),
        headers=token_header(token_c, encode=False),
    )
    token_c = envelope_of(answer, 200, 1000)["data"]["token"]
    assert _headers_seen(partner) == {_raw("token-b-second")}
    assert (await _partner(node, name)).encode_token is False

    partner.requests.clear()
    answer = await client.put(
        CREDENTIALS,
        json=partner_credentials("token-b-third"),
        headers=token_header(token_c, encode=True),
    )
    envelope_of(answer, 200, 1000)
    assert _headers_seen(partner) == {_encoded("token-b-third")}
    assert (await _partner(node, name)).encode_token is True


async def test_a_raw_token_that_is_also_valid_base64_is_detected_raw(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    """A token whose raw text is valid Base64 of printable text: the header is first read as
    Base64 (a token nobody holds), then raw (the partner's), so it is detected raw."""
    name, token_a = await _invite(node)
    body = await _post(client, token_a, "token-b-ambiguous", encode=True)
    ambiguous = base64.b64encode(f"not-a-token-{uuid.uuid4().hex}".encode()).decode()
    record = await _partner(node, name)
    async with node.db.session() as session, session.begin():
        await repo.update_tokens(session, record.id, incoming_token=ambiguous)
    assert body["data"]["token"] != ambiguous  # type: ignore[index]
    candidates = token_candidates(_raw(ambiguous))
    assert candidates == [base64.b64decode(ambiguous).decode(), ambiguous]

    partner.requests.clear()
    answer = await client.put(
        CREDENTIALS,
        json=partner_credentials("token-b-after"),
        headers={"Authorization": _raw(ambiguous)},
    )
    envelope_of(answer, 200, 1000)
    assert _headers_seen(partner) == {_raw("token-b-after")}
    assert (await _partner(node, name)).encode_token is False


def test_sent_raw_tells_the_form_the_header_carried() -> None:
    assert sent_raw("Token abc", "abc") is True
    assert sent_raw(_encoded("abc"), "abc") is False
    assert sent_raw("token   abc ", "abc") is True
    assert sent_raw(None, "abc") is False


def test_tokens_we_issue_are_never_valid_base64() -> None:
    """So a raw token A, B or C of ours can never be read as the Base64 of another: 43
    characters (32 random bytes, URL-safe alphabet, no padding) are not a multiple of 4."""
    for _ in range(200):
        token = new_token()
        assert len(token) == 43
        with pytest.raises(binascii.Error):
            base64.b64decode(token, validate=True)
