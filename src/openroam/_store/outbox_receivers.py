"""Outbox rows for every partner that receives a module (docs/architecture.md "The own-write
path").

An own object's change is delivered to every registered partner with a Receiver endpoint for its
module. The statement here finds those partners itself (INSERT … SELECT from ``partners``), in the
transaction of the change: there is no list of partners to keep in step with registrations, in
this process or in another one sharing the database, and the rows coalesce like those of
:func:`openroam._store.outbox.enqueue_deliveries`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from openroam._store.objects import Delivery, DeliveryState
from openroam._store.outbox import coalescing, object_key
from openroam._store.tables import Partner, PartnerEndpoint, PartnerStatus, utcnow
from openroam.models.v221.versions import InterfaceRole

__all__ = ["enqueue_for_receivers", "receivers_parameters", "receivers_statement"]

_D = cast(Table, Delivery.__table__)
PENDING = DeliveryState.PENDING

_P, _E = cast(Table, Partner.__table__), cast(Table, PartnerEndpoint.__table__)
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
    ).where(_P.c.status == PartnerStatus.REGISTERED.value, exists(receiver))
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
) -> dict[str, Any]:
    """The parameters of :func:`receivers_statement`."""
    listed = None if fields is None else sorted(set(fields))
    return {
        "b_module": module,
        "b_object_key": object_key(module, path),
        "b_object_pk": object_pk,
        "b_method": method,
        "b_path": path,
        "b_fields": listed,
        "b_now": now or utcnow(),
    }


async def enqueue_for_receivers(
    session: AsyncSession,
    *,
    module: str,
    object_pk: int | None,
    method: str,
    path: str,
    fields: Sequence[str] | None = None,
    now: datetime | None = None,
) -> None:
    """Enqueue the delivery for every registered partner with a Receiver endpoint for
    ``module`` (coalescing as :func:`enqueue_delivery`), in one statement."""
    parameters = receivers_parameters(
        module=module, object_pk=object_pk, method=method, path=path, fields=fields, now=now
    )
    await session.execute(receivers_statement(_dialect(session)), parameters)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
