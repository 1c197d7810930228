"""Locations, Tariffs, Tokens and Sessions on both interfaces: objects we own and objects partners
push.

* **Own objects** come from the party's backend (``own_put``, ``own_patch``, ``own_delete``).
  Each change is stored and, in the same transaction, a delivery is recorded for every
  registered partner that has a Receiver endpoint for the module (the transactional outbox;
  ``_delivery/`` sends them) — for Sessions only for the partner of the eMSP the Session concerns
  (``services.addressing``).
* **Partner objects** arrive on our Receiver interface (``receive_*``). A partner may write only
  under a country_code/party_id it registered (transport_and_format.asciidoc "Client Owned Object
  Push"); an update older than what is stored is acknowledged and ignored, so a late retry never
  overwrites newer data.
  On a Hub node a pushed Location, Tariff or Token is also queued, in the transaction that
  stores it, for every other connected party of the opposite role (Broadcast Push,
  ``services.broadcast``).
* **Sender GET**: our own objects, paginated (``sender_page``), or one of them (``sender_get``).
  On a Hub node a partner is served what the Hub holds instead, from every partner
  (transport_and_format.asciidoc "GET All via Hubs"; docs/hub.md "GET All").

Documents are stored as the JSON a GET returns, validated on the way in only. On both
interfaces an object's identity is its URL's: a PUT or PATCH whose body names other ids is
refused (``documents.check_ids``), and ``last_updated`` never goes backwards (:func:`_merge`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services import addressing, reading, token_contracts
from openroam._services.broadcast import relay_of
from openroam._services.cdr_audit import record_cdr_events
from openroam._services.credentials import Caller
from openroam._services.documents import (
    ObjectPath,
    check_ids,
    locate,
    patch_at,
    put_at,
    timestamp_of,
)
from openroam._services.events import EventService
from openroam._services.marked_cache import MarkedCache
from openroam._services.object_specs import ModuleSpec
from openroam._services.platform import Platform
from openroam._services.session_events import record_session_change
from openroam._services.ttl_cache import TtlCache
from openroam._store import evse_history, outbox
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.object_write import (
    Merged,
    Notify,
    ObjectWrite,
    write_in_session,
    write_object,
)
from openroam._store.outbox_receivers import enqueue_for_receivers
from openroam.errors import (
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NotEnoughInformation,
    NotFound,
)
from openroam.models._lenient import Respelled
from openroam.models._validation import problems
from openroam.models.common import OcpiModel, fold_id
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["Page", "PageQuery", "RoamingService", "WriteResult", "read_body", "validate_body"]

OWN = objects.OWN
#: Modules whose changes record events (docs/backend-api.md "Events"): see _record_events.
_WITH_EVENTS = (ModuleID.SESSIONS, ModuleID.CDRS)


@dataclass(frozen=True, slots=True)
class WriteResult:
    #: the object did not exist before (PUT → HTTP 201)
    created: bool
    #: False when the update was older than the stored object and was ignored
    applied: bool = True


@dataclass(frozen=True, slots=True)
class PageQuery:
    date_from: datetime | None
    date_to: datetime | None
    offset: int
    limit: int
    after_pk: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    documents: list[bytes]
    total: int
    last_pk: int | None
    #: another object matches after this page (the next link's condition)
    more: bool = False


#: How long a total count (X-Total-Count) is reused, in seconds; for as long again it is still
#: answered while it is counted anew. See RoamingService._total.
COUNT_TTL = 1.0


@dataclass(frozen=True, slots=True)
class CountKey:
    """The filters of a list: what its total count depends on."""

    module: str
    origin: int | None
    owners: list[tuple[str, str]] | None
    date_from: datetime | None
    date_to: datetime | None
    counterparties: list[str] | objects.Excluding | None = None

    def arguments(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "origin": self.origin,
            "owners": self.owners,
            "counterparties": self.counterparties,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }

    def hashable(self) -> tuple[Any, ...]:
        owners = tuple(self.owners) if self.owners is not None else None
        counterparties = (
            tuple(self.counterparties)
            if isinstance(self.counterparties, list)
            else self.counterparties
        )
        return (self.module, self.origin, owners, self.date_from, self.date_to, counterparties)


def _fits(total: int, offset: int, found: objects.DocumentPage) -> bool:
    """Whether a total count agrees with a page read at ``offset``."""
    if found.more:
        return total > offset + len(found.documents)
    if found.documents:
        return total == offset + len(found.documents)
    return total <= offset


def _invalid(error: ValidationError, limit: int = 5) -> InvalidOrMissingParameters:
    found = [str(problem) for problem in problems(error)]
    more = f"; and {len(found) - limit} more" if len(found) > limit else ""
    return InvalidOrMissingParameters("; ".join(found[:limit]) + more)


def read_body(
    model: type[OcpiModel], body: bytes, *, lenient: bool
) -> tuple[OcpiModel, list[Respelled]]:
    """``body`` validated as ``model`` by a partner's reading policy (``_services/reading.py``),
    and the DateTimes lenient reading rewrote: 2001 with the problems' JSON paths, HTTP 400
    when it is not JSON (status_codes.asciidoc)."""
    try:
        return reading.read_json(model, body, lenient=lenient)
    except ValidationError as error:
        if not body.strip() or any(e["type"] == "json_invalid" for e in error.errors()):
            # status_codes.asciidoc: a body that is not valid JSON MUST get HTTP 400.
            raise InvalidOrMissingParameters(
                "The request body is not valid JSON", http_status=400
            ) from None
        raise _invalid(error) from None


def validate_body(model: type[OcpiModel], body: bytes) -> OcpiModel:
    """``body`` validated as ``model``: 2001 with the problems' JSON paths, HTTP 400 when it
    is not JSON (status_codes.asciidoc)."""
    return read_body(model, body, lenient=False)[0]


def _outgoing(
    spec: ModuleSpec, method: str, incoming: dict[str, Any]
) -> tuple[str, list[str] | None]:
    """What partners are sent for a change: the method and the fields (None: the whole object).

    mod_sessions "PATCH Method": a receiver appends the charging_periods of a PATCH. The outbox
    sends an object's *current* state, absorbs later changes into a pending row and repeats a
    send whose answer was lost, so a PATCH carrying periods could deliver some twice. A change
    that adds periods therefore goes out as a PUT of the whole Session, which replaces them and
    is idempotent; other PATCHes never name the appended fields.
    """
    if method != "PATCH":
        return method, None
    if any(incoming.get(name) for name in spec.append_fields):
        return "PUT", None
    return method, sorted(set(incoming) - set(spec.append_fields))


def _tuple(fields: list[str] | None) -> tuple[str, ...] | None:
    return None if fields is None else tuple(fields)


def _merge(
    spec: ModuleSpec,
    path: ObjectPath,
    method: str,
    incoming: dict[str, Any],
    stored: bytes | None,
) -> Merged | None:
    """The document after a PUT or PATCH of ``incoming`` at ``path``; ``None`` when the update is
    older than the addressed (sub-)object, which then stays as it is (a late retry never
    overwrites newer data; docs/spec-decisions.md "An update older than the stored object"). A
    parent's ``last_updated`` covers its children and never goes backwards
    (``documents._propagate``), so neither does the stored document's, nor the indexed column
    ``date_from`` lists filter on. Pure: it may run on the SQLite writer's thread."""
    current = orjson.loads(stored) if stored is not None else None
    target = locate(current, spec, path.sub_ids) if current is not None else None
    target_time = timestamp_of(target) if target is not None else None
    incoming_time = timestamp_of(incoming)
    if target_time and incoming_time and incoming_time < target_time:
        return None
    # Taken before the write changes the parsed document in place.
    statuses = _evse_statuses(spec, path, current, target)
    if method == "PUT":
        document = put_at(current, spec, path, incoming)
    else:
        if current is None:
            raise NotFound(f"Unknown object {path.suffix()}: PUT it first")
        repeat = incoming_time is not None and incoming_time == target_time
        document = patch_at(current, spec, path, incoming, repeat=repeat)
        changed = locate(document, spec, path.sub_ids)
        validate_body(spec.levels[len(path.sub_ids)].model, orjson.dumps(changed))
    last_updated = timestamp_of(document)
    assert last_updated is not None
    counterparty = addressing.counterparty_of(spec, document)
    contract_id = token_contracts.contract_of(spec, document)
    evse_changes = (
        () if statuses is None else _evse_changes(spec, path, statuses, document, last_updated)
    )
    return Merged(
        orjson.dumps(document),
        last_updated,
        target is None,
        counterparty,
        contract_id,
        evse_changes=evse_changes,
    )


