"""OCPI 2.1.1 credentials.md 2.1 "Credentials object": flat, one party per connection.

Where 2.2.1 lists ``roles`` (CredentialsRole), 2.1.1 carries one party's ``business_details``,
``party_id`` and ``country_code``, and no role: whether the party is the CPO or the eMSP of the
connection follows from who is connected (``openroam._convert.credentials``).

``token`` travels in the Authorization header, so it is printable non-whitespace ASCII
(transport_and_format.md "Authorization header"), at most 64 characters (credentials.md 2.1).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from openroam.models.common import OcpiModel
from openroam.models.v211.types import URL, BusinessDetails, String2, String3

__all__ = ["Credentials", "CredentialsToken"]

CredentialsToken = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7E]+$")
]
"""string(64) of printable non-whitespace ASCII (U+0021 to U+007E)."""


class Credentials(OcpiModel):
    """credentials.md 2.1 "Credentials object"."""

    token: CredentialsToken
    """The token for the other party to authenticate in the sender's system."""
    url: URL
    """The sender's versions endpoint."""
    business_details: BusinessDetails
    party_id: Annotated[String3, StringConstraints(min_length=1)]
    country_code: Annotated[String2, StringConstraints(min_length=2)]
