"""Credentials: 2.1.1's flat Credentials object and 2.2.1's with ``roles``.

2.1.1 (credentials.md 2.1 "Credentials object") carries one party: ``business_details``,
``party_id``, ``country_code``, and no role. 2.2.1 lists CredentialsRoles. The role comes from the
connection: for a partner's credentials, the role granted to it for that party; for our own, the
own party of the side we serve that partner (the role opposite the partner's).

Filled in for 2.2.1: ``roles`` = one CredentialsRole with the connection's role.

Lost from 2.2.1: every role but the one of the side served (a node hosting several parties shows
a 2.1.1 partner one of them: the first of the wanted role, else the first); characters outside
printable ASCII in ``business_details`` (2.1.1's string is ASCII, types.md 1.5): accents are
dropped (``é`` → ``e``), anything else becomes ``?``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from openroam._convert._context import Doc

__all__ = ["credentials_from_v211", "credentials_to_v211", "to_ascii"]


def to_ascii(text: str) -> str:
    """``text`` in printable ASCII: accents dropped, other characters replaced by ``?``."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" else "?" for c in kept)


def _ascii_doc(value: Any) -> Any:
    if isinstance(value, str):
        return to_ascii(value)
    if isinstance(value, Mapping):
        return {key: _ascii_doc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_ascii_doc(item) for item in value]
    return value


def credentials_from_v211(doc: Mapping[str, Any], role: str) -> Doc:
    """A 2.1.1 Credentials document as a 2.2.1 one whose single role is ``role`` (the role the
    connection gives the party: what we granted the partner, or our own side's)."""
    return {
        "token": doc["token"],
        "url": doc["url"],
        "roles": [
            {
                "role": role,
                "business_details": dict(doc["business_details"]),
                "party_id": doc["party_id"],
                "country_code": doc["country_code"],
            }
        ],
    }


def credentials_to_v211(doc: Mapping[str, Any], role: str | None = None) -> Doc:
    """A 2.2.1 Credentials document as a 2.1.1 one, flattened from its first role ``role``
    (else its first role)."""
    roles = list(doc["roles"])
    chosen = next((r for r in roles if role is not None and r["role"] == role), roles[0])
    return {
        "token": doc["token"],
        "url": doc["url"],
        "business_details": _ascii_doc(dict(chosen["business_details"])),
        "party_id": chosen["party_id"],
        "country_code": chosen["country_code"],
    }
