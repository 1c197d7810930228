"""Tokens between 2.2.1 (mod_tokens.asciidoc) and 2.1.1 (mod_tokens.md), and the real-time
authorization objects (2.1.1 mod_tokens.md 3.1 AuthorizationInfo, 4.1 Allowed, 4.2
LocationReferences).

Lost from 2.2.1:
- Token ``country_code``/``party_id`` (2.1.1 objects carry no owner; it is the connection's eMSP).
- Token ``group_id``, ``default_profile_type``, ``energy_contract`` (2.1.1 has none of them).
- TokenType ``AD_HOC_USER`` and ``APP_USER`` become ``OTHER`` (2.1.1 mod_tokens.md 4.3 has only
  OTHER and RFID).
- AuthorizationInfo ``token`` and ``authorization_reference`` (2.1.1 3.1 has neither).
- Text: 2.1.1 strings are printable ASCII (types.md 1.5); other characters are replaced as by
  the Locations converter (``ascii_text``: ``é`` becomes ``e``, one character for one).

Lost from 2.1.1:
- LocationReferences ``connector_ids`` (2.2.1 dropped it; only ``location_id``/``evse_uids`` stay).

Filled in for 2.2.1:
- Token ``country_code``/``party_id`` = ``Context.owner``; ``contract_id`` = 2.1.1 ``auth_id``.
- AuthorizationInfo ``token`` = the 2.2.1 Token the authorization request was for.
- A 2.1.1 PATCH without ``last_updated`` gets the conversion time (2.2.1 requires it).
"""

from __future__ import annotations

from typing import Any

from openroam._convert._context import Context, Doc, ObjectConverter, Related
from openroam._convert.locations import Unconvertible, ascii_text, now_v211

__all__ = [
    "CONVERTER",
    "TokensConverter",
    "Unconvertible",
    "allowed_to_v211",
    "authorization_info_from_v211",
    "authorization_info_to_v211",
    "location_references_from_v211",
    "location_references_to_v211",
    "token_type_to_v211",
]

# The fields both versions' Token objects carry under the same name.
_COMMON = (
    "uid",
    "type",
    "visual_number",
    "issuer",
    "valid",
    "whitelist",
    "language",
    "last_updated",
)
# 2.1.1 mod_tokens.md 4.1 Allowed, the same values as 2.2.1's AllowedType.
_ALLOWED = frozenset({"ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"})
# 2.1.1 mod_tokens.md 4.3 TokenType.
_V211_TOKEN_TYPES = frozenset({"OTHER", "RFID"})


def token_type_to_v211(token_type: Any) -> Any:
    """2.2.1 TokenType as 2.1.1: ``AD_HOC_USER`` and ``APP_USER`` become ``OTHER``."""
    return token_type if token_type in _V211_TOKEN_TYPES else "OTHER"


def _pick(doc: Doc, keys: tuple[str, ...]) -> Doc:
    return {key: doc[key] for key in keys if key in doc}


class TokensConverter:
    """The ObjectConverter of Tokens; ``depth`` is unused (a Token has no nested objects)."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        out = _pick(doc, _COMMON)
        if "type" in out:
            out["type"] = token_type_to_v211(out["type"])
        if "contract_id" in doc:
            out["auth_id"] = doc["contract_id"]
        return dict(ascii_text(out))

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        out: Doc = {
            "country_code": context.owner.country_code,
            "party_id": context.owner.party_id,
        }
        out.update(_pick(doc, _COMMON))
        if "auth_id" in doc:
            out["contract_id"] = doc["auth_id"]
        return out

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        return self.to_v211(doc)

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        # 2.1.1 mod_tokens.md 2.1.2 PATCH: only the changed fields; the owner is the URL's.
        out = _pick(doc, _COMMON)
        if "auth_id" in doc:
            out["contract_id"] = doc["auth_id"]
        out.setdefault("last_updated", now_v211())
        return out


CONVERTER: ObjectConverter = TokensConverter()


def allowed_to_v211(allowed: Any) -> Any:
    """2.2.1 AllowedType as 2.1.1 Allowed (the same five values)."""
    if allowed not in _ALLOWED:
        raise Unconvertible(f"Allowed {allowed!r} is not a 2.1.1 Allowed value")
    return allowed


def location_references_to_v211(doc: Doc) -> Doc:
    """2.2.1 LocationReferences as 2.1.1 (``connector_ids`` left out: 2.2.1 has none)."""
    return _pick(doc, ("location_id", "evse_uids"))


def location_references_from_v211(doc: Doc) -> Doc:
    """2.1.1 LocationReferences as 2.2.1: ``connector_ids`` is lost."""
    return _pick(doc, ("location_id", "evse_uids"))


def authorization_info_to_v211(doc: Doc) -> Doc:
    """2.2.1 AuthorizationInfo as 2.1.1 (mod_tokens.md 3.1): ``token`` and
    ``authorization_reference`` are lost."""
    out: Doc = {"allowed": allowed_to_v211(doc["allowed"])}
    if doc.get("location") is not None:
        out["location"] = location_references_to_v211(doc["location"])
    if doc.get("info") is not None:
        out["info"] = doc["info"]
    return dict(ascii_text(out))


def authorization_info_from_v211(doc: Doc, token_doc: Doc) -> Doc:
    """2.1.1 AuthorizationInfo as 2.2.1; ``token_doc`` is the 2.2.1 Token the request was for
    (2.2.1 requires ``token``)."""
    out: Doc = {"allowed": allowed_to_v211(doc["allowed"]), "token": token_doc}
    if doc.get("location") is not None:
        out["location"] = location_references_from_v211(doc["location"])
    if doc.get("info") is not None:
        out["info"] = doc["info"]
    return out
