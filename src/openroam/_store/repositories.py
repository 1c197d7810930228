"""Reading and writing own parties and partner connections: the store's public interface.

Every function takes an :class:`~sqlalchemy.ext.asyncio.AsyncSession` (the caller owns the
transaction: ``async with db.session() as s, s.begin(): …``) and returns frozen dataclasses,
never ORM objects, so services cannot trigger lazy loading. Tokens we only verify are stored as
SHA-256 hex digests; the token we send is stored as given (credentials.asciidoc "Credentials
object"). The partner functions live in :mod:`.partners` (queries) and :mod:`.registration`
(changes) and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.deviations import (
    POLICIES,
    DeviationCount,
    DeviationRecord,
    deviations_of,
    record_deviations,
    set_reading_policy,
)
from openroam._store.object_repo import (
    OWN,
    StoredObject,
    count_objects,
    delete_object,
    get_object,
    list_documents,
    list_objects,
    put_object,
)
from openroam._store.outbox import (
    DeliveryRecord,
    claim_deliveries,
    enqueue_deliveries,
    enqueue_delivery,
    record_attempt,
)
from openroam._store.outbox_admin import (
    BacklogRecord,
    delivery_backlog,
    give_up_deliveries,
    prune_deliveries,
)
from openroam._store.partners import (
    find_partner_by_token,
    find_partners_by_party,
    get_partner,
    get_partner_by_name,
    grant_changes,
    held_parties,
    list_partners,
)
from openroam._store.records import (
    EndpointInput,
    EndpointRecord,
    Grant,
    GrantChangeRecord,
    OwnPartyData,
    PartnerExists,
    PartnerNotFound,
    PartnerRecord,
    PartnerRoleRecord,
    RoleInput,
    TokenKind,
    hash_token,
)
from openroam._store.registration import (
    cancel_token_rotation,
    create_connected_partner,
    create_invitation,
    create_partner_for_outgoing_registration,
    holds_invitation,
    lock_grants,
    save_registration,
    set_encode_token,
    set_grants,
    set_incoming_token,
    set_status,
    unregister,
    update_tokens,
)
from openroam._store.sync_state import (
    SyncStateRecord,
    due_pulls,
    get_sync_state,
    save_sync_state,
    schedule_pull,
)
from openroam._store.tables import QUEUED_STATUSES, OwnParty, PartnerStatus, utcnow
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "OWN",
    "POLICIES",
    "QUEUED_STATUSES",
    "BacklogRecord",
    "DeliveryRecord",
    "DeviationCount",
    "DeviationRecord",
    "EndpointInput",
    "EndpointRecord",
    "Grant",
    "GrantChangeRecord",
    "OwnPartyData",
    "PartnerExists",
    "PartnerNotFound",
    "PartnerRecord",
    "PartnerRoleRecord",
    "PartnerStatus",
    "RoleInput",
    "StoredObject",
    "SyncStateRecord",
    "TokenKind",
    "cancel_token_rotation",
    "claim_deliveries",
    "count_objects",
    "create_connected_partner",
    "create_invitation",
    "create_partner_for_outgoing_registration",
    "delete_object",
    "delivery_backlog",
    "deviations_of",
    "due_pulls",
    "enqueue_deliveries",
    "enqueue_delivery",
    "find_partner_by_token",
    "find_partners_by_party",
    "get_object",
    "get_partner",
    "get_partner_by_name",
    "get_sync_state",
    "give_up_deliveries",
    "grant_changes",
    "hash_token",
    "held_parties",
    "holds_invitation",
    "list_documents",
    "list_objects",
    "list_own_parties",
    "list_partners",
    "lock_grants",
    "prune_deliveries",
    "put_object",
    "record_attempt",
    "record_deviations",
    "save_registration",
    "save_sync_state",
    "schedule_pull",
    "set_encode_token",
    "set_grants",
    "set_incoming_token",
    "set_reading_policy",
    "set_status",
    "unregister",
    "update_tokens",
    "upsert_own_parties",
]


async def upsert_own_parties(session: AsyncSession, parties: Sequence[OwnPartyData]) -> None:
    """Insert the parties, or update the ones that exist (matched case-insensitively).

    One ``INSERT … ON CONFLICT`` statement, so several server processes starting at once do
    not race. Parties absent from ``parties`` are kept (later tables will refer to them).
    """
    if not parties:
        return
    now = utcnow()
    rows = [
        {
            "country_code": p.country_code,
            "party_id": p.party_id,
            "country_key": fold_id(p.country_code),
            "party_key": fold_id(p.party_id),
            "role": str(p.role),
            "business_details": p.business_details,
            "created_at": now,
            "updated_at": now,
        }
        for p in parties
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(OwnParty).values(rows)
    changed = ("country_code", "party_id", "business_details", "updated_at")
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["country_key", "party_key", "role"],
            set_={name: insert.excluded[name] for name in changed},
        )
    )


async def list_own_parties(session: AsyncSession) -> list[OwnPartyData]:
    """Every own party, in the order they were first stored."""
    rows = await session.scalars(select(OwnParty).order_by(OwnParty.id))
    return [
        OwnPartyData(row.country_code, row.party_id, Role(row.role), row.business_details)
        for row in rows
    ]
