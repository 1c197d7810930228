"""What a conversion needs besides the document: who owns a 2.1.1 object (2.1.1 objects carry no
``country_code``/``party_id``), the defaults for fields 2.2.1 requires and 2.1.1 lacks, and the
related objects a 2.1.1 document embeds (a Session's Location)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Context", "Doc", "ObjectConverter", "Owner", "Related", "Unconvertible"]

Doc = dict[str, Any]


class Unconvertible(ValueError):
    """A document that cannot be expressed in the other OCPI version; the message names the
    field and its value (or, raised by a caller, what was converted and why)."""


@dataclass(frozen=True, slots=True)
class Owner:
    """A party: ``country_code`` and ``party_id``."""

    country_code: str
    party_id: str


@dataclass(frozen=True, slots=True)
class Context:
    """Where a 2.1.1 document's missing 2.2.1 values come from.

    ``owner``: the party owning the object — the URL's ``{country_code}/{party_id}`` on a
    Receiver push, else the 2.1.1 partner's credentials (``party_id``, ``country_code``).
    ``time_zone``: a Location's ``time_zone`` when the 2.1.1 Location names none (2.2.1 requires
    it; setting ``v211_time_zone``). ``token_owner``: the party whose Tokens the 2.1.1 Sessions and
    CDRs name by ``auth_id`` (the eMSP of the connection), for 2.2.1's ``cdr_token``.
    """

    owner: Owner
    time_zone: str = "UTC"
    token_owner: Owner | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """Stored 2.2.1 documents a conversion may need.

    ``location``: the Location a Session or CDR happened at (2.1.1 embeds it; 2.2.1 names it by
    id). ``token``: the own Token whose ``contract_id`` a 2.1.1 ``auth_id`` names (2.2.1's
    ``cdr_token`` also needs its ``uid`` and ``type``). ``tariffs``: Tariffs by id, for a 2.1.1
    CDR's ``tariffs`` when the 2.2.1 CDR carries none.
    """

    location: Doc | None = None
    token: Doc | None = None
    tariffs: dict[str, Doc] | None = None


class ObjectConverter(Protocol):
    """Converts one module's objects, and PATCH bodies, between 2.2.1 and 2.1.1."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        """A stored 2.2.1 object (or EVSE, Connector) as 2.1.1."""
        ...

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 object (or EVSE, Connector) as 2.2.1."""
        ...

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        """A 2.2.1 PATCH body (only the fields it carries) as 2.1.1."""
        ...

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 PATCH body as 2.2.1 (always with ``last_updated``); ``related`` as for
        :meth:`from_v211` (a Session PATCH's ``auth_id``: ``Related.token``)."""
        ...
