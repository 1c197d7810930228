"""The database tables: own parties and partner connections (OCPI 2.2.1 credentials.asciidoc).

Conventions (docs/architecture.md "Storage"):

* Every constraint and index is named through ``naming_convention``: SQLite can only change a
  table by copying it (Alembic "batch" mode), and that needs the constraint names.
* Timestamps are :class:`UtcDateTime`: stored in UTC and always read back as aware UTC
  ``datetime`` values, on SQLite too (which has no time zone type).
* Relationships are ``lazy="raise"``: repositories load what they need explicitly and hand out
  frozen dataclasses, so nothing touches the database behind a caller's back.
* CiString ids (country_code, party_id) are kept as given, for output, and also as a folded key
  (:func:`openroam.models.common.fold_id`) for case-insensitive lookups and uniqueness
  (types.asciidoc "CiString").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "QUEUED_STATUSES",
    "Base",
    "OwnParty",
    "Partner",
    "PartnerEndpoint",
    "PartnerGrant",
    "PartnerGrantChange",
    "PartnerRole",
    "PartnerStatus",
    "PartyRole",
    "UtcDateTime",
    "metadata",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# JSONB on PostgreSQL: binary, indexable, and what later document tables will query into.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time as an aware UTC ``datetime``."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back as an aware UTC ``datetime``.

    PostgreSQL keeps ``timestamptz``; SQLite keeps text without an offset, so values are
    converted to UTC before writing and marked UTC after reading. Naive values are refused:
    a naive time has no defined instant (all timestamps are UTC: docs/architecture.md "Time").
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite: the text SQLAlchemy's DATETIME writes ("2026-01-01 10:00:00.000000"), made with
        # isoformat instead of a second processor and a %-format; a pull binds it 100,000 times.
        def text(value: datetime | None) -> str | None:
            naive_utc = self.process_bind_param(value, dialect)
            return None if naive_utc is None else naive_utc.isoformat(" ", "microseconds")

        return text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class PartnerStatus(StrEnum):
    """The state of a connection with a partner platform.

    * ``pending``: invited (a token A exists) or registration in progress;
    * ``registered``: the credentials handshake completed (credentials.asciidoc "Registration");
    * ``suspended``: paused by an administrator, tokens kept;
    * ``unregistered``: credentials DELETE happened; tokens are gone.
    """

    PENDING = "pending"
    REGISTERED = "registered"
    SUSPENDED = "suspended"
    UNREGISTERED = "unregistered"


#: The partners changes are queued for: a suspended partner's deliveries are queued and held
#: (the push worker sends nothing to it), then sent in order when it is resumed, so suspending
#: a partner never loses a Session or CDR it is owed.
QUEUED_STATUSES = (PartnerStatus.REGISTERED, PartnerStatus.SUSPENDED)


def _enum_values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JsonDocument,
    }


class PartyRole:
    """The columns naming a party in a role: own parties, partners' registered roles and grants.

    ``country_code``/``party_id`` as given, for output; ``*_key`` folded, for look-ups and
    uniqueness (types.asciidoc "CiString").
    """

    role: Mapped[str] = mapped_column(String(16))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    country_key: Mapped[str] = mapped_column(String(2))
    party_key: Mapped[str] = mapped_column(String(3))


class OwnParty(PartyRole, Base):
    """A party this platform hosts (credentials.asciidoc "CredentialsRole")."""

    __tablename__ = "own_parties"
    __table_args__ = (UniqueConstraint("country_key", "party_key", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Partner(Base):
    """One connection with a partner platform, and the tokens in both directions.

    Tokens we only verify are stored as SHA-256 hex digests (``*_hash``); the token we send
    is stored as given, because we must be able to send it (credentials.asciidoc "Credentials
    object": ``token``).
    """

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    versions_url: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[PartnerStatus] = mapped_column(
        Enum(PartnerStatus, native_enum=False, length=16, values_callable=_enum_values)
    )
    # The token the partner uses to call us now (their token C, or our token B when we
    # initiated the registration).
    incoming_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The new incoming token offered in a credentials PUT that is still in flight: the partner
    # may already call back with it while it re-fetches our endpoints.
    rotating_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # An invitation token A that has not been used up by a registration yet.
    token_a_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    outgoing_token: Mapped[str | None] = mapped_column(String(255))
    # transport_and_format.asciidoc "Authorization header": Base64 by default; some 2.1.1/2.2
    # peers only understand the raw token.
    encode_token: Mapped[bool] = mapped_column(default=True)
    # The operator chose the encoding (``--raw-token``): the partner's credentials calls do not
    # change it. Otherwise each credentials POST or PUT from the partner sets it to the form its
    # Authorization header carried (docs/connecting.md "Token encodings").
    encode_token_fixed: Mapped[bool] = mapped_column(server_default=false())
    # How the partner's objects are read: "strict" (the spec) or "lenient" (a few DateTime
    # deviations repaired and counted, openroam.models._lenient; _store/deviations.py).
    reading_policy: Mapped[str] = mapped_column(
        String(8), default="strict", server_default="strict"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None]
    # Hub nodes (mod_hub_client_info): when we last heard from the partner (any request it
    # made, or an answer to our versions GET), and its ConnectionStatus as we report it in
    # ClientInfo (CONNECTED, OFFLINE, PLANNED, SUSPENDED; NULL before a Hub node first set it).
    last_seen_at: Mapped[datetime | None]
    connection_status: Mapped[str | None] = mapped_column(String(16))
    connection_status_at: Mapped[datetime | None]

    roles: Mapped[list[PartnerRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PartnerRole.id"
    )
    endpoints: Mapped[list[PartnerEndpoint]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PartnerEndpoint.id"
    )
    grants: Mapped[list[PartnerGrant]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PartnerGrant.id"
    )


class PartnerRole(PartyRole, Base):
    """A role a partner declared in its credentials (credentials.asciidoc "CredentialsRole")."""

    __tablename__ = "partner_roles"
    __table_args__ = (
        # credentials.asciidoc: (role, party_id, country_code) is unique per Credentials object.
        UniqueConstraint("partner_id", "role", "country_key", "party_key"),
        Index(None, "country_key", "party_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    business_details: Mapped[dict[str, Any]]


class PartnerEndpoint(Base):
    """An endpoint from the partner's version details (versions.asciidoc "Endpoint class")."""

    __tablename__ = "partner_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(255))


class PartnerGrant(PartyRole, Base):
    """A role the operator granted a partner: what it may register as (docs/architecture.md
    "Partner grants").

    A partner's CredentialsRoles are claims; a claim that is not granted is refused at
    registration, and only granted roles count afterwards.
    """

    __tablename__ = "partner_grants"
    __table_args__ = (
        UniqueConstraint("partner_id", "role", "country_key", "party_key"),
        Index(None, "country_key", "party_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))


class PartnerGrantChange(Base):
    """One change of a partner's grants, for the record: when, and the grants before and after
    (each a list of ``{"role", "country_code", "party_id"}``)."""

    __tablename__ = "partner_grant_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: what made the change: "invite", "register", "add", "grant", "migration"
    reason: Mapped[str] = mapped_column(String(16))
    old_grants: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument)
    new_grants: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument)
