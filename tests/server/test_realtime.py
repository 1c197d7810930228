"""Real-time authorization, CPO side: "may this Token charge here?" by the held Token's whitelist
type (mod_tokens.asciidoc "WhitelistType enum", "Real-time authorization"). The eMSP is a fake
``AuthorizeApi``: answering, refusing or unreachable.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
import pytest
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import TOKENS
from openroam._services.realtime import DecidedBy, RealtimeAuthorization
from openroam._store.db import Database
from openroam.errors import PartnerRequestError, UnknownToken
from openroam.models.v221.tokens import AllowedType, AuthorizationInfo, LocationReferences, Token
from tests.server.roaming_support import Roaming, open_roaming, receiver_url, token
from tests.server.support import PARTNER, FakePartner, envelope_of

TOKENS_SENDER = f"{PARTNER}/2.2.1/tokens"


class FakeEmsp:
    """The eMSP's POST authorize: an answer, an error, or a hang."""

    def __init__(self) -> None:
        self.answer: AllowedType | Exception | None = AllowedType.ALLOWED
        self.calls: list[tuple[str, str, str, LocationReferences | None, dict[str, str]]] = []
        #: the Token in the answer; default: one of another party, never kept
        self.token: Token | None = None

    def factory(self, token: str, encode_token: bool) -> FakeEmsp:
        return self

    async def authorize_token(
        self,
        endpoint: str,
        uid: str,
        token_type: str,
        location: LocationReferences | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> AuthorizationInfo:
        self.calls.append((endpoint, uid, token_type, location, dict(headers or {})))
        if self.answer is None:
            raise TimeoutError  # as asyncio.wait_for raises it
        if isinstance(self.answer, Exception):
            raise self.answer
        held = self.token or Token.model_validate(token_doc(uid, "NEVER"), strict=False)
        return AuthorizationInfo(
            allowed=self.answer, token=held, location=location, authorization_reference="EMSP-REF"
        )

    async def aclose(self) -> None:
        pass


PARTY = ("DE", "XXX")


def token_doc(uid: str, whitelist: str, **changes: Any) -> dict[str, Any]:
    return token(PARTY, uid, whitelist=whitelist, **changes)


@pytest.fixture
def partner() -> FakePartner:
    fake = FakePartner()
    fake.endpoints.append({"identifier": "tokens", "role": "SENDER", "url": TOKENS_SENDER})
    return fake


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


@pytest.fixture
def emsp() -> FakeEmsp:
    return FakeEmsp()


def service(roaming: Roaming, emsp: FakeEmsp) -> RealtimeAuthorization:
    return RealtimeAuthorization(roaming.node.db, roaming.node.platform, emsp.factory)


async def held(roaming: Roaming, uid: str, whitelist: str, **changes: Any) -> dict[str, Any]:
    """The eMSP partner pushes a Token to us (our Tokens Receiver interface)."""
    body = token(roaming.partner_emsp, uid, whitelist=whitelist, **changes)
    response = await roaming.put(receiver_url("tokens", roaming.partner_emsp, uid), body)
    envelope_of(response, 201, 1000)
    return body


async def test_always_is_allowed_locally_without_asking(roaming: Roaming, emsp: FakeEmsp) -> None:
    await held(roaming, "RT-ALWAYS", "ALWAYS")
    verdict = await service(roaming, emsp).check("rt-always")
    assert (verdict.allowed, verdict.decided_by) == (AllowedType.ALLOWED, DecidedBy.WHITELIST)
    assert emsp.calls == []


async def test_always_with_valid_false_is_blocked(roaming: Roaming, emsp: FakeEmsp) -> None:
    await held(roaming, "RT-ALWAYS-X", "ALWAYS", valid=False)
    verdict = await service(roaming, emsp).check("RT-ALWAYS-X")
    assert verdict.allowed == AllowedType.BLOCKED
    assert emsp.calls == []


@pytest.mark.parametrize("whitelist", ["ALLOWED", "ALLOWED_OFFLINE", "NEVER"])
async def test_the_emsp_is_asked_and_its_answer_decides(
    roaming: Roaming, emsp: FakeEmsp, whitelist: str
) -> None:
    uid = f"RT-ASK-{whitelist}"
    await held(roaming, uid, whitelist)
    where = LocationReferences(location_id="LOC1", evse_uids=["E1"])
    emsp.answer = AllowedType.NO_CREDIT
    refused = await service(roaming, emsp).check(uid, "RFID", where)
    assert (refused.allowed, refused.decided_by) == (AllowedType.NO_CREDIT, DecidedBy.EMSP)
    emsp.answer = AllowedType.ALLOWED
    verdict = await service(roaming, emsp).check(uid, "RFID", where)
    assert (verdict.allowed, verdict.decided_by) == (AllowedType.ALLOWED, DecidedBy.EMSP)
    assert verdict.authorization_reference == "EMSP-REF"
    endpoint, asked_uid, kind, location, headers = emsp.calls[-1]
    assert (endpoint, asked_uid, kind, location) == (TOKENS_SENDER, uid, "RFID", where)
    assert (headers["OCPI-to-country-code"], headers["OCPI-to-party-id"]) == roaming.partner_emsp


async def test_asked_even_when_the_held_copy_says_invalid(roaming: Roaming, emsp: FakeEmsp) -> None:
    # "Real-time authorization": the CPO SHALL ask even with a cached valid=false.
    await held(roaming, "RT-STALE", "NEVER", valid=False)
    verdict = await service(roaming, emsp).check("RT-STALE")
    assert (verdict.allowed, verdict.decided_by) == (AllowedType.ALLOWED, DecidedBy.EMSP)


@pytest.mark.parametrize(
    ("whitelist", "allowed"),
    [
        ("ALLOWED", AllowedType.ALLOWED),
        ("ALLOWED_OFFLINE", AllowedType.ALLOWED),
        ("NEVER", AllowedType.NOT_ALLOWED),
    ],
)
@pytest.mark.parametrize("failure", [None, PartnerRequestError("connection refused")])
async def test_unreachable_emsp_follows_the_whitelist_type(
    roaming: Roaming,
    emsp: FakeEmsp,
    whitelist: str,
    allowed: AllowedType,
    failure: Exception | None,
) -> None:
    uid = f"RT-OFF-{whitelist}-{failure is None}"
    await held(roaming, uid, whitelist)
    emsp.answer = failure
    verdict = await service(roaming, emsp).check(uid)
    assert (verdict.allowed, verdict.decided_by) == (allowed, DecidedBy.OFFLINE)
    assert len(emsp.calls) == 1
    assert verdict.message


async def test_unreachable_with_an_invalid_copy_is_blocked(
    roaming: Roaming, emsp: FakeEmsp
) -> None:
    await held(roaming, "RT-OFF-X", "ALLOWED_OFFLINE", valid=False)
    emsp.answer = PartnerRequestError("down")
    verdict = await service(roaming, emsp).check("RT-OFF-X")
    assert verdict.allowed == AllowedType.BLOCKED


async def test_a_2004_answer_is_not_allowed(roaming: Roaming, emsp: FakeEmsp) -> None:
    await held(roaming, "RT-GONE", "ALLOWED")
    emsp.answer = UnknownToken("unknown")
    verdict = await service(roaming, emsp).check("RT-GONE")
    assert (verdict.allowed, verdict.decided_by) == (AllowedType.NOT_ALLOWED, DecidedBy.EMSP)


async def test_a_token_not_held_is_asked_only_with_its_emsp_named(
    roaming: Roaming, emsp: FakeEmsp
) -> None:
    unknown = await service(roaming, emsp).check("RT-NEW")
    assert (unknown.allowed, unknown.decided_by) == (
        AllowedType.NOT_ALLOWED,
        DecidedBy.UNKNOWN_TOKEN,
    )
    assert emsp.calls == []
    asked = await service(roaming, emsp).check("RT-NEW", token_party=roaming.partner_emsp)
    assert (asked.allowed, asked.decided_by) == (AllowedType.ALLOWED, DecidedBy.EMSP)
    emsp.answer = PartnerRequestError("down")
    offline = await service(roaming, emsp).check("RT-NEW", token_party=roaming.partner_emsp)
    assert (offline.allowed, offline.decided_by) == (AllowedType.NOT_ALLOWED, DecidedBy.OFFLINE)


async def test_a_newer_token_in_the_answer_replaces_the_held_copy(
    roaming: Roaming, emsp: FakeEmsp
) -> None:
    """mod_tokens "AuthorizationInfo Object": ``token`` is "the complete Token object for which
    this authorization was requested". A newer copy (same identity, later last_updated) replaces
    the one held, as a push would; an older one, or another Token, changes nothing."""
    body = await held(roaming, "RT-NEWER", "ALLOWED", last_updated="2026-01-01T10:00:00Z")
    checker = RealtimeAuthorization(
        roaming.node.db,
        roaming.node.platform,
        emsp.factory,
        keep_token=roaming.node.realtime.keep_token,
    )
    path = ObjectPath(*roaming.partner_emsp, "RT-NEWER", (), "RFID")

    async def stored() -> dict[str, Any]:
        document = await roaming.node.roaming.read(roaming.partner_id, TOKENS, path)
        found: dict[str, Any] = orjson.loads(document)
        return found

    older = body | {"valid": False, "last_updated": "2025-12-31T10:00:00Z"}
    emsp.token = Token.model_validate(older, strict=False)
    await checker.check("RT-NEWER")
    assert (await stored())["valid"] is True

    other = body | {"uid": "RT-OTHER", "last_updated": "2026-01-03T10:00:00Z"}
    emsp.token = Token.model_validate(other, strict=False)
    await checker.check("RT-NEWER")
    assert (await stored())["last_updated"] == "2026-01-01T10:00:00Z"

    newer = body | {"valid": False, "whitelist": "NEVER", "last_updated": "2026-01-02T10:00:00Z"}
    emsp.token = Token.model_validate(newer, strict=False)
    verdict = await checker.check("RT-NEWER")
    assert verdict.decided_by == DecidedBy.EMSP
    kept = await stored()
    assert (kept["valid"], kept["whitelist"], kept["last_updated"]) == (
        False,
        "NEVER",
        "2026-01-02T10:00:00Z",
    )
    # The next time the eMSP cannot be asked, the newer copy decides: NEVER → NOT_ALLOWED.
    emsp.answer = None
    offline = await checker.check("RT-NEWER")
    assert (offline.allowed, offline.decided_by) == (AllowedType.NOT_ALLOWED, DecidedBy.OFFLINE)
