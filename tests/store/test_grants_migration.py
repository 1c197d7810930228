"""Migration 0007 (partner grants): every role an existing partner registered becomes a grant,
so an upgrade locks no partner out; the change is recorded with the reason "migration"."""

from __future__ import annotations

from sqlalchemy import text

from openroam._store import repositories as repo
from openroam._store.db import Database, upgrade_async
from openroam.models.v221.types import Role


async def test_registered_roles_become_grants(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await upgrade_async(db, "0006")
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO partners (id, name, status, encode_token, created_at, "
                    "updated_at) VALUES (1, 'old', 'registered', true, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                )
            )
            for role, party in (("CPO", "OLD"), ("EMSP", "olE")):
                await connection.execute(
                    text(
                        "INSERT INTO partner_roles (partner_id, role, country_code, party_id, "
                        "country_key, party_key, business_details) "
                        "VALUES (1, :role, 'de', :party, 'DE', :key, '{}')"
                    ),
                    {"role": role, "party": party, "key": party.upper()},
                )
        await upgrade_async(db)
        async with db.session() as session:
            partner = await repo.get_partner(session, 1)
            assert partner is not None
            changes = await repo.grant_changes(session, 1)
        assert partner.grants == (
            repo.Grant(Role.CPO, "de", "OLD"),
            repo.Grant(Role.EMSP, "de", "olE"),
        )
        # Both registered roles still count.
        assert [(r.role, r.party_id) for r in partner.roles] == [
            (Role.CPO, "OLD"),
            (Role.EMSP, "olE"),
        ]
        assert [(c.reason, c.old, len(c.new)) for c in changes] == [("migration", (), 2)]
    finally:
        await db.dispose()
