"""Converters between the stored OCPI 2.2.1 shape and OCPI 2.1.1, one module per OCPI module.

openroam stores every object in its 2.2.1 shape; a 2.1.1 partner's objects are converted where
they enter (the 2.1.1 routes, a pull from a 2.1.1 partner) and ours where they leave (a 2.1.1
Sender page, a push to a 2.1.1 partner). Nothing else knows 2.1.1.

Every converter works on JSON documents (``Doc``: the ``dict`` that ``orjson.loads`` gives) that
are valid by their version's models, and returns one valid by the other version's models. What
one version cannot carry is named in each module's docstring ("Lost from 2.2.1", "Filled in for
2.2.1") and in docs/versions.md; what it cannot express at all raises :class:`Unconvertible`.

Per object module (``locations``, ``tariffs``, ``tokens``, ``sessions``, ``cdrs``) one entry in
:data:`MODULES`: its :class:`ObjectConverter` and the 2.1.1 models of each level. ``depth`` is the
level a document is at (0 the object; for Locations 1 an EVSE, 2 a Connector), as in
``_services/object_specs.py``. Commands, credentials, versions and real-time authorization are
plain functions in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from openroam._convert import cdrs, locations, sessions, tariffs, tokens
from openroam._convert._context import (
    Context,
    Doc,
    ObjectConverter,
    Owner,
    Related,
    Unconvertible,
)
from openroam.models.common import OcpiModel
from openroam.models.v211 import cdrs as v211_cdrs
from openroam.models.v211 import locations as v211_locations
from openroam.models.v211 import sessions as v211_sessions
from openroam.models.v211 import tariffs as v211_tariffs
from openroam.models.v211 import tokens as v211_tokens

__all__ = [
    "MODULES",
    "Context",
    "Doc",
    "ModuleConversion",
    "ObjectConverter",
    "Owner",
    "Related",
    "Unconvertible",
]


@dataclass(frozen=True, slots=True)
class ModuleConversion:
    """One object module in 2.1.1: its converter and the 2.1.1 models of its levels."""

    converter: ObjectConverter
    #: the 2.1.1 model of each level (an object; for Locations an EVSE, a Connector)
    models: tuple[type[OcpiModel], ...]
    #: the 2.1.1 PATCH body model of each level (none for CDRs: mod_cdrs.md has no PATCH)
    patch_models: tuple[type[OcpiModel], ...] = ()


MODULES: dict[str, ModuleConversion] = {
    "locations": ModuleConversion(
        locations.CONVERTER,
        (v211_locations.Location, v211_locations.EVSE, v211_locations.Connector),
        (v211_locations.LocationPatch, v211_locations.EVSEPatch, v211_locations.ConnectorPatch),
    ),
    "tariffs": ModuleConversion(
        tariffs.CONVERTER, (v211_tariffs.Tariff,), (v211_tariffs.TariffPatch,)
    ),
    "tokens": ModuleConversion(tokens.CONVERTER, (v211_tokens.Token,), (v211_tokens.TokenPatch,)),
    "sessions": ModuleConversion(
        sessions.CONVERTER, (v211_sessions.Session,), (v211_sessions.SessionPatch,)
    ),
    "cdrs": ModuleConversion(cdrs.CONVERTER, (v211_cdrs.CDR,)),
}
