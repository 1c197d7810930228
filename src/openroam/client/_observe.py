"""What the client tells an observer about each request it sends (the node's message log:
docs/console.md "Message log"). The client knows nothing of the log; the node passes a
callback in (``_runtime.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ExchangeObserver", "SentExchange"]


@dataclass(frozen=True, slots=True)
class SentExchange:
    """One request sent to a partner and its answer (``status`` None: none came, ``error``
    tells why). ``token``: the credentials token it carried, to tell the partner; an observer
    must not keep it."""

    started: float
    """Seconds since the epoch."""
    method: str
    url: str
    token: str
    request_id: str | None
    correlation_id: str | None
    request_body: bytes | None
    status: int | None
    response_body: bytes | None
    seconds: float
    error: str | None = None


#: Called once per request sent (each repetition and redirect hop is a request of its own);
#: it must be quick and must not raise.
ExchangeObserver = Callable[[SentExchange], None]
