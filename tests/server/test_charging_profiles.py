"""ChargingProfiles on both sides (mod_charging_profiles.asciidoc, "Flow").

CPO (Receiver interface): GET/PUT/DELETE /{session_id} answered with a ChargingProfileResponse;
accepted requests go to the backend, whose result is POSTed to ``response_url`` by the delivery
worker, and after a successful set the ActiveChargingProfile is pushed to the Sender.
eMSP (Sender): requests to the CPO partner, its results at our ``response_url`` and its
ActiveChargingProfile pushes. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from openroam._delivery.profile_worker import ProfileDeliverySettings, ProfileWorker
from openroam._services.profile_receiver import ReceivedRequest
from openroam._services.profile_sender import ChargingProfileSender
from openroam._services.profiles import profile_subject
from openroam._store import object_repo
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client import OcpiClient
from openroam.errors import NotFound, UnableToUseClientApi
from openroam.models.common import parse_datetime
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfileResponseType,
    ChargingProfileResultType,
)
from tests.server.roaming_support import BASE, JSON, SQLITE_ONLY, Party, Roaming, open_roaming
from tests.server.support import PARTNER, FakePartner, envelope, envelope_of

RECEIVER = f"{BASE}/receiver/chargingprofiles"
PARTNER_RECEIVER = f"{PARTNER}/2.2.1/chargingprofiles/receiver"
PARTNER_SENDER = f"{PARTNER}/2.2.1/chargingprofiles/sender"
RESPONSE_URL = f"{PARTNER}/results/1"
PROFILE = {
    "charging_rate_unit": "W",
    "charging_profile_period": [{"start_period": 0, "limit": 11000}],
}
OK = httpx.Response(200, json=envelope(None))


@pytest.fixture
def partner() -> FakePartner:
    fake = FakePartner()
    fake.endpoints += [
        {"identifier": "chargingprofiles", "role": "RECEIVER", "url": PARTNER_RECEIVER},
        {"identifier": "chargingprofiles", "role": "SENDER", "url": PARTNER_SENDER},
    ]
    return fake


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


async def own_session(roaming: Roaming, session_id: str, token_party: Party) -> None:
    """One of our CPO's Sessions for a Token of ``token_party``, as stored."""
    document = {
        "country_code": roaming.cpo[0],
        "party_id": roaming.cpo[1],
        "id": session_id,
        "cdr_token": {
            "country_code": token_party[0],
            "party_id": token_party[1],
            "uid": "012345678",
            "type": "RFID",
            "contract_id": "DE-XXX-C1",
        },
        "status": "ACTIVE",
        "last_updated": "2026-01-01T10:00:00Z",
    }
    async with roaming.node.db.session() as session, session.begin():
        await object_repo.put_object(
            session,
            module="sessions",
            origin=object_repo.OWN,
            country_code=roaming.cpo[0],
            party_id=roaming.cpo[1],
            object_id=session_id,
            last_updated=parse_datetime(document["last_updated"]),
            document=orjson.dumps(document),
        )


def worker(roaming: Roaming, partner: FakePartner) -> ProfileWorker:
    def clients(token: str, encode: bool) -> OcpiClient:
        return OcpiClient(token, encode_token=encode, transport=partner.transport, timeout=5)

    settings = ProfileDeliverySettings(base_delay=0.0, max_delay=0.0)
    return ProfileWorker(roaming.node.db, clients, settings)


async def put_profile(roaming: Roaming, session_id: str, **body: Any) -> dict[str, Any]:
    content = {"charging_profile": PROFILE, "response_url": RESPONSE_URL} | body
    response = await roaming.put(f"{RECEIVER}/{session_id}", content)
    data: dict[str, Any] = envelope_of(response, 200, 1000)["data"]
    return data


async def requested(roaming: Roaming, session_id: str) -> list[dict[str, Any]]:
    subject = profile_subject(roaming.partner_id, session_id)
    events = await roaming.node.events.read(subject=subject, types=["chargingprofile.requested"])
    return [orjson.loads(event.payload) for event in events]


# --- CPO: Receiver interface ------------------------------------------------------------------


async def test_unknown_session_is_answered_unknown_session_with_a_timeout(
    roaming: Roaming,
) -> None:
    answer = await put_profile(roaming, "NO-SUCH-SESSION")
    assert answer == {"result": "UNKNOWN_SESSION", "timeout": 30}
    assert await requested(roaming, "NO-SUCH-SESSION") == []


