"""Locations as an operator looks at them (the console's Locations page, docs/console.md): our
own and every partner's, found by id, name or address, each with who owns it and how many of
its EVSEs are in each status; one Location with its EVSEs, Connectors and the status history of
each EVSE (``_store/evse_history.py``).

Read only: what is shown is the stored document (mod_locations "Location Object", "EVSE
Object", "Connector Object"), as received or as our backend wrote it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from openroam._store import evse_history, location_search, object_repo
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.evse_history import StatusChangeRecord
from openroam.errors import NotFound
from openroam.models.common import fold_id

__all__ = [
    "OWN_LABEL",
    "EvseView",
    "LocationDetail",
    "LocationOverview",
    "LocationSummary",
    "SearchResult",
]

OWN = object_repo.OWN
#: The owner shown for our own Locations.
OWN_LABEL = "own"
#: The order statuses are counted in (mod_locations "Status" enum), unknown ones after them.
STATUS_ORDER = (
    "AVAILABLE",
    "CHARGING",
    "BLOCKED",
    "RESERVED",
    "OUTOFORDER",
    "INOPERATIVE",
    "PLANNED",
    "UNKNOWN",
    "REMOVED",
)


@dataclass(frozen=True, slots=True)
class LocationSummary:
    origin: int
    #: ``own``, or the partner's name
    owner: str
    country_code: str
    party_id: str
    id: str
    name: str | None
    address: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    last_updated: str | None
    #: (status, how many EVSEs have it), in :data:`STATUS_ORDER`
    statuses: tuple[tuple[str, int], ...]
    evses: int

    @property
    def path(self) -> str:
        """Where the console shows it, under /admin/locations/ (ids as stored, folded)."""
        parts = (str(self.origin), self.country_code, self.party_id, self.id)
        return "/".join(quote(fold_id(part), safe="") for part in parts)


@dataclass(frozen=True, slots=True)
class SearchResult:
    locations: list[LocationSummary]
    offset: int
    limit: int
    #: another Location matches after this page
    more: bool


@dataclass(frozen=True, slots=True)
class EvseView:
    uid: str
    evse_id: str | None
    status: str | None
    last_updated: str | None
    floor_level: str | None
    physical_reference: str | None
    capabilities: tuple[str, ...]
    connectors: tuple[dict[str, Any], ...]
    #: the newest changes of its status first
    history: tuple[StatusChangeRecord, ...]


@dataclass(frozen=True, slots=True)
class LocationDetail:
    summary: LocationSummary
    document: dict[str, Any]
    evses: tuple[EvseView, ...]
    #: changes kept per EVSE on the page (older ones exist when an EVSE shows this many)
    history_limit: int = 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _status_counts(evses: list[Any]) -> tuple[tuple[str, int], ...]:
    counts = Counter(
        evse.get("status") for evse in evses if isinstance(evse, dict) and evse.get("status")
    )
    known = [(status, counts.pop(status)) for status in STATUS_ORDER if status in counts]
    return (*known, *sorted((str(s), n) for s, n in counts.items()))


def _summary(origin: int, owner: str, document: dict[str, Any]) -> LocationSummary:
    evses = [evse for evse in document.get("evses") or () if isinstance(evse, dict)]
    return LocationSummary(
        origin=origin,
        owner=owner,
        country_code=str(document.get("country_code", "")),
        party_id=str(document.get("party_id", "")),
        id=str(document.get("id", "")),
        name=_text(document.get("name")),
        address=_text(document.get("address")),
        city=_text(document.get("city")),
        postal_code=_text(document.get("postal_code")),
        country=_text(document.get("country")),
        last_updated=_text(document.get("last_updated")),
        statuses=_status_counts(evses),
        evses=len(evses),
    )


class LocationOverview:
    """See the module docstring."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def owners(self) -> dict[int, str]:
        """Who may own Locations here: 0 (:data:`OWN_LABEL`) and every partner by id."""
        async with self.db.session() as session:
            partners = await repo.list_partners(session)
        return {OWN: OWN_LABEL} | {partner.id: partner.name for partner in partners}

    async def search(
        self, text: str | None, origin: int | None, offset: int, limit: int
    ) -> SearchResult:
        """A page of Locations in creation order (:func:`location_search.search_locations`)."""
        owners = await self.owners()
        async with self.db.session() as session:
            found = await location_search.search_locations(
                session, text=text or None, origin=origin, offset=offset, limit=limit + 1
            )
        summaries = [
            _summary(row.origin, owners.get(row.origin, f"partner {row.origin}"), _parsed(row))
            for row in found[:limit]
        ]
        return SearchResult(summaries, offset, limit, more=len(found) > limit)

    async def detail(
        self, origin: int, country_code: str, party_id: str, location_id: str, history: int = 20
    ) -> LocationDetail:
        """One Location with its EVSEs and each EVSE's newest ``history`` status changes;
        :class:`NotFound` when no such Location is stored."""
        owners = await self.owners()
        async with self.db.session() as session:
            stored = await object_repo.get_object(
                session, location_search.MODULE, origin, country_code, party_id, location_id, ""
            )
            if stored is None:
                raise NotFound(f"No Location {country_code}/{party_id}/{location_id}")
            changes = await evse_history.history(
                session, origin, country_code, party_id, location_id, per_evse=history
            )
        document = orjson.loads(stored.document)
        if not isinstance(document, dict):
            raise NotFound(f"No Location {country_code}/{party_id}/{location_id}")
        summary = _summary(origin, owners.get(origin, f"partner {origin}"), document)
        evses = tuple(
            _evse(evse, changes) for evse in document.get("evses") or () if isinstance(evse, dict)
        )
        return LocationDetail(summary, document, evses, history)


def _parsed(row: location_search.FoundLocation) -> dict[str, Any]:
    document = orjson.loads(row.document)
    return document if isinstance(document, dict) else {}


def _evse(evse: dict[str, Any], changes: dict[str, list[StatusChangeRecord]]) -> EvseView:
    uid = str(evse.get("uid", ""))
    return EvseView(
        uid=uid,
        evse_id=_text(evse.get("evse_id")),
        status=_text(evse.get("status")),
        last_updated=_text(evse.get("last_updated")),
        floor_level=_text(evse.get("floor_level")),
        physical_reference=_text(evse.get("physical_reference")),
        capabilities=tuple(str(c) for c in evse.get("capabilities") or ()),
        connectors=tuple(c for c in evse.get("connectors") or () if isinstance(c, dict)),
        history=tuple(changes.get(fold_id(uid), ())),
    )
