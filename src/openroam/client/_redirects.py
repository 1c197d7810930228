"""Which of a partner's redirects the client follows (RFC 9110 "Redirection 3xx"): the one
home of the policy, used by every call (module calls and each page of a pull alike).

* **Same origin only.** Every request carries our credentials token, so a redirect is followed
  only to the origin (scheme, host, port; RFC 6454) of the URL the call started with, the
  partner's registered endpoint. A ``Location`` elsewhere — another host, port or scheme,
  ``http`` to ``https`` included — is refused with :class:`RedirectRefused` before anything is
  sent there, as next links are (docs/spec-decisions.md "Next links stay on the endpoint's
  origin").
* **The method kept.** 307 and 308 are followed for every method with the same method and body
  (RFC 9110 "307 Temporary Redirect", "308 Permanent Redirect"). 301, 302 and 303 are followed
  for GET only: for any other method a client may (301, 302) or must (303) change it to GET,
  which would silently drop a PUT's or POST's body, so such an answer is an error.
* **A few hops.** At most :data:`MAX_HOPS` redirects per call; a loop or a longer chain is an
  error.
* **Logged.** Each hop is logged (``openroam.client.redirects``, INFO) with its status, from
  and to, so an operator can ask the partner to publish the final URL.

A 3xx without a ``Location`` is no redirect: it is read as any other answer (not OCPI).
"""

from __future__ import annotations

import logging

import httpx

from openroam.client._links import Origin, origin_of
from openroam.errors import PartnerRequestError

__all__ = ["MAX_HOPS", "RedirectRefused", "log_hop", "redirect_target", "too_many_hops"]

logger = logging.getLogger("openroam.client.redirects")

#: Redirects followed per call, at most.
MAX_HOPS = 3

#: Redirects followed for any method, the method and body kept.
_KEEP_METHOD = frozenset({307, 308})
#: Redirects followed for GET only.
_GET_ONLY = frozenset({301, 302, 303})


class RedirectRefused(PartnerRequestError):
    """A partner's redirect that is not followed: to another origin, one that would change the
    method, or one hop too many. ``target`` is where it pointed (None: beyond the hop limit)."""

    def __init__(self, message: str, *, http_status: int, target: str | None) -> None:
        super().__init__(message)
        self.received_http_status = http_status
        self.target = target


def redirect_target(
    method: str, url: httpx.URL, response: httpx.Response, origin: Origin
) -> httpx.URL | None:
    """Where to send ``method`` next after ``response`` to a request for ``url``; ``None`` when
    the response is no redirect. Raises :class:`RedirectRefused` for a redirect not followed."""
    status = response.status_code
    location = response.headers.get("Location")
    if status not in _KEEP_METHOD | _GET_ONLY or location is None:
        return None
    what = f"{method} {url}: HTTP {status} redirect to {location!r}"
    try:
        # RFC 9110 "Location": a relative reference is resolved against the request's URL.
        target = url.join(location.strip())
    except httpx.InvalidURL as error:
        raise RedirectRefused(
            f"{what} not followed: not a URL ({error})", http_status=status, target=location
        ) from None
    if origin_of(target) != origin:
        raise RedirectRefused(
            f"{what} refused: not on {origin}, the origin of the registered endpoint (our "
            "credentials token is sent there only)",
            http_status=status,
            target=str(target),
        )
    if status in _GET_ONLY and method != "GET":
        raise RedirectRefused(
            f"{what} not followed: HTTP {status} may turn a {method} into a GET without its body "
            "(only 307 and 308 keep the method)",
            http_status=status,
            target=str(target),
        )
    # The fragment is never sent.
    return target.copy_with(fragment=None)


def too_many_hops(method: str, first: str, response: httpx.Response) -> RedirectRefused:
    """The error for a redirect after :data:`MAX_HOPS` followed ones."""
    return RedirectRefused(
        f"{method} {first}: more than {MAX_HOPS} redirects (the last to "
        f"{response.headers.get('Location')!r}); not followed",
        http_status=response.status_code,
        target=None,
    )


def log_hop(method: str, status: int, source: httpx.URL, target: httpx.URL) -> None:
    """One followed redirect, from and to."""
    logger.info(
        "OCPI %s %s -> HTTP %d, following to %s",
        method,
        source,
        status,
        target,
        extra={
            "ocpi_method": method,
            "ocpi_url": str(source),
            "http_status": status,
            "redirect_to": str(target),
        },
    )
