"""One simulated charging session: the car draws power along its curve, the charge point reports
meter values to the backend API every ``interval`` seconds of simulated time, and stops when
asked or when the driver leaves after the car is full.

Simulated time runs ``speed`` times faster than the wall clock from the session's start, so with
``speed`` > 1 readings are stamped ahead of the wall clock. Readings that the backend API did not
take (the node was down) are kept and sent with the next ones: none is lost, the order is kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from openroam.simulator._backend import BackendApi, BackendError
from openroam.simulator._vehicle import ChargerLimits, Reading, Vehicle

__all__ = ["ChargingSession", "SessionClock", "format_time"]

log = logging.getLogger("openroam.simulator")


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SessionClock:
    """Simulated time of one session: ``start`` + wall-clock seconds since then times ``speed``."""

    start: datetime
    speed: float
    started_at: float
    """``loop.time()`` at the start."""

    def elapsed(self) -> float:
        return (asyncio.get_running_loop().time() - self.started_at) * self.speed

    def at(self, elapsed_seconds: float) -> datetime:
        return self.start + timedelta(seconds=round(elapsed_seconds))


class ChargingSession:
    """A started Session (``path`` = ``cc/party/id`` in the backend API) being charged."""

    def __init__(
        self,
        api: BackendApi,
        path: str,
        clock: SessionClock,
        vehicle: Vehicle,
        limits: ChargerLimits,
        *,
        interval: float,
        park_seconds: float,
        report: Callable[[str], None] | None,
        on_end: Callable[[ChargingSession], Awaitable[None]],
    ) -> None:
        self.api = api
        self.path = path
        self.clock = clock
        self.vehicle = vehicle
        self.limits = limits
        self.interval = interval
        self.park_seconds = park_seconds
        self.report = report
        self.on_end = on_end
        self.kwh = 0.0
        self.charged_until = 0.0
        """Simulated seconds up to which the vehicle was charged."""
        self.unsent: list[dict[str, Any]] = []
        self.full_at: float | None = None
        self.stopped: dict[str, Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def begin(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"openroam-sim-{self.path}")

    def _advance(self, until: float) -> Reading:
        self.kwh += self.vehicle.charge(self.limits, until - self.charged_until)
        self.charged_until = until
        if self.full_at is None and self.vehicle.full():
            self.full_at = until
        return self.vehicle.reading(self.limits, until, self.kwh)

    def _queue(self, reading: Reading) -> None:
        self.unsent.append(
            {
                "timestamp": format_time(self.clock.at(reading.elapsed_seconds)),
                "kwh": round(self.kwh, 3),
                "power": round(reading.power_kw, 2),
                "current": round(reading.current_a, 1),
                "charging": reading.charging,
            }
        )

    async def _send(self) -> dict[str, Any] | None:
        if not self.unsent:
            return None
        try:
            session: dict[str, Any] = await self.api.meter_values(self.path, self.unsent)
        except (httpx.TransportError, BackendError) as error:
            log.warning("meter values of %s kept for the next try: %s", self.path, error)
            return None
        self.unsent = []
        return session

    async def _run(self) -> None:
        step = 0
        while True:
            step += 1
            due = step * self.interval
            await asyncio.sleep(max(0.0, (due - self.clock.elapsed()) / self.clock.speed))
            async with self._lock:
                if self.stopped is not None:
                    return
                if due <= self.charged_until:
                    continue  # a failed stop charged up to its end already
                reading = self._advance(due)
                self._queue(reading)
                session = await self._send()
            if session is not None and self.report is not None:
                self.report(_progress(session, reading))
            if self.full_at is not None and due - self.full_at >= self.park_seconds:
                await self.stop()
                return

    async def stop(self) -> dict[str, Any]:
        """End the session now: the last reading, then the stop (the CDR is built by openroam)."""
        async with self._lock:
            if self.stopped is not None:
                return self.stopped
            # A session ends at least a second after it starts (mod_sessions: end after start).
            end = max(self.clock.elapsed(), self.charged_until, 1.0)
            self._advance(end)
            if self.unsent:
                # Readings kept from an outage go first; if the node still does not take them,
                # the stop fails and the session goes on (the caller may try again).
                await self.api.meter_values(self.path, self.unsent)
                self.unsent = []
            body = {"end_date_time": format_time(self.clock.at(end)), "kwh": round(self.kwh, 3)}
            self.stopped = await self.api.stop_session(self.path, body)
            if self._task is not None and self._task is not asyncio.current_task():
                self._task.cancel()
        await self.on_end(self)
        return self.stopped

    async def abandon(self) -> None:
        """Stop simulating without ending the Session (the simulator shuts down)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _progress(session: dict[str, Any], reading: Reading) -> str:
    cost = session.get("total_cost")
    price = f", {cost['excl_vat']} {session.get('currency', '')} so far" if cost else ""
    return f"session {session['id']}: {session['kwh']} kWh at {reading.power_kw:.1f} kW{price}"
