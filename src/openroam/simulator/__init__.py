"""A charge-point simulator that plays a CPO's backend (``openroam simulate``).

It talks to an openroam node only through the public backend API, as a real charge point
management system would: it follows ``command.received`` events, reports command results,
starts sessions, sends meter values along a realistic charging curve, changes EVSE statuses,
keeps reservations and stops sessions. Use it from tests or scripts::

    api = BackendApi("http://127.0.0.1:8080", admin_token)
    async with Simulator(api, SimulatorSettings(speed=60)).running() as simulator:
        ...  # commands sent to the node are carried out; simulator.completed lists the stops
"""

from openroam.simulator._backend import BackendApi, BackendError
from openroam.simulator._charge_points import ChargePoints, Evse, Reservation
from openroam.simulator._simulator import Simulator, SimulatorSettings
from openroam.simulator._vehicle import ChargerLimits, Reading, Vehicle, charger_limits

__all__ = [
    "BackendApi",
    "BackendError",
    "ChargePoints",
    "ChargerLimits",
    "Evse",
    "Reading",
    "Reservation",
    "Simulator",
    "SimulatorSettings",
    "Vehicle",
    "charger_limits",
]
