"""Own Locations through the backend API: PUT/PATCH/GET of Location, EVSE and Connector, the EVSE
status shortcut, ``last_updated`` defaulting, lists, and the error shape."""

from __future__ import annotations

import httpx
import pytest

from openroam._services.node import Node
from tests.api.support import (
    T0,
    TIMESTAMP,
    connector,
    data_of,
    error_of,
    evse,
    location,
    without,
)

LOC = "/api/locations/NL/ORM/LOC1"


async def test_put_creates_201_then_replaces_200(client: httpx.AsyncClient) -> None:
    """status_codes.asciidoc: 201 for a new object, 200 for a replaced one."""
    first = await client.put(LOC, json=location())
    assert data_of(first, 201) == {"created": True, "applied": True, "last_updated": T0}
    second = await client.put(
        LOC, json=location(name="Station", last_updated="2026-01-02T00:00:00Z")
    )
    assert data_of(second, 200) == {
        "created": False,
        "applied": True,
        "last_updated": "2026-01-02T00:00:00Z",
    }
    stored = data_of(await client.get(LOC))
    assert stored["name"] == "Station"
    assert stored["last_updated"] == "2026-01-02T00:00:00Z"


async def test_get_returns_the_stored_object_and_its_parts(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    assert data_of(await client.get(LOC)) == location()
    assert data_of(await client.get(f"{LOC}/E1")) == evse()
    assert data_of(await client.get(f"{LOC}/E1/1")) == connector()
    # types.asciidoc "CiString": ids match case-insensitively.
    assert data_of(await client.get("/api/locations/nl/orm/loc1/e1"))["uid"] == "E1"


async def test_put_without_last_updated_gets_now_and_children_their_parents(
    client: httpx.AsyncClient,
) -> None:
    body = without(location(), "last_updated")
    body["evses"] = [
        without(evse(connectors=[without(connector(), "last_updated")]), "last_updated")
    ]
    response = await client.put(LOC, json=body)
    stamp = data_of(response, 201)["last_updated"]
    assert TIMESTAMP.match(stamp)
    stored = data_of(await client.get(LOC))
    assert stored["last_updated"] == stamp
    assert stored["evses"][0]["last_updated"] == stamp
    assert stored["evses"][0]["connectors"][0]["last_updated"] == stamp


async def test_children_without_last_updated_get_the_given_parent_value(
    client: httpx.AsyncClient,
) -> None:
    body = location(evses=[without(evse(), "last_updated")])
    await client.put(LOC, json=body)
    assert data_of(await client.get(f"{LOC}/E1"))["last_updated"] == T0


async def test_put_evse_adds_it_and_moves_the_location_last_updated(
    client: httpx.AsyncClient,
) -> None:
    """mod_locations "PUT": adding an EVSE sets the Location's last_updated to the EVSE's."""
    await client.put(LOC, json=location())
    response = await client.put(f"{LOC}/E2", json=evse("E2", last_updated="2026-01-03T00:00:00Z"))
    assert data_of(response, 201)["created"] is True
    stored = data_of(await client.get(LOC))
    assert [e["uid"] for e in stored["evses"]] == ["E1", "E2"]
    assert stored["last_updated"] == "2026-01-03T00:00:00Z"
    replaced = await client.put(f"{LOC}/E2", json=evse("E2", last_updated="2026-01-04T00:00:00Z"))
    assert data_of(replaced, 200)["created"] is False


async def test_put_connector(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    response = await client.put(f"{LOC}/E1/2", json=without(connector("2"), "last_updated"))
    assert data_of(response, 201)["created"] is True
    stored = data_of(await client.get(f"{LOC}/E1"))
    assert [c["id"] for c in stored["connectors"]] == ["1", "2"]


async def test_patch_changes_only_the_given_fields(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    response = await client.patch(LOC, json={"name": "New name"})
    data = data_of(response)
    assert data["created"] is False
    assert TIMESTAMP.match(data["last_updated"])
    stored = data_of(await client.get(LOC))
    assert stored == location(name="New name", last_updated=data["last_updated"])


async def test_patch_of_a_connector_moves_its_parents(client: httpx.AsyncClient) -> None:
    """mod_locations "PATCH": the parents' last_updated follows a changed Connector."""
    await client.put(LOC, json=location())
    patch = {"max_amperage": 16, "last_updated": "2026-02-01T00:00:00Z"}
    data_of(await client.patch(f"{LOC}/E1/1", json=patch))
    stored = data_of(await client.get(LOC))
    assert stored["last_updated"] == "2026-02-01T00:00:00Z"
    assert stored["evses"][0]["last_updated"] == "2026-02-01T00:00:00Z"
    assert stored["evses"][0]["connectors"][0]["max_amperage"] == 16


async def test_evse_status_shortcut(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    response = await client.put(f"{LOC}/E1/status", json={"status": "CHARGING"})
    data = data_of(response)
    assert data["created"] is False
    assert data["applied"] is True
    assert TIMESTAMP.match(data["last_updated"])
    stored = data_of(await client.get(LOC))
    assert stored["evses"][0]["status"] == "CHARGING"
    assert stored["evses"][0]["last_updated"] == data["last_updated"]
    assert stored["last_updated"] == data["last_updated"]


async def test_evse_status_shortcut_with_a_time(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    when = "2026-01-05T12:00:00Z"
    response = await client.put(
        f"{LOC}/E1/status", json={"status": "BLOCKED", "last_updated": when}
    )
    assert data_of(response)["last_updated"] == when
    assert data_of(await client.get(f"{LOC}/E1"))["last_updated"] == when


@pytest.mark.parametrize(
    "body",
    [{"status": "FLYING"}, {}, {"status": "CHARGING", "colour": "red"}, {"status": 1}],
)
async def test_evse_status_shortcut_rejects_bad_bodies(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    await client.put(LOC, json=location())
    message = error_of(await client.put(f"{LOC}/E1/status", json=body), 400, 2001)
    assert "body" in message
    assert data_of(await client.get(f"{LOC}/E1"))["status"] == "AVAILABLE"


async def test_evse_status_of_an_unknown_evse_is_404(client: httpx.AsyncClient) -> None:
    await client.put(LOC, json=location())
    error_of(await client.put(f"{LOC}/E9/status", json={"status": "CHARGING"}), 404, 2000)


async def test_an_older_update_is_acknowledged_but_not_applied(client: httpx.AsyncClient) -> None:
    """transport_and_format: an update older than the stored object does not overwrite it."""
    await client.put(LOC, json=location(last_updated="2026-03-01T00:00:00Z"))
    response = await client.put(LOC, json=location(name="old", last_updated=T0))
    assert data_of(response, 200) == {"created": False, "applied": False, "last_updated": T0}
    assert "name" not in data_of(await client.get(LOC))


async def test_validation_errors_have_the_api_error_shape(client: httpx.AsyncClient) -> None:
    """A body that fails the Location model: 400, status_code 2001, where and what."""
    message = error_of(await client.put(LOC, json=without(location(), "address")), 400, 2001)
    assert "address" in message
    message = error_of(await client.put(LOC, json=location(country="Netherlands")), 400, 2001)
    assert "country" in message
    error_of(await client.get(LOC), 404, 2000)


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    """status_codes.asciidoc: a body that is not valid JSON gets HTTP 400."""
    response = await client.put(
        LOC, content=b"{not json", headers={"content-type": "application/json"}
    )
    error_of(response, 400, 2001)
    response = await client.put(
        f"{LOC}/E1/status", content=b"{", headers={"content-type": "application/json"}
    )
    error_of(response, 400, 2001)


async def test_url_and_body_ids_must_match(client: httpx.AsyncClient) -> None:
    """transport_and_format "Errors": ids in the body differ from the URL → 2001."""
    error_of(await client.put(LOC, json=location("OTHER")), 400, 2001)
    error_of(await client.put("/api/locations/DE/ORM/LOC1", json=location()), 404, 2000)


async def test_only_own_cpo_parties_can_be_written(client: httpx.AsyncClient) -> None:
    body = location(country_code="DE", party_id="XYZ")
    message = error_of(await client.put("/api/locations/DE/XYZ/LOC1", json=body), 404, 2000)
    assert "DE/XYZ" in message


async def test_unknown_objects_are_404(client: httpx.AsyncClient) -> None:
    error_of(await client.get(LOC), 404, 2000)
    error_of(await client.patch(LOC, json={"name": "x"}), 404, 2000)
    error_of(await client.put(f"{LOC}/E1", json=evse()), 404, 2000)
    await client.put(LOC, json=location())
    error_of(await client.get(f"{LOC}/E9"), 404, 2000)
    error_of(await client.get(f"{LOC}/E1/9"), 404, 2000)


async def test_path_parameters_are_checked(client: httpx.AsyncClient) -> None:
    message = error_of(await client.get("/api/locations/NLD/ORM/LOC1"), 400, 2001)
    assert "country_code" in message
    error_of(await client.get(f"/api/locations/NL/ORM/{'x' * 37}"), 400, 2001)


async def test_locations_have_no_delete(client: httpx.AsyncClient) -> None:
    """mod_locations: no DELETE; an EVSE is removed with status REMOVED."""
    response = await client.delete(LOC)
    error_of(response, 405, 2000)
    assert response.headers["allow"] == "GET, PUT, PATCH"


async def test_unknown_paths_are_404_in_the_api_shape(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/api/no-such-module"), 404, 2000)
    error_of(await client.post("/api/locations"), 405, 2000)


async def _put_locations(client: httpx.AsyncClient, count: int) -> None:
    for index in range(count):
        stamp = f"2026-01-{index + 1:02d}T00:00:00Z"
        response = await client.put(
            f"/api/locations/NL/ORM/L{index}", json=location(f"L{index}", last_updated=stamp)
        )
        assert response.status_code == 201, response.text


async def test_list_with_total_offset_and_limit(client: httpx.AsyncClient) -> None:
    await _put_locations(client, 5)
    body = (await client.get("/api/locations")).json()
    assert body["total"] == 5
    assert [item["id"] for item in body["data"]] == ["L0", "L1", "L2", "L3", "L4"]
    body = (await client.get("/api/locations", params={"offset": 1, "limit": 2})).json()
    assert body == {
        "data": [
            location("L1", last_updated="2026-01-02T00:00:00Z"),
            location("L2", last_updated="2026-01-03T00:00:00Z"),
        ],
        "total": 5,
    }


async def test_list_date_filters(client: httpx.AsyncClient) -> None:
    """transport_and_format "Pagination": date_from inclusive, date_to exclusive."""
    await _put_locations(client, 5)
    params = {"date_from": "2026-01-02T00:00:00Z", "date_to": "2026-01-04T00:00:00Z"}
    body = (await client.get("/api/locations", params=params)).json()
    assert [item["id"] for item in body["data"]] == ["L1", "L2"]
    assert body["total"] == 2


async def test_list_limit_is_capped_at_the_page_limit(
    client: httpx.AsyncClient, node: Node
) -> None:
    node.page_limit = 2
    await _put_locations(client, 3)
    body = (await client.get("/api/locations", params={"limit": 50})).json()
    assert len(body["data"]) == 2
    assert body["total"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {"offset": -1},
        {"limit": "many"},
        {"date_from": "yesterday"},
        {"date_to": "2026-01-01T00:00:00+02:00"},
    ],
)
async def test_bad_list_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    message = error_of(await client.get("/api/locations", params=params), 400, 2001)
    assert next(iter(params)) in message
