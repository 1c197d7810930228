"""The CPO side of a charging session: from the backend's start, meter values and stop to the
live Session and the priced CDR.

The functions here are pure (:mod:`.state`, :mod:`.session`, :mod:`.cdr`); storing the state
and delivering the Session and CDR to the eMSP is the lifecycle service's job.
"""

from openroam._services.charging.cdr import build_cdr, cdr_location, credit_cdr, credit_id
from openroam._services.charging.session import (
    live_session,
    meter_samples,
    priced,
    session_patch,
    state_periods,
)
from openroam._services.charging.state import (
    ChargingError,
    ChargingState,
    SessionEnded,
    SessionStart,
    begin,
    change_status,
    find_connector,
    record,
    select_tariff,
    stop,
)

__all__ = [
    "ChargingError",
    "ChargingState",
    "SessionEnded",
    "SessionStart",
    "begin",
    "build_cdr",
    "cdr_location",
    "change_status",
    "credit_cdr",
    "credit_id",
    "find_connector",
    "live_session",
    "meter_samples",
    "priced",
    "record",
    "select_tariff",
    "session_patch",
    "state_periods",
    "stop",
]
