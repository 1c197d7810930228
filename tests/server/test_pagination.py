"""Paginated GET list on our Sender interfaces (transport_and_format.asciidoc "Pagination":
"Paginated Request", "Paginated Response", "Pagination Examples").
The node's maximum page size is 3 here, so a few objects make several pages. SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio

from openroam._server.app import create_app
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._store import object_repo as objects
from openroam._store.db import Database
from tests.server.conftest import PUBLIC_URL
from tests.server.roaming_support import (
    SQLITE_ONLY,
    Roaming,
    location,
    open_roaming,
    sender_url,
    tariff,
    token,
)
from tests.server.support import FakePartner, envelope_of

MAX = 3
LOCATIONS = sender_url("locations")
LINK = re.compile(r'^<(?P<url>[^<>]+)>; rel="next"$')
# Creation order L1…L7; last_updated deliberately in another order (minutes past 10:00).
MINUTES = {"L1": 5, "L2": 1, "L3": 3, "L4": 0, "L5": 6, "L6": 2, "L7": 4}
ALL = list(MINUTES)


def at(minute: int) -> str:
    return f"2026-01-01T10:{minute:02d}:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner, page_limit=MAX) as setup:
        yield setup


def _no_partner_calls(token: str, encode_token: bool) -> PartnerApi:
    raise AssertionError("a GET list makes no calls to partners")


async def seed(roaming: Roaming) -> None:
    """Our seven Locations, created in the order L1…L7."""
    bodies = [location(roaming.cpo, i, last_updated=at(minute)) for i, minute in MINUTES.items()]
    await roaming.own_put("locations", *bodies)


def ids_of(response: httpx.Response, key: str = "id") -> list[str]:
    data = envelope_of(response, 200, 1000)["data"]
    assert isinstance(data, list), data
    return [item[key] for item in data]


def next_link(response: httpx.Response) -> str | None:
    """The URL of ``Link: <url>; rel="next"``, or None when there is no Link."""
    value = response.headers.get("link")
    if value is None:
        return None
    match = LINK.match(value)
    assert match is not None, value
    return match["url"]


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


async def follow(roaming: Roaming, url: str) -> tuple[list[str], list[httpx.Response]]:
    """Every id, following Link headers from ``url``; and every page's answer."""
    ids: list[str] = []
    pages: list[httpx.Response] = []
    next_url: str | None = url
    while next_url is not None:
        response = await roaming.get(next_url)
        ids += ids_of(response)
        pages.append(response)
        next_url = next_link(response)
        assert len(pages) <= 10, "the Link chain does not end"
    return ids, pages


async def test_every_list_supports_offset_limit_date_from_and_date_to(roaming: Roaming) -> None:
    """T&F "Paginated Request": every GET list supports offset, limit, date_from and date_to
    — Locations, Tariffs and Tokens alike."""
    stamps = {f"X{minute}": at(minute) for minute in range(4)}
    await roaming.own_put(
        "locations", *(location(roaming.cpo, i, last_updated=t) for i, t in stamps.items())
    )
    await roaming.own_put(
        "tariffs", *(tariff(roaming.cpo, i, last_updated=t) for i, t in stamps.items())
    )
    await roaming.own_put(
        "tokens", *(token(roaming.emsp, i, last_updated=t) for i, t in stamps.items())
    )
    query = {"date_from": at(1), "date_to": at(3), "offset": "1", "limit": "1"}
    for module, key in (("locations", "id"), ("tariffs", "id"), ("tokens", "uid")):
        response = await roaming.get(sender_url(module), params=query)
        assert ids_of(response, key) == ["X2"], module
        assert response.headers["x-total-count"] == "2", module
        assert response.headers["x-limit"] == str(MAX), module


