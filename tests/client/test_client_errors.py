"""OcpiClient error mapping: what a failed call to a partner raises.

No OCPI answer (transport error, no envelope, invalid data) → PartnerRequestError (3001,
credentials.asciidoc "Errors during registration"); an envelope with a non-1xxx status_code →
the OcpiError of that code (status_codes.asciidoc); HTTP 401 → Unauthorized
(transport_and_format.asciidoc "Authorization header").
"""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from openroam.client import OcpiClient
from openroam.client._redirects import RedirectRefused
from openroam.errors import (
    ClientError,
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NotFound,
    PartnerRequestError,
    ServerError,
    UnableToUseClientApi,
    Unauthorized,
)
from openroam.models.v221.credentials import Credentials
from tests.client.ocpi_fakes import URL, FakePartner, document, envelope

CREDENTIALS_URL = "https://partner.example.com/ocpi/2.2.1/credentials"


async def _failing_client(error: Exception) -> OcpiClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return OcpiClient("t", transport=httpx.MockTransport(handler), timeout=5)


# --- no OCPI answer ------------------------------------------------------------------------


async def test_connection_refused_is_a_partner_request_error() -> None:
    """CRED "Errors during registration": an unreachable partner is 3001."""
    async with await _failing_client(
        httpx.ConnectError("[Errno 111] Connection refused")
    ) as client:
        with pytest.raises(PartnerRequestError) as caught:
            await client.get_versions(URL)
    error = caught.value
    assert error.status_code == 3001
    assert error.message == (
        f"GET {URL}: could not reach the partner (ConnectError: [Errno 111] Connection refused)"
    )
    assert isinstance(error.__cause__, httpx.ConnectError)


async def test_real_refused_connection_is_a_partner_request_error() -> None:
    """The same over a real socket: a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ocpi/versions"
    async with OcpiClient("t", timeout=5) as client:
        with pytest.raises(
            PartnerRequestError, match=r"could not reach the partner \(ConnectError"
        ):
            await client.get_versions(url)


async def test_timeout_is_a_partner_request_error() -> None:
    async with await _failing_client(httpx.ReadTimeout("timed out")) as client:
        with pytest.raises(
            PartnerRequestError, match=r"^GET .*: no answer within 5 s \(ReadTimeout\)$"
        ):
            await client.get_versions(URL)


async def test_body_not_json_is_a_partner_request_error(client: OcpiClient, partner: FakePartner):
    partner.answer(200, content=b"OK", headers={"Content-Type": "text/plain"})
    with pytest.raises(PartnerRequestError) as caught:
        await client.get_versions(URL)
    assert caught.value.message == f"GET {URL}: HTTP 200, the body is not JSON (text/plain: 'OK')"


async def test_http_500_with_html_is_a_partner_request_error(
    client: OcpiClient, partner: FakePartner
):
    """T&F "Response format": every answer, errors included, is the OCPI envelope."""
    html = "<html><body><h1>500 Internal Server Error</h1></body></html>"
    partner.answer(500, html=html)
    with pytest.raises(PartnerRequestError) as caught:
        await client.post_credentials(CREDENTIALS_URL, _credentials())
    assert caught.value.message == (
        f"POST {CREDENTIALS_URL}: HTTP 500, the body is not JSON "
        f"(text/html; charset=utf-8: {html!r})"
    )


async def test_empty_body_is_a_partner_request_error(client: OcpiClient, partner: FakePartner):
    partner.answer(204)
    with pytest.raises(
        PartnerRequestError, match=r"HTTP 204, the body is empty \(no OCPI envelope\)"
    ):
        await client.delete_credentials(CREDENTIALS_URL)


async def test_json_that_is_not_an_envelope_is_a_partner_request_error(
    client: OcpiClient, partner: FakePartner
):
    """A framework-shaped error ({"detail": ...}) is not an OCPI answer."""
    partner.answer(404, json={"detail": "Not Found"})
    with pytest.raises(PartnerRequestError) as caught:
        await client.get_versions(URL)
    assert caught.value.message == (
        f"GET {URL}: HTTP 404, the body is not an OCPI response envelope: "
        "status_code: Field required (and 1 more)"
    )


async def test_redirects_that_never_end_are_stopped_after_a_few_hops(
    client: OcpiClient, partner: FakePartner
):
    """Same origin, so followed (tests/client/test_client_redirects.py) — but only so far."""
    partner.answer(307, headers={"Location": URL + "/"})
    with pytest.raises(RedirectRefused, match=r"more than 3 redirects .*/versions/'\)"):
        await client.get_versions(URL)
    assert len(partner.requests) == 1 + 3


async def test_success_envelope_with_http_error_is_a_partner_request_error(
    client: OcpiClient, partner: FakePartner
):
    partner.answer(500, json=envelope([]))
    with pytest.raises(PartnerRequestError, match=r"HTTP 500 with the success status_code 1000"):
        await client.get_versions(URL)


# --- data that does not validate -----------------------------------------------------------


async def test_invalid_data_names_call_status_and_first_error(
    client: OcpiClient, partner: FakePartner
):
    partner.answer_envelope([{"version": "2.2.1"}])
    with pytest.raises(PartnerRequestError) as caught:
        await client.get_versions(URL)
    assert caught.value.message == (
        f"GET {URL}: HTTP 200, data is not a valid list of Version: 0.url: Field required"
    )


async def test_invalid_credentials_token_in_answer(client: OcpiClient, partner: FakePartner):
    """CRED "Credentials object": token is printable ASCII without whitespace."""
    credentials = {**document("credentials.json"), "token": "has space"}
    partner.answer_envelope(credentials)
    with pytest.raises(PartnerRequestError, match=r"data is not a valid Credentials: token: "):
        await client.post_credentials(CREDENTIALS_URL, _credentials())


async def test_wrong_json_type_in_data_is_invalid(client: OcpiClient, partner: FakePartner):
    """The models are strict: a number where the spec says string is an error."""
    partner.answer_envelope({"version": 2.2, "endpoints": []})
    with pytest.raises(PartnerRequestError, match=r"data is not a valid VersionDetails: version: "):
        await client.get_version_details(URL)


async def test_missing_data_is_a_partner_request_error(client: OcpiClient, partner: FakePartner):
    partner.answer_envelope()
    with pytest.raises(PartnerRequestError) as caught:
        await client.get_credentials(CREDENTIALS_URL)
    assert caught.value.message == f"GET {CREDENTIALS_URL}: HTTP 200, the answer has no data"


# --- OCPI error envelopes ------------------------------------------------------------------


async def test_envelope_2001_raises_invalid_or_missing_parameters(
    client: OcpiClient, partner: FakePartner
):
    """T&F "Example: Response with an error (contains no data field)"."""
    partner.answer(
        400,
        json={
            "status_code": 2001,
            "status_message": "Missing required field: type",
            "timestamp": "2015-06-30T21:59:59Z",
        },
    )
    with pytest.raises(InvalidOrMissingParameters) as caught:
        await client.post_credentials(CREDENTIALS_URL, _credentials())
    error = caught.value
    assert error.message == "Missing required field: type"
    assert error.http_status == 400
    assert error.received_status_code == 2001
    assert f"POST {CREDENTIALS_URL}" in error.__notes__[0]


async def test_envelope_3001_with_http_200_raises_unable_to_use_client_api(
    client: OcpiClient, partner: FakePartner
):
    """CRED "Errors during registration": the partner could not call us back → 3001."""
    partner.answer_envelope(status_code=3001, message="Could not GET your versions")
    with pytest.raises(UnableToUseClientApi) as caught:
        await client.post_credentials(CREDENTIALS_URL, _credentials())
    error = caught.value
    assert type(error) is UnableToUseClientApi
    assert error.message == "Could not GET your versions"
    assert error.http_status == 200
    assert error.status_code == 3001


async def test_envelope_without_message_uses_the_default(client: OcpiClient, partner: FakePartner):
    partner.answer_envelope(status_code=3000, message=None)
    with pytest.raises(ServerError) as caught:
        await client.get_versions(URL)
    assert caught.value.message == "Server error"
    assert caught.value.http_status == 200


async def test_an_error_answer_names_the_call_for_operators(
    client: OcpiClient, partner: FakePartner
):
    """What ``openroam pull`` and the sync state show: the call, the HTTP status, the partner's
    OCPI status_code and message; the message itself stays the partner's own."""
    partner.answer_envelope(status=500, status_code=3000, message="Generic server error")
    with pytest.raises(ServerError) as caught:
        await client.get_versions(URL)
    error = caught.value
    assert error.message == "Generic server error"
    assert error.answered_by == f"GET {URL}"
    assert error.describe() == (f"GET {URL}: HTTP 500, OCPI status_code 3000: Generic server error")


