"""Where partners keep the CDRs we POSTed to them: the ``Location`` header of each answer
(mod_cdrs.asciidoc "POST Method", "Response Headers": the URL of the new CDR in the eMSP's
system, with which the CPO can GET it again).

A receipt is a row of ``ocpi_objects`` under its own module name (no table of its own): its
``origin`` is the partner that answered, its identity the CDR's (country_code, party_id, id),
and its document ``{"partner_id", "location", "delivered_at"}``. One per (partner, CDR): a CDR is
POSTed to a partner once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import orjson
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store import object_repo
from openroam._store.objects import OcpiObject
from openroam.models.common import fold_id, format_datetime, parse_datetime

__all__ = ["MODULE", "Receipt", "list_receipts", "save_receipt"]

MODULE = "cdr_receipts"
_T = cast(Table, OcpiObject.__table__)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A partner's answer to the POST of one of our CDRs."""

    partner_id: int
    #: the answer's ``Location`` header; ``None`` when the partner sent none (it is required)
    location: str | None
    delivered_at: datetime


async def save_receipt(
    session: AsyncSession,
    cdr: object_repo.StoredObject,
    partner_id: int,
    location: str | None,
    at: datetime,
) -> None:
    """Record (or replace) the partner's answer to the POST of ``cdr``."""
    document = {"partner_id": partner_id, "location": location, "delivered_at": format_datetime(at)}
    await object_repo.put_object(
        session,
        module=MODULE,
        origin=partner_id,
        country_code=cdr.country_code,
        party_id=cdr.party_id,
        object_id=cdr.object_id,
        last_updated=at,
        document=orjson.dumps(document),
    )


async def list_receipts(
    session: AsyncSession,
    partner_ids: Sequence[int],
    country_code: str,
    party_id: str,
    cdr_id: str,
) -> list[Receipt]:
    """The receipts of one CDR from these partners (the unique identity index serves it)."""
    if not partner_ids:
        return []
    stmt = (
        select(_T.c.document)
        .where(
            _T.c.module == MODULE,
            _T.c.origin.in_(list(partner_ids)),
            _T.c.country_code == fold_id(country_code),
            _T.c.party_id == fold_id(party_id),
            _T.c.object_id == fold_id(cdr_id),
        )
        .order_by(_T.c.pk)
    )
    receipts = []
    for (document,) in await session.execute(stmt):
        data = orjson.loads(document)
        receipts.append(
            Receipt(data["partner_id"], data["location"], parse_datetime(data["delivered_at"]))
        )
    return receipts
