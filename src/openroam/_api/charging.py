"""The CPO's session lifecycle in Python: ``Backend(node).charging``.

>>> session = await backend.charging.start_session(StartRequest(...))
>>> await backend.charging.add_meter_values("NL", "EXA", session.id, [MeterSample(t, kwh)])
>>> stopped = await backend.charging.stop_session("NL", "EXA", session.id)   # .session, .cdr
>>> credit = await backend.charging.credit_cdr("NL", "EXA", stopped.cdr.id)

The same operations as the REST routes of :mod:`openroam._api.charging_routes`: the Session is
PUT and PATCHed to the token's eMSP, the CDR and Credit CDRs POSTed to it, by the delivery
workers. Failures raise the :mod:`openroam.errors` exceptions the REST API renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openroam._services.charging.service import ChargingService, StartRequest, Stopped
from openroam._services.documents import ObjectPath
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.sessions import Session, SessionStatus
from openroam.models.v221.types import Price
from openroam.pricing import MeterSample

__all__ = ["ChargingBackend"]


class ChargingBackend:
    """Start, meter, change and stop own sessions; credit own CDRs."""

    def __init__(self, service: ChargingService) -> None:
        self.service = service

    async def start_session(self, request: StartRequest) -> Session:
        """A session started; its Session is PUT to the token's eMSP."""
        return await self.service.start(request)

    async def add_meter_values(
        self,
        country_code: str,
        party_id: str,
        session_id: str,
        values: Sequence[MeterSample],
    ) -> Session:
        """Meter values in time order; ``energy_kwh`` is cumulative since the session start."""
        path = ObjectPath(country_code, party_id, session_id)
        return await self.service.meter_values(path, values)

    async def set_session_status(
        self,
        country_code: str,
        party_id: str,
        session_id: str,
        status: SessionStatus,
        *,
        at: datetime | None = None,
    ) -> Session:
        path = ObjectPath(country_code, party_id, session_id)
        return await self.service.change_status(path, status, at)

    async def stop_session(
        self,
        country_code: str,
        party_id: str,
        session_id: str,
        *,
        end: datetime | None = None,
        kwh: Decimal | None = None,
        cdr_id: str | None = None,
        total_cost: Price | None = None,
        remark: str | None = None,
    ) -> Stopped:
        """The session ended: COMPLETED; its CDR is built, stored and POSTed to the eMSP."""
        path = ObjectPath(country_code, party_id, session_id)
        return await self.service.stop(
            path, end=end, kwh=kwh, cdr_id=cdr_id, total_cost=total_cost, remark=remark
        )

    async def credit_cdr(
        self, country_code: str, party_id: str, cdr_id: str, *, credit_id: str | None = None
    ) -> CDR:
        """The Credit CDR of an own CDR (negated total_cost), stored and POSTed to the eMSP."""
        return await self.service.credit(ObjectPath(country_code, party_id, cdr_id), credit_id)
