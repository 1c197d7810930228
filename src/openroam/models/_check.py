"""Check a JSON document against the OCPI models, for people debugging a partner's data.

:func:`check_document` accepts an object, a list of objects or a response envelope of OCPI 2.2.1
or 2.1.1 (``version``), guesses the object type when none is given, and reports every problem
with its JSON path and the spec rule (the spec file, the object and the field) that it breaks.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from openroam.models import v211, v221
from openroam.models._validation import Problem, problems
from openroam.models.common import OcpiModel, OcpiResponse

__all__ = ["OBJECT_TYPES", "CheckResult", "UnreadableInput", "check_document", "guess_type"]


def _models(package: ModuleType) -> dict[str, type[OcpiModel]]:
    return {
        name: obj
        for name in package.__all__
        if isinstance(obj := getattr(package, name), type) and issubclass(obj, OcpiModel)
    }


#: The object types a document can be checked as, by name, per OCPI version.
OBJECT_TYPES: dict[str, dict[str, type[OcpiModel]]] = {
    "2.2.1": _models(v221),
    "2.1.1": _models(v211),
}

# Types guessed when --type is not given: whole objects, not PATCH bodies or small classes.
_GUESSABLE = [
    "Location",
    "EVSE",
    "Connector",
    "Session",
    "CDR",
    "Tariff",
    "Token",
    "Credentials",
    "VersionDetails",
    "Version",
    "ClientInfo",
    "AuthorizationInfo",
    "LocationReferences",
    "CommandResponse",
    "CommandResult",
    "StartSession",
    "StopSession",
    "ReserveNow",
    "CancelReservation",
    "UnlockConnector",
    "SetChargingProfile",
    "ActiveChargingProfile",
    "ChargingProfileResponse",
    "ChargingPreferences",
    "Hours",
    "EnergyMix",
    "DisplayText",
]

_SPEC_FILES = {
    "types": "types.asciidoc",
    "common": "transport_and_format.asciidoc",
    "credentials": "credentials.asciidoc",
    "versions": "version_information_endpoint.asciidoc",
    "hub_client_info": "mod_hub_client_info.asciidoc",
}
# OCPI 2.1.1's text is Markdown: mod_locations.md, types.md, ...
_SPEC_FILES_211 = {
    "types": "types.md",
    "common": "transport_and_format.md",
    "credentials": "credentials.md",
    "versions": "version_information_endpoint.md",
}


class UnreadableInput(Exception):
    """The input is not JSON at all (exit code 2 of ``openroam validate``)."""


@dataclass
class CheckResult:
    """What :func:`check_document` found."""

    type_name: str
    shape: str  # "object", "list" or "envelope"
    count: int
    problems: list[tuple[Problem, str]] = field(default_factory=list)
    version: str = "2.2.1"

    @property
    def valid(self) -> bool:
        return not self.problems


def _required(model: type[BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if info.is_required()}


def guess_type(document: dict[str, Any], version: str = "2.2.1") -> str:
    """The object type whose fields fit the document's keys best."""
    keys = set(document)

    known_types = OBJECT_TYPES[version]

    def score(name: str) -> tuple[float, int]:
        model = known_types[name]
        required = _required(model)
        known = set(model.model_fields)
        coverage = len(keys & required) / len(required) if required else 0.0
        return coverage, len(keys & known) - len(keys - known)

    return max([name for name in _GUESSABLE if name in known_types], key=score)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def spec_rule(model: type[BaseModel], location: list[int | str]) -> str:
    """The spec rule for a problem at ``location`` inside ``model``: file, object and field."""
    owner, field_name = model, None
    for part in location:
        if isinstance(part, int):
            continue
        info = owner.model_fields.get(part)
        if info is None:
            field_name = part
            break
        field_name = part
        inner = _model_of(info.annotation)
        if inner is not None and part != location[-1]:
            owner, field_name = inner, None
    chapter = owner.__module__.rsplit(".", 1)[-1]
    if ".v211." in owner.__module__:
        spec_file = _SPEC_FILES_211.get(chapter, f"mod_{chapter}.md")
    else:
        spec_file = _SPEC_FILES.get(chapter, f"mod_{chapter}.asciidoc")
    if field_name is None:
        return f"{spec_file}, {owner.__name__} object"
    info = owner.model_fields.get(field_name)
    if info is None:
        return f"{spec_file}, {owner.__name__} object"
    card = "required" if info.is_required() else "optional"
    limits = [f"max {m.max_length}" for m in info.metadata if getattr(m, "max_length", None)]
    detail = ", ".join([card, *limits])
    return f"{spec_file}, {owner.__name__}.{field_name} ({detail})"


def _with_rules(
    model: type[BaseModel], error: ValidationError, prefix: list[int | str]
) -> list[tuple[Problem, str]]:
    found = problems(error, prefix)
    rules = [
        spec_rule(model, [p for p in detail["loc"] if isinstance(p, int) or "[" not in p])
        for detail in error.errors(include_url=False)
    ]
    return list(zip(found, rules, strict=True))


def _check(model: type[OcpiModel], item: Any, prefix: list[int | str]) -> list[tuple[Problem, str]]:
    try:
        # Validate as JSON: strict mode reads enum values from JSON text, as on the wire.
        model.model_validate_json(orjson.dumps(item))
    except ValidationError as error:
        return _with_rules(model, error, prefix)
    return []


def _unwrap(document: Any, text: bytes | str) -> tuple[str, Any, list[tuple[Problem, str]]]:
    """(shape, payload, envelope problems): the payload is an object or a list of objects."""
    if isinstance(document, dict) and "status_code" in document and "timestamp" in document:
        envelope_problems: list[tuple[Problem, str]] = []
        try:
            OcpiResponse[Any].model_validate_json(text)
        except ValidationError as error:
            envelope_problems = _with_rules(OcpiResponse[Any], error, [])
        return "envelope", document.get("data"), envelope_problems
    return ("list" if isinstance(document, list) else "object"), document, []


def check_document(
    text: bytes | str, type_name: str | None = None, version: str = "2.2.1"
) -> CheckResult:
    """Check a JSON document: an object, a list of objects, or an OCPI response envelope."""
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise UnreadableInput(f"not valid JSON: {error}") from None
    known = OBJECT_TYPES.get(version)
    if known is None:
        raise ValueError(f"unsupported OCPI version {version!r}; known: {', '.join(OBJECT_TYPES)}")
    if type_name is not None and type_name not in known:
        raise ValueError(f"unknown type {type_name!r}; known: {', '.join(sorted(known))}")
    shape, payload, found = _unwrap(document, text)
    prefix: list[int | str] = ["data"] if shape == "envelope" else []
    items = payload if isinstance(payload, list) else [] if payload is None else [payload]
    first = next((item for item in items if isinstance(item, dict)), None)
    name = type_name or (guess_type(first, version) if first is not None else "Location")
    if isinstance(payload, list):
        shape = "envelope (list)" if shape == "envelope" else shape
        for index, item in enumerate(items):
            found += _check(known[name], item, [*prefix, index])
    elif payload is not None:
        found += _check(known[name], payload, prefix)
    return CheckResult(
        type_name=name, shape=shape, count=len(items), problems=found, version=version
    )