async def test_a_failure_before_an_ocpi_answer_is_described_by_its_message(
    client: OcpiClient, partner: FakePartner
):
    partner.answer(502, text="Bad Gateway")
    with pytest.raises(PartnerRequestError) as caught:
        await client.get_versions(URL)
    assert caught.value.answered_by is None
    assert caught.value.describe() == caught.value.message
    assert caught.value.describe().startswith(f"GET {URL}: HTTP 502")


async def test_custom_status_code_keeps_its_value(client: OcpiClient, partner: FakePartner):
    """SC: custom 29xx codes map to the generic client error of their range."""
    partner.answer_envelope(status_code=2901, message="Custom")
    with pytest.raises(ClientError) as caught:
        await client.get_versions(URL)
    assert type(caught.value) is ClientError
    assert caught.value.received_status_code == 2901


async def test_http_405_raises_method_not_allowed(client: OcpiClient, partner: FakePartner):
    """CRED "POST": 405 when the client is already registered."""
    partner.answer_envelope(status=405, status_code=2000, message="Already registered")
    with pytest.raises(MethodNotAllowed) as caught:
        await client.post_credentials(CREDENTIALS_URL, _credentials())
    assert caught.value.http_status == 405
    assert caught.value.message == "Already registered"


async def test_http_404_raises_not_found(client: OcpiClient, partner: FakePartner):
    partner.answer_envelope(status=404, status_code=2000, message="Unknown path")
    with pytest.raises(NotFound) as caught:
        await client.get_versions(URL)
    assert caught.value.http_status == 404


# --- 401 -----------------------------------------------------------------------------------


async def test_http_401_without_body_says_our_token_was_refused(
    client: OcpiClient, partner: FakePartner
):
    """T&F "Authorization header": a missing or unknown token is answered with HTTP 401."""
    partner.answer(401)
    with pytest.raises(Unauthorized) as caught:
        await client.get_versions(URL)
    error = caught.value
    assert error.message == f"GET {URL}: the partner refused our credentials token (HTTP 401)"
    assert error.http_status == 401


async def test_http_401_with_envelope_keeps_the_partner_message(
    client: OcpiClient, partner: FakePartner
):
    partner.answer_envelope(status=401, status_code=2000, message="Unknown token")
    with pytest.raises(Unauthorized) as caught:
        await client.get_versions(URL)
    error = caught.value
    assert error.message == (
        f"GET {URL}: the partner refused our credentials token (HTTP 401): Unknown token"
    )
    assert error.received_status_code == 2000


def _credentials() -> Credentials:
    return Credentials.model_validate_json(json.dumps(document("credentials_two_roles.json")))
