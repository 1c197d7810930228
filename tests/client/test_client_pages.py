"""Reading a Sender GET list with the module's model (client/_pages.py, client/_replies.py):
a page whose objects all validate is read in one pass as models; a page with an invalid object
is handed on as JSON data, so the caller can store the valid ones and report the others
(transport_and_format.asciidoc "GET": "process the valid objects, log the invalid ones")."""

from __future__ import annotations

from typing import Any

import pytest

from openroam.client import OcpiClient
from openroam.client._pages import NextLinkRefused, PaginationBroken, iter_pages, next_link
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


# --- next links (transport_and_format.asciidoc "Pagination"; RFC 8288; RFC 3986) --------------


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ('<https://x.example/p?offset=2>; rel="next"', "https://x.example/p?offset=2"),
        ("<?offset=2>; rel=next", "?offset=2"),
        ("<?offset=2>; REL=NEXT", "?offset=2"),
        ('<?offset=2> ; Rel = "Next"', "?offset=2"),
        ('<?offset=0>; rel="prev", <?offset=4>; rel="next"', "?offset=4"),
        ('<?offset=0>; rel="first prev", <?offset=4>; rel="last next"', "?offset=4"),
        # A quoted value holding ";", "," or "rel=next" is not syntax.
        ('<?x>; title="a; rel=next, <?y>"; rel=help, <?offset=2>; rel=next', "?offset=2"),
        # Only the first rel of a link counts (RFC 8288 "The rel Parameter").
        ("<?x>; rel=prev; rel=next, <?offset=2>; rel=next", "?offset=2"),
        ('<?offset=2>; type="a=b"; rel="next"', "?offset=2"),
        ('<?offset=2>; rel="nextpage"', None),
        ("<?offset=2>", None),
        ("", None),
        (None, None),
    ],
)
def test_the_next_link_is_read_as_rfc_8288_writes_it(
    header: str | None, target: str | None
) -> None:
    assert next_link(header) == target


@pytest.mark.parametrize(
    ("link", "requested"),
    [
        ("?offset=2", f"{LIST_URL}?offset=2"),
        ("tariffs?offset=2", f"{LIST_URL}?offset=2"),
        ("/ocpi/2.2.1/tariffs?offset=2", f"{LIST_URL}?offset=2"),
        ("HTTPS://PARTNER.EXAMPLE.COM:443/ocpi/2.2.1/tariffs?offset=2", f"{LIST_URL}?offset=2"),
    ],
)
async def test_a_next_link_is_resolved_against_the_request_url(
    client: OcpiClient, partner: FakePartner, link: str, requested: str
) -> None:
    headers = {"Link": f'<{link}>; rel="next"', "X-Total-Count": "4"}
    partner.answer(200, json=envelope([_tariff("T1"), _tariff("T2")]), headers=headers)
    partner.answer_envelope([_tariff("T3"), _tariff("T4")])
    pages = [page async for page in iter_pages(client, LIST_URL, {"date_from": "2026-01-01"})]
    assert len(pages) == 2
    sent = [str(request.url) for request in partner.requests]
    assert sent == [f"{LIST_URL}?date_from=2026-01-01", requested]


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/ocpi/2.2.1/tariffs?offset=2",
        "//evil.example.com/ocpi/2.2.1/tariffs?offset=2",
        "https://partner.example.com.evil.example/ocpi/2.2.1/tariffs?offset=2",
        "https://partner.example.com:8443/ocpi/2.2.1/tariffs?offset=2",
        # Same host, another scheme: another origin (an http endpoint is not upgraded either).
        "http://partner.example.com/ocpi/2.2.1/tariffs?offset=2",
        "ftp://partner.example.com/tariffs",
    ],
)
async def test_a_next_link_to_another_origin_is_refused_before_any_request(
    client: OcpiClient, partner: FakePartner, link: str
) -> None:
    partner.answer(200, json=envelope([_tariff("T1")]), headers={"Link": f"<{link}>; rel=next"})
    pages = iter_pages(client, LIST_URL)
    await anext(pages)
    with pytest.raises(NextLinkRefused) as refused:
        await anext(pages)
    assert link.split("//")[-1].split("/")[0].lower() in refused.value.message
    assert len(partner.requests) == 1


async def test_an_http_endpoint_is_not_upgraded_to_https_by_a_next_link(
    client: OcpiClient, partner: FakePartner
) -> None:
    http_url = LIST_URL.replace("https://", "http://")
    upgraded = f"<{LIST_URL}?offset=1>; rel=next"
    partner.answer(200, json=envelope([_tariff("T1")]), headers={"Link": upgraded})
    pages = iter_pages(client, http_url)
    await anext(pages)
    with pytest.raises(NextLinkRefused):
        await anext(pages)
    assert len(partner.requests) == 1


async def test_a_next_link_to_a_page_already_read_is_a_loop(
    client: OcpiClient, partner: FakePartner
) -> None:
    partner.answer(200, json=envelope([_tariff("T1")]), headers={"Link": "<?offset=1>; rel=next"})
    partner.answer(200, json=envelope([_tariff("T2")]), headers={"Link": f"<{LIST_URL}>; rel=next"})
    with pytest.raises(PaginationBroken, match="loop"):
        _ = [page async for page in iter_pages(client, LIST_URL)]
    assert len(partner.requests) == 2
