"""One read-merge-write of a stored object, with its outbox rows, in one transaction.

A caller (the roaming service) describes the write as an :class:`ObjectWrite`: the object's
identity, a ``merge`` function from the stored document (or ``None``) to the new one, and, for our
own objects, what to deliver to the partners that receive the module. :func:`write_object` runs
it:

* on a SQLite file, through the database's :class:`~openroam._store.sqlite_writer.SqliteWriter`
  (group commit: the writes of concurrent requests share a transaction, each in a savepoint, on a
  plain ``sqlite3`` connection);
* elsewhere (PostgreSQL), in a transaction of its own: the row is read ``FOR UPDATE``, so writers
  of the same object in any process take turns, and a concurrent registration is seen or not as a
  whole by the outbox statement.

Either way it is three statements: read the object, write it, enqueue its deliveries (one
``INSERT … SELECT`` for every receiving partner, :mod:`openroam._store.outbox_receivers`); and,
when ``merge`` found EVSE statuses changed (a Location), a fourth recording them
(:mod:`openroam._store.evse_history`).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement

from openroam._store import evse_history, object_repo, object_sql
from openroam._store.db import Database
from openroam._store.outbox_receivers import (
    Relay,
    enqueue_for_receivers,
    receivers_parameters,
    statement_for,
)
from openroam._store.plain_sql import plain_statement
from openroam._store.tables import utcnow
from openroam.models.common import fold_id

__all__ = ["Merged", "Notify", "ObjectWrite", "write_in_session", "write_object"]


@dataclass(frozen=True, slots=True)
class Merged:
    """What ``merge`` decided to store."""

    document: bytes
    last_updated: datetime
    #: the addressed object or sub-object did not exist before (the caller's answer)
    created: bool
    #: the party a Session or CDR concerns (``object_repo.counterparty_key``), else None
    counterparty: str | None = None
    #: a Token's ``contract_id`` as given (stored folded), else None
    contract_id: str | None = None
    #: the stored object's pk, filled in by :func:`write_object` and :func:`write_in_session`
    pk: int | None = None
    #: a Location's EVSEs whose status this write changes (recorded in its transaction)
    evse_changes: tuple[evse_history.StatusChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Notify:
    """The delivery to record for every partner with a Receiver endpoint for the module."""

    method: str
    path: str
    #: the fields of a PATCH; ``None``: the whole object
    fields: tuple[str, ...] | None = None
    #: a partner's push a Hub relays to the others (``outbox_receivers.relay_statement``)
    relay: Relay | None = None


@dataclass(frozen=True, slots=True)
class ObjectWrite:
    module: str
    origin: int
    country_code: str
    party_id: str
    object_id: str
    object_type: str
    #: the stored document (``None`` if there is none) → what to store, or ``None`` to leave it
    #: (an update older than the stored object). It may raise to refuse the write; it runs
    #: while the write lock is held (on SQLite possibly on the writer's thread): keep it pure.
    merge: Callable[[bytes | None], Merged | None]
    notify: Notify | None = None

    def identity(self) -> dict[str, Any]:
        return {
            "b_module": self.module,
            "b_origin": self.origin,
            "b_country_code": fold_id(self.country_code),
            "b_party_id": fold_id(self.party_id),
            "b_object_id": fold_id(self.object_id),
            "b_object_type": fold_id(self.object_type),
        }


async def write_object(db: Database, write: ObjectWrite) -> Merged | None:
    """Run ``write`` and commit it; what was stored, or ``None`` if ``merge`` left the object."""
    if db.writer is not None:
        return await db.writer.submit(functools.partial(_write_plain, write))
    async with db.session() as session, session.begin():
        return await write_in_session(session, write)


async def write_in_session(session: AsyncSession, write: ObjectWrite) -> Merged | None:
    """``write`` inside the caller's transaction."""
    stored = await object_repo.get_object(
        session,
        write.module,
        write.origin,
        write.country_code,
        write.party_id,
        write.object_id,
        write.object_type,
        for_update=True,
    )
    merged = write.merge(stored.document if stored is not None else None)
    if merged is None:
        return None
    saved, _ = await object_repo.put_object(
        session,
        module=write.module,
        origin=write.origin,
        country_code=write.country_code,
        party_id=write.party_id,
        object_id=write.object_id,
        object_type=write.object_type,
        last_updated=merged.last_updated,
        document=merged.document,
        counterparty=merged.counterparty,
        contract_id=merged.contract_id,
    )
    if write.notify is not None:
        notify = write.notify
        await enqueue_for_receivers(
            session,
            module=write.module,
            object_pk=saved.pk,
            method=notify.method,
            path=notify.path,
            fields=notify.fields,
            relay=notify.relay,
        )
    if merged.evse_changes:
        await evse_history.record_changes(session, _change_rows(write, merged))
    return replace(merged, pk=saved.pk)


def _change_rows(write: ObjectWrite, merged: Merged) -> list[dict[str, Any]]:
    return evse_history.change_rows(
        write.origin, write.country_code, write.party_id, write.object_id, merged.evse_changes
    )


# --- the same on a plain sqlite3 connection (the SqliteWriter's) ------------------------------


def _run(
    connection: sqlite3.Connection, statement: ClauseElement, values: Mapping[str, Any]
) -> Any:
    plain = plain_statement(statement)
    return connection.execute(plain.text, plain.parameters(values)).fetchone()


def _write_plain(write: ObjectWrite, connection: sqlite3.Connection) -> Merged | None:
    identity = write.identity()
    row = _run(connection, object_sql.GET_DOCUMENT, identity)
    merged = write.merge(row[1] if row is not None else None)
    if merged is None:
        return None
    values = {
        **identity,
        "b_last_updated": merged.last_updated,
        "b_document": merged.document,
        "b_counterparty": merged.counterparty,
        "b_contract_id": None if merged.contract_id is None else fold_id(merged.contract_id),
    }
    if row is not None:
        _run(connection, object_sql.REPLACE_BY_PK, {**values, "b_pk": row[0]})
        pk = row[0]
    else:
        pk = _run(connection, object_sql.INSERT_BOUND, {**values, "b_created_at": utcnow()})[0]
    if write.notify is not None:
        notify = write.notify
        parameters = receivers_parameters(
            module=write.module,
            object_pk=pk,
            method=notify.method,
            path=notify.path,
            fields=notify.fields,
            relay=notify.relay,
        )
        _run(connection, statement_for("sqlite", notify.relay), parameters)
    if merged.evse_changes:
        evse_history.record_plain(
            connection,
            evse_history.change_values(
                write.origin,
                write.country_code,
                write.party_id,
                write.object_id,
                merged.evse_changes,
                evse_history.sqlite_now(),
            ),
        )
    return replace(merged, pk=pk)
