"""The response envelope's bytes (transport_and_format.asciidoc "Response format") and the place
of the GET list hot path in the app."""

from __future__ import annotations

import orjson
from starlette.routing import Route

from openroam._server.app import create_app
from openroam._server.envelope import JsonArray, RawJson, envelope_bytes


def test_a_list_of_stored_documents_is_a_json_array_in_data() -> None:
    documents = [b'{"id":"L1"}', b'{"id":"L2","evses":[]}', b'{"id":"L3"}']
    body = orjson.loads(envelope_bytes(JsonArray(documents)))
    assert body["data"] == [{"id": "L1"}, {"id": "L2", "evses": []}, {"id": "L3"}]
    assert body["status_code"] == 1000
    assert set(body) == {"data", "status_code", "timestamp"}
    # The stored bytes go into the body unchanged, not re-encoded.
    assert b'[{"id":"L1"},{"id":"L2","evses":[]},{"id":"L3"}]' in envelope_bytes(
        JsonArray(documents)
    )


def test_an_empty_list_is_an_empty_array_and_raw_json_is_kept() -> None:
    assert orjson.loads(envelope_bytes(JsonArray([])))["data"] == []
    assert orjson.loads(envelope_bytes(RawJson(b'{"a":1}')))["data"] == {"a": 1}


def test_the_sender_list_routes_come_first_in_the_app() -> None:
    # The GET list hot path is matched before any router (_server/v221/roaming.py).
    first = create_app(None).router.routes[:3]
    assert all(isinstance(route, Route) for route in first)
    assert [route.path for route in first if isinstance(route, Route)] == [
        f"/ocpi/2.2.1/sender/{module}" for module in ("locations", "tariffs", "tokens")
    ]
