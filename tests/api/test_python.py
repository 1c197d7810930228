"""The backend API in Python: ``openroam._api.Backend``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from openroam._api import Backend, Listing
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.v221.locations import EVSE, Connector, Location, Status
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import Token, TokenType
from tests.api.conftest import RegisterPartner
from tests.api.support import TIMESTAMP, connector, evse, location, tariff, token


@pytest.fixture
def backend(node: Node) -> Backend:
    return Backend(node)


async def test_put_location_then_replace(backend: Backend) -> None:
    model = Location.model_validate_json(orjson.dumps(location()))
    first = await backend.put_location(model)
    assert (first.created, first.applied) == (True, True)
    model.name = "Renamed"
    model.last_updated = datetime(2026, 2, 1, tzinfo=UTC)
    second = await backend.put_location(model)
    assert (second.created, second.applied) == (False, True)
    stored = await backend.get_location("NL", "ORM", "LOC1")
    assert stored == model
    assert stored.to_dict() == location(name="Renamed", last_updated="2026-02-01T00:00:00Z")


async def test_put_evse_and_connector(backend: Backend) -> None:
    await backend.put_location(Location.model_validate_json(orjson.dumps(location())))
    new_evse = EVSE.model_validate_json(orjson.dumps(evse("E2")))
    assert (await backend.put_evse("NL", "ORM", "LOC1", new_evse)).created is True
    new_connector = Connector.model_validate_json(orjson.dumps(connector("2")))
    assert (await backend.put_connector("NL", "ORM", "LOC1", "E2", new_connector)).created
    assert await backend.get_evse("NL", "ORM", "LOC1", "E2") == EVSE.model_validate_json(
        orjson.dumps(evse("E2", connectors=[connector(), connector("2")]))
    )
    assert await backend.get_connector("NL", "ORM", "LOC1", "E2", "2") == new_connector


async def test_patch_evse_status(backend: Backend) -> None:
    await backend.put_location(Location.model_validate_json(orjson.dumps(location())))
    result = await backend.patch_evse_status("NL", "ORM", "LOC1", "E1", Status.CHARGING)
    assert (result.created, result.applied) == (False, True)
    stored = await backend.get_location("NL", "ORM", "LOC1")
    assert stored.evses is not None
    assert stored.evses[0].status == Status.CHARGING
    # last_updated is now, and the Location follows its EVSE (mod_locations "PATCH").
    assert stored.evses[0].last_updated == stored.last_updated
    assert (datetime.now(UTC) - stored.last_updated).total_seconds() < 60
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    await backend.patch_evse_status("NL", "ORM", "LOC1", "E1", "OUTOFORDER", last_updated=at)
    changed = await backend.get_evse("NL", "ORM", "LOC1", "E1")
    assert (changed.status, changed.last_updated) == (Status.OUTOFORDER, at)
    with pytest.raises(ValueError, match="FLYING"):
        await backend.patch_evse_status("NL", "ORM", "LOC1", "E1", "FLYING")
    with pytest.raises(NotFound):
        await backend.patch_evse_status("NL", "ORM", "LOC1", "E9", Status.AVAILABLE)


async def test_patch_location_and_connector_fields(backend: Backend) -> None:
    await backend.put_location(Location.model_validate_json(orjson.dumps(location())))
    await backend.patch_location("NL", "ORM", "LOC1", {"name": "Patched"})
    await backend.patch_connector("NL", "ORM", "LOC1", "E1", "1", {"max_amperage": 16})
    await backend.patch_evse("NL", "ORM", "LOC1", "E1", {"floor_level": "-1"})
    stored = await backend.get_location("NL", "ORM", "LOC1")
    assert stored.name == "Patched"
    assert stored.evses is not None
    assert stored.evses[0].floor_level == "-1"
    assert stored.evses[0].connectors[0].max_amperage == 16
    with pytest.raises(InvalidOrMissingParameters):
        await backend.patch_location("NL", "ORM", "LOC1", {"country": "Netherlands"})


async def test_tariffs(backend: Backend) -> None:
    model = Tariff.model_validate_json(orjson.dumps(tariff()))
    assert (await backend.put_tariff(model)).created is True
    assert await backend.get_tariff("NL", "ORM", "T1") == model
    listing = await backend.list_tariffs()
    assert listing == Listing([model], 1)
    await backend.delete_tariff("NL", "ORM", "T1")
    with pytest.raises(NotFound):
        await backend.get_tariff("NL", "ORM", "T1")
    with pytest.raises(NotFound):
        await backend.delete_tariff("NL", "ORM", "T1")


async def test_tokens(backend: Backend) -> None:
    model = Token.model_validate_json(orjson.dumps(token(type="APP_USER")))
    assert (await backend.put_token(model)).created is True
    with pytest.raises(NotFound):
        await backend.get_token("NL", "ORM", "012345678")  # RFID by default
    await backend.patch_token("NL", "ORM", "012345678", {"valid": False}, token_type="APP_USER")
    stored = await backend.get_token("NL", "ORM", "012345678", TokenType.APP_USER)
    assert stored.valid is False
    assert TIMESTAMP.match(stored.to_dict()["last_updated"])
    assert (await backend.list_tokens()).total == 1


async def test_lists_filter_and_page(backend: Backend) -> None:
    for index in range(4):
        body = location(f"L{index}", last_updated=f"2026-01-0{index + 1}T00:00:00Z")
        await backend.put_location(Location.model_validate_json(orjson.dumps(body)))
    everything = await backend.list_locations()
    assert [item.id for item in everything.items] == ["L0", "L1", "L2", "L3"]
    page = await backend.list_locations(date_from="2026-01-02T00:00:00Z", offset=1, limit=1)
    assert ([item.id for item in page.items], page.total) == (["L2"], 3)
    until = await backend.list_locations(date_to=datetime(2026, 1, 2, tzinfo=UTC))
    assert ([item.id for item in until.items], until.total) == (["L0"], 1)


async def test_partner_objects_and_partners(
    backend: Backend, node: Node, register_partner: RegisterPartner
) -> None:
    caller = await register_partner("cpo-partner")
    body = location("P1", "DE", "PRT")
    await node.roaming.receive_put(
        caller, LOCATIONS, ObjectPath("DE", "PRT", "P1"), orjson.dumps(body)
    )
    expected = Location.model_validate_json(orjson.dumps(body))
    assert await backend.get_location("DE", "PRT", "P1", partner="cpo-partner") == expected
    evse_model = await backend.get_evse("DE", "PRT", "P1", "E1", partner="cpo-partner")
    assert evse_model.uid == "E1"
    assert await backend.list_locations(partner="cpo-partner") == Listing([expected], 1)
    assert await backend.list_locations() == Listing([], 0)
    with pytest.raises(NotFound):
        await backend.get_location("DE", "PRT", "P1")
    with pytest.raises(NotFound):
        await backend.list_locations(partner="nobody")
    partners = await backend.list_partners()
    assert [p.name for p in partners] == ["cpo-partner"]
    assert (await backend.partner("cpo-partner")).roles[0].party_id == "PRT"


async def test_writes_for_foreign_parties_are_refused(backend: Backend) -> None:
    foreign = Location.model_validate_json(orjson.dumps(location("X", "DE", "XYZ")))
    with pytest.raises(NotFound, match="DE/XYZ"):
        await backend.put_location(foreign)