async def test_date_from_is_inclusive_and_date_to_exclusive(roaming: Roaming) -> None:
    """T&F "Paginated Request": date_from is inclusive (last_updated >= date_from), date_to is
    exclusive (last_updated < date_to); an object with last_updated == date_to is not
    returned. Windows [a, b) and [b, c) chain without overlap."""
    await seed(roaming)
    cases = [
        ({"date_from": at(4)}, ["L1", "L5", "L7"]),
        ({"date_to": at(2)}, ["L2", "L4"]),
        ({"date_from": at(2), "date_to": at(4)}, ["L3", "L6"]),
        ({"date_from": at(3), "date_to": at(3)}, []),
        ({"date_from": at(7)}, []),
    ]
    for params, expected in cases:
        response = await roaming.get(LOCATIONS, params=params)
        assert ids_of(response) == expected, params
        assert response.headers["x-total-count"] == str(len(expected)), params
    windows = [(at(0), at(2)), (at(2), at(4)), (at(4), at(7))]
    seen: list[str] = []
    for date_from, date_to in windows:
        params = {"date_from": date_from, "date_to": date_to}
        seen += ids_of(await roaming.get(LOCATIONS, params=params))
    assert sorted(seen) == sorted(ALL)


async def test_offset_defaults_to_zero(roaming: Roaming) -> None:
    """T&F "Paginated Request": offset defaults to 0."""
    await seed(roaming)
    without = await roaming.get(LOCATIONS)
    assert ids_of(without) == ids_of(await roaming.get(LOCATIONS, params={"offset": "0"}))
    assert ids_of(without) == ["L1", "L2", "L3"]
    assert ids_of(await roaming.get(LOCATIONS, params={"limit": "2"})) == ["L1", "L2"]


async def test_total_count_counts_every_match_ignoring_offset_and_limit(roaming: Roaming) -> None:
    """T&F "Paginated Response": X-Total-Count is the number of objects matching the filters,
    ignoring offset and limit, and only what this client may see — our own Locations, not those
    partners pushed to us."""
    await seed(roaming)
    for location_id in ("P1", "P2"):
        pushed = location(roaming.partner_cpo, location_id)
        url = f"/ocpi/2.2.1/receiver/locations/{'/'.join(roaming.partner_cpo)}/{location_id}"
        envelope_of(await roaming.put(url, pushed), 201, 1000)
    cases = [
        ({}, 7, ["L1", "L2", "L3"]),
        ({"offset": "5", "limit": "1"}, 7, ["L6"]),
        ({"offset": "6"}, 7, ["L7"]),
        ({"offset": "9"}, 7, []),
        ({"date_from": at(4), "offset": "2"}, 3, ["L7"]),
        ({"date_to": at(2), "limit": "1"}, 2, ["L2"]),
    ]
    for params, total, expected in cases:
        response = await roaming.get(LOCATIONS, params=params)
        assert ids_of(response) == expected, params
        assert response.headers["x-total-count"] == str(total), params


async def test_x_limit_is_the_server_maximum_even_when_fewer_are_returned(
    roaming: Roaming, database: Database
) -> None:
    """T&F "Paginated Response": X-Limit is the maximum number of objects the server returns per
    page, whatever this page holds; configurable, 100 by default (the node's
    ``max_page_size``)."""
    await seed(roaming)
    for params in ({}, {"limit": "1"}, {"offset": "6"}, {"date_to": at(2)}, {"offset": "50"}):
        response = await roaming.get(LOCATIONS, params=params)
        envelope_of(response, 200, 1000)
        assert response.headers["x-limit"] == str(MAX), params
    default = Node.build(roaming.node.platform, database, _no_partner_calls)
    assert default.page_limit == 100
    transport = httpx.ASGITransport(app=create_app(default))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        response = await client.get(LOCATIONS, headers=roaming.auth)
    assert ids_of(response) == ALL
    assert response.headers["x-limit"] == "100"
    assert response.headers["x-total-count"] == "7"
    assert "link" not in response.headers


