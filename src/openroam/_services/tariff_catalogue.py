"""The Tariffs a node holds, its own and its partners', for the operator console
(docs/console.md "Tariffs"): a page of them with who sent each, one by its ids, and the time zone
each is read in.

A Tariff has no time zone, yet its restrictions are in the local time of the Location where it
applies (mod_tariffs "TariffRestrictions class"). The zone used is that of a Location of the same
owner, held from the same partner (or our own), whose Connectors list the Tariff
(mod_locations "Connector object" ``tariff_ids``), the first in the order they were stored. The
Locations are read in pages and only up to :data:`LOCATION_SCAN_LIMIT` per owner, so a page of
tariffs costs the same at 100,000 Locations as at 100; beyond it, or when no Location lists the
Tariff, the node's default zone (``v211_time_zone``, UTC unless set) is used and the answer says
so. Several Locations in different zones may list one Tariff; the first found is used, and that
is said too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from openroam._services.object_specs import LOCATIONS, TARIFFS
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import NotFound
from openroam.models.common import fold_id

__all__ = [
    "LOCATION_SCAN_LIMIT",
    "HeldTariff",
    "TariffCatalogue",
    "TariffPage",
    "TariffZone",
]

#: The most Locations of one owner read to find the zone of its Tariffs (per page shown).
LOCATION_SCAN_LIMIT = 5000
_SCAN_PAGE = 500
_TARIFFS = str(TARIFFS.module)
_LOCATIONS = str(LOCATIONS.module)


@dataclass(frozen=True, slots=True)
class HeldTariff:
    """One stored Tariff and who it came from."""

    pk: int
    origin: int
    """0 for our own, else the partner's id."""
    source: str
    """``own`` or the partner's name."""
    country_code: str
    party_id: str
    tariff_id: str
    last_updated: datetime
    document: bytes
    """As stored (the JSON a GET returns); partner data, not validated again here."""

    @property
    def own(self) -> bool:
        return self.origin == objects.OWN


@dataclass(frozen=True, slots=True)
class TariffPage:
    tariffs: list[HeldTariff]
    total: int


@dataclass(frozen=True, slots=True)
class TariffZone:
    """The time zone a Tariff is read in, and where it came from."""

    zone: ZoneInfo
    location_id: str | None
    """The Location it was taken from; ``None``: the node's default."""
    explanation: str


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def _listed_tariffs(location: dict[str, Any]) -> set[str]:
    """The folded Tariff ids any Connector of ``location`` lists."""
    found: set[str] = set()
    for evse in location.get("evses") or ():
        if not isinstance(evse, dict):
            continue
        for connector in evse.get("connectors") or ():
            if not isinstance(connector, dict):
                continue
            for tariff_id in connector.get("tariff_ids") or ():
                if isinstance(tariff_id, str):
                    found.add(fold_id(tariff_id))
    return found


