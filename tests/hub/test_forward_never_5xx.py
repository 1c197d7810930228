"""Never a 5xx on a Hub node: hypothesis-generated requests on every OCPI 2.2.1 Functional route
and the results relay, with routing headers naming a connected party, the Hub, nobody or
nonsense, as a CPO, as an eMSP and anonymously — answered by the Hub itself or forwarded to a
party behind it (a real HTTP server answering 1000). The Hub-node variant of
``tests/server/test_never_5xx.py``, whose checks and strategies it uses.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from openroam._server.app import create_app
from tests.hub.forward_support import Party
from tests.server.test_never_5xx import (
    BODIES,
    HEADER_TEXT,
    PARAMETER,
    QUERY_NAMES,
    SEED,
    TEXT,
    _check,
    _walk,
    segments,
)

pytest_plugins = ["tests.hub.forward_fixtures"]

#: Examples per caller (over every route).
EXAMPLES = 120


def _routes() -> list[tuple[str, str]]:
    app = create_app(None)
    found: set[tuple[str, str]] = set()
    for prefix, route in _walk(app.router.routes):
        path = prefix + (getattr(route, "path", None) or "")
        if not path.startswith(("/ocpi/2.2.1/sender/", "/ocpi/2.2.1/receiver/")):
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path))
    found |= {("POST", "/ocpi/2.2.1/hub/results/{relay}"), ("GET", "/ocpi/2.2.1/hub/results")}
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


ROUTES = _routes()
#: Whom a request is addressed to; it comes from the caller's own party mostly (else it is
#: refused before anything is forwarded).
TO_PARTIES = st.sampled_from([("NL", "CP1"), ("NL", "EM1"), ("NL", "HUB"), ("NL", "XXX"), None])
OWN = {"cpo": ("NL", "CP1"), "emsp": ("NL", "EM1")}


@st.composite
def routing(draw: st.DrawFn, caller: str) -> dict[str, str | bytes]:
    headers: dict[str, str | bytes] = {}
    own = OWN.get(caller, ("NL", "CP1"))
    for side, parties in (
        ("from", st.sampled_from([own, own, None, ("NL", "XXX")])),
        ("to", TO_PARTIES),
    ):
        party = draw(parties)
        if party is not None:
            headers[f"OCPI-{side}-country-code"], headers[f"OCPI-{side}-party-id"] = party
    garbled = st.sets(st.sampled_from([*sorted(headers), "X-Correlation-ID"]), max_size=1)
    for name in draw(st.one_of(st.just(set()), garbled)):
        headers[name] = draw(HEADER_TEXT).encode("latin-1")
    return headers


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("caller", ["cpo", "emsp", "anonymous"])
@seed(int(SEED or 0))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data())
async def test_every_route_of_a_hub_answers_an_envelope_and_never_5xx(
    hub: httpx.AsyncClient, cpo: Party, emsp: Party, caller: str, data: st.DataObject
) -> None:
    method, path = data.draw(st.sampled_from(ROUTES))
    url = PARAMETER.sub(
        lambda found: data.draw(segments(whole_path=found.group(2) is not None)), path
    )
    query = data.draw(
        st.dictionaries(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), TEXT, max_size=3)
    )
    content = data.draw(BODIES) if method in {"POST", "PUT", "PATCH"} else None
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    headers |= {"cpo": cpo.auth, "emsp": emsp.auth}.get(caller, {})
    headers |= data.draw(routing(caller))
    response = await hub.request(method, url, params=query, content=content, headers=headers)
    _check(response, method)
