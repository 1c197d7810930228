"""What the backend API adds to the bodies it is given before handing them to the service.

``last_updated`` is required on every Location, EVSE, Connector, Tariff and Token, and on every
PATCH (mod_locations/mod_tokens "PATCH Method"). A backend usually means "now", so an object in a
PUT or PATCH body without ``last_updated`` gets the current time (UTC, ``YYYY-MM-DDTHH:MM:SSZ``).
Nested EVSEs and Connectors without one get their parent's, so a Location is never older than
its parts (mod_locations "PUT": the parent's ``last_updated`` follows its children).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from openroam._services.object_specs import ModuleSpec
from openroam._services.roaming import PageQuery
from openroam.errors import InvalidOrMissingParameters
from openroam.models._validation import problems
from openroam.models.common import format_datetime, parse_datetime

__all__ = ["json_of", "model_of", "now_stamp", "page_query", "when", "with_last_updated"]

M = TypeVar("M", bound=BaseModel)


def _not_json() -> InvalidOrMissingParameters:
    return InvalidOrMissingParameters("The request body is not valid JSON", http_status=400)


def json_of(body: bytes) -> Any:
    """``body`` parsed as JSON; HTTP 400 with 2001 when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _not_json() from None


def model_of(body: bytes, model: type[M], *, empty_ok: bool = False) -> M:
    """``body`` read as ``model``; HTTP 400 with 2001 when it is not JSON or the model refuses
    it (the first five problems, with their JSON paths). ``empty_ok``: an empty body is ``{}``."""
    if empty_ok and not body.strip():
        body = b"{}"
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            raise _not_json() from None
        found = "; ".join(str(problem) for problem in problems(error)[:5])
        raise InvalidOrMissingParameters(found, http_status=400) from None


def now_stamp() -> str:
    """The current time as OCPI writes it (types.asciidoc "DateTime")."""
    return format_datetime(datetime.now(UTC))


def _fill(document: dict[str, Any], spec: ModuleSpec, depth: int, stamp: str) -> bool:
    changed = False
    if document.get("last_updated") is None:
        document["last_updated"] = stamp
        changed = True
    if depth + 1 < len(spec.levels):
        level = spec.levels[depth + 1]
        assert level.list_field is not None
        children = document.get(level.list_field)
        if isinstance(children, list):
            for child in children:
                if isinstance(child, dict):
                    changed |= _fill(child, spec, depth + 1, document["last_updated"])
    return changed


def with_last_updated(body: bytes, spec: ModuleSpec, depth: int) -> tuple[bytes, Any]:
    """``body`` with ``last_updated`` filled in where it is missing, and the top one.

    A body that is not a JSON object is returned unchanged: the service reports why it is wrong.
    ``depth`` is the level the body is for (0 a Location, 1 an EVSE, 2 a Connector).
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body, None
    if not isinstance(document, dict):
        return body, None
    if not _fill(document, spec, depth, now_stamp()):
        return body, document["last_updated"]
    return orjson.dumps(document), document["last_updated"]


def when(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise InvalidOrMissingParameters(f"{name}: {error}", http_status=400) from None


def page_query(
    date_from: str | None, date_to: str | None, offset: int, limit: int | None, max_limit: int
) -> PageQuery:
    """A page of at most ``max_limit`` objects; ``date_from`` inclusive, ``date_to`` exclusive
    (transport_and_format.asciidoc "Pagination")."""
    return PageQuery(
        date_from=when("date_from", date_from),
        date_to=when("date_to", date_to),
        offset=offset,
        limit=max_limit if limit is None else min(limit, max_limit),
    )
