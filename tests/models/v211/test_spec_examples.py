"""OCPI 2.1.1's own JSON examples (the blocks in mod_*.md) against the v211 models, where the spec
is there (``spec_example``). Each example parses and writes back unchanged, except the ones where
the 2.1.1 text contradicts its own tables: those are refused exactly at the fields named here,
because the models follow the tables."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models import v211
from tests.spec_examples import as_comparable, dump_json, examples_211, spec_example

# (chapter, position of the JSON block in the chapter, model, fields the example gets wrong)
EXAMPLES: list[tuple[str, int, str, set[tuple[str | int, ...]]]] = [
    # country "BE" where the Location table requires ISO 3166-1 alpha-3; a price as a string
    (
        "mod_cdrs.md",
        0,
        "CDR",
        {
            ("location", "country"),
            ("tariffs", 0, "elements", 0, "price_components", 0, "price"),
        },
    ),
    ("mod_locations.md", 0, "EVSEPatch", set()),
    ("mod_locations.md", 1, "LocationPatch", set()),
    ("mod_locations.md", 2, "ConnectorPatch", set()),
    # "When not all required fields are specified, the object may be discarded": the text's
    # own example of an incomplete EVSE, with numbers for two strings
    (
        "mod_locations.md",
        3,
        "EVSE",
        {
            ("connectors", 0, "power_type"),
            ("connectors", 0, "voltage"),
            ("connectors", 0, "amperage"),
            ("connectors", 0, "last_updated"),
            ("floor_level",),
            ("physical_reference",),
            ("last_updated",),
        },
    ),
    ("mod_locations.md", 4, "EVSEPatch", set()),
    ("mod_locations.md", 5, "Location", set()),
    ("mod_locations.md", 6, "EnergyMix", set()),
    ("mod_locations.md", 7, "EnergyMix", set()),
    ("mod_locations.md", 8, "EnergyMix", set()),
    ("mod_locations.md", 9, "Hours", set()),
    ("mod_sessions.md", 0, "SessionPatch", set()),
    ("mod_sessions.md", 1, "Session", {("location", "country")}),
    ("mod_sessions.md", 2, "Session", {("location", "country")}),
    # the PUT example leaves out last_updated, which table 3.1 requires
    ("mod_tariffs.md", 0, "Tariff", {("last_updated",)}),
    ("mod_tariffs.md", 1, "TariffPatch", set()),
    ("mod_tariffs.md", 2, "Tariff", set()),
    ("mod_tariffs.md", 3, "Tariff", set()),
    ("mod_tariffs.md", 4, "Tariff", set()),
    ("mod_tariffs.md", 5, "Tariff", set()),
    ("mod_tariffs.md", 6, "Tariff", set()),
    ("mod_tokens.md", 0, "Token", set()),
    ("mod_tokens.md", 1, "TokenPatch", set()),
    ("mod_tokens.md", 2, "Token", set()),
]


def _example(chapter: str, position: int) -> Any:
    return examples_211(chapter)[position]


@spec_example
@pytest.mark.parametrize(("chapter", "position", "model", "wrong"), EXAMPLES)
def test_spec_example(
    chapter: str, position: int, model: str, wrong: set[tuple[str | int, ...]]
) -> None:
    example = _example(chapter, position)
    text = dump_json(example)
    if not wrong:
        parsed = getattr(v211, model).model_validate_json(text)
        assert as_comparable(parsed.to_json()) == example
        return
    with pytest.raises(ValidationError) as caught:
        getattr(v211, model).model_validate_json(text)
    assert {tuple(error["loc"]) for error in caught.value.errors()} == wrong


@spec_example
@pytest.mark.parametrize("chapter", sorted({chapter for chapter, *_ in EXAMPLES}))
def test_every_example_of_the_chapter_is_listed(chapter: str) -> None:
    listed = [position for name, position, *_ in EXAMPLES if name == chapter]
    assert listed == list(range(len(examples_211(chapter))))
