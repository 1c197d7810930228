"""models._validation.unstorable: what a body may not hold to be stored and written back
exactly (docs/spec-decisions.md "Integers beyond 64 bits")."""

from __future__ import annotations

import pytest

from openroam.models._validation import MAX_INT, MIN_INT, unstorable


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1}',
        f'{{"a": {MAX_INT}, "b": {MIN_INT}}}'.encode(),
        b'{"id": "12345678901234567890123456789"}',  # digits in a string
        b'{"price": 1.00000000000000000000001}',  # any precision within double range
        b'{"a": 1e308, "evse_id": "NL*ORM*E123", "uid": "EVSE-123"}',
        b'{"text": "a \\\\u0000 b"}',  # an escaped backslash, then "u0000"
        b"not json at all 99999999999999999999999",  # not JSON: the route says so
        b"",
    ],
)
def test_storable(body: bytes) -> None:
    assert unstorable(body) is None


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (f'{{"a": {MAX_INT + 1}}}'.encode(), "$.a"),
        (f'{{"a": [1, {MIN_INT - 1}]}}'.encode(), "$.a[1]"),
        (b'{"a": {"b": ' + b"9" * 5000 + b"}}", "$.a.b"),
        (b'{"a": 1e400}', "$.a"),
        (b'{"a": -1.5E+999}', "$.a"),
        (b'{"name": "x\\u0000y"}', "$.name"),
        (b'{"x\\u0000": 1}', "$"),
        (b'["ok", {"deep": ["\\u0000"]}]', "$[1].deep[0]"),
    ],
)
def test_unstorable(body: bytes, where: str) -> None:
    problem = unstorable(body)
    assert problem is not None
    assert problem.startswith(f"{where}: "), problem
