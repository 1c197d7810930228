"""Versions and Credentials between OCPI 2.1.1 and the stored 2.2.1 shape (_convert/versions.py,
_convert/credentials.py)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pytest

from openroam._convert.credentials import credentials_from_v211, credentials_to_v211, to_ascii
from openroam._convert.versions import endpoints_from_v211
from openroam.models.common import OcpiModel
from openroam.models.v211.credentials import Credentials as V211Credentials
from openroam.models.v211.versions import VersionDetails as V211VersionDetails
from openroam.models.v221.credentials import Credentials
from openroam.models.v221.versions import Endpoint

M = TypeVar("M", bound=OcpiModel)


def _parsed(model: type[M], document: Any) -> M:
    return model.from_json(json.dumps(document))


BASE = "https://cpo.example.com/ocpi/cpo/2.1.1"
ENDPOINTS = [
    {"identifier": module, "url": f"{BASE}/{module}/"}
    for module in ("credentials", "locations", "tariffs", "sessions", "cdrs", "tokens", "commands")
]


def _roles(endpoints: list[dict[str, str]]) -> dict[str, str]:
    return {e["identifier"]: e["role"] for e in endpoints}


def test_a_cpo_partners_endpoints_get_the_roles_of_a_cpo() -> None:
    """version_information_endpoint.md "Endpoint class": identifier and url only; a CPO serves
    its objects (Sender) and receives Tokens and Commands."""
    converted = endpoints_from_v211(ENDPOINTS, "CPO")
    assert _roles(converted) == {
        "credentials": "SENDER",
        "locations": "SENDER",
        "tariffs": "SENDER",
        "sessions": "SENDER",
        "cdrs": "SENDER",
        "tokens": "RECEIVER",
        "commands": "RECEIVER",
    }
    # Valid 2.2.1 endpoints, with the partner's URLs unchanged.
    assert [_parsed(Endpoint, e).url for e in converted] == [e["url"] for e in ENDPOINTS]


def test_an_emsp_partners_endpoints_get_the_roles_of_an_emsp() -> None:
    """version_information_endpoint.md "Endpoint class": the eMSP side receives the CPO's objects
    and sends Tokens and Commands."""
    assert _roles(endpoints_from_v211(ENDPOINTS, "EMSP")) == {
        "credentials": "SENDER",
        "locations": "RECEIVER",
        "tariffs": "RECEIVER",
        "sessions": "RECEIVER",
        "cdrs": "RECEIVER",
        "tokens": "SENDER",
        "commands": "SENDER",
    }


def test_custom_modules_are_dropped_and_other_roles_refused() -> None:
    """version_information_endpoint.md "Custom Modules": no role can be inferred for them; a
    2.1.1 party is a CPO or an eMSP (credentials.md 3.1)."""
    details = _parsed(
        V211VersionDetails,
        {"version": "2.1.1", "endpoints": [*ENDPOINTS, {"identifier": "nltnm-x", "url": BASE}]},
    )
    documents = [e.model_dump(mode="json") for e in details.endpoints]
    assert "nltnm-x" not in _roles(endpoints_from_v211(documents, "CPO"))
    with pytest.raises(ValueError, match="CPO or an EMSP"):
        endpoints_from_v211(ENDPOINTS, "HUB")


V211_EXAMPLE = {
    "url": "https://example.com/ocpi/cpo/versions/",
    "token": "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",
    "party_id": "EXA",
    "country_code": "NL",
    "business_details": {"name": "Example Operator", "website": "http://example.com"},
}


def test_flat_credentials_become_one_role_and_back() -> None:
    """credentials.md 2.1 "Credentials object" (the spec's example): the party gets the role the
    connection gives it, and flattening gives the same object back."""
    converted = _parsed(Credentials, credentials_from_v211(V211_EXAMPLE, "CPO"))
    (role,) = converted.roles
    assert (role.role, role.country_code, role.party_id) == ("CPO", "NL", "EXA")
    assert role.business_details.name == "Example Operator"
    back = credentials_to_v211(converted.model_dump(mode="json", exclude_none=True), "CPO")
    assert _parsed(V211Credentials, back).model_dump(mode="json", exclude_none=True) == (
        V211_EXAMPLE
    )


def test_flattening_picks_the_role_of_the_side_served() -> None:
    """credentials.md 2.1: one party per 2.1.1 connection; a node with a CPO and an eMSP party
    shows an eMSP partner its CPO party, a CPO partner its eMSP party."""
    ours = {
        "token": "t",
        "url": "https://node.example.com/ocpi/versions",
        "roles": [
            {
                "role": "EMSP",
                "business_details": {"name": "Mobility"},
                "party_id": "MSP",
                "country_code": "DE",
            },
            {
                "role": "CPO",
                "business_details": {"name": "Zäpfsäule"},
                "party_id": "CPO",
                "country_code": "DE",
            },
        ],
    }
    cpo_side = _parsed(V211Credentials, credentials_to_v211(ours, "CPO"))
    assert (cpo_side.party_id, cpo_side.business_details.name) == ("CPO", "Zapfsaule")
    assert credentials_to_v211(ours, "EMSP")["party_id"] == "MSP"
    # No party of the wanted role: the first one.
    assert credentials_to_v211(ours, "HUB")["party_id"] == "MSP"


def test_to_ascii_keeps_printable_ascii_only() -> None:
    """types.md 1.5 "string type": only printable ASCII."""
    assert to_ascii("Café Straße\n") == "Cafe Stra?e?"
