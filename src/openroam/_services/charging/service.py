"""The CPO's session lifecycle: the backend reports, openroam stores, prices and delivers.

``start`` → the Session is PUT to the token's eMSP; ``meter_values`` and ``change_status`` →
PATCHes (kwh, total_cost, the newly closed ChargingPeriods, status); ``stop`` → the Session
COMPLETED and its CDR built (:mod:`.cdr`), stored and queued for the eMSP in the transaction
that ends the session, so a CDR is never lost and never built twice. The CDR is immutable;
``credit`` produces the Credit CDR that corrects one (mod_cdrs "Credit CDRs").

Storage: the session state (sealed Location and Tariff, meter values) is kept as a JSON
document in ``ocpi_objects`` under the module name ``charging``, which no OCPI route serves.
Sessions and CDRs are written through the Sessions and CDRs services, which decide who is told.

Ordering: every change of a session runs under a per-session lock (in this process) and under
the state row's lock (``FOR UPDATE``; SQLite's write lock), and the Session sent is built from
the stored Session and the latest state, so partners see the changes in order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from weakref import WeakValueDictionary

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.cdrs import CdrService
from openroam._services.charging import cdr as cdrs
from openroam._services.charging import lookups
from openroam._services.charging import state as states
from openroam._services.charging.codec import dump_state, load_state
from openroam._services.charging.requests import (
    SessionConflict,
    StartRequest,
    Stopped,
    TokenRef,
    refused,
)
from openroam._services.charging.session import live_session, session_patch
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import CDRS, LOCATIONS, SESSIONS
from openroam._services.roaming import OWN, RoamingService
from openroam._store import object_repo as objects
from openroam._store.db import Database
from openroam.errors import NotFound
from openroam.models.common import fold_id
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.locations import Location
from openroam.models.v221.sessions import Session, SessionStatus
from openroam.models.v221.types import Price
from openroam.pricing import MeterSample

__all__ = ["STATE_MODULE", "ChargingService", "StartRequest", "Stopped", "TokenRef"]

STATE_MODULE = "charging"
"""``ocpi_objects.module`` of the session states (not an OCPI module: nothing serves it)."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ChargingService:
    """See the module docstring."""

    db: Database
    roaming: RoamingService
    cdrs: CdrService
    clock: Callable[[], datetime] = _now
    _locks: WeakValueDictionary[tuple[str, ...], asyncio.Lock] = field(
        default_factory=WeakValueDictionary
    )

    def _lock(self, path: ObjectPath) -> asyncio.Lock:
        key = (fold_id(path.country_code), fold_id(path.party_id), fold_id(path.object_id))
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    # --- start -------------------------------------------------------------------------------

    async def start(self, request: StartRequest) -> Session:
        """A session started: its state is stored and its Session PUT to the eMSP."""
        owner = ObjectPath(request.country_code, request.party_id, request.location_id)
        location = Location.from_json(await self.roaming.read(OWN, LOCATIONS, owner))
        start = states.SessionStart(
            country_code=location.country_code,
            party_id=location.party_id,
            session_id=request.session_id or uuid.uuid4().hex,
            cdr_token=await lookups.cdr_token(self.db, request),
            auth_method=request.auth_method,
            location=location,
            evse_uid=request.evse_uid,
            connector_id=request.connector_id,
            start=request.start or self.clock(),
            authorization_reference=request.authorization_reference,
            currency=request.currency,
            meter_id=request.meter_id,
            status=request.status,
            tariff_type=request.tariff_type,
        )
        tariffs = await lookups.tariffs(self.roaming, location)
        try:
            state = states.begin(start, tariffs)
        except states.ChargingError as error:
            raise refused(error) from None
        path = ObjectPath(state.country_code, state.party_id, state.session_id)
        async with self._lock(path):
            async with self.db.session() as session, session.begin():
                if await self._stored(session, path, for_update=True) is not None:
                    raise SessionConflict(f"Session {path.suffix()} exists", http_status=409)
                await self._save(session, state)
            return await self._publish(path)

    # --- changes -----------------------------------------------------------------------------

    async def meter_values(self, path: ObjectPath, samples: Sequence[MeterSample]) -> Session:
        """Meter values (cumulative kWh since the start, in time order)."""

        def change(state: states.ChargingState) -> states.ChargingState:
            for sample in samples:
                state = states.record(state, sample)
            return state

        return await self._change(path, change)

    async def change_status(
        self, path: ObjectPath, status: SessionStatus, at: datetime | None = None
    ) -> Session:
        """ACTIVE (from PENDING or RESERVATION) or INVALID; COMPLETED is :meth:`stop`."""
        when = at or self.clock()
        return await self._change(path, lambda state: states.change_status(state, status, when))

    async def stop(
        self,
        path: ObjectPath,
        *,
        end: datetime | None = None,
        kwh: Decimal | None = None,
        cdr_id: str | None = None,
        total_cost: Price | None = None,
        remark: str | None = None,
    ) -> Stopped:
        """The session ended: COMPLETED, and its CDR stored and queued for the eMSP."""
        built: list[CDR] = []

        async def finish(session: AsyncSession, state: states.ChargingState) -> None:
            cdr = cdrs.build_cdr(
                state,
                cdr_id=cdr_id or state.session_id,
                now=self.clock(),
                total_cost=total_cost,
                remark=remark,
            )
            await self.cdrs.own_post_in(session, cdr.to_dict())
            built.append(cdr)

        def change(state: states.ChargingState) -> states.ChargingState:
            final = None
            when = end or self.clock()
            if kwh is not None:
                final = MeterSample(when, kwh)
            return states.stop(state, when, final)

        session = await self._change(path, change, finish)
        self.roaming.changed()
        return Stopped(session, built[0])

    async def credit(self, path: ObjectPath, credit_id: str | None = None) -> CDR:
        """The Credit CDR of our CDR at ``path``, stored and queued for the eMSP."""
        original = CDR.from_json(await self.roaming.read(OWN, CDRS, path))
        try:
            credit = cdrs.credit_cdr(original, now=self.clock(), cdr_id=credit_id)
        except states.ChargingError as error:
            raise refused(error) from None
        await self.cdrs.own_post(credit.to_json())
        return credit

    async def session(self, path: ObjectPath) -> Session:
        """Our Session as stored (and as sent)."""
        return Session.from_json(await self.roaming.read(OWN, SESSIONS, path))

    # --- storing and publishing --------------------------------------------------------------

    async def _change(
        self,
        path: ObjectPath,
        change: Callable[[states.ChargingState], states.ChargingState],
        also: Callable[[AsyncSession, states.ChargingState], Awaitable[None]] | None = None,
    ) -> Session:
        async with self._lock(path):
            async with self.db.session() as session, session.begin():
                stored = await self._stored(session, path, for_update=True)
                if stored is None:
                    raise NotFound(f"Unknown session {path.suffix()}")
                try:
                    state = change(stored)
                    if also is not None:
                        await also(session, state)
                except states.ChargingError as error:
                    raise refused(error) from None
                await self._save(session, state)
            return await self._publish(path)

    async def _stored(
        self, session: AsyncSession, path: ObjectPath, *, for_update: bool = False
    ) -> states.ChargingState | None:
        found = await objects.get_object(
            session,
            STATE_MODULE,
            OWN,
            path.country_code,
            path.party_id,
            path.object_id,
            for_update=for_update,
        )
        return None if found is None else load_state(found.document)

    async def _save(self, session: AsyncSession, state: states.ChargingState) -> None:
        await objects.put_object(
            session,
            module=STATE_MODULE,
            origin=OWN,
            country_code=state.country_code,
            party_id=state.party_id,
            object_id=state.session_id,
            last_updated=self.clock(),
            document=dump_state(state),
        )

    async def _publish(self, path: ObjectPath) -> Session:
        """Send the latest state's Session: a PUT the first time, else a PATCH with what changed
        (a PUT if the stored periods are not a prefix of the new ones, mod_sessions "PATCH")."""
        async with self.db.session() as session:
            state = await self._stored(session, path)
        assert state is not None
        new = live_session(state, self.clock())
        where = ObjectPath(state.country_code, state.party_id, state.session_id)
        try:
            current = Session.from_json(await self.roaming.read(OWN, SESSIONS, where))
        except NotFound:
            await self.roaming.own_put(SESSIONS, where, new.to_json())
            return new
        try:
            body = session_patch(current, new)
        except ValueError:
            await self.roaming.own_put(SESSIONS, where, new.to_json())
            return new
        await self.roaming.own_patch(SESSIONS, where, orjson.dumps(body))
        return new
