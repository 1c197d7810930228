"""Outbox rows for every partner that receives a module (docs/architecture.md "The own-write
path").

An own object's change is delivered to every registered partner with a Receiver endpoint for its
module. The statement here finds those partners itself (INSERT … SELECT from ``partners``), in the
transaction of the change: there is no list of partners to keep in step with registrations, in
this process or in another one sharing the database, and the rows coalesce like those of
:func:`openroam._store.outbox.enqueue_deliveries`.

On a Hub node a partner's push of its own objects is relayed the same way (docs/hub.md "Running
a Hub"; transport_and_format.asciidoc "Broadcast Push"): :func:`relay_statement` queues it for
every *other* registered partner that receives the module, holds one of the roles the object is
for, and is not OFFLINE or SUSPENDED at the Hub (mod_hub_client_info.asciidoc "ConnectionStatus
enum": "do not queue" for those).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from openroam._store.objects import Delivery, DeliveryState
from openroam._store.outbox import coalescing, object_key
from openroam._store.tables import (
    QUEUED_STATUSES,
    Partner,
    PartnerEndpoint,
    PartnerGrant,
    PartnerRole,
    utcnow,
)
from openroam.models.v221.hub_client_info import ConnectionStatus
from openroam.models.v221.versions import InterfaceRole

__all__ = [
    "Relay",
    "enqueue_for_receivers",
    "receivers_parameters",
    "receivers_statement",
    "relay_statement",
    "statement_for",
]

_D = cast(Table, Delivery.__table__)
PENDING = DeliveryState.PENDING

_P, _E = cast(Table, Partner.__table__), cast(Table, PartnerEndpoint.__table__)
_R, _G = cast(Table, PartnerRole.__table__), cast(Table, PartnerGrant.__table__)
#: mod_hub_client_info.asciidoc "ConnectionStatus enum": OFFLINE and SUSPENDED parties are not
#: sent to ("do not queue"); a partner with no status yet (NULL) is.
_NOT_QUEUED = (ConnectionStatus.OFFLINE.value, ConnectionStatus.SUSPENDED.value)


@dataclass(frozen=True, slots=True)
class Relay:
    """A partner's push that a Hub relays (Broadcast Push): who pushed it (``origin``, never
    sent its own object back) and the roles the object is for (``roles``: every partner
    registered, and granted, in one of them receives it)."""

    origin: int
    roles: tuple[str, ...]


_ENQUEUED_COLUMNS = (
    "partner_id",
    "module",
    "object_key",
    "object_pk",
    "method",
    "path",
    "fields",
    "state",
    "attempts",
    "next_attempt_at",
    "revision",
    "created_at",
)


@functools.cache
def receivers_statement(dialect: str) -> Insert:
    """:func:`enqueue_deliveries` for every registered partner with a Receiver endpoint for
    ``b_module``, found by the statement itself (INSERT … SELECT): no list of partners to keep
    in step with registrations, in this process or another. Parameters: ``b_module``,
    ``b_object_pk``, ``b_method``, ``b_path``, ``b_fields``, ``b_now``."""
    return _statement(dialect, ())


@functools.cache
def relay_statement(dialect: str, roles: tuple[str, ...]) -> Insert:
    """:func:`receivers_statement` for a push a Hub relays (:class:`Relay`): only partners
    other than ``b_origin`` that registered one of ``roles`` (and are still granted it), and
    whose ``connection_status`` is not OFFLINE or SUSPENDED. Parameters: those of
    :func:`receivers_statement` and ``b_origin``."""
    return _statement(dialect, roles)


def _holds_role(roles: tuple[str, ...]) -> ColumnElement[bool]:
    """The partner registered one of ``roles`` and is granted it (``PartnerRecord.roles``:
    only granted roles count)."""
    granted = select(_G.c.id).where(
        _G.c.partner_id == _R.c.partner_id,
        _G.c.role == _R.c.role,
        _G.c.country_key == _R.c.country_key,
        _G.c.party_key == _R.c.party_key,
    )
    # Constants compared one by one, not IN (…): an "expanding" IN is bound at execution,
    # which the plain sqlite3 statements of the SQLite writer do not do (_store/plain_sql.py).
    role = or_(*(_R.c.role == literal(name, _R.c.role.type) for name in roles))
    return exists(select(_R.c.id).where(_R.c.partner_id == _P.c.id, role, exists(granted)))


def _queued_partner() -> ColumnElement[bool]:
    """The partner's ``status`` is one changes are queued for (``QUEUED_STATUSES``). Compared
    with literals, one by one: the statement is compiled once and run for every write."""
    status = _P.c.status
    return or_(*(status == literal(name.value, status.type) for name in QUEUED_STATUSES))


def _queued_status() -> ColumnElement[bool]:
    """The partner's ``connection_status`` is not one of ``_NOT_QUEUED`` (NULL: none yet)."""
    status = _P.c.connection_status
    return or_(
        status.is_(None), and_(*(status != literal(name, status.type) for name in _NOT_QUEUED))
    )


