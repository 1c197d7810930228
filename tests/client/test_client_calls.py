"""OcpiClient calls: OCPI headers on every request (T&F "Unique message IDs", "Request format")
and the typed Versions and Credentials calls against the spec's example envelopes."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from openroam.client import OcpiClient
from openroam.models.v221.credentials import Credentials
from openroam.models.v221.versions import InterfaceRole, ModuleID, Version, VersionNumber
from tests.client.ocpi_fakes import URL, FakePartner, document, envelope, example
from tests.spec_examples import spec_example

CREDENTIALS_URL = "https://partner.example.com/ocpi/2.2.1/credentials"
CREDENTIALS_EXAMPLES = [f"credentials_example{n}.json" for n in ("", "2", "3", "4")]
OUR_CREDENTIALS = ["credentials.json", "credentials_two_roles.json"]


def _is_uuid4(value: str) -> bool:
    return uuid.UUID(value).version == 4


# --- headers -------------------------------------------------------------------------------


async def test_every_request_has_a_fresh_request_id(client: OcpiClient, partner: FakePartner):
    """T&F "Unique message IDs": every request SHALL contain a unique X-Request-ID."""
    partner.answer_envelope([])
    await client.get_versions(URL)
    await client.get_versions(URL)
    first, second = (r.headers["X-Request-ID"] for r in partner.requests)
    assert _is_uuid4(first)
    assert _is_uuid4(second)
    assert first != second


async def test_every_request_has_a_fresh_correlation_id(client: OcpiClient, partner: FakePartner):
    """T&F "Unique message IDs": every request SHALL contain an X-Correlation-ID."""
    partner.answer_envelope([])
    await client.get_versions(URL)
    await client.get_versions(URL)
    first, second = (r.headers["X-Correlation-ID"] for r in partner.requests)
    assert _is_uuid4(first)
    assert _is_uuid4(second)
    assert first != second


async def test_a_given_correlation_id_is_kept(client: OcpiClient, partner: FakePartner):
    """T&F "Unique message IDs": a forwarded request keeps its X-Correlation-ID."""
    partner.answer_envelope([])
    await client.request("GET", URL, correlation_id="corr-1")
    await client.request("GET", URL, headers={"x-correlation-id": "corr-2"})
    assert [r.headers["X-Correlation-ID"] for r in partner.requests] == ["corr-1", "corr-2"]


async def test_a_given_request_id_is_replaced(client: OcpiClient, partner: FakePartner):
    """T&F "Unique message IDs": a forwarded request gets a new X-Request-ID, never a copy."""
    partner.answer_envelope([])
    await client.request("GET", URL, headers={"X-Request-ID": "copied"})
    assert _is_uuid4(partner.requests[0].headers["X-Request-ID"])


async def test_content_type_only_with_a_body(client: OcpiClient, partner: FakePartner):
    """T&F "Request format": Content-Type SHALL be application/json when there is a body."""
    partner.answer_envelope(document("credentials.json"))
    await client.get_credentials(CREDENTIALS_URL)
    await client.post_credentials(
        CREDENTIALS_URL,
        Credentials.model_validate_json(json.dumps(document("credentials.json"))),
    )
    get, post = partner.requests
    assert "Content-Type" not in get.headers
    assert post.headers["Content-Type"] == "application/json"


async def test_extra_headers_and_params_are_sent(client: OcpiClient, partner: FakePartner):
    partner.answer_envelope([])
    await client.request(
        "get", URL, params={"offset": 0, "limit": 10}, headers={"OCPI-to-party-id": "TNM"}
    )
    request = partner.requests[0]
    assert request.method == "GET"
    assert request.url.params == httpx.QueryParams({"offset": "0", "limit": "10"})
    assert request.headers["OCPI-to-party-id"] == "TNM"


async def test_timeout_is_applied(partner: FakePartner):
    partner.answer_envelope([])
    async with OcpiClient("t", transport=partner.transport, timeout=2.5) as client:
        await client.get_versions(URL)
    assert partner.requests[0].extensions["timeout"] == {
        "connect": 2.5,
        "read": 2.5,
        "write": 2.5,
        "pool": 2.5,
    }


async def test_aclose_closes_the_connection_pool(partner: FakePartner):
    client = OcpiClient("t", transport=partner.transport)
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_versions(URL)


# --- generic request -----------------------------------------------------------------------


async def test_request_returns_the_raw_envelope(client: OcpiClient, partner: FakePartner):
    """T&F "Response format": the envelope with data left as the partner sent it."""
    body = document("envelope_versions.json")
    partner.answer(json=body)
    answer = await client.request("GET", URL)
    assert answer.status_code == 1000
    assert answer.status_message == "Success"
    assert answer.data == body["data"]


async def test_send_exposes_http_status_and_headers(client: OcpiClient, partner: FakePartner):
    """T&F "Paginated Response": list answers carry Link / X-Total-Count headers."""
    partner.answer(201, json=envelope([]), headers={"X-Total-Count": "0"})
    reply = await client.send("GET", URL)
    assert reply.http_status == 201
    assert reply.headers["X-Total-Count"] == "0"
    assert reply.parse(list[Version]) == []


# --- versions ------------------------------------------------------------------------------


async def test_get_versions_parses_a_versions_response(client: OcpiClient, partner: FakePartner):
    """T&F "Response format" around VER "Version information endpoint" data."""
    partner.answer(json=document("envelope_versions.json"))
    versions = await client.get_versions(URL)
    assert [(v.version, v.url) for v in versions] == [
        (VersionNumber.V2_1_1, "https://node.openroam.example.org/ocpi/2.1.1"),
        (VersionNumber.V2_2_1, "https://node.openroam.example.org/ocpi/2.2.1"),
    ]
    assert partner.requests[0].method == "GET"
    assert str(partner.requests[0].url) == URL


@spec_example
async def test_get_versions_parses_the_spec_example(client: OcpiClient, partner: FakePartner):
    """T&F "Example: Version information response (list of objects)"."""
    partner.answer(json=example("transport_and_format_version_info_example.json"))
    versions = await client.get_versions(URL)
    assert [(v.version, v.url) for v in versions] == [
        (VersionNumber.V2_1_1, "https://example.com/ocpi/cpo/2.1.1"),
        (VersionNumber.V2_2, "https://example.com/ocpi/cpo/2.2"),
    ]
    assert partner.requests[0].method == "GET"
    assert str(partner.requests[0].url) == URL


async def test_get_versions_keeps_unknown_versions(client: OcpiClient, partner: FakePartner):
    """VER "Version information endpoint": a partner may list versions newer than ours."""
    partner.answer_envelope([*document("versions.json"), {"version": "2.3.0", "url": URL}])
    versions = await client.get_versions(URL)
    assert [str(v.version) for v in versions] == ["2.1.1", "2.2.1", "2.3.0"]


async def test_get_version_details_parses_a_details_response(
    client: OcpiClient, partner: FakePartner
):
    """T&F "Response format" around VER "Version details endpoint" data."""
    partner.answer(json=document("envelope_version_details.json"))
    details = await client.get_version_details("https://node.openroam.example.org/ocpi/2.2.1")
    assert details.version == VersionNumber.V2_2_1
    assert [(e.identifier, e.role, e.url) for e in details.endpoints] == [
        (
            ModuleID.CREDENTIALS,
            InterfaceRole.SENDER,
            "https://node.openroam.example.org/ocpi/2.2.1/credentials",
        ),
        (
            ModuleID.CDRS,
            InterfaceRole.SENDER,
            "https://node.openroam.example.org/ocpi/cpo/2.2.1/cdrs",
        ),
    ]


@spec_example
async def test_get_version_details_parses_the_spec_example(
    client: OcpiClient, partner: FakePartner
):
    """T&F "Example: Version details response (one object)"."""
    partner.answer(json=example("transport_and_format_version_details_example.json"))
    details = await client.get_version_details("https://example.com/ocpi/cpo/2.2")
    assert details.version == VersionNumber.V2_2
    assert [(e.identifier, e.role, e.url) for e in details.endpoints] == [
        (
            ModuleID.CREDENTIALS,
            InterfaceRole.SENDER,
            "https://example.com/ocpi/cpo/2.2/credentials",
        ),
        (ModuleID.LOCATIONS, InterfaceRole.SENDER, "https://example.com/ocpi/cpo/2.2/locations"),
    ]


@pytest.mark.parametrize("name", ["version_details.json", "version_details_both_roles.json"])
async def test_get_version_details_parses_details(
    client: OcpiClient, partner: FakePartner, name: str
):
    """VER "Version details endpoint" data, wrapped in the response envelope."""
    partner.answer_envelope(document(name))
    details = await client.get_version_details(URL)
    assert json.loads(details.to_json()) == document(name)


@spec_example
@pytest.mark.parametrize("name", ["version_details_example.json", "version_details_example2.json"])
async def test_get_version_details_parses_the_versions_examples(
    client: OcpiClient, partner: FakePartner, name: str
):
    """VER "Version details endpoint" examples, wrapped in the response envelope."""
    partner.answer_envelope(example(name))
    details = await client.get_version_details(URL)
    assert json.loads(details.to_json()) == example(name)


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", OUR_CREDENTIALS)
async def test_get_credentials_parses_credentials(
    client: OcpiClient, partner: FakePartner, name: str
):
    """CRED "Credentials object" as the data of a GET answer."""
    partner.answer_envelope(document(name))
    credentials = await client.get_credentials(CREDENTIALS_URL)
    assert json.loads(credentials.to_json()) == document(name)
    assert partner.requests[0].method == "GET"


@spec_example
@pytest.mark.parametrize("name", CREDENTIALS_EXAMPLES)
async def test_get_credentials_parses_the_spec_examples(
    client: OcpiClient, partner: FakePartner, name: str
):
    """CRED "Examples": every Credentials example, as the data of a GET answer."""
    partner.answer_envelope(example(name))
    credentials = await client.get_credentials(CREDENTIALS_URL)
    assert json.loads(credentials.to_json()) == example(name)
    assert partner.requests[0].method == "GET"


@pytest.mark.parametrize(
    ("method", "call"), [("POST", "post_credentials"), ("PUT", "put_credentials")]
)
async def test_post_and_put_credentials_send_ours_and_return_theirs(
    client: OcpiClient, partner: FakePartner, method: str, call: str
):
    """CRED "POST"/"PUT": the body is our Credentials (token B); the answer holds token C."""
    ours = Credentials.model_validate_json(json.dumps(document("credentials_two_roles.json")))
    partner.answer_envelope(document("credentials.json"))
    theirs = await getattr(client, call)(CREDENTIALS_URL, ours)
    request = partner.requests[0]
    assert request.method == method
    assert json.loads(request.content) == document("credentials_two_roles.json")
    assert request.content == ours.to_json()
    assert theirs.token == "d2f0a6c4-1b8e-4f3a-9c57-0e6b8a41f2d9"


async def test_delete_credentials_accepts_an_answer_without_data(
    client: OcpiClient, partner: FakePartner
):
    """CRED "DELETE"; T&F "Response format" NOTE: accept data absent or any value."""
    partner.answer_envelope()
    partner.answer_envelope({"anything": True})
    await client.delete_credentials(CREDENTIALS_URL)
    await client.delete_credentials(CREDENTIALS_URL)
    assert [r.method for r in partner.requests] == ["DELETE", "DELETE"]
    assert partner.requests[0].content == b""