def _evse_statuses(
    spec: ModuleSpec, path: ObjectPath, current: dict[str, Any] | None, target: Any
) -> dict[str, str] | None:
    """The EVSE statuses a write at ``path`` may change, as stored (``evse_history``): all of a
    Location's, only the addressed EVSE's (the EVSE status PATCH hot path: one comparison), or
    None where no status can change (not a Location; a Connector)."""
    if spec.module != ModuleID.LOCATIONS or len(path.sub_ids) > 1:
        return None
    if path.sub_ids:
        return evse_history.statuses_of((target,)) if target is not None else {}
    return evse_history.statuses_of(current.get("evses")) if current is not None else {}


def _evse_changes(
    spec: ModuleSpec,
    path: ObjectPath,
    statuses: dict[str, str],
    document: dict[str, Any],
    last_updated: datetime,
) -> tuple[evse_history.StatusChange, ...]:
    written = (locate(document, spec, path.sub_ids),) if path.sub_ids else document.get("evses")
    return evse_history.changes(statuses, written, last_updated)


def _prefix(spec: ModuleSpec, path: ObjectPath) -> str:
    """Where a sub-object addressed by ``path`` sits in its top object's fields:
    ``evses.connectors.`` for a Connector."""
    lists = [level.list_field for level in spec.levels[1 : len(path.sub_ids) + 1]]
    return "".join(f"{name}." for name in lists if name)


