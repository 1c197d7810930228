"""Sessions on both interfaces (mod_sessions): our Receiver interface (a CPO partner PUTs and
PATCHes its Sessions at ``/{country_code}/{party_id}/{session_id}``) and our Sender GET list
(our own Sessions, each served only to the eMSP of its ``cdr_token``). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api.support import charging_period
from tests.server.roaming_support import (
    Party,
    Roaming,
    open_roaming,
    receiver_url,
    sender_url,
    session,
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


def theirs(roaming: Roaming, session_id: str = "S1", **changes: Any) -> dict[str, Any]:
    """A Session of the partner's CPO party for a token of our eMSP party."""
    return session(roaming.partner_cpo, roaming.emsp, session_id, **changes)


def url(roaming: Roaming, session_id: str = "S1", party: Party | None = None) -> str:
    return receiver_url("sessions", party or roaming.partner_cpo, session_id)


async def stored(roaming: Roaming, session_id: str = "S1") -> Any:
    return envelope_of(await roaming.get(url(roaming, session_id)), 200, 1000)["data"]


# --- Receiver interface ----------------------------------------------------------------------


async def test_mod_sessions_put_replaces_charging_periods(roaming: Roaming) -> None:
    """mod_sessions "PUT Method": a PUT replaces the whole Session, charging_periods included; a
    PUT without charging_periods removes them. New → 201, replace → 200 (status_codes)."""
    envelope_of(await roaming.put(url(roaming), theirs(roaming, periods=3)), 201, 1000)
    assert len((await stored(roaming))["charging_periods"]) == 3
    one = theirs(roaming, periods=1, last_updated=T1)
    envelope_of(await roaming.put(url(roaming), one), 200, 1000)
    assert await stored(roaming) == one
    none = theirs(roaming, last_updated=T2)
    envelope_of(await roaming.put(url(roaming), none), 200, 1000)
    assert "charging_periods" not in await stored(roaming)


