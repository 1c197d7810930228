"""Tests of the 2.2.1 ⇄ 2.1.1 converters (openroam._convert)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tests.spec_examples import dump_json


def strictly(model: type[BaseModel], doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` after checking that ``model`` accepts it and that it carries no field the model
    does not define (the models accept and keep unknown fields, so a field of the other version
    would otherwise pass unnoticed)."""
    _no_extras(model.model_validate_json(dump_json(doc)), "")
    return doc


def _no_extras(value: Any, where: str) -> None:
    if isinstance(value, BaseModel):
        assert not value.model_extra, f"{where or 'the document'} has {sorted(value.model_extra)}"
        for name in type(value).model_fields:
            _no_extras(getattr(value, name), f"{where}.{name}".lstrip("."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_extras(item, f"{where}[{index}]")