def _statement(dialect: str, relay_roles: tuple[str, ...]) -> Insert:
    now = bindparam("b_now", type_=_D.c.next_attempt_at.type)
    module = bindparam("b_module", type_=_D.c.module.type)
    receiver = select(_E.c.id).where(
        _E.c.partner_id == _P.c.id,
        _E.c.identifier == module,
        _E.c.role == InterfaceRole.RECEIVER.value,
    )
    rows = select(
        _P.c.id,
        module,
        bindparam("b_object_key", type_=_D.c.object_key.type),
        bindparam("b_object_pk", type_=_D.c.object_pk.type),
        bindparam("b_method", type_=_D.c.method.type),
        bindparam("b_path", type_=_D.c.path.type),
        bindparam("b_fields", type_=_D.c.fields.type),
        literal(PENDING, _D.c.state.type),
        literal(0, _D.c.attempts.type),
        now,
        literal(0, _D.c.revision.type),
        now,
        # A WHERE clause is needed anyway: SQLite reads "SELECT … ON CONFLICT" as a join
        # without one (sqlite.org/lang_upsert.html "Parsing Ambiguity").
    ).where(_queued_partner(), exists(receiver))
    if relay_roles:
        rows = rows.where(
            _P.c.id != bindparam("b_origin", type_=_P.c.id.type),
            _holds_role(relay_roles),
            _queued_status(),
        )
    insert = postgresql.insert(_D) if dialect == "postgresql" else sqlite.insert(_D)
    return coalescing(insert.from_select(_ENQUEUED_COLUMNS, rows), dialect)


def receivers_parameters(
    *,
    module: str,
    object_pk: int | None,
    method: str,
    path: str,
    fields: Sequence[str] | None,
    now: datetime | None = None,
    relay: Relay | None = None,
) -> dict[str, Any]:
    """The parameters of :func:`receivers_statement` (of :func:`relay_statement` with
    ``relay``)."""
    listed = None if fields is None else sorted(set(fields))
    parameters = {
        "b_module": module,
        "b_object_key": object_key(module, path),
        "b_object_pk": object_pk,
        "b_method": method,
        "b_path": path,
        "b_fields": listed,
        "b_now": now or utcnow(),
    }
    if relay is not None:
        parameters["b_origin"] = relay.origin
    return parameters


def statement_for(dialect: str, relay: Relay | None) -> Insert:
    """:func:`receivers_statement`, or :func:`relay_statement` for ``relay``."""
    return receivers_statement(dialect) if relay is None else relay_statement(dialect, relay.roles)


async def enqueue_for_receivers(
    session: AsyncSession,
    *,
    module: str,
    object_pk: int | None,
    method: str,
    path: str,
    fields: Sequence[str] | None = None,
    now: datetime | None = None,
    relay: Relay | None = None,
) -> None:
    """Enqueue the delivery for every registered partner with a Receiver endpoint for
    ``module`` (coalescing as :func:`enqueue_delivery`), in one statement; with ``relay``, for
    those a Hub relays the push to (:func:`relay_statement`)."""
    parameters = receivers_parameters(
        module=module,
        object_pk=object_pk,
        method=method,
        path=path,
        fields=fields,
        now=now,
        relay=relay,
    )
    await session.execute(statement_for(_dialect(session), relay), parameters)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