async def test_a_session_of_another_partys_token_is_answered_as_an_unknown_one(
    roaming: Roaming,
) -> None:
    """Only the Token owner may set profiles; a session of another eMSP's token gets the answer
    of a session that does not exist, so the answer tells nothing about which sessions exist
    (docs/spec-decisions.md "Another eMSP's session is an unknown session")."""
    await own_session(roaming, "CP-FOREIGN", ("FR", "ZZZ"))
    foreign = await put_profile(roaming, "CP-FOREIGN")
    unknown = await put_profile(roaming, "CP-NOWHERE")
    assert foreign == unknown == {"result": "UNKNOWN_SESSION", "timeout": 30}
    assert await requested(roaming, "CP-FOREIGN") == []


async def test_set_accepted_result_posted_and_active_profile_pushed(
    roaming: Roaming, partner: FakePartner
) -> None:
    await own_session(roaming, "CP-SET", roaming.partner_emsp)
    assert await put_profile(roaming, "cp-set") == {"result": "ACCEPTED", "timeout": 30}
    [event] = await requested(roaming, "CP-SET")
    assert event["kind"] == "SET"
    assert event["charging_profile"] == PROFILE
    # No active profile is pushed before the set succeeded.
    assert await worker(roaming, partner).run_once() == 0

    partner.broken[RESPONSE_URL] = OK
    partner.broken[f"{PARTNER_SENDER}/cp-set"] = OK
    done = await roaming.node.profile_receiver.report_result(
        event["request_id"], ChargingProfileResultType.ACCEPTED
    )
    assert done.state == "pending"
    assert done.result == {"result": "ACCEPTED"}
    assert await worker(roaming, partner).run_once() == 2
    sent = {(r.method, str(r.url)): orjson.loads(r.content) for r in partner.requests if r.content}
    assert sent[("POST", RESPONSE_URL)] == {"result": "ACCEPTED"}
    pushed = sent[("PUT", f"{PARTNER_SENDER}/cp-set")]
    assert pushed["charging_profile"] == PROFILE
    assert (await roaming.node.profiles.request(event["request_id"])).state == "done"

    # Later changes go to the Sender that set a profile.
    later = ActiveChargingProfile.model_validate_json(
        orjson.dumps({"start_date_time": "2026-01-01T11:00:00Z", "charging_profile": PROFILE})
    )
    assert await roaming.node.profile_receiver.put_active("CP-SET", later) == 1
    assert await roaming.node.profile_receiver.put_active("CP-OTHER", later) == 0
    partner.requests.clear()
    assert await worker(roaming, partner).run_once() == 1
    assert orjson.loads(partner.requests[0].content) == later.to_dict()


async def test_a_result_is_retried_until_the_sender_takes_it(
    roaming: Roaming, partner: FakePartner
) -> None:
    await own_session(roaming, "CP-RETRY", roaming.partner_emsp)
    url = f"{PARTNER}/results/retry"
    await roaming.client.delete(
        f"{RECEIVER}/CP-RETRY", params={"response_url": url}, headers=roaming.auth
    )
    [event] = await requested(roaming, "CP-RETRY")
    assert event["kind"] == "CLEAR"
    await roaming.node.profile_receiver.report_result(
        event["request_id"], ChargingProfileResultType.REJECTED
    )
    partner.broken[url] = httpx.Response(503, text="down")
    assert await worker(roaming, partner).run_once() == 1
    waiting = await roaming.node.profiles.request(event["request_id"])
    assert waiting.state == "pending"
    assert waiting.error
    partner.broken[url] = OK
    assert await worker(roaming, partner).run_once() == 1
    assert (await roaming.node.profiles.request(event["request_id"])).state == "done"
    assert orjson.loads(partner.requests[-1].content) == {"result": "REJECTED"}


async def test_a_result_the_sender_refuses_fails_after_bounded_attempts(
    roaming: Roaming, partner: FakePartner
) -> None:
    """_delivery/retry.py: a permanent refusal (HTTP 4xx) is tried max_refusals times, then the
    row is failed with the answer; it is not retried for ever."""
    await own_session(roaming, "CP-REFUSED", roaming.partner_emsp)
    url = f"{PARTNER}/results/refused"
    await roaming.client.delete(
        f"{RECEIVER}/CP-REFUSED", params={"response_url": url}, headers=roaming.auth
    )
    [event] = await requested(roaming, "CP-REFUSED")
    await roaming.node.profile_receiver.report_result(
        event["request_id"], ChargingProfileResultType.ACCEPTED
    )
    refusal = {"status_code": 2001, "timestamp": "2026-01-01T10:00:00Z"}
    partner.broken[url] = httpx.Response(400, json=refusal)
    sender = worker(roaming, partner)
    for _ in range(3):
        assert await sender.run_once() == 1
    failed = await roaming.node.profiles.request(event["request_id"])
    assert failed.state == "failed"
    assert await sender.run_once() == 0