async def test_link_next_is_on_every_page_but_the_last(roaming: Roaming) -> None:
    """T&F "Paginated Response": Link rel="next" on every page except the last, absent on the
    last — also when the last page is full."""
    await seed(roaming)
    ids, pages = await follow(roaming, LOCATIONS)
    assert ids == ALL
    assert [len(ids_of(page)) for page in pages] == [3, 3, 1]
    assert [next_link(page) is not None for page in pages] == [True, True, False]
    exactly_full = await roaming.get(LOCATIONS, params={"date_from": at(4)})
    assert ids_of(exactly_full) == ["L1", "L5", "L7"]
    assert "link" not in exactly_full.headers
    last_by_offset = await roaming.get(LOCATIONS, params={"offset": "4"})
    assert ids_of(last_by_offset) == ["L5", "L6", "L7"]
    assert "link" not in last_by_offset.headers


async def test_next_link_repeats_the_filters_and_carries_the_effective_limit(
    roaming: Roaming,
) -> None:
    """T&F "Pagination Examples": the next link repeats the original date_from/date_to, moves
    offset on, and carries the limit in effect."""
    await seed(roaming)
    params = {"date_from": at(1), "date_to": at(6), "limit": "2"}
    link = next_link(await roaming.get(LOCATIONS, params=params))
    assert link is not None
    assert link.startswith(f"{PUBLIC_URL}{LOCATIONS}?")
    query = query_of(link)
    assert query["date_from"] == [at(1)]
    assert query["date_to"] == [at(6)]
    assert query["offset"] == ["2"]
    assert query["limit"] == ["2"]
    link = next_link(await roaming.get(LOCATIONS, params={"date_to": at(6), "limit": "50"}))
    assert link is not None
    assert query_of(link)["limit"] == [str(MAX)]
    assert "date_from" not in query_of(link)


async def test_next_link_repeats_sub_second_filters(roaming: Roaming) -> None:
    """T&F "Pagination Examples": the next link repeats the original filters — exactly, so a
    date_from with fractional seconds (types.asciidoc "DateTime" allows them) still excludes
    the objects the first page excluded, and the pages add up to the query's result."""
    await seed(roaming)
    date_from = "2026-01-01T10:00:00.500Z"  # after L4 (10:00:00): L4 is not a match
    expected = [i for i in ALL if i != "L4"]
    first = await roaming.get(LOCATIONS, params={"date_from": date_from})
    assert first.headers["x-total-count"] == "6"
    ids, pages = await follow(roaming, str(first.request.url))
    assert ids == expected
    assert [page.headers["x-total-count"] for page in pages] == ["6", "6"]


async def test_limit_above_the_maximum_returns_the_maximum(roaming: Roaming) -> None:
    """T&F "Pagination Examples" (?limit=2000 → 100 objects, X-Limit: 100, next link with
    limit=100): a limit above the server's maximum gets at most the maximum."""
    await seed(roaming)
    response = await roaming.get(LOCATIONS, params={"limit": "2000"})
    assert ids_of(response) == ["L1", "L2", "L3"]
    assert response.headers["x-limit"] == str(MAX)
    link = next_link(response)
    assert link is not None
    assert (query_of(link)["offset"], query_of(link)["limit"]) == (["3"], [str(MAX)])


async def test_order_is_stable_across_repeated_gets(roaming: Roaming) -> None:
    """T&F "Paginated Response": repeated identical GETs return the objects in the same order;
    oldest (first created) first, so updates do not reorder and new objects only change the
    last page."""
    await seed(roaming)
    first, _ = await follow(roaming, LOCATIONS)
    second, _ = await follow(roaming, LOCATIONS)
    assert first == second == ALL
    await roaming.own_put("locations", location(roaming.cpo, "L2", last_updated=at(30)))
    await roaming.own_put("locations", location(roaming.cpo, "L8", last_updated=at(0)))
    after_changes, pages = await follow(roaming, LOCATIONS)
    assert after_changes == [*ALL, "L8"]
    assert ids_of(pages[0]) == ["L1", "L2", "L3"]
    filtered = {"date_from": at(2)}
    assert ids_of(await roaming.get(LOCATIONS, params=filtered)) == ["L1", "L2", "L3"]


