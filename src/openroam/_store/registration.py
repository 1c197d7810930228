"""Changes to partner connections along the registration life cycle (credentials.asciidoc).

Each function changes one partner inside the caller's transaction and returns its fresh
:class:`~openroam._store.records.PartnerRecord`. The partner row is read ``FOR UPDATE`` (on
PostgreSQL), so two requests changing one partner's tokens at once are serialised.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.partners import load_partner
from openroam._store.records import (
    EndpointInput,
    Grant,
    PartnerExists,
    PartnerNotFound,
    PartnerRecord,
    RoleInput,
    business_details_dict,
    hash_token,
)
from openroam._store.tables import (
    Partner,
    PartnerEndpoint,
    PartnerGrant,
    PartnerGrantChange,
    PartnerRole,
    PartnerStatus,
    utcnow,
)
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "cancel_token_rotation",
    "create_connected_partner",
    "create_invitation",
    "create_partner_for_outgoing_registration",
    "holds_invitation",
    "lock_grants",
    "save_registration",
    "set_encode_token",
    "set_grants",
    "set_incoming_token",
    "set_status",
    "unregister",
    "update_tokens",
]

_SQLITE_WRITE_LOCK = text("UPDATE partners SET id = id WHERE 0")
# One key for every change of grants on PostgreSQL (grants change rarely): two invitations
# granting the same party cannot both pass the check that no other partner holds it.
_GRANTS_LOCK = text("SELECT pg_advisory_xact_lock(7007)")

# A name held by one of these cannot be invited or registered again before it unregisters.
_IN_USE = (PartnerStatus.REGISTERED, PartnerStatus.SUSPENDED)


async def _lock(session: AsyncSession, partner_id: int) -> Partner:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE and a plain read does not start the transaction: take the
        # database write lock first, so two changes of one partner are serialised there too.
        await session.execute(_SQLITE_WRITE_LOCK)
    partner = await session.get(Partner, partner_id, with_for_update=True, populate_existing=True)
    if partner is None:
        raise PartnerNotFound(partner_id)
    return partner


async def holds_invitation(session: AsyncSession, partner_id: int, token_a: str) -> bool:
    """Whether ``token_a`` is still the partner's valid invitation, checked under its row lock.

    Registration calls this in the transaction that saves it: of two POSTs racing with one
    token A, only the first can register (credentials.asciidoc step 8: token A is then invalid).
    """
    partner = await _lock(session, partner_id)
    stored = partner.token_a_hash
    return stored is not None and hmac.compare_digest(stored, hash_token(token_a))


async def _claim_name(session: AsyncSession, name: str) -> Partner:
    """A new partner called ``name``, or the pending or unregistered one that has the name."""
    stmt = select(Partner).where(Partner.name == name).with_for_update()
    partner = await session.scalar(stmt.execution_options(populate_existing=True))
    if partner is None:
        partner = Partner(name=name, encode_token=True, created_at=utcnow())
        session.add(partner)
    elif partner.status in _IN_USE:
        raise PartnerExists(f"partner {name!r} is {partner.status}: unregister it first")
    partner.status = PartnerStatus.PENDING
    partner.token_a_hash = None
    partner.incoming_token_hash = None
    partner.rotating_token_hash = None
    partner.outgoing_token = None
    # Each connection starts with OCPI 2.2.1's Base64 until told otherwise.
    partner.encode_token = True
    partner.encode_token_fixed = False
    partner.updated_at = utcnow()
    return partner


def _choose_encoding(partner: Partner, *, raw_token: bool) -> None:
    """The operator's choice: ``raw_token`` fixes the raw encoding (the partner's credentials
    calls no longer change it); otherwise Base64, until the partner's calls show otherwise."""
    partner.encode_token = not raw_token
    partner.encode_token_fixed = raw_token


async def _done(session: AsyncSession, partner: Partner) -> PartnerRecord:
    partner.updated_at = utcnow()
    await session.flush()
    return await load_partner(session, partner.id)