async def test_mod_sessions_patch_appends_charging_periods(roaming: Roaming) -> None:
    """mod_sessions "PATCH Method": charging_periods in a PATCH are appended to the stored ones;
    an empty list or none changes nothing; other fields are replaced."""
    envelope_of(await roaming.put(url(roaming), theirs(roaming, periods=2)), 201, 1000)
    added = charging_period("2026-01-01T10:30:00Z", 5)
    patch = {"kwh": 6, "charging_periods": [added], "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming), patch), 200, 1000)
    after = await stored(roaming)
    assert after["charging_periods"] == [*theirs(roaming, periods=2)["charging_periods"], added]
    assert (after["kwh"], after["last_updated"]) == (6, T1)
    envelope_of(
        await roaming.patch(url(roaming), {"charging_periods": [], "last_updated": T2}), 200, 1000
    )
    status = {"status": "COMPLETED", "end_date_time": T3, "last_updated": T3}
    envelope_of(await roaming.patch(url(roaming), status), 200, 1000)
    final = await stored(roaming)
    assert final["charging_periods"] == after["charging_periods"]
    assert (final["status"], final["end_date_time"]) == ("COMPLETED", T3)


async def test_mod_sessions_patch_of_a_session_without_periods_adds_them(roaming: Roaming) -> None:
    """mod_sessions "PATCH Method": the first periods may come in a PATCH; an empty list does
    not add an empty field."""
    envelope_of(await roaming.put(url(roaming), theirs(roaming)), 201, 1000)
    envelope_of(
        await roaming.patch(url(roaming), {"charging_periods": [], "last_updated": T1}), 200, 1000
    )
    assert "charging_periods" not in await stored(roaming)
    period = charging_period(T1)
    patch = {"charging_periods": [period], "last_updated": T2}
    envelope_of(await roaming.patch(url(roaming), patch), 200, 1000)
    assert (await stored(roaming))["charging_periods"] == [period]


async def test_mod_sessions_patch_without_last_updated_is_2001(roaming: Roaming) -> None:
    """transport_and_format "PATCH"; mod_sessions "PATCH Method": last_updated is required in
    every PATCH → 2001, and nothing changes; a PATCH of an unknown Session → 404."""
    document = theirs(roaming, periods=1)
    envelope_of(await roaming.put(url(roaming), document), 201, 1000)
    patch = {"kwh": 9, "charging_periods": [charging_period(T1)]}
    body = envelope_of(await roaming.patch(url(roaming), patch), 200, 2001)
    assert "last_updated" in body["status_message"]
    assert await stored(roaming) == document
    unknown = {"kwh": 9, "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "NOPE"), unknown), 404, 2000)


async def test_mod_sessions_older_updates_are_acknowledged_not_applied(roaming: Roaming) -> None:
    """transport_and_format "Client Owned Object Push": an update older than the stored Session
    (a late retry) is answered 1000 and ignored, so newer data is never overwritten and periods
    are not appended again."""
    document = theirs(roaming, periods=2, last_updated=T2)
    envelope_of(await roaming.put(url(roaming), document), 201, 1000)
    late = {"kwh": 1, "charging_periods": [charging_period(T1)], "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming), late), 200, 1000)
    envelope_of(await roaming.put(url(roaming), theirs(roaming, last_updated=T1)), 200, 1000)
    assert await stored(roaming) == document


async def test_mod_sessions_patch_repeated_after_a_lost_answer_appends_once(
    roaming: Roaming,
) -> None:
    """mod_sessions "PATCH Method" with transport_and_format retries: a PATCH repeated with the
    same last_updated and periods (its answer was lost) does not append them a second time; a
    later PATCH with new periods still appends."""
    envelope_of(await roaming.put(url(roaming), theirs(roaming, periods=1)), 201, 1000)
    patch = {"kwh": 2, "charging_periods": [charging_period(T1, 2)], "last_updated": T1}
    for _ in range(2):
        envelope_of(await roaming.patch(url(roaming), patch), 200, 1000)
    assert len((await stored(roaming))["charging_periods"]) == 2
    later = {"charging_periods": [charging_period(T2, 3)], "last_updated": T2}
    envelope_of(await roaming.patch(url(roaming), later), 200, 1000)
    assert len((await stored(roaming))["charging_periods"]) == 3


async def test_mod_sessions_receiver_scoping(roaming: Roaming) -> None:
    """transport_and_format "Client Owned Object Push": a partner writes and reads Sessions only
    under a party it registered (404 otherwise); a Session for a token of a party that is not
    ours (another eMSP's driver) is refused with 2001 and not stored."""
    other_party = ("DE", unique_party_id())
    _, other_auth = await roaming.register([(Role.CPO, other_party)])
    mine = session(other_party, roaming.emsp)
    other_url = url(roaming, "S1", other_party)
    envelope_of(await roaming.put(other_url, mine, other_auth), 201, 1000)
    envelope_of(await roaming.put(other_url, mine), 404, 2000)
    envelope_of(await roaming.patch(other_url, {"kwh": 2, "last_updated": T1}), 404, 2000)
    envelope_of(await roaming.get(other_url), 404, 2000)
    assert envelope_of(await roaming.get(other_url, other_auth), 200, 1000)["data"] == mine
    foreign = theirs(roaming, cdr_token=mine["cdr_token"] | {"party_id": unique_party_id()})
    body = envelope_of(await roaming.put(url(roaming), foreign), 200, 2001)
    assert "cdr_token" in body["status_message"]
    envelope_of(await roaming.get(url(roaming)), 404, 2000)
    envelope_of(await roaming.put(url(roaming), theirs(roaming)), 201, 1000)
    repointed = {"cdr_token": foreign["cdr_token"], "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming), repointed), 200, 2001)
    assert await stored(roaming) == theirs(roaming)


# --- Sender interface ------------------------------------------------------------------------


async def test_mod_sessions_sender_list_serves_each_emsp_its_own(roaming: Roaming) -> None:
    """mod_sessions "Sender Interface"; T&F "Paginated Response": the GET list serves a caller
    only the Sessions whose cdr_token names one of its parties — an eMSP cannot read another
    eMSP's Sessions; X-Total-Count counts those only."""
    other_party = ("DE", unique_party_id())
    _, other_auth = await roaming.register([(Role.EMSP, other_party)])
    await roaming.own_put(
        "sessions",
        session(roaming.cpo, roaming.partner_emsp, "A1"),
        session(roaming.cpo, other_party, "B1"),
        session(roaming.cpo, roaming.partner_emsp, "A2"),
        session(roaming.cpo, roaming.emsp, "OWN"),
    )
    for auth, wanted in ((roaming.auth, ["A1", "A2"]), (other_auth, ["B1"])):
        response = await roaming.get(sender_url("sessions"), auth)
        data = envelope_of(response, 200, 1000)["data"]
        assert [item["id"] for item in data] == wanted
        assert response.headers["x-total-count"] == str(len(wanted))


async def test_mod_sessions_sender_list_date_filters(roaming: Roaming) -> None:
    """transport_and_format "Paginated Request" for mod_sessions GET list: date_from inclusive,
    date_to exclusive on last_updated, with offset/limit and the Link header as for every list."""
    await roaming.own_put(
        "sessions",
        *(
            session(roaming.cpo, roaming.partner_emsp, f"S{hour}", last_updated=stamp)
            for hour, stamp in ((1, T1), (2, T2), (3, T3))
        ),
    )
    cases = [
        ({"date_from": T2}, ["S2", "S3"]),
        ({"date_to": T2}, ["S1"]),
        ({"date_from": T1, "date_to": T3}, ["S1", "S2"]),
        ({"date_from": T3, "date_to": T3}, []),
    ]
    for params, wanted in cases:
        response = await roaming.get(sender_url("sessions"), params=params)
        assert [s["id"] for s in envelope_of(response, 200, 1000)["data"]] == wanted, params
    first = await roaming.get(sender_url("sessions"), params={"date_from": T1, "limit": 2})
    assert [s["id"] for s in envelope_of(first, 200, 1000)["data"]] == ["S1", "S2"]
    assert first.headers["x-total-count"] == "3"
    assert 'rel="next"' in first.headers["link"]
    assert "date_from=" in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    last = await roaming.get(next_url)
    assert [s["id"] for s in envelope_of(last, 200, 1000)["data"]] == ["S3"]
    assert "link" not in last.headers