class TariffCatalogue:
    """Read-only: the stored Tariffs of every origin."""

    def __init__(self, db: Database, default_zone: str = "UTC") -> None:
        self.db = db
        self.default_zone = default_zone

    async def sources(self) -> dict[int, str]:
        """Partner ids and names (the origins a Tariff can come from besides ``own``)."""
        async with self.db.session() as session:
            partners = await repo.list_partners(session)
        return {partner.id: partner.name for partner in partners}

    async def page(self, origin: int | None, offset: int, limit: int) -> TariffPage:
        """Tariffs in the order they were first stored; ``origin`` None: of every origin."""
        names = await self.sources()
        async with self.db.session() as session:
            stored = await objects.list_objects(
                session, module=_TARIFFS, origin=origin, offset=offset, limit=limit
            )
            total = await objects.count_objects(session, module=_TARIFFS, origin=origin)
        return TariffPage([self._held(s, names) for s in stored], total)

    async def get(
        self, origin: int, country_code: str, party_id: str, tariff_id: str
    ) -> HeldTariff:
        """One Tariff by who sent it (``origin``) and its ids; :class:`NotFound` if not held."""
        async with self.db.session() as session:
            stored = await objects.get_object(
                session, _TARIFFS, origin, country_code, party_id, tariff_id
            )
        if stored is None:
            raise NotFound(f"No tariff {country_code}/{party_id}/{tariff_id} from that source")
        return self._held(stored, await self.sources())

    @staticmethod
    def _held(stored: objects.StoredObject, names: dict[int, str]) -> HeldTariff:
        if stored.origin == objects.OWN:
            source = "own"
        else:
            source = names.get(stored.origin, f"partner {stored.origin} (no longer registered)")
        document = orjson.loads(stored.document)
        spelled = document if isinstance(document, dict) else {}

        def spelling(field: str, folded: str) -> str:
            value = spelled.get(field)
            return value if isinstance(value, str) and fold_id(value) == folded else folded

        return HeldTariff(
            pk=stored.pk,
            origin=stored.origin,
            source=source,
            country_code=spelling("country_code", stored.country_code),
            party_id=spelling("party_id", stored.party_id),
            tariff_id=spelling("id", stored.object_id),
            last_updated=stored.last_updated,
            document=stored.document,
        )

    async def zones(self, tariffs: Iterable[HeldTariff]) -> dict[int, TariffZone]:
        """The time zone of each Tariff (by pk): see the module's docstring."""
        wanted: dict[tuple[int, str, str], dict[str, list[int]]] = defaultdict(dict)
        for tariff in tariffs:
            owner = (tariff.origin, fold_id(tariff.country_code), fold_id(tariff.party_id))
            wanted[owner].setdefault(fold_id(tariff.tariff_id), []).append(tariff.pk)
        zones: dict[int, TariffZone] = {}
        for (origin, country_code, party_id), by_id in wanted.items():
            found, scanned, complete = await self._scan(origin, country_code, party_id, by_id)
            for tariff_id, pks in by_id.items():
                zone = found.get(tariff_id) or self._default(scanned, complete)
                for pk in pks:
                    zones[pk] = zone
        return zones

    def _default(self, scanned: int, complete: bool) -> TariffZone:
        zone = _zone(self.default_zone) or ZoneInfo("UTC")
        if complete:
            where = "No Location of this party lists this tariff"
        else:
            where = f"No Location among the first {scanned} of this party lists this tariff"
        return TariffZone(
            zone,
            None,
            f"{where}: times are read in {zone.key}, this node's default Location time zone.",
        )

    async def _scan(
        self, origin: int, country_code: str, party_id: str, by_id: dict[str, list[int]]
    ) -> tuple[dict[str, TariffZone], int, bool]:
        """Zones of the Tariff ids in ``by_id`` from the owner's Locations, the number of
        Locations read, and whether that was all of them."""
        found: dict[str, TariffZone] = {}
        others: dict[str, list[str]] = defaultdict(list)
        scanned, after_pk = 0, None
        owners: Sequence[tuple[str, str]] = [(country_code, party_id)]
        while scanned < LOCATION_SCAN_LIMIT:
            limit = min(_SCAN_PAGE, LOCATION_SCAN_LIMIT - scanned)
            async with self.db.session() as session:
                documents, last_pk = await objects.list_documents(
                    session,
                    module=_LOCATIONS,
                    origin=origin,
                    owners=owners,
                    after_pk=after_pk,
                    limit=limit,
                )
            scanned += len(documents)
            for document in documents:
                if b"tariff_ids" not in document:  # most Locations need no parsing
                    continue
                self._note(orjson.loads(document), by_id, found, others)
            if last_pk is None or len(documents) < limit:
                return self._finish(found, others), scanned, True
            after_pk = last_pk
        return self._finish(found, others), scanned, False

    @staticmethod
    def _note(
        location: Any,
        by_id: dict[str, list[int]],
        found: dict[str, TariffZone],
        others: dict[str, list[str]],
    ) -> None:
        if not isinstance(location, dict):
            return
        listed = _listed_tariffs(location) & by_id.keys()
        if not listed:
            return
        location_id = str(location.get("id", "?"))
        zone = _zone(location.get("time_zone"))
        for tariff_id in listed:
            if tariff_id not in found and zone is not None:
                found[tariff_id] = TariffZone(
                    zone,
                    location_id,
                    f"Times are read in {zone.key}, the time zone of Location {location_id}, "
                    "which lists this tariff.",
                )
            elif tariff_id in found and zone != found[tariff_id].zone and zone is not None:
                others[tariff_id].append(zone.key)

    @staticmethod
    def _finish(
        found: dict[str, TariffZone], others: dict[str, list[str]]
    ) -> dict[str, TariffZone]:
        for tariff_id, zones in others.items():
            first = found[tariff_id]
            listed = ", ".join(sorted(set(zones)))
            found[tariff_id] = TariffZone(
                first.zone,
                first.location_id,
                f"{first.explanation} Other Locations listing it are in {listed}, where its "
                "prices follow that clock instead.",
            )
        return found
