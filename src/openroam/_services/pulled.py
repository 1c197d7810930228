"""Storing a page of objects pulled from a partner's Sender interface (_delivery/pull.py).

A page is validated at once and written in one statement: a full pull of 100,000 Locations is a
thousand pages, and per-object validation calls and store round trips were most of its time.
Each object is still validated as strictly as on the Receiver interface (partner data is never
stored unvalidated); only when a page holds an invalid object is it validated object by object,
so the valid ones are stored and the invalid ones reported with their ids.

On a Hub node, Locations, Tariffs and Tokens pulled from a party that are new or newer than the
stored copy are queued, in the transaction that stores them, as PUTs to every other connected
party of the opposite role (Broadcast Push, ``services.broadcast``): what a party changed while
the Hub could not reach it, or before it connected, still reaches the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services import addressing, reading, token_contracts
from openroam._services.broadcast import relay_of
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import ModuleSpec
from openroam._services.roaming import RoamingService, _record_events
from openroam._store import evse_history
from openroam._store import object_repo as objects
from openroam._store.object_batch import NewObject, write_newer_objects
from openroam._store.outbox_receivers import Relay, enqueue_for_receivers
from openroam.models._lenient import Respelled
from openroam.models._validation import collector_paused, problems, unstorable
from openroam.models.common import OcpiModel, fold_id
from openroam.models.v221.types import Role
from openroam.models.v221.versions import ModuleID

__all__ = ["PulledPage", "store_pulled"]


@dataclass(slots=True)
class PulledPage:
    """What storing one page pulled from a partner's Sender interface did."""

    stored: int = 0
    unchanged: int = 0
    #: objects of owners the partner did not register (transport_and_format "Pull": may be ignored)
    foreign: int = 0
    #: (object id or position, first problems) of objects that did not validate
    invalid: list[tuple[str, str]] | None = None
    newest: datetime | None = None
    #: DateTimes lenient reading rewrote in the objects that validated (``_services/reading.py``)
    respelled: list[Respelled] = field(default_factory=list)


