"""The client's public surface: its public API is what ``__all__`` lists, tested
(docs/architecture.md "What the code has settled": Public surface)."""

from __future__ import annotations

import inspect

import openroam.client
from openroam.client import OcpiClient

EXPECTED = {
    "OcpiClient",
    "OcpiHttpClient",
    "OcpiReply",
    "OcpiTokenAuth",
    "authorization_value",
    "choose_version",
    "encode_token",
    "endpoint_url",
    "join_url",
    "version_key",
}


def test_public_names() -> None:
    assert set(openroam.client.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(openroam.client, name) is not None


def test_client_calls() -> None:
    for name in (
        "request",
        "send",
        "aclose",
        "get_versions",
        "get_version_details",
        "get_credentials",
        "post_credentials",
        "put_credentials",
        "delete_credentials",
    ):
        assert inspect.iscoroutinefunction(getattr(OcpiClient, name)), name


def test_constructor_signature() -> None:
    parameters = inspect.signature(OcpiClient).parameters
    assert list(parameters) == [
        "token",
        "encode_token",
        "transport",
        "timeout",
        "retries",
        "backoff",
        "observer",
    ]
    assert parameters["encode_token"].default is True
    # Told about each request sent (the node's message log); nobody by default.
    assert parameters["observer"].default is None
    assert parameters["transport"].default is None
    assert parameters["timeout"].default == 30.0
    # Sent once unless asked otherwise: repetitions need a back-off to wait by.
    assert parameters["retries"].default == 0
    assert parameters["backoff"].default is None
