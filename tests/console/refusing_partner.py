"""A partner eMSP for the Partners page's browser tests: a small real OCPI 2.2.1 platform (a
thread of the test process, ``tests/e2e/ocpi_partner.py``) with a Locations Receiver that
refuses every push while ``refusing`` is set — HTTP 400 with OCPI 2001 and its own words, as a
partner that finds our object wrong answers — and accepts them (kept in ``pushed``) once it is
cleared: the partner recovers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.e2e.ocpi_partner import OcpiPartner, _envelope, _handler
from tests.loopback import serving

#: The token both sides agreed on (``openroam partners add --token``).
AGREED_TOKEN = "agreed-token-of-the-refusing-emsp"
#: What the partner says when it refuses a push.
REFUSAL = "Location refused: our <b>validator</b> is down for maintenance"


@dataclass
class RefusingPartner(OcpiPartner):
    refusing: bool = True
    #: how many pushes it refused
    refused: int = 0

    def answer(self, method: str, path: str, auth: str | None, body: Any) -> tuple[int, Any]:
        pushed = method in ("PUT", "PATCH") and "/locations/" in path
        if pushed and self.refusing and self.authorized(auth) is not None:
            with self.lock:
                self.refused += 1
            return 400, _envelope(2001, None, REFUSAL)
        return super().answer(method, path, auth, body)


@contextmanager
def refusing_partner() -> Iterator[RefusingPartner]:
    """A running :class:`RefusingPartner` (Base64 tokens, OCPI 2.2.1) with a Locations
    Receiver, refusing until told otherwise."""
    partner = RefusingPartner(raw=False, tokens={AGREED_TOKEN}, modules={"locations": "RECEIVER"})
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner
