"""A fake partner for client tests: an ``httpx.MockTransport`` that records every request and
answers with what the test queued, plus our own documents and the spec's examples."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests import documents
from tests.spec_examples import example_bytes

TOKEN = "example-token"
URL = "https://partner.example.com/ocpi/versions"


def document(name: str) -> Any:
    """One of our documents (tests/documents/), parsed."""
    return documents.load(name)


def example(name: str) -> Any:
    """A spec example file, parsed (only in tests marked ``spec_example``)."""
    return json.loads(example_bytes(name))


def envelope(data: Any = None, status_code: int = 1000, message: str | None = "Success") -> Any:
    """transport_and_format.asciidoc "Response format" around ``data``."""
    body: dict[str, Any] = {"status_code": status_code, "timestamp": "2015-06-30T21:59:59Z"}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["status_message"] = message
    return body


class FakePartner:
    """Answers each request with the next queued response (the last one repeats)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._responses: list[httpx.Response] = []
        self.transport = httpx.MockTransport(self._handle)

    def answer(self, status: int = 200, **kwargs: Any) -> None:
        self._responses.append(httpx.Response(status, **kwargs))

    def answer_envelope(self, data: Any = None, *, status: int = 200, **kwargs: Any) -> None:
        self.answer(status, json=envelope(data, **kwargs))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self._responses) > 1:
            return self._responses.pop(0)
        return self._responses[0]