async def test_get_result_carries_the_active_profile(
    roaming: Roaming, partner: FakePartner
) -> None:
    await own_session(roaming, "CP-GET", roaming.partner_emsp)
    url = f"{PARTNER}/results/get"
    response = await roaming.client.get(
        f"{RECEIVER}/CP-GET",
        params={"duration": "900", "response_url": url},
        headers=roaming.auth,
    )
    assert envelope_of(response, 200, 1000)["data"]["result"] == "ACCEPTED"
    [event] = await requested(roaming, "CP-GET")
    assert event["duration"] == 900
    active = ActiveChargingProfile.model_validate_json(
        orjson.dumps({"start_date_time": "2026-01-01T11:00:00Z", "charging_profile": PROFILE})
    )
    await roaming.node.profile_receiver.report_result(
        event["request_id"], ChargingProfileResultType.ACCEPTED, active
    )
    partner.broken[url] = OK
    await worker(roaming, partner).run_once()
    body = orjson.loads(partner.requests[-1].content)
    assert body == {"result": "ACCEPTED", "profile": active.to_dict()}
    with pytest.raises(Exception, match="not waiting"):
        await roaming.node.profile_receiver.report_result(
            event["request_id"], ChargingProfileResultType.ACCEPTED
        )


async def test_the_backend_handler_may_answer_otherwise(roaming: Roaming) -> None:
    await own_session(roaming, "CP-HANDLER", roaming.partner_emsp)
    seen: list[ReceivedRequest] = []

    async def handler(request: ReceivedRequest) -> ChargingProfileResponseType | None:
        seen.append(request)
        return ChargingProfileResponseType.NOT_SUPPORTED

    roaming.node.profile_receiver.set_handler(handler)
    assert (await put_profile(roaming, "CP-HANDLER"))["result"] == "NOT_SUPPORTED"
    assert seen[0].session["id"] == "CP-HANDLER"
    assert await requested(roaming, "CP-HANDLER") == []


@SQLITE_ONLY
async def test_missing_parameters_and_invalid_bodies_are_2001(roaming: Roaming) -> None:
    url = f"{RECEIVER}/CP-ANY"
    get = await roaming.client.get(url, params={"response_url": RESPONSE_URL}, headers=roaming.auth)
    envelope_of(get, 200, 2001)
    no_url = await roaming.client.get(url, params={"duration": "60"}, headers=roaming.auth)
    envelope_of(no_url, 200, 2001)
    envelope_of(await roaming.client.delete(url, headers=roaming.auth), 200, 2001)
    bad = {"charging_profile": {"charging_rate_unit": "X"}, "response_url": RESPONSE_URL}
    envelope_of(await roaming.put(url, bad), 200, 2001)
    not_json = await roaming.client.put(url, content=b"{", headers=roaming.auth | JSON)
    envelope_of(not_json, 400, 2001)


# --- eMSP: Sender side ------------------------------------------------------------------------


async def sender(roaming: Roaming, partner: FakePartner) -> tuple[ChargingProfileSender, str]:
    def factory(token: str, encode: bool) -> OcpiClient:
        return OcpiClient(token, encode_token=encode, transport=partner.transport, timeout=5)

    async with roaming.node.db.session() as session:
        record = await repo.get_partner(session, roaming.partner_id)
    assert record is not None
    node = roaming.node
    service = ChargingProfileSender(node.db, node.platform, node.events, factory)
    return service, record.name


async def test_set_stores_the_response_then_the_posted_result(
    roaming: Roaming, partner: FakePartner
) -> None:
    service, name = await sender(roaming, partner)
    answer = {"result": "ACCEPTED", "timeout": 20}
    partner.broken[f"{PARTNER_RECEIVER}/S1"] = httpx.Response(200, json=envelope(answer))
    profile = ChargingProfile.model_validate_json(orjson.dumps(PROFILE))
    sent = await service.set(name, "S1", profile)
    assert (sent.state, sent.response) == ("waiting", answer)
    put = partner.requests[-1]
    body = orjson.loads(put.content)
    assert body["charging_profile"] == PROFILE
    reference_url = body["response_url"]
    assert reference_url.startswith(service.response_url(""))

    path = reference_url.removeprefix(roaming.client.base_url.__str__().rstrip("/"))
    posted = await roaming.client.post(
        path, content=b'{"result":"ACCEPTED"}', headers=roaming.auth | JSON
    )
    assert "data" not in envelope_of(posted, 200, 1000)
    done = await service.request(sent.id)
    assert (done.state, done.result) == ("done", {"result": "ACCEPTED"})
    subject = profile_subject(roaming.partner_id, "S1")
    types = [event.type for event in await roaming.node.events.read(subject=subject)]
    assert types == ["chargingprofile.response", "chargingprofile.result"]

    # An invalid result is 2001; an unknown reference 404.
    wrong = await roaming.client.post(path, content=b'{"result":"X"}', headers=roaming.auth | JSON)
    envelope_of(wrong, 200, 2001)
    unknown = await roaming.client.post(
        path + "x", content=b'{"result":"ACCEPTED"}', headers=roaming.auth | JSON
    )
    envelope_of(unknown, 404, 2000)


