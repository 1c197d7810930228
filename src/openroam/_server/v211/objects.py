"""Per module: the 2.2.1 spec the services take (``_services/object_specs.py``), the converter
(:mod:`openroam._convert`) and the 2.1.1 models a pushed body is validated with, per level
(an object, an EVSE, a Connector) — and reading, converting and writing documents through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from openroam._convert import MODULES, Context, ModuleConversion, ObjectConverter, Related
from openroam._convert.locations import publishable_in_v211
from openroam._server.v211.cache import CONVERTED, digest
from openroam._server.v211.edge import converting, read_v211
from openroam._services.object_specs import CDRS, LOCATIONS, SESSIONS, TARIFFS, TOKENS, ModuleSpec
from openroam.errors import NotFound

__all__ = ["V211_MODULES", "V211Module"]


@dataclass(frozen=True, slots=True)
class V211Module:
    spec: ModuleSpec
    #: its converter and 2.1.1 models (:data:`openroam._convert.MODULES`)
    conversion: ModuleConversion
    #: which of our stored objects a 2.1.1 partner may see (None: all)
    shown: Callable[[dict[str, Any]], bool] | None = None

    @property
    def converter(self) -> ObjectConverter:
        return self.conversion.converter

    def read(self, body: bytes, depth: int, *, patch: bool = False) -> dict[str, Any]:
        """A pushed 2.1.1 body as JSON data, validated by the level's 2.1.1 model."""
        conversion = self.conversion
        models = conversion.patch_models if patch else conversion.models
        return read_v211(models[depth], body)

    def to_v221(
        self, data: dict[str, Any], context: Context, depth: int, related: Related | None = None
    ) -> bytes:
        with converting(f"This {self.spec.module} object"):
            return orjson.dumps(self.converter.from_v211(data, context, depth, related))

    def patch_to_v221(
        self, data: dict[str, Any], context: Context, depth: int, related: Related | None = None
    ) -> bytes:
        with converting(f"This {self.spec.module} PATCH"):
            return orjson.dumps(self.converter.patch_from_v211(data, context, depth, related))

    def to_v211(
        self,
        stored: bytes,
        depth: int = 0,
        location: bytes | None = None,
        location_key: bytes | None = None,
        *,
        sender: bool = False,
    ) -> bytes:
        """A stored 2.2.1 document as 2.1.1 JSON, converted once per stored change
        (:mod:`~openroam._server.v211.cache`); ``location``: the stored Location a Session or
        CDR embeds in 2.1.1, and its :func:`~openroam._server.v211.cache.digest` when the caller
        has it already (a page with many Sessions at one Location). One 2.1.1 cannot express is
        answered 404: for a 2.1.1 partner it does not exist (the converter's docstring names
        why); so is, on our ``sender`` side, one ``shown`` refuses (an unpublished Location)."""

        def convert() -> bytes:
            related = Related(location=orjson.loads(location)) if location is not None else None
            try:
                document = orjson.loads(stored)
                if sender and depth == 0 and self.shown is not None and not self.shown(document):
                    return _HIDDEN
                return orjson.dumps(self.converter.to_v211(document, depth, related))
            except (ValueError, KeyError, TypeError):
                # Kept as such: a document without a 2.1.1 form is not converted again.
                return _HIDDEN

        key = location_key if location_key is not None else (digest(location) if location else b"")
        found = CONVERTED.get(str(self.spec.module), depth, stored, convert, key + _SIDE[sender])
        if found is _HIDDEN or not found:
            raise NotFound(f"This {self.spec.module} object has no OCPI 2.1.1 form")
        return found


#: What the cache holds for a document 2.1.1 is not shown (no JSON text is empty).
_HIDDEN = b""
_SIDE = {True: b"S", False: b"R"}


V211_MODULES: dict[str, V211Module] = {
    # 2.1.1 has no ``publish``: only a published Location is shown to a 2.1.1 partner.
    "locations": V211Module(LOCATIONS, MODULES["locations"], publishable_in_v211),
    "tariffs": V211Module(TARIFFS, MODULES["tariffs"]),
    "tokens": V211Module(TOKENS, MODULES["tokens"]),
    "sessions": V211Module(SESSIONS, MODULES["sessions"]),
    "cdrs": V211Module(CDRS, MODULES["cdrs"]),
}
