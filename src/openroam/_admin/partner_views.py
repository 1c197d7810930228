"""What the Partners page says about a connection, worked out from its operations view
(``_services/partner_status.py``): when it last worked, what is wrong with it, and the
confirmation line an action's redirect carries.

Nothing here reads the database; the page hands these functions what the services returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from openroam._services.object_specs import SPECS
from openroam._services.partner_status import PartnerStatus
from openroam.models.common import format_datetime

__all__ = ["last_exchange", "notice_of", "problems", "when"]


def when(value: datetime | None) -> str:
    """A time as the console shows it: UTC ISO (``2026-01-01T10:00:00Z``), or ``-``."""
    return format_datetime(value) if value is not None else "-"


def last_exchange(status: PartnerStatus) -> datetime | None:
    """The last exchange with the partner known to have worked: a complete pull of one of its
    modules, a push it accepted, or (on a Hub node) its last authenticated request."""
    times = [m.sync.last_pull_at for m in status.modules if m.sync is not None]
    times.append(status.deliveries.last_delivered_at)
    if status.connection is not None:
        times.append(status.connection.last_seen_at)
    found = [t for t in times if t is not None]
    return max(found, default=None)


def problems(status: PartnerStatus) -> list[str]:
    """What is failing on the connection, one short phrase each; empty when nothing is (its
    state — registered, suspended … — is shown on its own)."""
    found = []
    for module in status.modules:
        if module.failing:
            found.append(f"{module.module} {module.pull_health()}")
    deliveries = status.deliveries
    if deliveries.failed:
        found.append(
            f"{deliveries.failed} failed deliver{'y' if deliveries.failed == 1 else 'ies'}"
        )
    elif (
        deliveries.pending
        and deliveries.last_error_at is not None
        and (
            deliveries.last_delivered_at is None
            or deliveries.last_error_at > deliveries.last_delivered_at
        )
    ):
        found.append("pushes failing (retried)")
    return found


_NOTICES = {
    "pulled": "The pull of {modules} is due now: the pull worker runs it on its next round.",
    "retried": "Delivery {delivery} is due again now: the push worker sends it on its next round.",
    "skipped": "Delivery {delivery} was skipped: it will not be sent.",
    "rotated": "The tokens were rotated (credentials PUT): the partner has a new token.",
    "suspended": "The connection is suspended: nothing is sent to it and its calls are refused.",
    "resumed": "The connection is resumed: its held deliveries and its pulls are due now.",
}


def notice_of(query: Mapping[str, str]) -> str | None:
    """The confirmation line of an action's redirect (``?done=retried&delivery=42``), made of
    known words only: a link cannot put its own text on the page."""
    template = _NOTICES.get(query.get("done", ""))
    if template is None:
        return None
    delivery = query.get("delivery", "")
    modules = [m for m in query.get("modules", "").split(",") if m in SPECS]
    return template.format(
        delivery=delivery if delivery.isdigit() else "?",
        modules=", ".join(modules) or "nothing (no module is pulled from this partner)",
    )
