"""OCPI 2.2.1 credentials.asciidoc: the Credentials models against the spec's rules, our own
documents and, where the spec is there, its examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.credentials import Credentials
from openroam.models.v221.types import Role
from tests import documents
from tests.spec_examples import EXAMPLES_221, example_bytes, spec_example

CREDENTIALS_EXAMPLES = [f"credentials_example{n}.json" for n in ("", "2", "3", "4")]
OUR_CREDENTIALS = ["credentials.json", "credentials_two_roles.json"]


def _credentials(**changes: Any) -> dict[str, Any]:
    """Our Credentials with a CPO and an eMSP role (tests/documents/), with ``changes``."""
    credentials: dict[str, Any] = documents.load("credentials_two_roles.json")
    credentials.update(changes)
    return credentials


def _role(role: str = "CPO", party_id: str = "EXA", country_code: str = "NL") -> dict[str, Any]:
    return {
        "role": role,
        "business_details": {"name": "Example"},
        "party_id": party_id,
        "country_code": country_code,
    }


def _locs(data: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as error:
        Credentials.from_json(json.dumps(data))
    return [e["loc"] for e in error.value.errors()]


@pytest.mark.parametrize("name", OUR_CREDENTIALS)
def test_credentials_documents_round_trip(name: str) -> None:
    """credentials.asciidoc "Credentials object": our documents parse and serialise back equal."""
    credentials = Credentials.from_json(documents.raw(name))
    expected = json.loads(documents.raw(name), parse_float=Decimal)
    assert json.loads(credentials.to_json(), parse_float=Decimal) == expected


def test_full_business_details() -> None:
    credentials = Credentials.from_json(documents.raw("credentials.json"))
    logo = credentials.roles[0].business_details.logo
    assert logo is not None
    assert (logo.width, logo.height) == (400, 120)


@spec_example
def test_examples_found() -> None:
    found = sorted(p.name for p in EXAMPLES_221.glob("credentials_example*.json"))
    assert found == sorted(CREDENTIALS_EXAMPLES)


@spec_example
@pytest.mark.parametrize("name", CREDENTIALS_EXAMPLES)
def test_credentials_examples_round_trip(name: str) -> None:
    """credentials.asciidoc "Examples": parse and serialise back equal."""
    credentials = Credentials.from_json(example_bytes(name))
    expected = json.loads(example_bytes(name), parse_float=Decimal)
    assert json.loads(credentials.to_json(), parse_float=Decimal) == expected


@spec_example
def test_full_business_details_example() -> None:
    credentials = Credentials.from_json(example_bytes("credentials_example3.json"))
    logo = credentials.roles[0].business_details.logo
    assert logo is not None
    assert logo.width == 512


# --- token -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["!", "~" * 64, "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", "a+b/c="])
def test_token_printable_non_whitespace_ascii(token: str) -> None:
    """credentials.asciidoc "Credentials object": token is string(64) of characters U+0021 up
    to and including U+007E."""
    assert Credentials.from_json(json.dumps(_credentials(token=token))).token == token


@pytest.mark.parametrize(
    "token",
    ["x" * 65, "two words", "tab\there", "line\n", "t\u00f6ken", "\u007f", ""],
)
def test_token_rejects_other_characters(token: str) -> None:
    assert _locs(_credentials(token=token)) == [("token",)]


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["token", "url", "roles"])
def test_credentials_required_fields(field: str) -> None:
    data = _credentials()
    del data[field]
    assert _locs(data) == [(field,)]


def test_roles_needs_at_least_one() -> None:
    """credentials.asciidoc "Credentials object": roles has cardinality + (at least one)."""
    assert _locs(_credentials(roles=[])) == [("roles",)]


@pytest.mark.parametrize(
    "roles",
    [
        [_role("CPO"), _role("EMSP")],  # one party, two roles (credentials_example2)
        [_role(party_id="EXO"), _role(party_id="PFC")],  # white-label CPOs (example4)
        [_role(country_code="NL"), _role(country_code="BE")],  # same party id, two countries
    ],
)
def test_roles_unique_combinations_accepted(roles: list[dict[str, Any]]) -> None:
    """credentials.asciidoc "Credentials object": every role needs a unique combination of
    role, party_id and country_code; the same role may repeat with other ids."""
    assert len(Credentials.from_json(json.dumps(_credentials(roles=roles))).roles) == 2


@pytest.mark.parametrize(
    "duplicate",
    [_role(), _role(party_id="exa"), _role(country_code="nl")],
)
def test_roles_duplicate_combination_rejected(duplicate: dict[str, Any]) -> None:
    """party_id and country_code are CiStrings, so EXA/NL and exa/nl are the same party."""
    roles = [_role(), _role("EMSP"), duplicate]
    assert _locs(_credentials(roles=roles)) == [("roles", 2)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("party_id", "EXAM"), ("country_code", "NLD"), ("role", "CHARGER"), ("role", "cpo")],
)
def test_role_fields(field: str, value: str) -> None:
    """credentials.asciidoc "CredentialsRole class": party_id CiString(3), country_code
    CiString(2), role one of types.asciidoc "Role"."""
    assert _locs(_credentials(roles=[_role(**{field: value})])) == [("roles", 0, field)]


def test_role_needs_business_details() -> None:
    role = _role()
    del role["business_details"]
    assert _locs(_credentials(roles=[role])) == [("roles", 0, "business_details")]


def test_role_values() -> None:
    credentials = Credentials.from_json(documents.raw("credentials_two_roles.json"))
    assert [r.role for r in credentials.roles] == [Role.CPO, Role.EMSP]


@spec_example
def test_role_values_of_the_example() -> None:
    credentials = Credentials.from_json(example_bytes("credentials_example2.json"))
    assert [r.role for r in credentials.roles] == [Role.CPO, Role.EMSP]
