"""Helpers of the OCPI 2.1.1 model tests: parse a document, write it back, compare as JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from openroam.models.common import OcpiModel


def as_json(document: Any) -> Any:
    """A document as the JSON a model writes, numbers compared as Decimal (2.00 == 2)."""
    return json.loads(json.dumps(document), parse_float=Decimal, parse_int=Decimal)


def round_trip(model: type[OcpiModel], document: dict[str, Any]) -> Any:
    """Parse ``document`` from JSON text, write it back, and return the written JSON."""
    parsed = model.model_validate_json(json.dumps(document))
    return json.loads(parsed.to_json(), parse_float=Decimal, parse_int=Decimal)
