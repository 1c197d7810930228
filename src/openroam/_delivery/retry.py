"""The retry rules every outbox worker follows (docs/architecture.md "Delivery";
docs/spec-decisions.md "Failed pushes and results are retried").

* **Permanent or transient.** A partner that refuses what we sent (OCPI 2xxx, or an HTTP 4xx
  other than 401, 408 and 429) will refuse it again: such a row is tried a bounded number of
  times (``max_refusals``) and then ``failed``, with the partner's answer kept for an operator.
  Anything else — no answer, a 5xx, a 3xxx, 401 (our token), 408 and 429 (come back later), a
  redirect — is the partner being down or busy: retried for as long as it takes. An answer that
  is not OCPI counts by its HTTP status.
* **Capped back-off.** The n-th failed attempt waits ``base_delay · 2ⁿ`` seconds, at most
  ``max_delay``, with jitter (a factor of 0.5 to 1), so partners coming back are not hit by
  every worker at the same moment.
* **The worker loop.** One round after the other; an idle round (nothing claimed) sleeps
  ``idle_sleep`` or until stopped; a round that raises is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openroam._services import worker_activity
from openroam.errors import OcpiError, PartnerRequestError

__all__ = ["Failure", "RetryPolicy", "failure_of", "is_permanent", "run_rounds"]

#: HTTP 4xx answers that say "later", not "never" (RFC 9110: 408, RFC 6585: 429), and 401,
#: which is about our token (a rotation may be under way), not about what we sent.
TRANSIENT_4XX = frozenset({401, 408, 429})


def is_permanent(http_status: int | None, status_code: int | None) -> bool:
    """Whether an answer refuses the request itself, so sending it again cannot help."""
    if http_status is not None and http_status >= 500:
        return False
    if http_status is not None and 400 <= http_status < 500:
        return http_status not in TRANSIENT_4XX
    return status_code is not None and 2000 <= status_code < 3000


@dataclass(frozen=True, slots=True)
class Failure:
    """What a partner answered to a failed call (``http_status`` None: no usable answer)."""

    http_status: int | None
    status_code: int | None
    message: str
    #: refused before it was sent, by us: it can never be sent (a document the partner's OCPI
    #: version cannot express), so it fails at once, without a retry
    final: bool = False

    @property
    def permanent(self) -> bool:
        return self.final or is_permanent(self.http_status, self.status_code)

    def describe(self) -> str:
        """One line: the HTTP status, the OCPI status_code and the message."""
        parts = [f"HTTP {self.http_status}"] if self.http_status is not None else []
        parts += [f"status_code {self.status_code}"] if self.status_code is not None else []
        return ", ".join([*parts, self.message])


def failure_of(error: OcpiError) -> Failure:
    """The answer behind a client error. A :class:`PartnerRequestError` is raised when no OCPI
    answer came back: no answer at all (network, timeout: transient), or an answer that is not an
    envelope, judged by its HTTP status alone (a 404 page is a refusal, a 502 page is not)."""
    if isinstance(error, PartnerRequestError):
        return Failure(error.received_http_status, None, error.message)
    return Failure(error.http_status, error.received_status_code, error.message)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay: float = 1.0
    max_delay: float = 600.0
    #: permanent refusals before a row is failed
    max_refusals: int = 3

    def delay(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed attempts (before this one), with jitter."""
        capped = min(self.max_delay, self.base_delay * 2.0 ** min(attempts, 30))
        return capped * random.uniform(0.5, 1.0)

    def retry_at(self, attempts: int, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)) + timedelta(seconds=self.delay(attempts))


async def run_rounds(
    round_: Callable[[], Awaitable[int]],
    stop: asyncio.Event,
    *,
    idle_sleep: float,
    log: logging.Logger,
    what: str,
) -> None:
    """Run ``round_`` until ``stop`` is set; sleep ``idle_sleep`` after a round that did nothing."""
    while not stop.is_set():
        try:
            done = await round_()
        except Exception as error:
            log.exception("%s round failed", what)
            worker_activity.round_failed(error)
            done = 0
        else:
            worker_activity.round_done(done)
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_sleep)
