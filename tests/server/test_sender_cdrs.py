"""Our CDRs Sender interface (mod_cdrs "Sender Interface", "Pull model"): the GET list of our own
CDRs, paginated and filtered by date like every list, serving each eMSP only the CDRs of its own
tokens. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api.support import cdr
from tests.server.roaming_support import (
    Party,
    Roaming,
    open_roaming,
    sender_url,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of

T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"
T3 = "2026-01-01T13:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def own_cdr(roaming: Roaming, emsp: Party, cdr_id: str, **changes: Any) -> dict[str, Any]:
    return cdr(cdr_id, roaming.cpo, emsp, **changes)


async def test_mod_cdrs_sender_list_serves_each_emsp_the_cdrs_of_its_tokens(
    roaming: Roaming,
) -> None:
    # mod_cdrs "Pull model": "the CPO is allowed to return only the CDRs that are relevant for
    # the requesting eMSP": an eMSP never reads another eMSP's CDRs. X-Total-Count
    # counts the caller's only.
    other_party = ("DE", unique_party_id())
    _, other_auth = await roaming.register([(Role.EMSP, other_party)])
    await roaming.own_put(
        "cdrs",
        own_cdr(roaming, roaming.partner_emsp, "A1"),
        own_cdr(roaming, other_party, "B1"),
        own_cdr(roaming, roaming.partner_emsp, "A2"),
        own_cdr(roaming, roaming.emsp, "OWN"),
    )
    for auth, wanted in ((roaming.auth, ["A1", "A2"]), (other_auth, ["B1"])):
        response = await roaming.get(sender_url("cdrs"), auth)
        data = envelope_of(response, 200, 1000)["data"]
        assert [item["id"] for item in data] == wanted
        assert response.headers["x-total-count"] == str(len(wanted))


async def test_mod_cdrs_sender_list_date_filters_and_pages(roaming: Roaming) -> None:
    # mod_cdrs "Request Parameters": date_from inclusive, date_to exclusive on last_updated
    # (the creation time of a CDR); transport_and_format "Pagination": offset, limit, Link.
    await roaming.own_put(
        "cdrs",
        *(
            own_cdr(roaming, roaming.partner_emsp, f"C{hour}", last_updated=stamp)
            for hour, stamp in ((1, T1), (2, T2), (3, T3))
        ),
    )
    cases = [
        ({"date_from": T2}, ["C2", "C3"]),
        ({"date_to": T2}, ["C1"]),
        ({"date_from": T1, "date_to": T3}, ["C1", "C2"]),
        ({"date_from": T3, "date_to": T3}, []),
        ({"offset": 1, "limit": 1}, ["C2"]),
    ]
    for params, wanted in cases:
        response = await roaming.get(sender_url("cdrs"), params=params)
        assert [c["id"] for c in envelope_of(response, 200, 1000)["data"]] == wanted, params
    first = await roaming.get(sender_url("cdrs"), params={"date_from": T1, "limit": 2})
    assert [c["id"] for c in envelope_of(first, 200, 1000)["data"]] == ["C1", "C2"]
    assert first.headers["x-total-count"] == "3"
    assert "date_from=" in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    last = await roaming.get(next_url)
    assert [c["id"] for c in envelope_of(last, 200, 1000)["data"]] == ["C3"]
    assert "link" not in last.headers


async def test_mod_cdrs_sender_offers_no_writes(roaming: Roaming) -> None:
    # mod_cdrs "Sender Interface": POST, PUT, PATCH and DELETE are n/a.
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = await roaming.client.request(method, sender_url("cdrs"), headers=roaming.auth)
        assert response.status_code == 405, (method, response.text)