async def test_following_links_equals_offsets_by_hand(roaming: Roaming) -> None:
    """T&F "Paginated Response": a client may follow the Link (which also carries our keyset
    position ``after``) or compute offsets itself; both give exactly the same sequence, for a
    plain and for a date-filtered list."""
    await seed(roaming)
    for params in ({}, {"date_from": at(1), "date_to": at(6)}, {"limit": "2"}):
        url = str(httpx.URL(LOCATIONS, params=params))
        followed, pages = await follow(roaming, url)
        assert all("after" in query_of(link) for p in pages if (link := next_link(p)))
        limit = int(params.get("limit", MAX))
        by_hand: list[str] = []
        for offset in range(0, len(ALL), limit):
            page = await roaming.get(LOCATIONS, params={**params, "offset": str(offset)})
            by_hand += ids_of(page)
        assert followed == by_hand, params
        assert len(followed) == len(set(followed)), params


async def test_empty_list_is_an_empty_array(roaming: Roaming) -> None:
    """T&F "Response format": a list answer with no objects has ``data: []``; X-Total-Count 0,
    X-Limit the maximum and no Link (T&F "Paginated Response") — on every Sender list."""
    for module in ("locations", "tariffs", "tokens"):
        response = await roaming.get(sender_url(module))
        body = envelope_of(response, 200, 1000)
        assert set(body) == {"data", "status_code", "timestamp"}
        assert body["data"] == []
        assert response.headers["x-total-count"] == "0"
        assert response.headers["x-limit"] == str(MAX)
        assert "link" not in response.headers


INVALID_QUERIES = [
    ("offset=-1", "offset"),
    ("offset=abc", "offset"),
    ("limit=abc", "limit"),
    ("limit=-5", "limit"),
    ("limit=1.5", "limit"),
    ("date_from=garbage", "date_from"),
    ("date_to=2026-13-01T00:00:00Z", "date_to"),
    ("date_from=2026-01-01T10:00:00%2B01:00", "date_from"),
    ("after=x", "after"),
]


@SQLITE_ONLY
async def test_invalid_query_parameter_is_2001(roaming: Roaming) -> None:
    """status_codes.asciidoc 2001 "Invalid or missing parameters" for a bad pagination parameter
    — an OCPI envelope naming the parameter, never FastAPI's 422 with ``{"detail": …}``."""
    for query, parameter in INVALID_QUERIES:
        response = await roaming.get(f"{LOCATIONS}?{query}")
        body = envelope_of(response, 200, 2001)
        assert parameter in body["status_message"], (query, body)
        assert "link" not in response.headers, query


@SQLITE_ONLY
async def test_total_count_follows_a_change_made_by_another_connection_at_once(
    roaming: Roaming, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-Total-Count on SQLite is exact: a count is reused while the file's data_version stays
    the same — no recount however long nothing changes — and a change committed by any other
    connection (another process: ``Roaming.own_put`` writes past the service) is counted at the
    next request, not a cache period later."""
    await seed(roaming)
    counts = 0
    original = objects.count_objects

    async def counting(*args: Any, **kwargs: Any) -> int:
        nonlocal counts
        counts += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(objects, "count_objects", counting)
    first = await roaming.get(LOCATIONS)
    assert first.headers["x-total-count"] == "7"
    counted = counts
    roaming.node.roaming._counts.clear()  # as if the count's cache period had passed
    again = await roaming.get(LOCATIONS)
    assert again.headers["x-total-count"] == "7"
    assert counts == counted

    await roaming.own_put("locations", location(roaming.cpo, "L8", last_updated=at(7)))
    after = await roaming.get(LOCATIONS)
    assert after.headers["x-total-count"] == "8"