@functools.cache
def _page_adapter(model: type[OcpiModel]) -> TypeAdapter[list[OcpiModel]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _json(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:
        # orjson writes integers of at most 64 bits; JSON itself has no limit.
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _label(spec: ModuleSpec, item: Any, position: int) -> str:
    if isinstance(item, dict):
        return str(item.get(spec.top.id_field, f"#{position}"))
    return f"#{position}"


def _valid(
    spec: ModuleSpec, items: Sequence[Any], result: PulledPage, *, lenient: bool = False
) -> list[OcpiModel]:
    """The objects of the page that validate (in JSON mode, so the models' strict rules apply,
    exactly as for a PUT); the others are recorded in ``result.invalid``. Items that are models
    of the module already were validated so when the page was read (``client.pages``).

    ``lenient`` (the partner's reading policy): DateTimes that failed by a deviation lenient
    reading repairs are rewritten in the items and the page validated again
    (``_services/reading.py``); the rewrites of the objects that then validate are kept in
    ``result.respelled``."""
    model = spec.top.model
    if all(type(item) is model for item in items):
        return list(items)
    text = _json(items)
    try:
        return _page_adapter(spec.top.model).validate_json(text)
    except ValidationError as error:
        respelled = reading.respelled_document(text, error) if lenient else None
    by_item: dict[Any, list[Respelled]] = {}
    if respelled is not None:
        items, found = respelled
        for one in found:
            # Located in the page: the first step is the object's position.
            by_item.setdefault(one.location[0], []).append(
                Respelled(one.location[1:], one.original, one.kinds)
            )
        try:
            valid = _page_adapter(spec.top.model).validate_json(_json(items))
        except ValidationError:
            pass
        else:
            result.respelled = [one for ones in by_item.values() for one in ones]
            return valid
    valid = []
    for position, item in enumerate(items):
        try:
            valid.append(spec.top.model.model_validate_json(_json(item)))
        except ValidationError as error:
            assert result.invalid is not None
            found_problems = "; ".join(str(p) for p in problems(error)[:3])
            result.invalid.append((_label(spec, item, position), found_problems))
        else:
            result.respelled += by_item.get(position, [])
    return valid


def _new_object(spec: ModuleSpec, obj: OcpiModel) -> NewObject:
    """A valid object as it is stored: its JSON as a GET returns it (no ``None`` fields), and
    its keys. ``last_updated`` is taken in whole seconds, as the document writes it."""
    fields = vars(obj)  # the model's declared fields (every module's object has these)
    object_type = fields["type"] if spec.typed else ""
    last_updated: datetime = fields["last_updated"]
    return NewObject(
        fields["country_code"],
        fields["party_id"],
        fields[spec.top.id_field],
        object_type.value if isinstance(object_type, Enum) else object_type,
        last_updated.replace(microsecond=0),
        # The model's own serializer writes the JSON bytes directly: no dict in between.
        type(obj).__pydantic_serializer__.to_json(obj, exclude_none=True),
        _counterparty(spec, fields),
        token_contracts.contract_of(spec, fields),
        _evses(spec, fields),
    )


def _evses(spec: ModuleSpec, fields: dict[str, Any]) -> tuple[evse_history.EvseStatus, ...] | None:
    """A Location's EVSEs with their statuses (their changes are recorded), None otherwise."""
    if spec.module != ModuleID.LOCATIONS:
        return None
    return tuple(
        evse_history.EvseStatus(evse.uid, evse.status.value, evse.last_updated)
        for evse in fields.get("evses") or ()
    )


def _counterparty(spec: ModuleSpec, fields: dict[str, Any]) -> str | None:
    """The party a Session or CDR concerns (``services.addressing``), None for other modules."""
    if spec.counterparty_field is None:
        return None
    party = vars(fields[spec.counterparty_field])  # the CdrToken model's fields
    return addressing.counterparty_of(spec, {spec.counterparty_field: party})


#: Modules whose stored changes record events (``roaming._record_events``): their objects are
#: written one by one, each compared with the stored version it replaces.
_WITH_EVENTS = frozenset({ModuleID.SESSIONS, ModuleID.CDRS})


async def _store(
    service: RoamingService, spec: ModuleSpec, origin: int, batch: list[NewObject]
) -> int:
    """Write what is newer than the stored version and commit; how many objects were written."""
    relay = relay_of(service.platform, spec, origin)
    if relay is not None:
        async with service.db.session() as session, session.begin():
            return await _store_relayed(session, spec, origin, batch, relay)
    if spec.module not in _WITH_EVENTS:
        return await write_newer_objects(
            service.db, str(spec.module), origin, batch, replace=not spec.posted
        )
    async with service.db.session() as session:
        async with session.begin():
            written = await _store_with_events(service, session, spec, origin, batch)
        await service.events.publish(session)
    return written


async def _newer(
    session: AsyncSession, spec: ModuleSpec, origin: int, new: NewObject
) -> tuple[bool, objects.StoredObject | None]:
    """Whether ``new`` replaces what is stored (not if it is not newer; a CDR never changes,
    mod_cdrs "Flow and Lifecycle"), and the stored version (None: there is none). Read
    locked."""
    stored = await objects.get_object(
        session,
        str(spec.module),
        origin,
        new.country_code,
        new.party_id,
        new.object_id,
        new.object_type,
        for_update=True,
    )
    if stored is not None and (spec.posted or stored.last_updated >= new.last_updated):
        return False, stored
    return True, stored


async def _put(
    session: AsyncSession, spec: ModuleSpec, origin: int, new: NewObject
) -> objects.StoredObject:
    saved, _ = await objects.put_object(
        session,
        module=str(spec.module),
        origin=origin,
        country_code=new.country_code,
        party_id=new.party_id,
        object_id=new.object_id,
        object_type=new.object_type,
        last_updated=new.last_updated,
        document=new.document,
        counterparty=new.counterparty,
        contract_id=new.contract_id,
    )
    return saved


async def _store_relayed(
    session: AsyncSession, spec: ModuleSpec, origin: int, batch: list[NewObject], relay: Relay
) -> int:
    """A page pulled by a Hub: each new or newer object stored and queued as a PUT of the whole
    object for the parties the Hub relays it to, at the owner's ids (transport_and_format
    "Broadcast Push"). Object by object, in the caller's transaction: the batch statement
    (``object_batch``) does not tell which objects it wrote."""
    written = 0
    for new in batch:
        newer, stored = await _newer(session, spec, origin, new)
        if not newer:
            continue
        saved = await _put(session, spec, origin, new)
        if new.evses is not None:
            before = (
                evse_history.statuses_of(orjson.loads(stored.document).get("evses"))
                if stored is not None
                else {}
            )
            changes = evse_history.pulled_changes(before, new.evses, new.last_updated)
            await evse_history.record_changes(
                session,
                evse_history.change_rows(
                    origin, new.country_code, new.party_id, new.object_id, changes
                ),
            )
        path = ObjectPath(new.country_code, new.party_id, new.object_id, (), new.object_type)
        await enqueue_for_receivers(
            session,
            module=str(spec.module),
            object_pk=saved.pk,
            method="PUT",
            path=path.suffix(),
            relay=relay,
        )
        written += 1
    return written


async def _store_with_events(
    service: RoamingService,
    session: AsyncSession,
    spec: ModuleSpec,
    origin: int,
    batch: list[NewObject],
) -> int:
    written = 0
    for new in batch:
        # A stored CDR never changes (mod_cdrs "Flow and Lifecycle"), even if pulled anew.
        newer, stored = await _newer(session, spec, origin, new)
        if not newer:
            continue
        await _put(session, spec, origin, new)
        before = stored.document if stored is not None else None
        await _record_events(
            service.events, session, spec, origin, before, orjson.loads(new.document)
        )
        written += 1
    return written


async def store_pulled(
    service: RoamingService,
    caller: Caller,
    spec: ModuleSpec,
    items: Sequence[Any],
    *,
    turn: asyncio.Lock | None = None,
) -> PulledPage:
    """Store one page of a partner's objects, pulled from its Sender GET list.

    Valid objects are stored even when others on the page are not; the invalid ones are reported
    with their ids (transport_and_format.asciidoc "GET": log them and process the valid ones). An
    object not newer than the stored one does not replace it.

    ``turn``, if given, is held while the page is written (after it was prepared): pages stored
    concurrently, each prepared while the one before is written, are still written in order.
    """
    result = PulledPage(invalid=[])
    owners = {(fold_id(cc), fold_id(pid)) for _, cc, pid in caller.roles}
    hub = any(role == Role.HUB for role, _, _ in caller.roles)
    batch = []
    with collector_paused():
        for obj in _valid(spec, items, result, lenient=caller.lenient):
            fields = vars(obj)
            owner = (fold_id(fields["country_code"]), fold_id(fields["party_id"]))
            new = _new_object(spec, obj)
            # What a partner's page may hold that neither database can store (a NUL character)
            # is refused per object, as a PUT of it would be (docs/architecture.md "Bounded
            # input"), instead of failing the page's write.
            problem = unstorable(new.document)
            if problem is not None:
                assert result.invalid is not None
                result.invalid.append((new.object_id, problem))
                continue
            # A Session of another eMSP is not ours to keep (services.addressing).
            if (not hub and owner not in owners) or not addressing.is_ours(
                service.platform, new.counterparty
            ):
                result.foreign += 1
                continue
            batch.append(new)
    for new in batch:
        if result.newest is None or new.last_updated > result.newest:
            result.newest = new.last_updated
    if batch:
        async with turn or contextlib.nullcontext():
            result.stored = await _store(service, spec, caller.partner_id, batch)
        result.unchanged = len(batch) - result.stored
    if result.stored:
        service.changed()
    await reading.record(service.db, caller.partner_id, str(spec.module), result.respelled)
    return result
