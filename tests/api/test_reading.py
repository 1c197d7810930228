"""A partner's reading policy on our Receiver interface (docs/spec-decisions.md "DateTimes with
a space or an offset"), set through the backend API (``PUT /api/partners/{name}/reading``),
with the deviations read back (``GET /api/partners/{name}/deviations``).

Read strictly (the default), a Location whose DateTimes carry ``+00:00`` is refused with 2001
naming the field, the value and the deviation (types.asciidoc "DateTime": "+00:00 is not the
same as UTC"). Read leniently, it is accepted (1000), stored with ``Z`` and each deviation
counted per module, field and kind; PATCHes and CDR POSTs alike.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson

from openroam._services import reading
from openroam._services.node import Node
from tests.api.conftest import RegisterPartner
from tests.api.support import cdr, data_of, error_of, location

OFFSET = "2026-01-02T10:00:00+00:00"
RECEIVER = "/ocpi/2.2.1/receiver"


def _ocpi(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def _envelope(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) <= {"data", "status_code", "status_message", "timestamp"}, body
    return body


def _offset_location(location_id: str = "L1") -> dict[str, Any]:
    body = location(location_id, "DE", "PRT", last_updated=OFFSET)
    body["evses"][0]["last_updated"] = OFFSET
    body["evses"][0]["connectors"][0]["last_updated"] = "2026-01-02 10:00:00Z"
    return body


async def test_strict_refuses_offsets_lenient_stores_z_and_counts(
    client: httpx.AsyncClient, register_partner: RegisterPartner, node: Node
) -> None:
    caller = await register_partner("cpo-offsets")
    auth = _ocpi(caller.token)
    url = f"{RECEIVER}/locations/DE/PRT/L1"

    # Strict (the default): 2001, the field, the value and what is wrong with it.
    refused = _envelope(await client.put(url, json=_offset_location(), headers=auth))
    assert refused["status_code"] == 2001
    message = refused["status_message"]
    assert f"$.last_updated: '{OFFSET}' is not an OCPI DateTime (+00:00 instead of Z)" in message
    assert (
        "$.evses[0].connectors[0].last_updated: '2026-01-02 10:00:00Z' is not an OCPI DateTime "
        "(space instead of T)"
    ) in message
    error_of(await client.get("/api/partners/cpo-offsets/locations/DE/PRT/L1"), 404, 2000)
    assert data_of(await client.get("/api/partners/cpo-offsets/deviations")) == {
        "reading_policy": "strict",
        "deviations": [],
    }

    # Lenient: accepted, stored in the spec's form, counted.
    changed = data_of(
        await client.put("/api/partners/cpo-offsets/reading", json={"policy": "lenient"})
    )
    assert changed == {"reading_policy": "lenient", "deviations": []}
    accepted = await client.put(url, json=_offset_location(), headers=auth)
    assert accepted.status_code == 201
    assert _envelope(accepted)["status_code"] == 1000
    stored = data_of(await client.get("/api/partners/cpo-offsets/locations/DE/PRT/L1"))
    assert stored["last_updated"] == "2026-01-02T10:00:00Z"
    assert stored["evses"][0]["last_updated"] == "2026-01-02T10:00:00Z"
    assert stored["evses"][0]["connectors"][0]["last_updated"] == "2026-01-02T10:00:00Z"

    # A PATCH on the EVSE's URL: counted under the EVSE's place in a Location.
    patch = {"status": "CHARGING", "last_updated": "2026-01-02 11:00:00+01:00"}
    patched = await client.patch(f"{url}/E1", json=patch, headers=auth)
    assert _envelope(patched)["status_code"] == 1000
    stored = data_of(await client.get("/api/partners/cpo-offsets/locations/DE/PRT/L1"))
    assert stored["evses"][0]["status"] == "CHARGING"
    assert stored["evses"][0]["last_updated"] == "2026-01-02T10:00:00Z"

    found = data_of(await client.get("/api/partners/cpo-offsets/deviations"))
    counted = {(d["module"], d["field"], d["kind"]): d["count"] for d in found["deviations"]}
    assert counted == {
        ("locations", "last_updated", "utc_offset"): 1,
        ("locations", "evses.last_updated", "utc_offset"): 1,
        ("locations", "evses.last_updated", "space"): 1,
        ("locations", "evses.last_updated", "offset"): 1,
        ("locations", "evses.connectors.last_updated", "space"): 1,
    }
    rows = {(d["field"], d["kind"]): d for d in found["deviations"]}
    assert rows[("last_updated", "utc_offset")]["example"] == OFFSET
    assert rows[("evses.last_updated", "offset")]["example"] == "2026-01-02 11:00:00+01:00"
    assert rows[("last_updated", "utc_offset")]["first_seen"].endswith("Z")

    # The same again adds up; the service's function gives the same rows (partners show).
    again = await client.put(url, json=_offset_location(), headers=auth)
    assert _envelope(again)["status_code"] == 1000
    records = await reading.deviation_counts(node.db, caller.partner_id)
    assert {(r.field, r.kind): r.count for r in records}[("last_updated", "utc_offset")] == 2

    # Back to strict: refused again.
    await client.put("/api/partners/cpo-offsets/reading", json={"policy": "strict"})
    refused = _envelope(await client.put(url, json=_offset_location(), headers=auth))
    assert refused["status_code"] == 2001


async def test_a_lenient_partner_posts_a_cdr_with_spaces(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    caller = await register_partner("cpo-cdrs")
    await client.put("/api/partners/cpo-cdrs/reading", json={"policy": "lenient"})
    body = cdr("CDR9", owner=("DE", "PRT"), token_party=("NL", "ORM"))
    body["start_date_time"] = "2026-01-01 08:00:00"
    body["charging_periods"][0]["start_date_time"] = "2026-01-01 08:00:00Z"
    posted = await client.post(f"{RECEIVER}/cdrs", json=body, headers=_ocpi(caller.token))
    assert _envelope(posted)["status_code"] == 1000, posted.text
    found = data_of(await client.get("/api/partners/cpo-cdrs/deviations"))
    assert {(d["module"], d["field"], d["kind"]) for d in found["deviations"]} == {
        ("cdrs", "start_date_time", "space"),
        ("cdrs", "charging_periods.start_date_time", "space"),
    }


async def test_a_lenient_partner_still_gets_2001_for_other_problems(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    caller = await register_partner("cpo-other")
    await client.put("/api/partners/cpo-other/reading", json={"policy": "lenient"})
    body = _offset_location() | {"time_zone": 5}
    refused = _envelope(
        await client.put(
            f"{RECEIVER}/locations/DE/PRT/L1",
            content=orjson.dumps(body),
            headers=_ocpi(caller.token),
        )
    )
    assert refused["status_code"] == 2001
    assert refused["status_message"].startswith("$.time_zone: ")
    found = data_of(await client.get("/api/partners/cpo-other/deviations"))
    assert found["deviations"] == []  # nothing was accepted


async def test_reading_policy_errors(
    client: httpx.AsyncClient, register_partner: RegisterPartner
) -> None:
    await register_partner("cpo-policy")
    message = error_of(
        await client.put("/api/partners/cpo-policy/reading", json={"policy": "sloppy"}), 400, 2001
    )
    assert "strict, lenient" in message
    error_of(await client.put("/api/partners/cpo-policy/reading", json={}), 400, 2001)
    error_of(await client.put("/api/partners/cpo-policy/reading", content=b"{not json"), 400, 2001)
    error_of(
        await client.put("/api/partners/nobody/reading", json={"policy": "lenient"}), 404, 2000
    )
    error_of(await client.get("/api/partners/nobody/deviations"), 404, 2000)
