"""Who our partners are, as the party's own backend may see them: no tokens, ever.

The backend API lists partner connections and reads the objects each partner pushed to us
(stored with the partner's id as their origin); this directory turns a partner's name into that id
and describes each connection (status, negotiated version, granted and registered roles, offered
endpoints).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import NotFound
from openroam.models.common import format_datetime

__all__ = ["PartnerDirectory", "PartnerInfo", "PartnerRole", "partner_info"]


@dataclass(frozen=True, slots=True)
class PartnerRole:
    """A role the partner declared (credentials.asciidoc "CredentialsRole class")."""

    role: str
    country_code: str
    party_id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class PartnerInfo:
    """One partner connection without its credentials tokens."""

    id: int
    name: str
    status: str
    version: str | None
    #: the roles it registered that are granted (the ones that count)
    roles: tuple[PartnerRole, ...]
    #: (module identifier, interface role) of each endpoint the partner offers
    endpoints: tuple[tuple[str, str], ...]
    registered_at: datetime | None
    #: what the operator allows it to be
    grants: tuple[repo.Grant, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (timestamps as OCPI DateTimes)."""
        return {
            "name": self.name,
            "status": self.status,
            "version": self.version,
            "roles": [
                {
                    "role": role.role,
                    "country_code": role.country_code,
                    "party_id": role.party_id,
                    "name": role.name,
                }
                for role in self.roles
            ],
            "grants": [grant.to_dict() for grant in self.grants],
            "endpoints": [{"identifier": i, "role": r} for i, r in self.endpoints],
            "registered_at": (
                format_datetime(self.registered_at) if self.registered_at is not None else None
            ),
        }


def partner_info(record: repo.PartnerRecord) -> PartnerInfo:
    """What the backend may see of a partner record: all but its tokens."""
    return PartnerInfo(
        id=record.id,
        name=record.name,
        status=str(record.status),
        version=record.version,
        roles=tuple(
            PartnerRole(
                str(role.role),
                role.country_code,
                role.party_id,
                role.business_details.get("name"),
            )
            for role in record.roles
        ),
        endpoints=tuple((e.identifier, e.role) for e in record.endpoints),
        registered_at=record.registered_at,
        grants=record.grants,
    )


class PartnerDirectory:
    """Partner connections by name, for the backend API."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_name(self, name: str) -> PartnerInfo:
        """The partner called ``name``; :class:`NotFound` if there is none."""
        async with self.db.session() as session:
            record = await repo.get_partner_by_name(session, name)
        if record is None:
            raise NotFound(f"No partner named {name!r}")
        return partner_info(record)

    async def grant_history(self, name: str) -> list[dict[str, Any]]:
        """The recorded changes of the grants of the partner called ``name``, oldest first."""
        async with self.db.session() as session:
            record = await repo.get_partner_by_name(session, name)
            if record is None:
                raise NotFound(f"No partner named {name!r}")
            changes = await repo.grant_changes(session, record.id)
        return [
            {
                "changed_at": format_datetime(change.changed_at),
                "reason": change.reason,
                "old": list(change.old),
                "new": list(change.new),
            }
            for change in changes
        ]

    async def list(self) -> tuple[PartnerInfo, ...]:
        """Every partner connection, oldest first."""
        async with self.db.session() as session:
            records = await repo.list_partners(session)
        return tuple(partner_info(record) for record in records)
