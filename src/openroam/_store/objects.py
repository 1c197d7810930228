"""Tables for roaming objects, the delivery outbox and pull-sync state (docs/architecture.md
"One table for every object", "Delivery", "Pull-sync").

* ``ocpi_objects`` holds every OCPI object we own (``origin`` 0) or received from a partner
  (``origin`` = ``partners.id``; no foreign key, so 0 is allowed), once, as the JSON document a
  GET returns. The identity columns are stored folded (:func:`openroam.models.common.fold_id`)
  because CiString ids match case-insensitively (types.asciidoc "CiString"); the original
  spelling lives in the document. ``pk`` is the creation order: the stable list order and the
  keyset cursor (transport_and_format.asciidoc "Pagination").
  ``contract_id`` is a Token's folded ``contract_id`` (NULL for other modules), indexed: a
  2.1.1 Session or CDR names its Token by ``auth_id`` = ``contract_id`` alone.
* ``deliveries`` is the transactional outbox: one row per thing to send to a partner, written
  in the transaction that changed the object; ``delivery_attempts`` keeps one row per attempt.
* ``sync_state`` keeps, per partner and module, how far pull-sync got.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.tables import Base, utcnow

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "OcpiObject",
    "SyncState",
]

# BIGINT on PostgreSQL; on SQLite only "INTEGER PRIMARY KEY" is the auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# A JSON list, or SQL NULL (not JSON ``null``) for None, so "IS NULL" means "all fields".
JsonList = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class DeliveryState:
    """The states of a delivery row (plain strings: they are compared inside SQL)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    # Given up: the partner refused the change permanently (OCPI 2xxx, HTTP 4xx) as often as
    # allowed, or the partner is gone (unregistered) — never because it was down.
    FAILED = "failed"
    # An operator decided not to send it (``openroam deliveries skip``, ``POST …/skip``).
    SKIPPED = "skipped"
    # A later whole-object PUT or DELETE of the same object reached the partner: it carried
    # everything this failed or skipped row would have.
    SUPERSEDED = "superseded"


class OcpiObject(Base):
    """One OCPI object (Location, Tariff, Token, Session, CDR) as its JSON document."""

    __tablename__ = "ocpi_objects"
    __table_args__ = (
        # An explicit name: the generated one is longer than PostgreSQL's 63 characters.
        UniqueConstraint(
            "module",
            "origin",
            "country_code",
            "party_id",
            "object_id",
            "object_type",
            name="uq_ocpi_objects_identity",
        ),
        # GET list: ordered by pk (keyset), and the date_from/date_to filters.
        Index(None, "module", "origin", "pk"),
        Index(None, "module", "origin", "last_updated"),
        # Sessions and CDRs: the objects of one eMSP (Sender GET scoped to the caller's parties).
        Index(None, "module", "origin", "counterparty", "pk"),
        # Tokens: our own Token(s) of one contract_id among our parties (a 2.1.1 Session or CDR
        # names the Token by auth_id = contract_id only). Partial: only Tokens have the key.
        Index(
            "ix_ocpi_objects_contract",
            "contract_id",
            "origin",
            "country_code",
            "party_id",
            sqlite_where=text("contract_id IS NOT NULL"),
            postgresql_where=text("contract_id IS NOT NULL"),
        ),
        # AUTOINCREMENT: SQLite never reuses the pk of a deleted last row, so pk stays a
        # strictly increasing creation order and a cursor never points at a different object.
        {"sqlite_autoincrement": True},
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    module: Mapped[str] = mapped_column(String(20))
    origin: Mapped[int]
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    object_id: Mapped[str] = mapped_column(String(39))
    # Token.type for tokens (tokens.asciidoc: a uid is unique per type), '' otherwise.
    object_type: Mapped[str] = mapped_column(String(20), server_default=text("''"))
    last_updated: Mapped[datetime]
    # BLOB / BYTEA: both drivers hand back ``bytes`` without decoding a string.
    document: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The party a Session or CDR concerns ("CC/PID" of its cdr_token, folded); NULL for modules
    # whose objects concern no one party (see openroam._store.object_repo.counterparty_key).
    counterparty: Mapped[str | None] = mapped_column(String(6))
    # A Token's contract_id, folded (CiString(36), mod_tokens "Token object"); NULL for other
    # modules. A 2.1.1 Session or CDR names its Token by it (mod_sessions.md 3.1 auth_id).
    contract_id: Mapped[str | None] = mapped_column(String(36))


class Delivery(Base):
    """One thing to send to one partner: the object's *current* state at send time."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index(None, "state", "next_attempt_at"),
        # The queue of one object to one partner: a row waits for every earlier pending row of
        # the same object (see openroam._store.outbox.claim_deliveries). SQLite picks this one.
        Index(
            "ix_deliveries_object_queue",
            "partner_id",
            "object_key",
            "id",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        # At most one pending row per (partner, object, method, path): new changes coalesce
        # into it (see openroam._store.outbox.enqueue_deliveries). object_key adds nothing to
        # the uniqueness (path and the object's module determine it), but it makes this index
        # serve the claim's queue lookup as well: PostgreSQL without statistics (a fresh table)
        # chose it over the one above by partner_id alone, and a claim of 200 among 20,000
        # pending rows took over a minute; now it takes ~50 ms then, under 1 ms with them.
        Index(
            "uq_deliveries_pending",
            "partner_id",
            "object_key",
            "object_pk",
            "method",
            "path",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(20))
    # NULL once the object is deleted: a DELETE still goes out, a PUT/PATCH has nothing to send.
    object_pk: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ocpi_objects.pk", ondelete="SET NULL"), index=True
    )
    # The object the row changes, stable across a DELETE and a new PUT (``object_pk`` is not):
    # "{module}:{country_code}/{party_id}/{id}[?type=…]", folded (see outbox.object_key).
    object_key: Mapped[str] = mapped_column(String(96), server_default=text("''"))
    method: Mapped[str] = mapped_column(String(6))
    path: Mapped[str] = mapped_column(String(255))
    fields: Mapped[list[str] | None] = mapped_column(JsonList)
    state: Mapped[str] = mapped_column(String(10))
    # Failed attempts since the last success (drives the back-off).
    attempts: Mapped[int] = mapped_column(default=0)
    # Permanent refusals since the last success: bounded (Settings.push_max_refusals) → failed.
    refusals: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Bumped when a change coalesces into the row; a worker that sent an older revision
    # leaves the row pending, so a change made while a send is in flight is never lost.
    revision: Mapped[int] = mapped_column(default=0)
    claimed_revision: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    # When the row stopped being pending without being delivered (failed, skipped, superseded),
    # and the decision: whose and why (an operator's skip or retry is recorded, never silent).
    closed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class DeliveryAttempt(Base):
    """One attempt to send a delivery, with what the partner answered."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)


class SyncState(Base):
    """Pull-sync progress for one partner and one module."""

    __tablename__ = "sync_state"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The newest last_updated received: the next incremental pull's date_from.
    watermark: Mapped[datetime | None]
    last_full_sync_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    next_pull_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When ``last_error`` happened (kept with it after a later complete pull), and the first
    # failure since the last complete pull (NULL while the module is healthy).
    last_error_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
