"""A vehicle's battery on a charger: how much power it takes, and the energy curve that gives.

Real charging is not flat. The charger limits power (its connector's ``max_electric_power``, or
voltage * amperage * phases); the car limits it by state of charge: a DC fast charge holds full
power to about half full and then tapers, an AC charge is flat until nearly full. The numbers are
typical, not a model of a particular car; they make meter values look like a real session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ChargerLimits", "Reading", "Vehicle", "charger_limits"]

# Integration step, seconds: small enough that a taper is followed smoothly.
_STEP_SECONDS = 10.0


@dataclass(frozen=True)
class ChargerLimits:
    """What a Connector can deliver: at most ``max_kw``, at ``voltage`` (V, per phase for AC)."""

    max_kw: float
    voltage: float
    dc: bool


def charger_limits(connector: dict[str, Any]) -> ChargerLimits:
    """The limits of an OCPI Connector (mod_locations "Connector Object")."""
    power_type = str(connector.get("power_type", "AC_3_PHASE"))
    dc = power_type == "DC"
    phases = 3 if power_type == "AC_3_PHASE" else 1
    voltage = float(connector.get("max_voltage") or (400 if dc else 230))
    amperage = float(connector.get("max_amperage") or (125 if dc else 16))
    rated = connector.get("max_electric_power")
    max_kw = float(rated) / 1000 if rated else voltage * amperage * (1 if dc else phases) / 1000
    return ChargerLimits(max_kw=max_kw, voltage=voltage, dc=dc)


@dataclass(frozen=True)
class Reading:
    """One meter value: energy since the session started, and power/current at that moment."""

    elapsed_seconds: float
    kwh: float
    power_kw: float
    current_a: float
    charging: bool


@dataclass
class Vehicle:
    """A battery of ``capacity_kwh`` at ``soc`` (0 to 1) that charges until ``target_soc``."""

    capacity_kwh: float = 60.0
    soc: float = 0.2
    target_soc: float = 0.8
    max_ac_kw: float = 11.0
    max_dc_kw: float = 120.0

    def accepts_kw(self, limits: ChargerLimits) -> float:
        """The power the car draws now from a charger with ``limits``."""
        if self.soc >= self.target_soc:
            return 0.0
        if limits.dc:
            # Full power to 50 %, then down to 35 % of it at 80 % and 8 % at 100 %.
            peak = min(limits.max_kw, self.max_dc_kw)
            shape = _interpolate(self.soc, ((0.5, 1.0), (0.8, 0.35), (1.0, 0.08)))
        else:
            # The on-board charger is the limit; the battery tapers only above 90 %.
            peak = min(limits.max_kw, self.max_ac_kw)
            shape = _interpolate(self.soc, ((0.9, 1.0), (1.0, 0.3)))
        return peak * shape

    def charge(self, limits: ChargerLimits, seconds: float) -> float:
        """Charge for ``seconds``; the energy taken, kWh."""
        taken = 0.0
        left = seconds
        while left > 0:
            step = min(_STEP_SECONDS, left)
            kwh = self.accepts_kw(limits) * step / 3600
            kwh = min(kwh, max(0.0, (self.target_soc - self.soc) * self.capacity_kwh))
            self.soc += kwh / self.capacity_kwh
            taken += kwh
            left -= step
        return taken

    def full(self) -> bool:
        return self.soc >= self.target_soc - 1e-9

    def reading(self, limits: ChargerLimits, elapsed_seconds: float, kwh: float) -> Reading:
        power = self.accepts_kw(limits)
        return Reading(
            elapsed_seconds=elapsed_seconds,
            kwh=kwh,
            power_kw=power,
            current_a=power * 1000 / limits.voltage,
            charging=power > 0,
        )


def _interpolate(soc: float, points: tuple[tuple[float, float], ...]) -> float:
    """1.0 up to the first point's soc, then straight lines between the points."""
    previous_soc, previous_value = points[0]
    if soc <= previous_soc:
        return previous_value
    for point_soc, value in points[1:]:
        if soc <= point_soc:
            part = (soc - previous_soc) / (point_soc - previous_soc)
            return previous_value + part * (value - previous_value)
        previous_soc, previous_value = point_soc, value
    return previous_value
