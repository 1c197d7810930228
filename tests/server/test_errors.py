"""Error mapping: every failure answers an OCPI envelope with the right HTTP status and
status_code (status_codes.asciidoc; transport_and_format.asciidoc "Response format": "For errors
on the HTTP layer, use HTTP error response codes, including the response format above"), never
a framework-shaped body (``{"detail": …}``, 422, 307) or a traceback. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import JSONResponse

from tests.server.conftest import Registration
from tests.server.support import (
    CREDENTIALS,
    FakePartner,
    envelope_of,
    partner_credentials,
    token_header,
)

JSON = {"Content-Type": "application/json"}


async def _post_raw(client: httpx.AsyncClient, token: str, content: bytes) -> httpx.Response:
    return await client.post(CREDENTIALS, content=content, headers=token_header(token) | JSON)


async def test_invalid_json_body_is_400_2001(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """status_codes.asciidoc: a body that is not valid JSON → HTTP 400 (MUST) with 2001."""
    for content in (b"{not json", b'{"token": "x",', b"\xff\xfe", b"{'token': 'x'}"):
        body = envelope_of(await _post_raw(client, token_a, content), 400, 2001)
        assert body["status_message"] == "The request body is not valid JSON", content
    assert partner.requests == []


async def test_empty_body_is_400_2001(client: httpx.AsyncClient, token_a: str) -> None:
    """status_codes.asciidoc: no body at all is not valid JSON either → HTTP 400 with 2001."""
    for content in (b"", b"  \n"):
        envelope_of(await _post_raw(client, token_a, content), 400, 2001)


async def test_invalid_json_body_on_put_is_400_2001(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """status_codes.asciidoc: the same for a credentials PUT."""
    response = await client.put(
        CREDENTIALS, content=b"{", headers=token_header(registered.token_c) | JSON
    )
    envelope_of(response, 400, 2001)


WRONG_TYPES: dict[str, tuple[dict[str, Any], str]] = {
    "roles-not-a-list": ({"roles": {"role": "EMSP"}}, "$.roles"),
    "roles-empty": ({"roles": []}, "$.roles"),
    "token-too-long": ({"token": "t" * 65}, "$.token"),
    "token-with-space": ({"token": "a b"}, "$.token"),
    "url-a-number": ({"url": 42}, "$.url"),
    "party-id-too-long": (
        {
            "roles": [
                {
                    "role": "EMSP",
                    "business_details": {"name": "x"},
                    "party_id": "TOOLONG",
                    "country_code": "DE",
                }
            ]
        },
        "$.roles[0].party_id",
    ),
    "unknown-role": (
        {
            "roles": [
                {
                    "role": "DRIVER",
                    "business_details": {"name": "x"},
                    "party_id": "PRT",
                    "country_code": "DE",
                }
            ]
        },
        "$.roles[0].role",
    ),
}


async def test_wrong_types_are_2001_with_the_field_path(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """status_codes.asciidoc 2001 "Invalid or missing parameters". Valid JSON from an
    authenticated party has reached the OCPI layer: HTTP 200, never 422."""
    for case, (changes, path) in WRONG_TYPES.items():
        body = partner_credentials("token-b") | changes
        response = await client.post(CREDENTIALS, json=body, headers=token_header(token_a))
        envelope = envelope_of(response, 200, 2001)
        assert envelope["status_message"].startswith(f"{path}: "), (case, envelope)
    assert partner.requests == []
    # Nothing was registered: token A still works.
    envelope_of(await client.get(CREDENTIALS, headers=token_header(token_a)), 200, 1000)


async def test_json_that_is_not_a_credentials_object_is_2001(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """status_codes.asciidoc 2001: valid JSON of the wrong shape."""
    for content in (b"[]", b'"token"', b"null", b"42"):
        body = envelope_of(await _post_raw(client, token_a, content), 200, 2001)
        assert body["status_message"].startswith("$: "), (content, body)


async def test_missing_fields_are_each_named(client: httpx.AsyncClient, token_a: str) -> None:
    """status_codes.asciidoc 2001, e.g. "Missing required field": each field path is given."""
    body = envelope_of(await _post_raw(client, token_a, b"{}"), 200, 2001)
    for field in ("$.token", "$.url", "$.roles"):
        assert field in body["status_message"]


async def test_invalid_query_parameter_is_2001_not_422(app: FastAPI, client: httpx.AsyncClient):
    """status_codes.asciidoc 2001 for a bad query parameter (e.g. a paginated GET's ``limit``);
    FastAPI would answer 422 with ``{"detail": …}``. A test-only route stands in for the
    functional modules that will take query parameters."""

    @app.get("/ocpi/2.2.1/paged")
    async def paged(limit: int = 10) -> JSONResponse:
        return JSONResponse({"limit": limit})

    body = envelope_of(await client.get("/ocpi/2.2.1/paged?limit=abc"), 200, 2001)
    assert body["status_message"].startswith("$.query.limit: ")


UNKNOWN_PATHS = ("/", "/nope", "/ocpi", "/ocpi/2.0", "/ocpi/2.2.1/nomodule", "/ocpi/2.2.1/x/y/")


async def test_unknown_path_is_404_envelope(client: httpx.AsyncClient, token_a: str) -> None:
    """T&F "Response format": HTTP-layer errors carry the OCPI envelope too; an unknown path is
    HTTP 404 (status_codes.asciidoc), with or without a token, with or without a slash."""
    requests: list[tuple[str, dict[str, str]]] = [(path, {}) for path in UNKNOWN_PATHS]
    requests += [("/ocpi/2.2.1/nomodule/", token_header(token_a)), ("/nope", token_header(token_a))]
    for path, headers in requests:
        body = envelope_of(await client.get(path, headers=headers), 404, 2000)
        assert body["status_message"] == "Unknown path", path


WRONG_METHODS = (
    ("PATCH", CREDENTIALS, "GET, POST, PUT, DELETE"),
    ("POST", "/ocpi/versions", "GET"),
    ("DELETE", "/ocpi/2.2.1", "GET"),
    ("PATCH", CREDENTIALS + "/", "GET, POST, PUT, DELETE"),
)


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient, token_a: str) -> None:
    """CRED "PATCH Method": n/a. An existing path with a method it does not serve → HTTP 405 as an
    OCPI envelope, with every method the path serves in ``Allow`` (RFC 9110 §15.5.6: MUST)."""
    for method, path, allowed in WRONG_METHODS:
        response = await client.request(method, path, headers=token_header(token_a))
        envelope_of(response, 405, 2000)
        assert response.headers["allow"] == allowed, (method, path)


def _add_failing_route(app: FastAPI) -> None:
    @app.get("/ocpi/2.2.1/boom")
    async def boom() -> JSONResponse:
        raise RuntimeError("secret internals: password=hunter2")


async def test_unexpected_exception_is_500_3000_with_the_request_id(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/architecture.md "What the code has settled" (HTTP status policy, the one ASGI
    middleware): an unexpected exception is logged with the request id and answered 3000
    (status_codes.asciidoc "Generic server error"), never with a traceback."""
    _add_failing_route(app)
    request_id = str(uuid.uuid4())
    with caplog.at_level(logging.ERROR, logger="openroam.ocpi"):
        response = await client.get("/ocpi/2.2.1/boom", headers={"X-Request-ID": request_id})
    body = envelope_of(response, 500, 3000)
    assert request_id in body["status_message"]
    assert response.headers["x-request-id"] == request_id
    for leak in ("Traceback", "RuntimeError", "secret internals", "hunter2", 'File "'):
        assert leak not in response.text
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert logged, "the failure is logged with the request id"
    assert logged[0].exc_info is not None


async def test_unexpected_exception_names_a_generated_request_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Without an X-Request-ID, the generated one is in the message and the response header."""
    _add_failing_route(app)
    response = await client.get("/ocpi/2.2.1/boom")
    body = envelope_of(response, 500, 3000)
    assert response.headers["x-request-id"] in body["status_message"]
