"""The OpenAPI document of the backend API, served at ``/api/openapi.json``.

Handlers read their bodies as bytes (the service validates them once, against the OCPI models),
so FastAPI cannot infer the body schemas: each route names its model with :func:`body_doc` and
:func:`data_doc`, and :func:`openapi_document` adds those models' JSON schemas as components.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from openroam import __version__
from openroam._services.object_specs import SPECS
from openroam.models.common import OcpiModel
from openroam.models.v221.sessions import ChargingPreferences

__all__ = ["body_doc", "data_doc", "openapi_document"]

REF = "#/components/schemas/{model}"

DESCRIPTION = """\
The internal API through which the party's own systems write their Locations, Tariffs and
Tokens into openroam (which delivers them to every connected partner) and read what partners
sent. Authenticate with `Authorization: Bearer <admin token>` (setting `admin_token`,
environment `OPENROAM_ADMIN_TOKEN`). Objects are OCPI 2.2.1 JSON; a PUT or PATCH body without
`last_updated` gets the current time. Success: `{"data": …}`; failure:
`{"error": {"status_code": <OCPI status code>, "message": …}}` with an HTTP error status.
See docs/backend-api.md.
"""


# Every model a route names (bodies of non-OCPI routes too), so the document defines it.
_REFERRED: dict[str, type[OcpiModel]] = {}


def _models() -> list[type[OcpiModel]]:
    found: list[type[OcpiModel]] = []
    for spec in SPECS.values():
        for level in spec.levels:
            found.append(level.model)
            if level.patch_model is not None:
                found.append(level.patch_model)
    # Bodies that are no module's object (mod_sessions "Set: Charging Preferences").
    found.append(ChargingPreferences)
    return found + [model for model in _REFERRED.values() if model not in found]


def _ref(model: type[OcpiModel]) -> dict[str, str]:
    _REFERRED.setdefault(model.__name__, model)
    return {"$ref": REF.format(model=model.__name__)}


def body_doc(model: type[OcpiModel], note: str = "") -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is a ``model``."""
    return {
        "requestBody": {
            "required": True,
            "description": note or f"A {model.__name__}; last_updated defaults to now.",
            "content": {"application/json": {"schema": _ref(model)}},
        }
    }


def data_doc(model: type[OcpiModel], *, many: bool = False) -> dict[str, Any]:
    """``openapi_extra`` for a route answering ``{"data": model}`` (or a list and its total)."""
    if many:
        properties: dict[str, Any] = {
            "data": {"type": "array", "items": _ref(model)},
            "total": {"type": "integer", "description": "objects matching the filters"},
        }
    else:
        properties = {"data": _ref(model)}
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}


def openapi_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` with the OCPI model schemas they refer to."""
    document = get_openapi(
        title="openroam backend API",
        version=__version__,
        description=DESCRIPTION,
        routes=list(routes),
    )
    _, definitions = models_json_schema(
        [(model, "validation") for model in _models()], ref_template=REF
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    return document
