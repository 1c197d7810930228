"""The tariff engine: price a session or a CDR from a Tariff. Pure functions, no I/O.

OCPI 2.2.1 semantics (mod_tariffs.asciidoc, mod_cdrs.asciidoc); where the spec is wrong or silent,
docs/spec-decisions.md says what the engine does and why. The rules are summed up in
docs/pricing.md and in the docstrings of :mod:`.engine`, :mod:`.periods`, :mod:`.restrictions`
and :mod:`.timeline`.

>>> result = price(tariff, timeline_from_samples(samples), "Europe/Amsterdam")  # doctest: +SKIP
>>> result.totals.total_cost, result.charging_periods()  # doctest: +SKIP
"""

from openroam.pricing._audit import AuditReport, Difference, audit
from openroam.pricing._compiled import CompiledTariff, compile_tariff
from openroam.pricing._engine import Adjustment, PricingResult, price
from openroam.pricing._explain import ExplainRow, explain
from openroam.pricing._lines import Line, StepRounding
from openroam.pricing._output import CdrTotals
from openroam.pricing._periods import Period, Selection
from openroam.pricing._timeline import (
    MeterSample,
    Reservation,
    Segment,
    State,
    Timeline,
    VolumeFinding,
    timeline_from_periods,
    timeline_from_samples,
)

__all__ = [
    "Adjustment",
    "AuditReport",
    "CdrTotals",
    "CompiledTariff",
    "Difference",
    "ExplainRow",
    "Line",
    "MeterSample",
    "Period",
    "PricingResult",
    "Reservation",
    "Segment",
    "Selection",
    "State",
    "StepRounding",
    "Timeline",
    "VolumeFinding",
    "audit",
    "compile_tariff",
    "explain",
    "price",
    "timeline_from_periods",
    "timeline_from_samples",
]
