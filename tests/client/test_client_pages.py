"""Reading a Sender GET list with the module's model (client/_pages.py, client/_replies.py):
a page whose objects all validate is read in one pass as models; a page with an invalid object
is handed on as JSON data, so the caller can store the valid ones and report the others
(transport_and_format.asciidoc "GET": "process the valid objects, log the invalid ones")."""

from __future__ import annotations

from typing import Any

from openroam.client import OcpiClient
from openroam.client._pages import iter_pages
from openroam.models.v221.tariffs import Tariff
from tests.client.ocpi_fakes import FakePartner, envelope

LIST_URL = "https://partner.example.com/ocpi/2.2.1/tariffs"


def _tariff(tariff_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "country_code": "DE", "party_id": "CPO", "id": tariff_id, "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": "2026-01-01T10:00:00Z",
    } | changes  # fmt: skip


async def test_a_valid_page_comes_as_models_and_an_invalid_one_as_data(
    client: OcpiClient, partner: FakePartner
) -> None:
    link = {"Link": f'<{LIST_URL}?offset=2>; rel="next"'}
    partner.answer(200, json=envelope([_tariff("T1"), _tariff("T2")]), headers=link)
    partner.answer(200, json=envelope([_tariff("T3"), _tariff("T4", currency=7)]))
    pages = [page async for page in iter_pages(client, LIST_URL, item_model=Tariff)]
    first, second = (page.items for page in pages)
    assert [type(item) for item in first] == [Tariff, Tariff]
    assert [item.id for item in first] == ["T1", "T2"]
    # One invalid object: the whole page stays JSON data, nothing dropped here.
    assert [item["id"] for item in second] == ["T3", "T4"]
    assert all(isinstance(item, dict) for item in second)
