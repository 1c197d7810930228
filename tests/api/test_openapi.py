"""The OpenAPI document of the backend API at /api/openapi.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


L = "/api/locations/{country_code}/{party_id}/{location_id}"
TA = "/api/tariffs/{country_code}/{party_id}/{tariff_id}"
TO = "/api/tokens/{country_code}/{party_id}/{token_uid}"
SE = "/api/sessions/{country_code}/{party_id}/{session_id}"
P = "/api/partners/{partner_name}"
C = "/api/cdrs/{country_code}/{party_id}/{cdr_id}"
ROUTES = {
    ("GET", "/api/locations"),
    ("GET", "/api/tariffs"),
    ("GET", "/api/tokens"),
    ("GET", "/api/sessions"),
    *((method, path) for method in ("GET", "PUT", "PATCH") for path in (L, L + "/{evse_uid}")),
    *((method, L + "/{evse_uid}/{connector_id}") for method in ("GET", "PUT", "PATCH")),
    ("PUT", L + "/{evse_uid}/status"),
    ("GET", TA),
    ("PUT", TA),
    ("DELETE", TA),
    ("GET", TO),
    ("PUT", TO),
    ("PATCH", TO),
    ("GET", SE),
    ("PUT", SE),
    ("PATCH", SE),
    ("GET", SE + "/charging_preferences"),
    ("PUT", P + "/sessions/{session_id}/charging_preferences"),
    ("GET", "/api/partners"),
    ("POST", "/api/partners"),
    ("POST", "/api/invitations"),
    ("GET", f"{P}/grants"),
    ("PUT", f"{P}/grants"),
    ("PUT", f"{P}/reading"),
    ("GET", f"{P}/deviations"),
    ("GET", P),
    ("GET", P + "/locations"),
    ("GET", P + "/tariffs"),
    ("GET", P + "/tokens"),
    ("GET", P + "/sessions"),
    ("GET", P + L.removeprefix("/api")),
    ("GET", P + L.removeprefix("/api") + "/{evse_uid}"),
    ("GET", P + L.removeprefix("/api") + "/{evse_uid}/{connector_id}"),
    ("GET", P + TA.removeprefix("/api")),
    ("GET", P + TO.removeprefix("/api")),
    ("GET", "/api/events"),
    ("GET", "/api/deliveries"),
    ("POST", "/api/deliveries/{delivery_id}/retry"),
    ("POST", "/api/deliveries/{delivery_id}/skip"),
    ("GET", P + SE.removeprefix("/api")),
    ("POST", "/api/cdrs"),
    ("GET", "/api/cdrs"),
    ("GET", C),
    ("GET", C + "/deliveries"),
    ("GET", P + "/cdrs"),
    ("GET", P + C.removeprefix("/api")),
    ("POST", "/api/commands/{command_type}"),
    ("GET", "/api/commands"),
    ("GET", "/api/commands/{command_id}"),
    ("POST", "/api/commands/{command_id}/result"),
    ("POST", "/api/authorize"),
    *((method, P + "/chargingprofiles/{session_id}") for method in ("GET", "PUT", "DELETE")),
    ("GET", P + "/chargingprofiles/{session_id}/active"),
    ("GET", "/api/chargingprofiles/requests/{request_id}"),
    ("POST", "/api/chargingprofiles/requests/{request_id}/result"),
    ("PUT", "/api/chargingprofiles/active/{session_id}"),
    ("POST", "/api/sessions"),
    ("POST", SE + "/meter-values"),
    ("PUT", SE + "/status"),
    ("POST", SE + "/stop"),
    ("POST", "/api/cdrs/{country_code}/{party_id}/{cdr_id}/credit"),
}
VALUES = {
    "country_code": "NL",
    "party_id": "ORM",
    "location_id": "L1",
    "evse_uid": "E1",
    "connector_id": "C1",
    "tariff_id": "T1",
    "token_uid": "U1",
    "session_id": "S1",
    "partner_name": "p",
    "cdr_id": "CDR1",
    "command_type": "START_SESSION",
    "command_id": "c1",
    "request_id": "1",
    "delivery_id": "1",
}


async def test_every_route_is_documented(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == ROUTES


async def test_every_documented_route_is_served(client: httpx.AsyncClient) -> None:
    for method, template in ROUTES:
        response = await client.request(method, template.format(**VALUES), json={})
        # Served: a 404 names an unknown object or partner, not an unknown path; never a 405.
        assert response.status_code != 405, (method, template)
        if response.status_code == 404:
            assert "Unknown path" not in response.text, (method, template)


def test_every_route_is_in_the_guide() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "backend-api.md").read_text()
    for method, path in ROUTES:
        assert f"{method} {path}" in guide, (method, path)


async def test_bodies_and_answers_refer_to_the_ocpi_models(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    schemas = document["components"]["schemas"]
    for name in ("Location", "EVSE", "Connector", "LocationPatch", "Tariff", "Token", "TokenPatch"):
        assert name in schemas
    put = document["paths"]["/api/locations/{country_code}/{party_id}/{location_id}"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Location"}
    assert set(put["responses"]) >= {"200", "201", "400", "401", "404"}
    listing = document["paths"]["/api/tariffs"]["get"]
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Tariff"}
    names = {p["name"] for p in listing["parameters"]}
    assert names == {"date_from", "date_to", "offset", "limit"}
    # Every $ref resolves.
    text = str(document)
    for ref in {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}:
        assert ref in schemas, ref


async def test_the_admin_token_is_the_security_scheme(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    scheme = document["components"]["securitySchemes"]["AdminToken"]
    assert scheme == {
        "type": "http",
        "scheme": "bearer",
        "description": scheme["description"],
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"AdminToken": []}]
