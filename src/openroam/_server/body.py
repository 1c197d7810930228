"""Decoding request bodies into models where they enter (docs/architecture.md "Decoding at the
boundary"): services and handlers receive models, never dicts."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
from starlette.requests import Request

from openroam.errors import InvalidOrMissingParameters
from openroam.models._validation import problems
from openroam.models.common import OcpiModel

__all__ = ["InvalidJson", "parse_body", "validation_message"]

M = TypeVar("M", bound=OcpiModel)


class InvalidJson(InvalidOrMissingParameters):
    """The body is not valid JSON: HTTP 400 (status_codes.asciidoc: "MUST be returned")."""

    default_http_status = 400
    default_message = "The request body is not valid JSON"


def validation_message(error: ValidationError, limit: int = 5) -> str:
    """``$.roles[0].party_id: String should have at most 3 characters; …`` (first few)."""
    found = problems(error)
    text = "; ".join(str(problem) for problem in found[:limit])
    if len(found) > limit:
        text += f"; and {len(found) - limit} more"
    return text


async def parse_body(request: Request, model: type[M]) -> M:
    """Validate the request body as ``model``.

    A body that is not JSON answers HTTP 400 with 2001; JSON that does not validate answers 2001
    with the JSON path of each problem in ``status_message``. The latter has reached the OCPI
    layer, so it keeps HTTP 200 (status_codes.asciidoc).
    """
    body = await request.body()
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        if any(detail["type"] == "json_invalid" for detail in error.errors()):
            raise InvalidJson() from None
        if not body.strip():
            raise InvalidJson("The request has no body") from None
        raise InvalidOrMissingParameters(validation_message(error)) from None
