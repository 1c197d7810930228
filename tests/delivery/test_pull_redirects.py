"""Pull-sync from a partner that redirects (RFC 9110 "Redirection 3xx"; client/_redirects.py),
with the partner's Sender interface a real HTTP server on 127.0.0.1, on SQLite and PostgreSQL:

* a partner whose framework answers 307 on a missing trailing slash is pulled through it,
  every page;
* a redirect to another origin stops the pull, is recorded with the partner, module and URL,
  and that origin receives no request (our credentials token is never sent there).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from starlette.requests import Request

from openroam._store.db import Database
from openroam.client._auth import authorization_value
from tests.delivery.sender_server import LIST_PATH, SenderServer, serving, tariff
from tests.delivery.test_pull_links import _partner, _state, _stored_ids, _worker


@pytest.fixture
async def sender() -> AsyncIterator[SenderServer]:
    server = SenderServer(tariffs=[tariff(n) for n in range(5)], slash_redirect=True)
    async with serving(server) as running:
        yield running


@pytest.fixture
async def elsewhere() -> AsyncIterator[SenderServer]:
    """Another origin (another port of 127.0.0.1), serving the same list."""
    async with serving(SenderServer(tariffs=[tariff(n) for n in range(5)])) as server:
        yield server


def _slashed_link(server: SenderServer, request: Request, next_offset: int) -> str:
    """The next link such a partner writes: on the path it answered, with the slash."""
    following = request.url.include_query_params(offset=next_offset)
    return f'<{following}>; rel="next"'


async def test_a_partner_answering_307_on_a_missing_slash_is_pulled_through_it(
    database: Database, sender: SenderServer, caplog: pytest.LogCaptureFixture
) -> None:
    sender.link = _slashed_link
    partner = await _partner(database, sender)  # registered endpoint: LIST_PATH, no slash
    with caplog.at_level(logging.INFO, logger="openroam.client.redirects"):
        result = await _worker(database).pull(partner, "tariffs")
    assert result.pages == 3
    assert result.incomplete is None
    assert sorted(await _stored_ids(database, partner.id)) == [f"T{n}" for n in range(5)]
    assert sender.urls == [
        f"{sender.url}{LIST_PATH}",
        f"{sender.url}{LIST_PATH}/",
        f"{sender.url}{LIST_PATH}/?offset=2",
        f"{sender.url}{LIST_PATH}/?offset=4",
    ]
    # Every request, the redirected one too, carried our token for this partner.
    assert {auth for _, auth in sender.requests} == {authorization_value(partner.outgoing_token)}
    # The hop is logged, so an operator can ask the partner to publish the final URL.
    assert [r.getMessage() for r in caplog.records] == [
        f"OCPI GET {sender.url}{LIST_PATH} -> HTTP 307, following to {sender.url}{LIST_PATH}/"
    ]
    state = await _state(database, partner.id)
    assert state.failures == 0
    assert state.last_full_sync_at is not None


async def test_every_page_may_be_redirected(database: Database, sender: SenderServer) -> None:
    # The default links name LIST_PATH without the slash: each page goes through a 307.
    partner = await _partner(database, sender)
    result = await _worker(database).pull(partner, "tariffs")
    assert result.pages == 3
    assert sorted(await _stored_ids(database, partner.id)) == [f"T{n}" for n in range(5)]
    assert len(sender.requests) == 6


async def test_a_redirect_to_another_origin_stops_the_pull_and_that_origin_gets_no_request(
    database: Database, sender: SenderServer, elsewhere: SenderServer
) -> None:
    sender.redirect_origin = elsewhere.url  # a proxy that sends the partner's clients elsewhere
    foreign = f"{elsewhere.url}{LIST_PATH}/"
    partner = await _partner(database, sender)
    # The scheduled path: the refusal is recorded, not raised out of the worker.
    assert await _worker(database).run_due() == 1
    assert elsewhere.requests == []
    assert sender.urls == [f"{sender.url}{LIST_PATH}"]
    state = await _state(database, partner.id)
    assert state.failures == 1
    assert state.last_error is not None
    for named in (partner.name, "tariffs", foreign, "307"):
        assert named in state.last_error
    assert (state.last_full_sync_at, state.watermark) == (None, None)
