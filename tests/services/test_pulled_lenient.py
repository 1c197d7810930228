"""Pulled pages read by the partner's reading policy (docs/spec-decisions.md "DateTimes with a
space or an offset"), on SQLite and PostgreSQL: a lenient partner's DateTimes with a space or an
offset are stored in the spec's form and counted, only for the objects stored; a strict
partner's are invalid with the reason; other problems stay invalid under either policy."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from openroam._services.credentials import Caller
from openroam._services.object_specs import SPECS
from openroam._services.platform import Platform
from openroam._services.pulled import store_pulled
from openroam._services.roaming import RoamingService
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.models.v221.locations import Location
from tests.services.test_pulled import OURS, _location

SPEC = SPECS["locations"]


async def _caller(database: Database, *, lenient: bool) -> Caller:
    name = f"cpo-{uuid.uuid4().hex[:8]}"
    async with database.session() as session, session.begin():
        invited = await repo.create_invitation(session, name, f"token-a-{name}")
    return Caller(invited.id, name, "", "C", "registered", (("CPO", "NL", "CPO"),), lenient=lenient)


def _service(database: Database) -> RoamingService:
    return RoamingService(database, Platform("http://emsp.test", (OURS,)))


def _deviant(location_id: str) -> dict[str, Any]:
    return _location(
        location_id,
        "2026-01-01 10:00:00",
        evses=[
            {
                "uid": "E1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "last_updated": "2026-01-01T11:00:00+01:00",
                    }
                ],
                "last_updated": "2026-01-01T10:00:00+00:00",
            }
        ],
    )


def _conform(document: dict[str, Any]) -> dict[str, Any]:
    text = orjson.dumps(document).replace(b"2026-01-01 10:00:00", b"2026-01-01T10:00:00")
    text = text.replace(b"+00:00", b"Z").replace(b"T11:00:00+01:00", b"T10:00:00Z")
    return orjson.loads(text)  # type: ignore[no-any-return]


async def _document(database: Database, caller: Caller, location_id: str) -> bytes | None:
    async with database.session() as session:
        stored = await objects.get_object(
            session, "locations", caller.partner_id, "NL", "CPO", location_id
        )
    return None if stored is None else stored.document


async def _counts(database: Database, caller: Caller) -> dict[tuple[str, str], int]:
    async with database.session() as session:
        rows = await repo.deviations_of(session, caller.partner_id)
    return {(row.field, row.kind): row.count for row in rows}


async def test_a_lenient_page_is_stored_in_the_spec_form_and_counted(database: Database) -> None:
    caller = await _caller(database, lenient=True)
    page = [_deviant("L1"), _deviant("L2"), _location("L3")]
    result = await store_pulled(_service(database), caller, SPEC, page)
    assert (result.stored, result.invalid) == (3, [])
    expected = Location.model_validate_json(orjson.dumps(_conform(page[0]))).to_json()
    assert await _document(database, caller, "L1") == expected
    assert b"2026-01-01T10:00:00Z" in expected
    assert await _counts(database, caller) == {
        ("last_updated", "space"): 2,
        ("evses.last_updated", "utc_offset"): 2,
        ("evses.connectors.last_updated", "offset"): 2,
    }


async def test_only_the_objects_stored_count_and_other_problems_stay_invalid(
    database: Database,
) -> None:
    caller = await _caller(database, lenient=True)
    broken = _deviant("L2") | {"country": "NL"}  # a CiString(3) ISO 3166 alpha-3 code
    page = [_deviant("L1"), broken, _location("L3")]
    result = await store_pulled(_service(database), caller, SPEC, page)
    assert result.stored == 2
    assert result.invalid is not None
    assert [label for label, _ in result.invalid] == ["L2"]
    assert result.invalid[0][1].startswith("$.country: ")
    assert await _document(database, caller, "L2") is None
    assert await _counts(database, caller) == {
        ("last_updated", "space"): 1,
        ("evses.last_updated", "utc_offset"): 1,
        ("evses.connectors.last_updated", "offset"): 1,
    }


async def test_a_strict_page_reports_each_deviation_and_counts_none(database: Database) -> None:
    caller = await _caller(database, lenient=False)
    result = await store_pulled(_service(database), caller, SPEC, [_deviant("L1"), _location("L2")])
    assert result.stored == 1
    assert result.invalid is not None
    [(label, reason)] = result.invalid
    assert label == "L1"
    assert (
        "$.evses[0].connectors[0].last_updated: '2026-01-01T11:00:00+01:00' has the offset "
        "+01:00: OCPI DateTimes SHALL be in UTC"
    ) in reason
    assert (
        "$.evses[0].last_updated: '2026-01-01T10:00:00+00:00' is not an OCPI DateTime "
        "(+00:00 instead of Z)"
    ) in reason
    assert (
        "$.last_updated: '2026-01-01 10:00:00' is not an OCPI DateTime (space instead of T)"
    ) in reason
    assert await _counts(database, caller) == {}
