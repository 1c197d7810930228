"""Partner connections through the registration life cycle (credentials.asciidoc "Registration"),
on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC

import pytest
from sqlalchemy import event

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.repositories import PartnerStatus
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID

VERSIONS_URL = "https://partner.example.com/ocpi/versions"
CPO = CredentialsRole(
    role=Role.CPO,
    business_details=BusinessDetails(name="Example CPO", website="https://cpo.example.com"),
    party_id="EXA",
    country_code="NL",
)
EMSP = repo.PartnerRoleRecord(Role.EMSP, "nl", "exb", {"name": "Example eMSP"})
ENDPOINTS: list[repo.EndpointInput] = [
    Endpoint(
        identifier=ModuleID.CREDENTIALS,
        role=InterfaceRole.SENDER,
        url="https://partner.example.com/ocpi/2.2.1/credentials",
    ),
    repo.EndpointRecord("locations", "SENDER", "https://partner.example.com/ocpi/2.2.1/locations"),
]


async def _invite(database: Database, name: str = "partner", token_a: str = "token-a") -> int:
    async with database.session() as session, session.begin():
        # Granted what _register registers: only granted roles count (PartnerRecord.roles).
        grants = [repo.Grant(Role.CPO, "NL", "EXA"), repo.Grant(Role.EMSP, "NL", "EXB")]
        return (await repo.create_invitation(session, name, token_a, grants)).id


async def _register(database: Database, partner_id: int, incoming: str = "token-c") -> None:
    async with database.session() as session, session.begin():
        await repo.save_registration(
            session,
            partner_id,
            versions_url=VERSIONS_URL,
            version="2.2.1",
            roles=[CPO, EMSP],
            endpoints=ENDPOINTS,
            incoming_token=incoming,
            outgoing_token="token-b",
        )


async def _find(database: Database, token: str) -> tuple[repo.PartnerRecord, str] | None:
    async with database.session() as session:
        return await repo.find_partner_by_token(session, token)


def test_hash_token_is_sha256_hex() -> None:
    # printf 'example-token' | sha256sum
    assert repo.hash_token("example-token") == (
        "4d1566a1d7df42a8517456d60ea06ed284e535cfe4c956aa6ee172dbcdf945f7"
    )


async def test_invitation_is_found_by_token_a(database: Database) -> None:
    partner_id = await _invite(database)
    found = await _find(database, "token-a")
    assert found is not None
    partner, kind = found
    assert kind == "A"
    assert (partner.id, partner.name, partner.status) == (partner_id, "partner", "pending")
    assert partner.outgoing_token is None
    assert partner.encode_token is True
    assert (partner.roles, partner.endpoints, partner.registered_at) == ((), (), None)
    assert await _find(database, "TOKEN-A") is None  # tokens are compared exactly


async def test_registration_retires_token_a_and_accepts_token_c(database: Database) -> None:
    """credentials.asciidoc "Registration": after the handshake token A "is now invalid"."""
    partner_id = await _invite(database)
    await _register(database, partner_id)

    assert await _find(database, "token-a") is None
    found = await _find(database, "token-c")
    assert found is not None
    partner, kind = found
    assert kind == "C"
    assert partner.status == PartnerStatus.REGISTERED
    assert (partner.versions_url, partner.version) == (VERSIONS_URL, "2.2.1")
    assert partner.outgoing_token == "token-b"
    assert partner.registered_at is not None
    assert partner.roles == (
        repo.PartnerRoleRecord(
            Role.CPO, "NL", "EXA", {"name": "Example CPO", "website": "https://cpo.example.com"}
        ),
        EMSP,
    )
    assert partner.endpoints == (
        repo.EndpointRecord(
            "credentials", "SENDER", "https://partner.example.com/ocpi/2.2.1/credentials"
        ),
        ENDPOINTS[1],
    )


async def test_credentials_update_replaces_roles_endpoints_and_token(database: Database) -> None:
    """credentials.asciidoc PUT: new token, and the endpoints re-fetched; roles declared again
    with the same keys must not trip the uniqueness of (role, party_id, country_code)."""
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        updated = await repo.save_registration(
            session,
            partner_id,
            versions_url=VERSIONS_URL,
            version="2.2.1",
            roles=[CPO],
            endpoints=ENDPOINTS[:1],
            incoming_token="token-c2",
            outgoing_token="token-b2",
        )
    assert [r.role for r in updated.roles] == [Role.CPO]
    assert len(updated.endpoints) == 1
    assert updated.outgoing_token == "token-b2"
    assert await _find(database, "token-c") is None
    assert await _find(database, "token-c2") is not None


async def test_roles_are_found_case_insensitively(database: Database) -> None:
    """types.asciidoc "CiString": country_code and party_id match whatever their case."""
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session:
        by_lower = await repo.find_partners_by_party(session, "nl", "exa")
        by_upper_emsp = await repo.find_partners_by_party(session, "NL", "EXB", Role.EMSP)
        wrong_role = await repo.find_partners_by_party(session, "NL", "EXA", Role.EMSP)
        unknown = await repo.find_partners_by_party(session, "DE", "EXA")
    assert [p.id for p in by_lower] == [partner_id]
    assert [p.id for p in by_upper_emsp] == [partner_id]
    # Stored as given, for output.
    assert by_upper_emsp[0].roles[1].country_code == "nl"
    assert (wrong_role, unknown) == ([], [])


async def test_unregister_clears_every_token(database: Database) -> None:
    """credentials.asciidoc DELETE: the credentials are invalid from now on."""
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        partner = await repo.unregister(session, partner_id)
    assert partner.status == PartnerStatus.UNREGISTERED
    assert partner.outgoing_token is None
    assert await _find(database, "token-c") is None
    assert partner.roles  # kept for the record


async def test_token_rotation_accepts_both_tokens_until_confirmed(database: Database) -> None:
    """During a credentials PUT the partner may call back with the old or the new token."""
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        await repo.set_incoming_token(session, partner_id, "token-new")
    assert await _find(database, "token-c") is not None
    found = await _find(database, "token-new")
    assert found is not None
    assert found[1] == "C"

    async with database.session() as session, session.begin():
        await repo.update_tokens(session, partner_id, incoming_token="token-new")
    assert await _find(database, "token-c") is None
    assert await _find(database, "token-new") is not None


async def test_cancelled_rotation_keeps_only_the_old_token(database: Database) -> None:
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        await repo.set_incoming_token(session, partner_id, "token-new")
        await repo.cancel_token_rotation(session, partner_id)
    assert await _find(database, "token-new") is None
    assert await _find(database, "token-c") is not None


async def test_outgoing_registration_holds_their_token_a(database: Database) -> None:
    """We initiate: we call the partner with its token A, and accept our token B from it."""
    async with database.session() as session, session.begin():
        partner = await repo.create_partner_for_outgoing_registration(
            session, "hub", VERSIONS_URL, "their-token-a", encode_token=False
        )
        await repo.set_incoming_token(session, partner.id, "our-token-b")
    assert partner.status == PartnerStatus.PENDING
    assert (partner.outgoing_token, partner.encode_token) == ("their-token-a", False)
    assert await _find(database, "their-token-a") is None  # theirs, not a token for us
    found = await _find(database, "our-token-b")
    assert found is not None
    assert (found[0].name, found[1]) == ("hub", "C")


async def test_a_registered_name_cannot_be_invited_again(database: Database) -> None:
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        with pytest.raises(repo.PartnerExists):
            await repo.create_invitation(session, "partner", "token-a2")
        with pytest.raises(repo.PartnerExists):
            await repo.create_partner_for_outgoing_registration(
                session, "partner", VERSIONS_URL, "x"
            )


async def test_inviting_again_replaces_token_a(database: Database) -> None:
    first = await _invite(database, token_a="token-a1")
    second = await _invite(database, token_a="token-a2")
    assert first == second
    assert await _find(database, "token-a1") is None
    assert await _find(database, "token-a2") is not None


async def test_an_unregistered_partner_can_be_invited_again(database: Database) -> None:
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        await repo.unregister(session, partner_id)
    assert await _invite(database, token_a="token-a3") == partner_id
    found = await _find(database, "token-a3")
    assert found is not None
    assert (found[0].status, found[1]) == (PartnerStatus.PENDING, "A")


async def test_status_encoding_and_outgoing_token_changes(database: Database) -> None:
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session, session.begin():
        await repo.set_status(session, partner_id, PartnerStatus.SUSPENDED)
        await repo.set_encode_token(session, partner_id, False)
        partner = await repo.update_tokens(session, partner_id, outgoing_token="token-b9")
    assert (partner.status, partner.encode_token) == (PartnerStatus.SUSPENDED, False)
    assert partner.outgoing_token == "token-b9"
    assert await _find(database, "token-c") is not None  # suspended keeps its tokens


async def test_lookups_by_id_and_name_and_listing(database: Database) -> None:
    first = await _invite(database, "first", "t1")
    second = await _invite(database, "second", "t2")
    async with database.session() as session:
        by_id = await repo.get_partner(session, second)
        by_name = await repo.get_partner_by_name(session, "first")
        missing = (
            await repo.get_partner(session, 999),
            await repo.get_partner_by_name(session, "x"),
        )
        listed = await repo.list_partners(session)
    assert by_id is not None
    assert by_id.name == "second"
    assert by_name is not None
    assert by_name.id == first
    assert missing == (None, None)
    assert [p.name for p in listed] == ["first", "second"]


async def test_changing_an_unknown_partner_raises(database: Database) -> None:
    async with database.session() as session, session.begin():
        with pytest.raises(repo.PartnerNotFound):
            await repo.unregister(session, 12345)


async def test_records_are_frozen_and_timestamps_utc(database: Database) -> None:
    partner_id = await _invite(database)
    await _register(database, partner_id)
    async with database.session() as session:
        partner = await repo.get_partner(session, partner_id)
    assert partner is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        partner.name = "other"  # type: ignore[misc]
    for stamp in (partner.created_at, partner.updated_at, partner.registered_at):
        assert stamp is not None
        assert stamp.tzinfo is UTC
    assert partner.created_at <= partner.updated_at


async def test_token_lookup_is_one_query(database: Database) -> None:
    """The lookup runs on every request: partner, roles and endpoints in one round trip."""
    partner_id = await _invite(database)
    await _register(database, partner_id)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        found = await _find(database, "token-c")
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert found is not None
    assert (len(found[0].roles), len(found[0].endpoints)) == (2, 2)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