async def lock_grants(session: AsyncSession) -> None:
    """Serialise changes of grants until the transaction ends (call it before reading which
    parties are held, then change grants in the same transaction)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(_SQLITE_WRITE_LOCK)
    else:
        await session.execute(_GRANTS_LOCK)


async def _replace_grants(
    session: AsyncSession, partner: Partner, grants: Sequence[Grant], reason: str
) -> None:
    old = [
        Grant(Role(row.role), row.country_code, row.party_id)
        for row in await session.scalars(
            select(PartnerGrant)
            .where(PartnerGrant.partner_id == partner.id)
            .order_by(PartnerGrant.id)
        )
    ]
    new = list(dict.fromkeys(grants))
    if [g.key() for g in old] == [g.key() for g in new]:
        return
    await session.execute(delete(PartnerGrant).where(PartnerGrant.partner_id == partner.id))
    session.add_all(
        PartnerGrant(
            partner_id=partner.id,
            role=str(grant.role),
            country_code=grant.country_code,
            party_id=grant.party_id,
            country_key=fold_id(grant.country_code),
            party_key=fold_id(grant.party_id),
        )
        for grant in new
    )
    session.add(
        PartnerGrantChange(
            partner_id=partner.id,
            changed_at=utcnow(),
            reason=reason,
            old_grants=[grant.to_dict() for grant in old],
            new_grants=[grant.to_dict() for grant in new],
        )
    )


async def create_invitation(
    session: AsyncSession,
    name: str,
    token_a: str,
    grants: Sequence[Grant] = (),
    *,
    raw_token: bool = False,
) -> PartnerRecord:
    """A pending partner that can register with ``token_a`` (registration step 0), as what
    ``grants`` allows; ``raw_token``: it is called with its tokens un-encoded, whatever its
    own calls carry.

    Inviting a name again while it is pending or unregistered issues a new token A (the old
    one stops working) and replaces its grants. :class:`PartnerExists` if the name is
    registered or suspended. Whether the grants are free to give is the caller's check
    (:func:`lock_grants`, ``partners.held_parties``).
    """
    partner = await _claim_name(session, name)
    partner.token_a_hash = hash_token(token_a)
    _choose_encoding(partner, raw_token=raw_token)
    await session.flush()
    await _replace_grants(session, partner, grants, "invite")
    return await _done(session, partner)


async def set_grants(
    session: AsyncSession, partner_id: int, grants: Sequence[Grant], reason: str = "grant"
) -> PartnerRecord:
    """Replace what the partner may be; the change is recorded (when, old → new)."""
    partner = await _lock(session, partner_id)
    await _replace_grants(session, partner, grants, reason)
    return await _done(session, partner)


async def create_partner_for_outgoing_registration(
    session: AsyncSession,
    name: str,
    versions_url: str,
    outgoing_token_a: str,
    *,
    encode_token: bool = True,
    incoming_token: str | None = None,
    grants: Sequence[Grant] = (),
) -> PartnerRecord:
    """A pending partner we register with: we call it with its token A until we get C; it may
    be what ``grants`` allows.

    ``incoming_token`` is our token B, if already chosen (:func:`set_incoming_token` can set
    it later). ``encode_token=False`` (the operator's ``--raw-token``) is a fixed choice.
    :class:`PartnerExists` if the name is registered or suspended.
    """
    partner = await _claim_name(session, name)
    partner.versions_url = versions_url
    partner.outgoing_token = outgoing_token_a
    _choose_encoding(partner, raw_token=not encode_token)
    if incoming_token is not None:
        partner.incoming_token_hash = hash_token(incoming_token)
    await session.flush()
    await _replace_grants(session, partner, grants, "register")
    return await _done(session, partner)


async def save_registration(
    session: AsyncSession,
    partner_id: int,
    *,
    versions_url: str,
    version: str,
    roles: Sequence[RoleInput],
    endpoints: Sequence[EndpointInput],
    incoming_token: str,
    outgoing_token: str,
    status: PartnerStatus = PartnerStatus.REGISTERED,
    encode_token: bool | None = None,
) -> PartnerRecord:
    """Store a completed registration or credentials update (POST or PUT).

    Roles and endpoints are replaced; the invitation token A is retired (registration step 8:
    "Token A is now invalid"), as is any token offered by :func:`set_incoming_token`;
    ``registered_at`` becomes now. ``encode_token``: how the partner's credentials call carried
    its token, which becomes how we send ours, unless the operator chose the encoding
    (``encode_token_fixed``); ``None`` keeps it.
    """
    partner = await _lock(session, partner_id)
    if encode_token is not None and not partner.encode_token_fixed:
        partner.encode_token = encode_token
    partner.versions_url = versions_url
    partner.version = version
    partner.status = status
    partner.incoming_token_hash = hash_token(incoming_token)
    partner.rotating_token_hash = None
    partner.token_a_hash = None
    partner.outgoing_token = outgoing_token
    partner.registered_at = utcnow()
    await _replace_roles_and_endpoints(session, partner_id, roles, endpoints)
    return await _done(session, partner)


async def create_connected_partner(
    session: AsyncSession,
    name: str,
    *,
    versions_url: str,
    version: str,
    roles: Sequence[RoleInput],
    endpoints: Sequence[EndpointInput],
    incoming_token: str,
    outgoing_token: str,
    raw_token: bool = False,
    grants: Sequence[Grant] = (),
    encode_token: bool | None = None,
) -> PartnerRecord:
    """A partner connected through a token agreed out of band (``openroam partners add``): we
    call it with ``outgoing_token`` (sent raw when ``raw_token``, a fixed choice; else as
    ``encode_token`` says, when given: a 2.1.1 partner raw), it calls us
    with ``incoming_token``; registered at once with its ``roles``, ``endpoints`` and
    ``grants`` (recorded with the reason ``add``).

    :class:`PartnerExists` if the name is registered or suspended; a pending or unregistered
    partner of that name is replaced, as by an invitation.
    """
    partner = await _claim_name(session, name)
    partner.versions_url = versions_url
    partner.version = version
    partner.status = PartnerStatus.REGISTERED
    partner.incoming_token_hash = hash_token(incoming_token)
    partner.outgoing_token = outgoing_token
    partner.registered_at = utcnow()
    _choose_encoding(partner, raw_token=raw_token)
    if encode_token is not None and not raw_token:
        partner.encode_token = encode_token
    await session.flush()
    await _replace_grants(session, partner, grants, "add")
    await _replace_roles_and_endpoints(session, partner.id, roles, endpoints)
    return await _done(session, partner)


async def _replace_roles_and_endpoints(
    session: AsyncSession,
    partner_id: int,
    roles: Sequence[RoleInput],
    endpoints: Sequence[EndpointInput],
) -> None:
    # Delete first, in their own statements: the unit of work would insert the new rows before
    # deleting the old ones and trip the unique constraint on a role declared again.
    await session.execute(delete(PartnerRole).where(PartnerRole.partner_id == partner_id))
    await session.execute(delete(PartnerEndpoint).where(PartnerEndpoint.partner_id == partner_id))
    session.add_all(
        PartnerRole(
            partner_id=partner_id,
            role=str(role.role),
            country_code=role.country_code,
            party_id=role.party_id,
            country_key=fold_id(role.country_code),
            party_key=fold_id(role.party_id),
            business_details=business_details_dict(role.business_details),
        )
        for role in roles
    )
    session.add_all(
        PartnerEndpoint(
            partner_id=partner_id, identifier=str(e.identifier), role=str(e.role), url=e.url
        )
        for e in endpoints
    )


async def set_incoming_token(session: AsyncSession, partner_id: int, token: str) -> PartnerRecord:
    """Accept ``token`` from the partner from now on (our token B, before we send it).

    If the partner already has a token, that one stays valid too until :func:`save_registration`
    or :func:`update_tokens` confirms the new one, or :func:`cancel_token_rotation` drops it:
    during a credentials PUT the partner re-fetches our endpoints and may use either token.
    """
    partner = await _lock(session, partner_id)
    if partner.incoming_token_hash is None:
        partner.incoming_token_hash = hash_token(token)
    else:
        partner.rotating_token_hash = hash_token(token)
    return await _done(session, partner)


async def cancel_token_rotation(session: AsyncSession, partner_id: int) -> PartnerRecord:
    """Stop accepting the token offered by :func:`set_incoming_token` (the PUT failed)."""
    partner = await _lock(session, partner_id)
    partner.rotating_token_hash = None
    return await _done(session, partner)


async def update_tokens(
    session: AsyncSession,
    partner_id: int,
    *,
    incoming_token: str | None = None,
    outgoing_token: str | None = None,
) -> PartnerRecord:
    """Replace the token the partner uses and/or the token we send; ``None`` keeps it."""
    partner = await _lock(session, partner_id)
    if incoming_token is not None:
        partner.incoming_token_hash = hash_token(incoming_token)
        partner.rotating_token_hash = None
    if outgoing_token is not None:
        partner.outgoing_token = outgoing_token
    return await _done(session, partner)


async def set_status(
    session: AsyncSession, partner_id: int, status: PartnerStatus
) -> PartnerRecord:
    """Change the status only (for example to suspend a partner); tokens stay as they are."""
    partner = await _lock(session, partner_id)
    partner.status = status
    return await _done(session, partner)


async def set_encode_token(
    session: AsyncSession, partner_id: int, encode_token: bool
) -> PartnerRecord:
    """Send our token Base64-encoded (``True``) or raw, for legacy peers
    (transport_and_format.asciidoc "Authorization header", compatibility note): the operator's
    choice, which the partner's credentials calls no longer change."""
    partner = await _lock(session, partner_id)
    partner.encode_token = encode_token
    partner.encode_token_fixed = True
    return await _done(session, partner)


async def unregister(session: AsyncSession, partner_id: int) -> PartnerRecord:
    """Forget every token of the partner and mark it unregistered (credentials DELETE: "the
    credentials are invalid from now on"). Roles and endpoints are kept for the record."""
    partner = await _lock(session, partner_id)
    partner.status = PartnerStatus.UNREGISTERED
    partner.incoming_token_hash = None
    partner.rotating_token_hash = None
    partner.token_a_hash = None
    partner.outgoing_token = None
    return await _done(session, partner)
