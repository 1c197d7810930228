"""Finding a partner's object by its id alone, whichever party owns it: a command names a
Location by ``location_id`` and a Session by ``session_id`` only (mod_commands.asciidoc
"StartSession Object", "StopSession Object"), and a Hub partner relays several CPOs' objects,
so the owner — the party a command is addressed TO (transport_and_format.asciidoc "Message
Routing") — is read from the copy held.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.object_repo import StoredObject
from openroam._store.object_sql import COLUMNS
from openroam._store.objects import OcpiObject
from openroam.models.common import fold_id

__all__ = ["find_held"]

_T = cast(Table, OcpiObject.__table__)


async def find_held(
    session: AsyncSession, module: str, origin: int, object_id: str, *, limit: int = 2
) -> list[StoredObject]:
    """The objects of ``module`` with this id that came from partner ``origin`` (any party),
    oldest first, at most ``limit`` (two tell "one" from "several")."""
    stmt = (
        select(*COLUMNS)
        .where(_T.c.module == module, _T.c.origin == origin, _T.c.object_id == fold_id(object_id))
        .order_by(_T.c.pk)
        .limit(limit)
    )
    return [StoredObject(*tuple(row)) for row in await session.execute(stmt)]
