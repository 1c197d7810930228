"""The client follows a partner's redirects to the same origin only, the method kept, a few hops
(RFC 9110 "Redirection 3xx"; client/_redirects.py), with the partner a real HTTP server on
127.0.0.1: our credentials token never reaches another origin.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from openroam.client import OcpiClient, authorization_value
from openroam.client._pages import iter_pages
from openroam.client._redirects import RedirectRefused
from openroam.models.v221.sessions import ChargingPreferences, ChargingPreferencesResponse
from openroam.models.v221.versions import Version
from tests.client.http_partner import Answer, HttpPartner, http_partner
from tests.client.ocpi_fakes import TOKEN, document

LOCATIONS = "/ocpi/2.2.1/locations"
VERSIONS = "/ocpi/versions"
PREFERENCES = "/ocpi/2.2.1/sessions/S1/charging_preferences"
OUR_TOKEN = authorization_value(TOKEN)


@pytest.fixture
def partner() -> Iterator[HttpPartner]:
    with http_partner() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[HttpPartner]:
    """Another origin: another port of 127.0.0.1."""
    with http_partner() as server:
        server.route(VERSIONS, Answer.ok(document("versions.json")))
        server.route(PREFERENCES, Answer.ok("ACCEPTED"))
        yield server


@pytest.fixture
async def client() -> AsyncIterator[OcpiClient]:
    async with OcpiClient(TOKEN, timeout=10) as ocpi:
        yield ocpi


def _versions() -> Answer:
    return Answer.ok(document("versions.json"))


def _preferences() -> ChargingPreferences:
    return ChargingPreferences.model_validate_json(
        json.dumps(document("charging_preferences.json"))
    )


# --- followed ---------------------------------------------------------------------------------


async def test_a_307_on_a_missing_trailing_slash_is_followed_through_every_page(
    client: OcpiClient, partner: HttpPartner, caplog: pytest.LogCaptureFixture
) -> None:
    """A partner whose framework answers 307 to ``/locations`` (it serves ``/locations/``),
    with a relative next link: resolved against the URL that answered, not the one asked."""
    partner.route(LOCATIONS, Answer.redirect(307, f"{partner.url}{LOCATIONS}/"))
    partner.route(
        f"{LOCATIONS}/",
        Answer.ok([{"id": "L1"}, {"id": "L2"}], Link='<?offset=2>; rel="next"'),
    )
    partner.route(f"{LOCATIONS}/?offset=2", Answer.ok([{"id": "L3"}]))
    with caplog.at_level(logging.INFO, logger="openroam.client"):
        pages = [page async for page in iter_pages(client, f"{partner.url}{LOCATIONS}")]
    assert [item["id"] for page in pages for item in page.items] == ["L1", "L2", "L3"]
    assert partner.paths == [LOCATIONS, f"{LOCATIONS}/", f"{LOCATIONS}/?offset=2"]
    # Every hop went to the partner's own origin, with our token.
    assert {seen.authorization for seen in partner.requests} == {OUR_TOKEN}
    hops = [r for r in caplog.records if r.name == "openroam.client.redirects"]
    assert [r.getMessage() for r in hops] == [
        f"OCPI GET {partner.url}{LOCATIONS} -> HTTP 307, following to {partner.url}{LOCATIONS}/"
    ]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_get_follows_every_redirect_status_on_the_same_origin(
    client: OcpiClient, partner: HttpPartner, status: int
) -> None:
    partner.route(VERSIONS, Answer.redirect(status, "/ocpi/versions/"))  # relative: resolved
    partner.route(f"{VERSIONS}/", _versions())
    versions = await client.get_versions(f"{partner.url}{VERSIONS}")
    assert [v.version for v in versions] == [
        Version.model_validate(v).version for v in document("versions.json")
    ]
    assert [(s.method, s.path) for s in partner.requests] == [
        ("GET", VERSIONS),
        ("GET", f"{VERSIONS}/"),
    ]
    # Each hop is a request of its own (transport_and_format "Unique message IDs").
    assert len({s.request_id for s in partner.requests}) == 2


@pytest.mark.parametrize("status", [307, 308])
async def test_a_307_or_308_for_a_put_keeps_the_method_and_the_body(
    client: OcpiClient, partner: HttpPartner, status: int
) -> None:
    partner.route(PREFERENCES, Answer.redirect(status, f"{PREFERENCES}/"))
    partner.route(f"{PREFERENCES}/", Answer.ok("ACCEPTED"))
    answer = await client.put_charging_preferences(
        f"{partner.url}/ocpi/2.2.1/sessions", "S1", _preferences()
    )
    assert answer is ChargingPreferencesResponse.ACCEPTED
    first, second = partner.requests
    assert (first.method, second.method) == ("PUT", "PUT")
    assert second.body == first.body
    assert json.loads(second.body) == document("charging_preferences.json")
    assert second.authorization == OUR_TOKEN


# --- not followed -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303])
async def test_a_301_302_or_303_for_a_put_is_an_error_not_a_get(
    client: OcpiClient, partner: HttpPartner, status: int
) -> None:
    partner.route(PREFERENCES, Answer.redirect(status, f"{PREFERENCES}/"))
    partner.route(f"{PREFERENCES}/", Answer.ok("ACCEPTED"))
    with pytest.raises(RedirectRefused, match=f"HTTP {status} may turn a PUT into a GET") as caught:
        await client.put_charging_preferences(
            f"{partner.url}/ocpi/2.2.1/sessions", "S1", _preferences()
        )
    assert caught.value.received_http_status == status
    assert partner.paths == [PREFERENCES]


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_a_redirect_to_another_origin_is_refused_and_our_token_never_sent_there(
    client: OcpiClient, partner: HttpPartner, elsewhere: HttpPartner, method: str
) -> None:
    path = VERSIONS if method == "GET" else PREFERENCES
    partner.route(path, Answer.redirect(307, f"{elsewhere.url}{path}"))
    body = _preferences() if method == "PUT" else None
    with pytest.raises(RedirectRefused, match=re.escape(f"not on {partner.url}")) as caught:
        await client.send(method, f"{partner.url}{path}", json_body=body)
    assert caught.value.target == f"{elsewhere.url}{path}"
    assert elsewhere.requests == []
    assert partner.paths == [path]


@pytest.mark.parametrize(
    "location",
    [
        "//localhost:{port}/ocpi/versions/",  # another host, the scheme kept
        "https://127.0.0.1:{port}/ocpi/versions/",  # another scheme, same host and port
    ],
)
async def test_another_host_or_scheme_is_another_origin(
    client: OcpiClient, partner: HttpPartner, location: str
) -> None:
    port = partner.url.rsplit(":", 1)[1]
    partner.route(VERSIONS, Answer.redirect(308, location.format(port=port)))
    with pytest.raises(RedirectRefused, match="refused: not on"):
        await client.get_versions(f"{partner.url}{VERSIONS}")
    # Had the client followed to localhost, this very server would have seen a second request.
    assert partner.paths == [VERSIONS]


async def test_redirects_stop_after_three_hops(client: OcpiClient, partner: HttpPartner) -> None:
    for hop in range(5):
        partner.route(f"/hop{hop}", Answer.redirect(307, f"/hop{hop + 1}"))
    partner.route("/hop5", _versions())
    with pytest.raises(RedirectRefused, match=r"more than 3 redirects \(the last to '/hop4'\)"):
        await client.get_versions(f"{partner.url}/hop0")
    assert partner.paths == ["/hop0", "/hop1", "/hop2", "/hop3"]


async def test_three_hops_are_followed(client: OcpiClient, partner: HttpPartner) -> None:
    for hop in range(3):
        partner.route(f"/hop{hop}", Answer.redirect(302, f"/hop{hop + 1}"))
    partner.route("/hop3", _versions())
    assert await client.get_versions(f"{partner.url}/hop0")
    assert partner.paths == ["/hop0", "/hop1", "/hop2", "/hop3"]
