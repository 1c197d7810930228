"""Slowing down password guessing at the console's login.

Failed logins are counted per (name, client address) and per client address over a sliding
window; past the limit, further logins from there are refused (HTTP 429, without even checking
the password) until the oldest counted failure leaves the window. A successful login clears its
(name, client) count. The counts live in this process only: a node with several processes
multiplies the limits by their number, and a restart forgets them.

Memory is bounded: at most ``max_keys`` keys are tracked; beyond that, the key whose last
failure is oldest is forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoginThrottle", "ThrottleLimits"]


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    #: failed logins of one name from one client within the window before it is refused
    per_name: int = 5
    #: failed logins of any name from one client within the window (spraying many names)
    per_client: int = 20
    window_seconds: float = 15 * 60
    max_keys: int = 10_000


class LoginThrottle:
    """Counts failed logins; :meth:`retry_after` says whether a login may be tried now."""

    def __init__(
        self, limits: ThrottleLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or ThrottleLimits()
        self._clock = clock
        # key → times of its failures within the window, oldest first; keys by last failure
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    @staticmethod
    def _keys(name: str, client: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # Names are compared folded: "Admin" and "admin" are one target of guessing.
        return (name.casefold(), client), ("", client)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.limits.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, name: str, client: str) -> float:
        """Seconds until a login of ``name`` from ``client`` may be tried; 0: now."""
        now = self._clock()
        wait = 0.0
        by_name, by_client = self._keys(name, client)
        for key, limit in ((by_name, self.limits.per_name), (by_client, self.limits.per_client)):
            times = self._recent(key, now)
            if len(times) >= limit:
                # Allowed again when enough of the counted failures have left the window.
                oldest_that_counts = times[len(times) - limit]
                wait = max(wait, oldest_that_counts + self.limits.window_seconds - now)
        return wait

    def failed(self, name: str, client: str) -> None:
        """Count a failed login of ``name`` from ``client``."""
        now = self._clock()
        for key in self._keys(name, client):
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > self.limits.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, name: str, client: str) -> None:
        """A correct password: the name's failures from this client are forgotten (the
        client's total stays, so guessing many names is still counted)."""
        self._failures.pop(self._keys(name, client)[0], None)
