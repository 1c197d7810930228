"""A partner eMSP for the Partners page's browser tests: a small real OCPI 2.2.1 platform (a
thread of the test process, ``tests/e2e/ocpi_partner.py``) with a Locations Receiver that
refuses every push while ``refusing`` is set — HTTP 400 with OCPI 2001 and its own words, as a
partner that finds our object wrong answers — and accepts them (kept in ``pushed``) once it is
cleared: the partner recovers. It offers its Tokens (a Sender, empty) for us to pull. Its
credentials module answers a PUT (a token rotation) with a
new token for us, and keeps the one we sent it in ``our_tokens``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.ocpi_partner import PREFIX, OcpiPartner, Request, _envelope, _handler
from tests.loopback import serving

#: The token both sides agreed on (``openroam partners add --token``).
AGREED_TOKEN = "agreed-token-of-the-refusing-emsp"
#: What the partner says when it refuses a push (with markup, which the page shows as text).
REFUSAL = "Location refused: our <b>validator</b> is down for maintenance"
ROLE = {
    "role": "EMSP",
    "country_code": "DE",
    "party_id": "ACM",
    "business_details": {"name": "Acme Mobility"},
}


@dataclass
class RefusingPartner(OcpiPartner):
    refusing: bool = True
    #: how many pushes it refused
    refused: int = 0
    #: the tokens we gave it to call us with, in order (credentials PUT)
    our_tokens: list[str] = field(default_factory=list)

    def answer(self, method: str, path: str, auth: str | None, body: Any) -> tuple[int, Any]:
        token = self.authorized(auth)
        pushed = method in ("PUT", "PATCH") and "/locations/" in path
        if pushed and self.refusing and token is not None:
            with self.lock:
                self.requests.append(Request(method, path, auth))
                self.refused += 1
            return 400, _envelope(2001, None, REFUSAL)
        if method == "PUT" and path.rstrip("/") == f"{PREFIX}/credentials" and token:
            # A rotation: our new token is kept, and we get a new one (the old one stops).
            rotated = f"rotated-{len(self.our_tokens) + 1}-{AGREED_TOKEN}"
            with self.lock:
                self.requests.append(Request(method, path, auth))
                self.our_tokens.append(body["token"])
                self.tokens = {rotated}
            data = {"token": rotated, "url": self.versions_url, "roles": [ROLE]}
            return 200, _envelope(1000, data)
        return super().answer(method, path, auth, body)


@contextmanager
def refusing_partner() -> Iterator[RefusingPartner]:
    """A running :class:`RefusingPartner` (Base64 tokens, OCPI 2.2.1) with a Locations
    Receiver, refusing until told otherwise."""
    partner = RefusingPartner(
        raw=False,
        tokens={AGREED_TOKEN},
        # It receives our Locations and sends its Tokens (none yet), which our CPO pulls.
        modules={"locations": "RECEIVER", "tokens": "SENDER"},
        credentials_roles=[ROLE],
    )
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner
