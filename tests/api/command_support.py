"""Helpers for the commands tests: a node with a partner client, token headers, fake partners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson

from openroam._services.credentials import PartnerApi
from openroam._services.events import Event
from openroam._services.node import Node
from openroam.client import OcpiClient
from tests.api.support import token

RESPONSE_URL = "https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/42"
ClientFactory = Callable[[str, bool], OcpiClient]


def no_partner_calls(token: str, encode_token: bool) -> PartnerApi:
    raise AssertionError("commands tests make no registration calls")


def ok(data: Any = None, status_code: int = 1000) -> httpx.Response:
    envelope: dict[str, Any] = {"status_code": status_code, "timestamp": "2026-01-01T10:00:00Z"}
    if data is not None:
        envelope["data"] = data
    return httpx.Response(200, json=envelope)


class FakePartner:
    """A partner's OCPI server: answers in turn from ``answers``, records every request."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else ok()

    def factory(self) -> ClientFactory:
        transport = httpx.MockTransport(self.handle)
        return lambda token, encode: OcpiClient(token, encode_token=encode, transport=transport)

    def bodies(self) -> list[Any]:
        return [orjson.loads(request.content) for request in self.requests]


def start_session(**changes: Any) -> dict[str, Any]:
    body = {
        "response_url": RESPONSE_URL,
        "token": token(country_code="DE", party_id="MSP"),
        "location_id": "LOC1",
        "evse_uid": "E1",
        "connector_id": "1",
    }
    return {key: value for key, value in (body | changes).items() if value is not None}


def recorder(node: Node, event_type: str) -> list[Event]:
    """The events of ``event_type`` this process records from now on."""
    seen: list[Event] = []

    async def keep(event: Event) -> None:
        seen.append(event)

    node.events.subscribe(event_type, keep)
    return seen
