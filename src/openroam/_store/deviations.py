"""Reading policies and the deviations read from partners (``openroam.models._lenient``).

A partner is read ``strict`` (the spec; the default) or ``lenient`` (``partners.reading_policy``).
Every deviation lenient reading repairs is counted in ``reading_deviations``, per partner,
module, field (``evses.connectors.last_updated``) and kind (``space``, ``utc_offset``,
``offset``), with when it was first and last seen and the last value seen: what an operator
tells the partner to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, String, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.records import PartnerNotFound
from openroam._store.tables import Base, Partner, utcnow
from openroam.models.common import format_datetime

__all__ = [
    "POLICIES",
    "DeviationCount",
    "DeviationRecord",
    "ReadingDeviation",
    "deviations_of",
    "record_deviations",
    "set_reading_policy",
]

#: The reading policies, the default first.
POLICIES = ("strict", "lenient")


class ReadingDeviation(Base):
    """How often one partner sent one kind of deviation in one field of one module's objects."""

    __tablename__ = "reading_deviations"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: the field's JSON path without list positions: ``evses.connectors.last_updated``
    field: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: a key of ``openroam.models._lenient.KINDS``
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    #: the last value seen, as the partner wrote it
    example: Mapped[str] = mapped_column(String(100))


_D = cast(Table, ReadingDeviation.__table__)


@dataclass(frozen=True, slots=True)
class DeviationCount:
    """Deviations to add: ``count`` of ``kind`` in ``field`` of ``module``, one ``example``."""

    module: str
    field: str
    kind: str
    count: int
    example: str


@dataclass(frozen=True, slots=True)
class DeviationRecord:
    """The deviations of one kind a partner sent in one field of one module, so far."""

    module: str
    field: str
    kind: str
    count: int
    first_seen: datetime
    last_seen: datetime
    example: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (times as OCPI DateTimes)."""
        return {
            "module": self.module,
            "field": self.field,
            "kind": self.kind,
            "count": self.count,
            "first_seen": format_datetime(self.first_seen),
            "last_seen": format_datetime(self.last_seen),
            "example": self.example,
        }


async def record_deviations(
    session: AsyncSession, partner_id: int, counts: Iterable[DeviationCount]
) -> None:
    """Add ``counts`` to the partner's totals (an upsert per row: concurrent writers add up)."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    for row in counts:
        values = {
            "partner_id": partner_id,
            "module": row.module,
            "field": row.field[:200],
            "kind": row.kind,
            "count": row.count,
            "first_seen": now,
            "last_seen": now,
            "example": row.example[:100],
        }
        insert: postgresql.Insert | sqlite.Insert
        if dialect == "postgresql":
            insert = postgresql.insert(_D).values(values)
        else:
            insert = sqlite.insert(_D).values(values)
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["partner_id", "module", "field", "kind"],
                set_={
                    "count": _D.c.count + insert.excluded["count"],
                    "last_seen": insert.excluded["last_seen"],
                    "example": insert.excluded["example"],
                },
            )
        )


async def deviations_of(session: AsyncSession, partner_id: int) -> list[DeviationRecord]:
    """The partner's deviation counts by module, field and kind (in that order)."""
    stmt = (
        select(
            _D.c.module,
            _D.c.field,
            _D.c.kind,
            _D.c.count,
            _D.c.first_seen,
            _D.c.last_seen,
            _D.c.example,
        )
        .where(_D.c.partner_id == partner_id)
        .order_by(_D.c.module, _D.c.field, _D.c.kind)
    )
    return [DeviationRecord(*row) for row in await session.execute(stmt)]


async def set_reading_policy(session: AsyncSession, name: str, policy: str) -> int:
    """Set the reading policy of the partner called ``name`` (one of :data:`POLICIES`); its id.

    :class:`PartnerNotFound` if there is none; ``ValueError`` for another policy."""
    if policy not in POLICIES:
        raise ValueError(f"reading policy {policy!r}: one of {', '.join(POLICIES)}")
    stmt = (
        update(Partner)
        .where(Partner.name == name)
        .values(reading_policy=policy, updated_at=utcnow())
        .returning(Partner.id)
    )
    partner_id = (await session.execute(stmt)).scalar_one_or_none()
    if partner_id is None:
        raise PartnerNotFound(name)
    return int(partner_id)
