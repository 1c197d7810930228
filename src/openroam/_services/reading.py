"""Reading a partner's objects by its reading policy, and counting what lenient reading repaired
(docs/spec-decisions.md "DateTimes with a space or an offset").

Every object a partner sends (pushed to our Receiver interface, or pulled from its Sender
interface) is validated strictly first, exactly as for any partner: the strict path costs
nothing more. Only when that fails for a partner whose policy is ``lenient`` are the DateTimes
that failed by a deviation ``models._lenient`` repairs rewritten in the parsed JSON, and the
object validated again. What is stored is the model's own JSON, so always the spec's form; each
repair is counted per partner, module, field and kind (``_store/deviations.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models._lenient import DATETIME_ERROR, Respelled, respell_errors
from openroam.models.common import OcpiModel

__all__ = [
    "deviation_counts",
    "deviations",
    "read_json",
    "record",
    "respelled_document",
    "set_policy",
    "to_counts",
]

M = TypeVar("M", bound=OcpiModel)


def respelled_document(text: bytes, error: ValidationError) -> tuple[Any, list[Respelled]] | None:
    """The JSON ``text`` that failed ``error``, parsed, with the DateTimes that failed by a
    repairable deviation rewritten, and those rewrites; None when there is none to rewrite."""
    if not any(detail["type"] == DATETIME_ERROR for detail in error.errors(include_url=False)):
        return None
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    found = respell_errors(document, error)
    return (document, found) if found else None


def read_json(model: type[M], body: bytes, *, lenient: bool) -> tuple[M, list[Respelled]]:
    """``body`` validated as ``model``, and the DateTimes lenient reading rewrote (none when
    strict). Raises the ``ValidationError`` of what still does not validate."""
    try:
        return model.model_validate_json(body), []
    except ValidationError as error:
        if not lenient:
            raise
        respelled = respelled_document(body, error)
        if respelled is None:
            raise
    document, found = respelled
    return model.model_validate_json(orjson.dumps(document)), found


def to_counts(
    module: str, found: Iterable[Respelled], prefix: str = ""
) -> list[repo.DeviationCount]:
    """``found`` counted by field and kind; each field named ``prefix`` + its path (an EVSE PUT
    on its own URL counts under ``evses.``), the last value seen as the example."""
    totals: dict[tuple[str, str], list[Any]] = {}
    for respelled in found:
        for kind in respelled.kinds:
            entry = totals.setdefault((prefix + respelled.field, kind), [0, ""])
            entry[0] += 1
            entry[1] = respelled.original
    return [
        repo.DeviationCount(module, field, kind, count, example)
        for (field, kind), (count, example) in totals.items()
    ]


async def record(
    db: Database, partner_id: int, module: str, found: Sequence[Respelled], prefix: str = ""
) -> None:
    """Count ``found`` for the partner (nothing to do for an empty list, the strict case)."""
    if not found:
        return
    async with db.session() as session, session.begin():
        await repo.record_deviations(session, partner_id, to_counts(module, found, prefix))


async def set_policy(db: Database, name: str, policy: str) -> None:
    """Set the reading policy (``strict`` or ``lenient``) of the partner called ``name``.

    Its requests are read by the new policy at the latest when its token is next looked up
    (``credentials.TOKEN_TTL``), its pulls from the next one on."""
    try:
        async with db.session() as session, session.begin():
            await repo.set_reading_policy(session, name, policy)
    except ValueError as error:
        raise InvalidOrMissingParameters(str(error)) from None
    except repo.PartnerNotFound:
        raise NotFound(f"No partner named {name!r}") from None


async def deviation_counts(db: Database, partner_id: int) -> list[repo.DeviationRecord]:
    """The deviations lenient reading repaired for the partner, by module, field and kind:
    what ``openroam partners show`` and ``GET /api/partners/{name}/deviations`` show."""
    async with db.session() as session:
        return await repo.deviations_of(session, partner_id)


async def deviations(db: Database, name: str) -> tuple[str, list[repo.DeviationRecord]]:
    """The reading policy and deviation counts of the partner called ``name`` (``NotFound``)."""
    async with db.session() as session:
        partner = await repo.get_partner_by_name(session, name)
        if partner is None:
            raise NotFound(f"No partner named {name!r}")
        return partner.reading_policy, await repo.deviations_of(session, partner.id)
