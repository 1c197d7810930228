"""Timeouts and repetitions of partner calls (client/_base.py), configured per client — from the
node's settings through ``_runtime.client_factory`` — and per call, against a real HTTP server on
127.0.0.1. No timing is asserted: only which error comes and how many requests arrive.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from openroam._config import Settings
from openroam._runtime import client_factory
from openroam.client import OcpiClient
from openroam.errors import PartnerRequestError
from openroam.models.v221.credentials import Credentials
from tests.client.http_partner import Answer, HttpPartner, http_partner
from tests.client.ocpi_fakes import TOKEN, document

VERSIONS = "/ocpi/versions"
CREDENTIALS = "/ocpi/2.2.1/credentials"


@pytest.fixture
def partner() -> Iterator[HttpPartner]:
    with http_partner() as server:
        yield server


class Waits:
    """A back-off that records each repetition it was asked about and waits (almost) nothing."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def __call__(self, attempt: int) -> float:
        self.asked.append(attempt)
        return 0.01


def _unavailable() -> Answer:
    return Answer(503, None)


def _versions() -> Answer:
    return Answer.ok(document("versions.json"))


# --- timeouts ---------------------------------------------------------------------------------


async def test_a_slow_partner_is_a_clear_error_after_the_calls_timeout(
    partner: HttpPartner,
) -> None:
    partner.route(VERSIONS, Answer(200, None, delay=2.0))
    async with OcpiClient(TOKEN, timeout=30.0) as client:
        with pytest.raises(PartnerRequestError, match=r"no answer within 0.2 s \(ReadTimeout\)"):
            await client.get_versions(f"{partner.url}{VERSIONS}", timeout=0.2)


async def test_the_timeout_setting_reaches_every_client_of_the_node(
    partner: HttpPartner,
) -> None:
    partner.route(VERSIONS, Answer(200, None, delay=2.0))
    settings = Settings(client_timeout_seconds=0.2, client_retries=0)
    async with client_factory(settings=settings)(TOKEN, True) as client:
        with pytest.raises(PartnerRequestError, match=r"no answer within 0.2 s"):
            await client.get_versions(f"{partner.url}{VERSIONS}")
    assert len(partner.requests) == 1


# --- repetitions of a GET ---------------------------------------------------------------------


async def test_a_get_answered_503_is_sent_again_until_it_succeeds(partner: HttpPartner) -> None:
    partner.route(VERSIONS, _unavailable(), _unavailable(), _versions())
    waits = Waits()
    async with OcpiClient(TOKEN, retries=2, backoff=waits) as client:
        assert await client.get_versions(f"{partner.url}{VERSIONS}")
    assert partner.paths == [VERSIONS] * 3
    assert waits.asked == [0, 1]
    # Each repetition is a new request (transport_and_format "Unique message IDs").
    assert len({seen.request_id for seen in partner.requests}) == 3


async def test_repetitions_are_bounded(partner: HttpPartner) -> None:
    partner.route(VERSIONS, _unavailable())
    async with OcpiClient(TOKEN, retries=1, backoff=Waits()) as client:
        with pytest.raises(PartnerRequestError, match="HTTP 503"):
            await client.get_versions(f"{partner.url}{VERSIONS}")
    assert len(partner.requests) == 2


async def test_a_call_sets_its_own_repetitions(partner: HttpPartner) -> None:
    partner.route(VERSIONS, _unavailable())
    async with OcpiClient(TOKEN, retries=3, backoff=Waits()) as client:
        with pytest.raises(PartnerRequestError, match="HTTP 503"):
            await client.send("GET", f"{partner.url}{VERSIONS}", retries=0)
    assert len(partner.requests) == 1


async def test_a_put_is_sent_once_its_delivery_retries_it(partner: HttpPartner) -> None:
    partner.route(CREDENTIALS, _unavailable())
    credentials = Credentials.model_validate_json(json.dumps(document("credentials.json")))
    async with OcpiClient(TOKEN, retries=3, backoff=Waits()) as client:
        with pytest.raises(PartnerRequestError, match="HTTP 503"):
            await client.put_credentials(f"{partner.url}{CREDENTIALS}", credentials)
    assert [seen.method for seen in partner.requests] == ["PUT"]


async def test_a_get_times_out_then_succeeds(partner: HttpPartner) -> None:
    partner.route(VERSIONS, Answer(200, None, delay=2.0), _versions())
    async with OcpiClient(TOKEN, timeout=0.2, retries=1, backoff=Waits()) as client:
        assert await client.get_versions(f"{partner.url}{VERSIONS}")
    assert len(partner.requests) == 2


async def test_an_unreachable_partner_is_tried_again_then_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once the socket is closed
    waits = Waits()
    async with OcpiClient(TOKEN, retries=2, backoff=waits) as client:
        with pytest.raises(PartnerRequestError, match="could not reach the partner"):
            await client.get_versions(f"http://127.0.0.1:{port}{VERSIONS}")
    assert waits.asked == [0, 1]


async def test_the_retry_settings_reach_every_client_of_the_node(partner: HttpPartner) -> None:
    partner.route(VERSIONS, _unavailable(), _versions())
    settings = Settings(client_retries=1, client_retry_delay_seconds=0.01)
    async with client_factory(settings=settings)(TOKEN, True) as client:
        assert await client.get_versions(f"{partner.url}{VERSIONS}")
    assert len(partner.requests) == 2


def test_repetitions_need_a_backoff() -> None:
    with pytest.raises(ValueError, match="backoff"):
        OcpiClient(TOKEN, retries=1)