async def test_pushed_active_profiles_are_kept(roaming: Roaming, partner: FakePartner) -> None:
    service, name = await sender(roaming, partner)
    active = {"start_date_time": "2026-01-01T11:00:00Z", "charging_profile": PROFILE}
    url = f"{BASE}/sender/chargingprofiles/S2"
    assert "data" not in envelope_of(await roaming.put(url, active), 200, 1000)
    assert (await service.active(name, "s2")).to_dict() == active
    envelope_of(await roaming.put(url, {"charging_profile": PROFILE}), 200, 2001)
    with pytest.raises(NotFound):
        await service.active(name, "S3")


async def test_an_unreachable_cpo_fails_the_request(roaming: Roaming, partner: FakePartner) -> None:
    service, name = await sender(roaming, partner)
    partner.broken[f"{PARTNER_RECEIVER}/S4"] = httpx.ConnectError("refused")
    with pytest.raises(UnableToUseClientApi):
        await service.clear(name, "S4")
    with pytest.raises(NotFound):
        await service.set(
            "no-such-partner", "S4", ChargingProfile.model_validate_json(orjson.dumps(PROFILE))
        )


async def test_an_accepted_request_without_a_result_times_out_and_a_late_result_is_kept(
    roaming: Roaming, partner: FakePartner
) -> None:
    """mod_charging_profiles "ChargingProfileResponse Object", timeout: "When the Result is not
    received within this timeout, the Sender can assume that the message might never be sent."
    The request is then decided as timed out (event ``chargingprofile.result`` with
    ``timed_out``); a result that comes later is still stored, reported as ``late``."""
    service, name = await sender(roaming, partner)
    partner.broken[f"{PARTNER_RECEIVER}/S5"] = httpx.Response(
        200, json=envelope({"result": "ACCEPTED", "timeout": 5})
    )
    sent = await service.set(name, "S5", ChargingProfile.model_validate_json(orjson.dumps(PROFILE)))
    now = datetime.now(UTC)
    assert await service.expire(now=now) == []
    assert await service.expire(now=now + timedelta(seconds=6)) == [sent.id]
    assert await service.expire(now=now + timedelta(seconds=6)) == []  # decided once
    timed_out = await service.request(sent.id)
    assert (timed_out.state, timed_out.result) == ("timeout", None)
    subject = profile_subject(roaming.partner_id, "S5")
    events = await roaming.node.events.read(subject=subject)
    assert orjson.loads(events[-1].payload) == {
        "request_id": sent.id, "kind": "SET", "session_id": "S5", "result": None,
        "timed_out": True,
    }  # fmt: skip

    path = orjson.loads(partner.requests[-1].content)["response_url"].removeprefix(
        str(roaming.client.base_url).rstrip("/")
    )
    posted = await roaming.client.post(
        path, content=b'{"result":"ACCEPTED"}', headers=roaming.auth | JSON
    )
    envelope_of(posted, 200, 1000)
    late = await service.request(sent.id)
    assert (late.state, late.result) == ("done", {"result": "ACCEPTED"})
    events = await roaming.node.events.read(subject=subject)
    assert orjson.loads(events[-1].payload)["late"] is True


async def test_a_refused_request_never_times_out_and_the_worker_expires_overdue_ones(
    roaming: Roaming, partner: FakePartner
) -> None:
    service, name = await sender(roaming, partner)
    partner.broken[f"{PARTNER_RECEIVER}/S6"] = httpx.Response(
        200, json=envelope({"result": "REJECTED", "timeout": 5})
    )
    profile = ChargingProfile.model_validate_json(orjson.dumps(PROFILE))
    await service.set(name, "S6", profile)
    assert await service.expire(now=datetime.now(UTC) + timedelta(hours=1)) == []

    partner.broken[f"{PARTNER_RECEIVER}/S7"] = httpx.Response(
        200, json=envelope({"result": "ACCEPTED", "timeout": 0})
    )
    sent = await service.set(name, "S7", profile)
    delivery = worker(roaming, partner)
    delivery.expire = service.expire
    assert await delivery.run_once() == 1
    assert (await service.request(sent.id)).state == "timeout"
