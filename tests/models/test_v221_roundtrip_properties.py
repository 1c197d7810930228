"""Property tests: valid OCPI 2.2.1 documents round-trip through the v221 models.

openroam validates a document once, on the way in, and serves what it wrote (docs/architecture.md
"Roaming objects (Locations, Tariffs, Tokens, Sessions)": one table for every object, the
document exactly as a GET returns it), so writing a model back must not change the document: no
field lost
or renamed, no number or DateTime altered, and unknown fields kept (a hub forwards what it does
not understand, OCPI 2.3.0 "Non-specified JSON fields"). The documents come from
tests/models/strategies.py.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from openroam.models import v221
from openroam.models.common import OcpiModel
from tests.models import strategies as docs
from tests.spec_examples import as_comparable, dump_json

# (model, documents, (path to a nested object every document has, its model) or None)
CASES = [
    pytest.param(v221.Location, docs.LOCATION, (("coordinates",), v221.GeoLocation), id="Location"),
    pytest.param(v221.EVSE, docs.EVSE, (("connectors", 0), v221.Connector), id="EVSE"),
    pytest.param(v221.Connector, docs.CONNECTOR, None, id="Connector"),
    pytest.param(v221.Session, docs.SESSION, (("cdr_token",), v221.CdrToken), id="Session"),
    pytest.param(
        v221.CDR,
        docs.CDR,
        (("charging_periods", 0, "dimensions", 0), v221.CdrDimension),
        id="CDR",
    ),
    pytest.param(v221.Tariff, docs.TARIFF, (("elements", 0), v221.TariffElement), id="Tariff"),
    pytest.param(v221.Token, docs.TOKEN, None, id="Token"),
]
ROUND_TRIPS = settings(max_examples=15, deadline=None)


def comparable(value: Any) -> Any:
    """A JSON value with its kinds made explicit: ``true`` is not ``1``, ``1.50`` is ``1.5``."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float):
        return ("number", Decimal(repr(value)))
    if isinstance(value, int | Decimal):
        return ("number", Decimal(value))
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


def parse(model: type[OcpiModel], document: Any) -> OcpiModel:
    return model.model_validate_json(dump_json(document))


def written(model: type[OcpiModel], document: Any) -> Any:
    """What the model writes back for ``document``, as comparable JSON."""
    return comparable(as_comparable(parse(model, document).to_json()))


@pytest.mark.parametrize(("model", "documents", "nested"), CASES)
@ROUND_TRIPS
@given(data=st.data())
def test_valid_document_is_written_back_unchanged(model, documents, nested, data) -> None:
    """A valid document, parsed and written, is the same JSON (number formatting aside)."""
    document = data.draw(documents, label="document")
    assert written(model, document) == comparable(document)


# The DateTime fields of these objects; their values are respelled below.
DATETIME_KEYS = frozenset(
    {"last_updated", "start_date_time", "end_date_time", "period_begin", "period_end"}
)
Z_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def respell(value: Any, designator: str) -> Any:
    """``value`` with each DateTime's ``Z`` replaced by ``designator``."""
    if isinstance(value, list):
        return [respell(item, designator) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: item[:-1] + designator
        if key in DATETIME_KEYS and isinstance(item, str) and Z_DATETIME.fullmatch(item)
        else respell(item, designator)
        for key, item in value.items()
    }


@pytest.mark.parametrize(("model", "documents", "nested"), CASES)
@ROUND_TRIPS
@given(data=st.data())
def test_parsing_what_was_written_gives_the_same_model(model, documents, nested, data) -> None:
    """parse(write(parse(x))) == parse(x), also for DateTimes without designator (UTC implied,
    types.asciidoc "DateTime"), and writing it again gives the same bytes."""
    designator = data.draw(st.sampled_from(["Z", ""]), label="designator")
    document = respell(data.draw(documents, label="document"), designator)
    first = parse(model, document)
    second = model.model_validate_json(first.to_json())
    assert second == first
    assert second.to_json() == first.to_json()


def _at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def extras(model: type[OcpiModel], document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in model.model_fields}


@pytest.mark.parametrize(("model", "documents", "nested"), CASES)
@ROUND_TRIPS
@given(data=st.data())
def test_unknown_fields_survive_the_round_trip(model, documents, nested, data) -> None:
    """Fields the model does not declare are kept as extras and written back unchanged, at the
    top and inside nested objects (OCPI 2.3.0 "Non-specified JSON fields")."""
    document = data.draw(documents, label="document")
    unknown = data.draw(docs.unknown_fields(model, min_size=1), label="unknown")
    document.update(unknown)
    inner: dict[str, Any] = {}
    if nested is not None:
        path, inner_model = nested
        inner = data.draw(docs.unknown_fields(inner_model, min_size=1), label="inner")
        _at(document, path).update(inner)
    parsed = parse(model, document)
    assert comparable(parsed.model_extra) == comparable(extras(model, document))
    out = written(model, document)
    assert {key: out[key] for key in unknown} == comparable(unknown)
    if nested is not None:
        assert {key: _at(out, path)[key] for key in inner} == comparable(inner)


# --- genuine bugs found by these properties (models not changed here; see reasons) ------------


@settings(max_examples=20, deadline=None, report_multiple_bugs=False)
@given(st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)))
@example(datetime(999, 1, 1))
def test_datetime_of_every_rfc3339_year_round_trips(moment: datetime) -> None:
    text = moment.isoformat(timespec="seconds") + "Z"  # isoformat always writes 4 year digits
    document = {"period_begin": text, "period_end": text}
    assert written(v221.ExceptionalPeriod, document) == comparable(document)


FLOAT_EXACT = st.builds(  # at most 15 significant digits: a float holds them exactly
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**15) + 1, 10**15 - 1),
    st.integers(-4, 25),
)


@settings(max_examples=20, deadline=None, report_multiple_bugs=False)
@given(FLOAT_EXACT)
@example(Decimal("1E+20"))
def test_every_accepted_number_is_written_back(value: Decimal) -> None:
    document = {"excl_vat": value}
    assert written(v221.Price, document) == comparable(document)


def test_an_accepted_int_beyond_64_bits_is_written_back() -> None:
    document = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 2**64,
        "max_amperage": 16,
        "last_updated": "2015-06-29T20:39:09Z",
    }
    # orjson cannot write 2**64, so the request body is written with the standard library.
    parsed = v221.Connector.model_validate_json(json.dumps(document))
    assert comparable(as_comparable(parsed.to_json())) == comparable(document)