def _checked_ours(
    spec: ModuleSpec,
    platform: Platform,
    merge: Callable[[bytes | None], Merged | None],
    stored: bytes | None,
) -> Merged | None:
    """``merge`` of a partner's object, which must concern one of our parties (Sessions)."""
    merged = merge(stored)
    if merged is not None:
        addressing.check_ours(spec, platform, merged.counterparty)
    return merged


class RoamingService:
    """See the module docstring."""

    def __init__(
        self, db: Database, platform: Platform, events: EventService | None = None
    ) -> None:
        self.db = db
        self.platform = platform
        #: a Hub node: partners read what it holds of every partner (``sender_page``)
        self._hub = platform.is_hub
        self.events = events or EventService(db)
        self._counts: TtlCache[tuple[Any, ...], int] = TtlCache(COUNT_TTL, stale=COUNT_TTL)
        # Counts known exact while the database's change marker stays the same (SQLite).
        self._exact_counts: MarkedCache[tuple[Any, ...], int] = MarkedCache()

    def changed(self) -> None:
        """Objects changed: total counts are counted again (see :meth:`_total`)."""
        self._counts.clear()

    # --- who may write what ------------------------------------------------------------------

    def _own_owner(self, spec: ModuleSpec, path: ObjectPath) -> None:
        for party in self.platform.parties:
            if party.role == spec.owner_role and (
                fold_id(party.country_code),
                fold_id(party.party_id),
            ) == (fold_id(path.country_code), fold_id(path.party_id)):
                return
        raise NotFound(
            f"{path.country_code}/{path.party_id} is not one of our {spec.owner_role} parties"
        )

    def _partner_owner(self, caller: Caller, spec: ModuleSpec, path: ObjectPath) -> None:
        # transport_and_format.asciidoc "Errors": a URL whose country_code/party_id is not one of
        # the client's CredentialsRoles may be answered 404; nothing is changed. The party must be
        # the caller's in the module's owner role (its Tokens under its eMSP party, its Locations
        # under its CPO party); caller.roles holds granted roles only. A hub forwards objects of
        # its connected parties, so it may write any — but never one of our own parties, nor one
        # another partner holds.
        wanted = (fold_id(path.country_code), fold_id(path.party_id))
        for role, country_code, party_id in caller.roles:
            if (
                role == Role.HUB
                and not _is_own_party(self.platform, wanted)
                and wanted not in caller.held_elsewhere
            ):
                return
            if role == spec.owner_role and (fold_id(country_code), fold_id(party_id)) == wanted:
                return
        raise NotFound(
            f"{path.country_code}/{path.party_id} is not a party you registered as "
            f"{spec.owner_role}",
            http_status=404,
        )

    # --- writes ------------------------------------------------------------------------------

    async def _write(
        self,
        origin: int,
        spec: ModuleSpec,
        path: ObjectPath,
        method: str,
        body: bytes,
        notify: bool = False,
        lenient: bool = False,
        relayed: bool = False,
    ) -> WriteResult:
        """Store a PUT or PATCH; ``notify``: queue it for the partners receiving our own
        objects; ``relayed``: a partner's push, queued for those a Hub broadcasts it to
        (:func:`services.broadcast.relay_of`; nothing on other nodes)."""
        level = spec.levels[len(path.sub_ids)]
        if method == "PUT":
            model, respelled = read_body(level.model, body, lenient=lenient)
            incoming = model.to_dict()
        else:
            if not spec.allows_patch or level.patch_model is None:
                raise MethodNotAllowed(f"PATCH is not offered on {spec.module}")
            # model_fields_set: only what the PATCH carries; None values are not written.
            patch, respelled = read_body(level.patch_model, body, lenient=lenient)
            incoming = patch.to_dict()
        # Identity is the URL's, on PUT and PATCH alike: refused before anything is read,
        # stored or queued.
        check_ids(spec, path, incoming, whole=method == "PUT")
        out_method, fields = _outgoing(spec, method, incoming)
        merge = functools.partial(_merge, spec, path, method, incoming)
        if origin != OWN:
            merge = functools.partial(_checked_ours, spec, self.platform, merge)
        relay = relay_of(self.platform, spec, origin) if relayed else None
        write = ObjectWrite(
            str(spec.module),
            origin,
            path.country_code,
            path.party_id,
            path.object_id,
            path.object_type,
            merge=merge,
            # Own objects go to the partners receiving the module (docs/architecture.md "The
            # own-write path"), and on a Hub a partner's push to the others of the opposite
            # role, at the owner's ids (transport_and_format.asciidoc "Broadcast Push"): the
            # outbox rows are written in the same transaction.
            notify=(
                Notify(out_method, path.suffix(), _tuple(fields), relay)
                if notify or relay is not None
                else None
            ),
        )
        if spec.counterparty_field is not None or spec.module in _WITH_EVENTS:
            merged = await self._write_in_transaction(spec, origin, write)
        else:
            merged = await write_object(self.db, write)
        # Counted once the object was accepted (stored, or older than the stored one).
        await reading.record(self.db, origin, str(spec.module), respelled, _prefix(spec, path))
        if merged is None:
            return WriteResult(created=False, applied=False)
        self.changed()
        return WriteResult(created=merged.created)

    async def _write_in_transaction(
        self, spec: ModuleSpec, origin: int, write: ObjectWrite
    ) -> Merged | None:
        """Sessions and CDRs: a transaction of their own, because their events are recorded in
        it (and published after it commits), and an own Session goes only to the partner of the
        eMSP it concerns (``services.addressing``), so its receivers are chosen per object."""
        notify = write.notify
        candidates = await self.receivers_of(spec) if notify is not None else []
        seen: list[bytes | None] = []

        def merge(stored: bytes | None) -> Merged | None:
            seen.append(stored)
            return write.merge(stored)

        async with self.db.session() as session:
            async with session.begin():
                merged = await write_in_session(session, replace(write, merge=merge, notify=None))
                if merged is None:
                    return None
                assert merged.pk is not None
                if notify is not None:
                    receivers = candidates
                    if spec.counterparty_field is not None:
                        receivers = await addressing.addressed_receivers(
                            session, candidates, merged.counterparty
                        )
                    for partner_id in receivers:
                        await outbox.enqueue_delivery(
                            session,
                            partner_id=partner_id,
                            module=write.module,
                            object_pk=merged.pk,
                            method=notify.method,
                            path=notify.path,
                            fields=notify.fields,
                        )
                after = orjson.loads(merged.document)
                await _record_events(self.events, session, spec, origin, seen[-1], after)
            await self.events.publish(session)
        return merged

    async def own_token_by_contract(
        self, parties: Sequence[tuple[str, str]], contract_id: str
    ) -> dict[str, Any] | None:
        """Our own Token (2.2.1 document) of ``parties`` whose ``contract_id`` is this one, or
        None; several: the most recently updated (``services.token_contracts``). A 2.1.1
        Session or CDR names its Token by it (mod_sessions.md 3.1 ``auth_id``)."""
        return await token_contracts.own_token_by_contract(self.db, parties, contract_id)

    async def own_tokens_by_contract(
        self, parties: Sequence[tuple[str, str]], contract_ids: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """:meth:`own_token_by_contract` for many contract_ids in one query, keyed by
        ``token_contracts.contract_key``; those without a Token are absent."""
        return await token_contracts.own_tokens_by_contract(self.db, parties, contract_ids)

    async def receivers_of(self, spec: ModuleSpec) -> list[int]:
        """Registered partners that have a Receiver endpoint for this module."""
        async with self.db.session() as session:
            partners = await repo.list_partners(session)
        return [
            partner.id
            for partner in partners
            if partner.status in repo.QUEUED_STATUSES
            and _has_endpoint(partner.endpoints, str(spec.module), InterfaceRole.RECEIVER)
        ]

    async def own_put(self, spec: ModuleSpec, path: ObjectPath, body: bytes) -> WriteResult:
        """The backend creates or replaces one of our objects; partners are told."""
        self._own_owner(spec, path)
        return await self._write(OWN, spec, path, "PUT", body, notify=True)

    async def own_patch(self, spec: ModuleSpec, path: ObjectPath, body: bytes) -> WriteResult:
        """The backend changes some fields of one of our objects; partners get a PATCH."""
        self._own_owner(spec, path)
        return await self._write(OWN, spec, path, "PATCH", body, notify=True)

    async def own_delete(self, spec: ModuleSpec, path: ObjectPath) -> None:
        """The backend removes one of our objects (Tariffs only); partners get a DELETE."""
        self._own_owner(spec, path)
        if not spec.allows_delete:
            raise MethodNotAllowed(f"{spec.module} objects are never deleted")
        async with self.db.session() as session, session.begin():
            # Locked (SQLite: the write lock first): a concurrent DELETE that removed the row
            # is waited for and seen (404), not queued against a vanished pk (FK violation).
            stored = await objects.get_object(session, *self._key(OWN, spec, path), for_update=True)
            if stored is None:
                raise NotFound(f"Unknown object {path.suffix()}")
            await enqueue_for_receivers(
                session,
                module=str(spec.module),
                object_pk=stored.pk,
                method="DELETE",
                path=path.suffix(),
            )
            await objects.delete_object(session, *self._key(OWN, spec, path))
        self.changed()

    async def receive_put(
        self, caller: Caller, spec: ModuleSpec, path: ObjectPath, body: bytes
    ) -> WriteResult:
        """A partner creates or replaces one of its objects on our Receiver interface."""
        self._partner_owner(caller, spec, path)
        return await self._write(
            caller.partner_id, spec, path, "PUT", body, lenient=caller.lenient, relayed=True
        )

    async def receive_patch(
        self, caller: Caller, spec: ModuleSpec, path: ObjectPath, body: bytes
    ) -> WriteResult:
        """A partner changes fields of one of its objects (``last_updated`` required)."""
        self._partner_owner(caller, spec, path)
        return await self._write(
            caller.partner_id, spec, path, "PATCH", body, lenient=caller.lenient, relayed=True
        )

    async def keep_partner_copy(
        self, partner_id: int, spec: ModuleSpec, path: ObjectPath, body: bytes
    ) -> WriteResult:
        """A partner's object that reached us outside its Receiver interface (the complete Token
        in an AuthorizationInfo), stored as a PUT from that partner: validated, and ignored when
        older than the copy held."""
        return await self._write(partner_id, spec, path, "PUT", body)

    async def receive_delete(self, caller: Caller, spec: ModuleSpec, path: ObjectPath) -> None:
        """A partner removes one of its objects (mod_tariffs DELETE); on a Hub node the others
        it was broadcast to are told (``services.broadcast``)."""
        self._partner_owner(caller, spec, path)
        if not spec.allows_delete:
            raise MethodNotAllowed(f"DELETE is not offered on {spec.module}")
        key = self._key(caller.partner_id, spec, path)
        relay = relay_of(self.platform, spec, caller.partner_id)
        async with self.db.session() as session, session.begin():
            if relay is not None:
                # Read locked first, as an own DELETE: the rows are queued against the pk the
                # delete then removes (deliveries.object_pk becomes NULL; the DELETE still goes).
                stored = await objects.get_object(session, *key, for_update=True)
                if stored is None:
                    raise NotFound(f"Unknown object {path.suffix()}")
                await enqueue_for_receivers(
                    session,
                    module=str(spec.module),
                    object_pk=stored.pk,
                    method="DELETE",
                    path=path.suffix(),
                    relay=relay,
                )
            if not await objects.delete_object(session, *key):
                raise NotFound(f"Unknown object {path.suffix()}")
        self.changed()

    # --- reads -------------------------------------------------------------------------------

    @staticmethod
    def _key(origin: int, spec: ModuleSpec, path: ObjectPath) -> tuple[Any, ...]:
        return (
            str(spec.module),
            origin,
            path.country_code,
            path.party_id,
            path.object_id,
            path.object_type,
        )

    async def _get(
        self, session: Any, origin: int, spec: ModuleSpec, path: ObjectPath
    ) -> objects.StoredObject:
        stored = await objects.get_object(session, *self._key(origin, spec, path))
        if stored is None:
            raise NotFound(f"Unknown object {path.suffix()}")
        return stored

    async def read(self, origin: int, spec: ModuleSpec, path: ObjectPath) -> bytes:
        """The JSON of an object or sub-object, as stored."""
        async with self.db.session() as session:
            stored = await self._get(session, origin, spec, path)
        if not path.sub_ids:
            return stored.document
        found = locate(orjson.loads(stored.document), spec, path.sub_ids)
        if found is None:
            raise NotFound(f"Unknown object {path.suffix()}")
        return orjson.dumps(found)

    async def receiver_get(self, caller: Caller, spec: ModuleSpec, path: ObjectPath) -> bytes:
        """GET on our Receiver interface: the partner's object as we store it."""
        self._partner_owner(caller, spec, path)
        return await self.read(caller.partner_id, spec, path)

    def own_owners(
        self, spec: ModuleSpec, addressed: tuple[str, str] | None = None
    ) -> list[tuple[str, str]]:
        """Our parties owning this module's objects; only ``addressed`` when a request was sent
        to one of them (transport_and_format.asciidoc "Message Routing": headers address
        parties, not platforms)."""
        owners = [
            (party.country_code, party.party_id)
            for party in self.platform.parties
            if party.role == spec.owner_role
        ]
        if addressed is None:
            return owners
        wanted = (fold_id(addressed[0]), fold_id(addressed[1]))
        return [owner for owner in owners if (fold_id(owner[0]), fold_id(owner[1])) == wanted]

    async def sender_get(
        self,
        spec: ModuleSpec,
        object_id: str,
        sub_ids: tuple[str, ...],
        object_type: str = "",
        addressed: tuple[str, str] | None = None,
        caller: Caller | None = None,
    ) -> bytes:
        """GET one of our objects on the Sender interface (mod_locations "GET Object"); on a
        Hub node one of the objects it holds (:meth:`_held_get`).

        A Session or CDR is found only when it concerns one of ``caller``'s parties
        (``services.addressing``); None is the backend, which may read every object.
        """
        if self._hub:
            return await self._held_get(spec, object_id, sub_ids, object_type, caller)
        for country_code, party_id in self.own_owners(spec, addressed):
            path = ObjectPath(country_code, party_id, object_id, sub_ids, object_type)
            async with self.db.session() as session:
                stored = await objects.get_object(session, *self._key(OWN, spec, path))
            if stored is None or not _concerns(spec, stored, caller):
                continue
            if not sub_ids:
                return stored.document
            found = locate(orjson.loads(stored.document), spec, sub_ids)
            if found is not None:
                return orjson.dumps(found)
        raise NotFound(f"Unknown object {object_id}")

    async def held(
        self, spec: ModuleSpec, object_id: str, object_type: str = "", limit: int = 2
    ) -> list[objects.StoredObject]:
        """The objects of this module with this id that this node holds, of any origin and
        owner, at most ``limit`` in creation order: on a Hub node, whose Location a request
        names (``limit`` 2 tells one owner from several; ids are unique per party only,
        mod_locations "Location object": "Uniquely identifies the location within the CPOs
        platform")."""
        async with self.db.session() as session:
            return await objects.find_by_id(
                session, str(spec.module), object_id, object_type, limit=limit
            )

    async def _held_get(
        self,
        spec: ModuleSpec,
        object_id: str,
        sub_ids: tuple[str, ...],
        object_type: str,
        caller: Caller | None,
    ) -> bytes:
        """GET one object on a Hub node's Sender interface, addressed to the Hub itself: the
        one it holds with this id, as stored (transport_and_format.asciidoc "Timestamps and
        Objects send via Hubs": ``last_updated`` untouched). Several parties' objects under
        the id: 2002, the request must name the owner in ``OCPI-to-*`` (the Hub then routes it
        there)."""
        found = [
            stored
            for stored in await self.held(spec, object_id, object_type, limit=_HELD_LIMIT)
            if _concerns(spec, stored, caller)
        ]
        if not found:
            raise NotFound(f"Unknown object {object_id}")
        if len(found) > 1:
            owners = ", ".join(sorted({f"{s.country_code}*{s.party_id}" for s in found}))
            raise NotEnoughInformation(
                f"Several parties hold a {spec.module} object {object_id} ({owners}): name its "
                "owner in OCPI-to-country-code and OCPI-to-party-id"
            )
        stored = found[0]
        if not sub_ids:
            return stored.document
        part = locate(orjson.loads(stored.document), spec, sub_ids)
        if part is None:
            raise NotFound(f"Unknown object {object_id}/{'/'.join(sub_ids)}")
        return orjson.dumps(part)

    async def page(
        self,
        origin: int | None,
        spec: ModuleSpec,
        query: PageQuery,
        owners: Iterable[tuple[str, str]] | None,
        counterparties: Iterable[str] | objects.Excluding | None = None,
    ) -> Page:
        """A page of documents in the stable (creation) order, with the total count;
        ``counterparties`` keeps only objects concerning those parties (Sessions, CDRs)."""
        owner_list = sorted(set(owners)) if owners is not None else None
        wanted = (
            sorted(set(counterparties))
            if counterparties is not None and not isinstance(counterparties, objects.Excluding)
            else counterparties
        )
        if wanted == []:
            return Page([], 0, None)
        filters = CountKey(
            str(spec.module), origin, owner_list, query.date_from, query.date_to, wanted
        )
        found = await objects.fetch_page(
            self.db,
            **filters.arguments(),
            offset=query.offset,
            after_pk=query.after_pk,
            limit=query.limit,
        )
        total = await self._total(filters, query, found)
        return Page(found.documents, total, found.last_pk, found.more)

    async def _total(self, filters: CountKey, query: PageQuery, found: objects.DocumentPage) -> int:
        # X-Total-Count costs a scan of every match (20-30 ms at 100,000 objects), so it is
        # cached per filter set: reused for COUNT_TTL seconds, then for COUNT_TTL more while a
        # recount runs (no request waits for it). Writes through this service clear the cache;
        # a count the page itself contradicts (e.g. the last page ends elsewhere) is recounted
        # before answering, so a short list and every last page carry the exact total.
        key = filters.hashable()
        # Where the database has a change marker (SQLite's data_version), a count made while the
        # marker stays the same is exact: it is answered with no recount at all until any
        # process commits a change. After a change, the TTL rules above apply again.
        exact = self._exact_counts.get(key, self.db.change_marker())
        if exact is not None and (query.after_pk is not None or _fits(exact, query.offset, found)):
            return exact
        total = await self._counts.get_or_load(key, lambda: self._count(filters, key))
        if query.after_pk is None and not _fits(total, query.offset, found):
            self._counts.discard(key)
            total = await self._counts.get_or_load(key, lambda: self._count(filters, key))
        return total

    async def _count(self, filters: CountKey, key: tuple[Any, ...]) -> int:
        # The marker is read before counting: a change committed during the count makes the
        # next request count again.
        marker = self.db.change_marker()
        async with self.db.session() as session:
            total = await objects.count_objects(session, **filters.arguments())
        self._exact_counts.put(key, marker, total)
        return total

    async def sender_page(
        self,
        spec: ModuleSpec,
        query: PageQuery,
        addressed: tuple[str, str] | None = None,
        caller: Caller | None = None,
    ) -> Page:
        """GET list on our Sender interface: our own objects of this module (of the addressed
        party only, when the request names one). Sessions and CDRs: only those concerning one
        of ``caller``'s parties (None: the backend, which reads all).

        On a Hub node a partner (``caller``) gets every object the Hub holds, of every origin
        and owner, as stored, in creation order (transport_and_format.asciidoc "GET All via
        Hubs": "The Hub can then combine objects from different connected parties"); Sessions
        and CDRs still only those concerning the caller's parties. The backend reads the Hub's
        own objects, which are none."""
        counterparties = (
            addressing.caller_counterparties(caller)
            if caller is not None and spec.counterparty_field is not None
            else None
        )
        if self._hub and caller is not None:
            return await self.page(None, spec, query, None, counterparties)
        owners = self.own_owners(spec, addressed)
        return await self.page(OWN, spec, query, owners, counterparties)


#: How many objects under one id a Hub reads to answer a GET of one (Sessions and CDRs are
#: then kept to the caller's; two are enough to tell one owner from several otherwise).
_HELD_LIMIT = 16


def _concerns(spec: ModuleSpec, stored: objects.StoredObject, caller: Caller | None) -> bool:
    """Whether ``caller`` may read ``stored`` (``services.addressing``)."""
    if caller is None or spec.counterparty_field is None:
        return True
    return addressing.may_read(caller, stored.counterparty)


def _is_own_party(platform: Platform, party: tuple[str, str]) -> bool:
    return any((fold_id(p.country_code), fold_id(p.party_id)) == party for p in platform.parties)


def _has_endpoint(endpoints: Iterable[repo.EndpointRecord], module: str, role: str) -> bool:
    return any(e.identifier == module and e.role == role for e in endpoints)


async def _record_events(
    events: EventService,
    session: AsyncSession,
    spec: ModuleSpec,
    origin: int,
    before: bytes | None,
    after: dict[str, Any],
) -> None:
    """The events of a stored change (docs/backend-api.md "Events"), in its transaction:
    Sessions (own and partners'), and CDRs received from a partner (pushed or pulled).
    ``before`` is the stored document as it was (the merge changed the parsed copy in place)."""
    if spec.module == ModuleID.SESSIONS:
        previous = orjson.loads(before) if before is not None else None
        if previous != after:  # a repeated write changes nothing and announces nothing
            await record_session_change(events, session, origin, previous, after)
    elif spec.module == ModuleID.CDRS and origin != OWN and before is None:
        await record_cdr_events(events, session, origin, after)
