"""OCPI 2.2.1 mod_hub_client_info.asciidoc: ClientInfo and ConnectionStatus."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.hub_client_info import ClientInfo, ConnectionStatus
from openroam.models.v221.types import Role

# The spec's inline PUT example ("put a new ClientInfo object"), without its trailing comma
# (docs/spec-decisions.md "HubClientInfo PUT example": it is not valid JSON and lacks
# last_updated).
SPEC_PUT_EXAMPLE = {"country_code": "NL", "party_id": "ALL", "role": "CPO", "status": "PLANNED"}


def _client_info(**changes: Any) -> dict[str, Any]:
    info = {**SPEC_PUT_EXAMPLE, "last_updated": "2019-06-24T12:39:09Z"}
    info.update(changes)
    return info


def _locs(data: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as error:
        ClientInfo.from_json(json.dumps(data))
    return [e["loc"] for e in error.value.errors()]


def test_client_info_round_trips() -> None:
    """mod_hub_client_info.asciidoc "ClientInfo Object"."""
    info = ClientInfo.from_json(json.dumps(_client_info()))
    assert info.role is Role.CPO
    assert info.status is ConnectionStatus.PLANNED
    assert json.loads(info.to_json()) == _client_info()


def test_spec_put_example_lacks_last_updated() -> None:
    """docs/spec-decisions.md "HubClientInfo PUT example": the spec's PUT example misses
    last_updated, which has cardinality 1."""
    assert _locs(SPEC_PUT_EXAMPLE) == [("last_updated",)]


@pytest.mark.parametrize("field", ["party_id", "country_code", "role", "status", "last_updated"])
def test_client_info_required_fields(field: str) -> None:
    data = _client_info()
    del data[field]
    assert _locs(data) == [(field,)]


@pytest.mark.parametrize("status", list(ConnectionStatus))
def test_connection_status_values(status: ConnectionStatus) -> None:
    """mod_hub_client_info.asciidoc "ConnectionStatus enum"."""
    assert ClientInfo.from_json(json.dumps(_client_info(status=status.value))).status is status


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "DELETED"),
        ("status", "connected"),
        ("role", "PARTY"),
        ("party_id", "ALLX"),
        ("country_code", "NLD"),
        ("last_updated", "2019-06-24T12:39:09+02:00"),
    ],
)
def test_client_info_field_rules(field: str, value: str) -> None:
    assert _locs(_client_info(**{field: value})) == [(field,)]
