"""Commands between 2.2.1 and 2.1.1 (2.1.1 mod_commands.md 3.1-3.5, 4.1 CommandResponseType,
4.2 CommandType)."""

from __future__ import annotations

import pytest

from openroam._convert.commands import (
    DEFAULT_TIMEOUT,
    command_from_v211,
    command_response_from_v211,
    command_response_to_v211,
    command_result_from_v211,
    command_result_to_v211,
    command_to_v211,
)
from openroam._convert.locations import Unconvertible
from openroam._convert.tokens import CONVERTER as TOKENS
from openroam.models import v211, v221
from tests.convert.docs import CONTEXT, TOKEN_221, Doc, valid

URL = "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/42"
TOKEN_211 = TOKENS.to_v211(TOKEN_221)

START_221: Doc = {
    "response_url": URL,
    "token": TOKEN_221,
    "location_id": "LOC1",
    "evse_uid": "3256",
    "connector_id": "1",
    "authorization_reference": "REF-1",
}
RESERVE_221: Doc = {
    "response_url": URL,
    "token": TOKEN_221,
    "expiry_date": "2026-03-16T12:00:00Z",
    "reservation_id": "1234",
    "location_id": "LOC1",
    "evse_uid": "3256",
    "authorization_reference": "REF-2",
}


def test_start_session_to_v211_loses_connector_and_reference() -> None:
    assert valid(v211.StartSession, command_to_v211("START_SESSION", START_221))
    assert command_to_v211("START_SESSION", START_221) == {
        "response_url": URL,
        "token": TOKEN_211,
        "location_id": "LOC1",
        "evse_uid": "3256",
    }


def test_start_session_from_v211() -> None:
    start = command_from_v211("START_SESSION", command_to_v211("START_SESSION", START_221),
                              CONTEXT)  # fmt: skip
    parsed = valid(v221.StartSession, start)
    assert parsed.connector_id is None
    assert parsed.authorization_reference is None
    assert start["token"]["contract_id"] == TOKEN_221["contract_id"]
    assert (start["token"]["country_code"], start["token"]["party_id"]) == ("NL", "CPO")


def test_reserve_now_reservation_id_is_an_int_in_2_1_1() -> None:
    out = command_to_v211("RESERVE_NOW", RESERVE_221)
    assert valid(v211.ReserveNow, out)
    assert out["reservation_id"] == 1234
    assert "authorization_reference" not in out
    back = command_from_v211("RESERVE_NOW", out, CONTEXT)
    assert valid(v221.ReserveNow, back).reservation_id == "1234"


@pytest.mark.parametrize("reservation_id", ["R-1", "0012", "12.5", "", "1e3"])
def test_reserve_now_with_a_reservation_id_that_is_no_decimal_int(reservation_id: str) -> None:
    with pytest.raises(Unconvertible, match="reservation_id"):
        command_to_v211("RESERVE_NOW", {**RESERVE_221, "reservation_id": reservation_id})


@pytest.mark.parametrize("reservation_id", ["12", True])
def test_reserve_now_from_v211_needs_an_int(reservation_id: object) -> None:
    with pytest.raises(Unconvertible):
        command_from_v211("RESERVE_NOW", {**command_to_v211("RESERVE_NOW", RESERVE_221),
                                          "reservation_id": reservation_id}, CONTEXT)  # fmt: skip


def test_stop_session_and_unlock_connector_are_the_same() -> None:
    stop = {"response_url": URL, "session_id": "101"}
    assert command_to_v211("STOP_SESSION", stop) == stop
    assert valid(v211.StopSession, stop)
    assert valid(v221.StopSession, command_from_v211("STOP_SESSION", stop, CONTEXT))
    unlock = {"response_url": URL, "location_id": "LOC1", "evse_uid": "3256", "connector_id": "1"}
    assert command_to_v211("UNLOCK_CONNECTOR", unlock) == unlock
    assert valid(v211.UnlockConnector, unlock)
    assert valid(v221.UnlockConnector, command_from_v211("UNLOCK_CONNECTOR", unlock, CONTEXT))


def test_cancel_reservation_does_not_exist_in_2_1_1() -> None:
    with pytest.raises(Unconvertible, match="CANCEL_RESERVATION"):
        command_to_v211("CANCEL_RESERVATION", {"response_url": URL, "reservation_id": "1"})
    with pytest.raises(Unconvertible):
        command_from_v211("CANCEL_RESERVATION", {"response_url": URL, "reservation_id": 1},
                          CONTEXT)  # fmt: skip


@pytest.mark.parametrize("result", ["ACCEPTED", "REJECTED", "NOT_SUPPORTED", "UNKNOWN_SESSION"])
def test_synchronous_response_round_trip(result: str) -> None:
    response = {"result": result, "timeout": 30, "message": [{"language": "en", "text": "x"}]}
    as_v211 = command_response_to_v211(response)
    assert as_v211 == {"result": result}
    assert valid(v211.CommandResponse, as_v211)
    back = command_response_from_v211(as_v211)
    assert valid(v221.CommandResponse, back)
    assert back == {"result": result, "timeout": DEFAULT_TIMEOUT}
    assert command_response_from_v211(as_v211, timeout=5)["timeout"] == 5


def test_synchronous_2_1_1_timeout_becomes_rejected_with_a_message() -> None:
    back = command_response_from_v211({"result": "TIMEOUT"})
    assert valid(v221.CommandResponse, back)
    assert back["result"] == "REJECTED"
    assert "TIMEOUT" in back["message"][0]["text"]


@pytest.mark.parametrize(("result", "expected"), [
    ("ACCEPTED", "ACCEPTED"), ("CANCELED_RESERVATION", "REJECTED"), ("EVSE_OCCUPIED", "REJECTED"),
    ("EVSE_INOPERATIVE", "REJECTED"), ("FAILED", "REJECTED"), ("NOT_SUPPORTED", "NOT_SUPPORTED"),
    ("REJECTED", "REJECTED"), ("TIMEOUT", "TIMEOUT"), ("UNKNOWN_RESERVATION", "REJECTED"),
])  # fmt: skip
def test_every_command_result_type_to_v211(result: str, expected: str) -> None:
    out = command_result_to_v211({"result": result, "message": []})
    assert out == {"result": expected}
    assert valid(v211.CommandResponse, out)


def test_the_result_types_are_all_mapped() -> None:
    for result in v221.CommandResultType:
        assert command_result_to_v211({"result": result.value})["result"] in {
            "ACCEPTED", "REJECTED", "NOT_SUPPORTED", "TIMEOUT", "UNKNOWN_SESSION",
        }  # fmt: skip


@pytest.mark.parametrize(("sent", "result"), [
    ("ACCEPTED", "ACCEPTED"), ("REJECTED", "REJECTED"), ("NOT_SUPPORTED", "NOT_SUPPORTED"),
    ("TIMEOUT", "TIMEOUT"), ("UNKNOWN_SESSION", "REJECTED"),
])  # fmt: skip
def test_every_2_1_1_asynchronous_response_from_v211(sent: str, result: str) -> None:
    assert valid(v211.CommandResponse, {"result": sent})
    back = command_result_from_v211({"result": sent})
    assert valid(v221.CommandResult, back)
    assert back["result"] == result
    if sent != result:
        assert sent in back["message"][0]["text"]


@pytest.mark.parametrize("bad", ["", "EVSE_OCCUPIED", None])
def test_unknown_2_1_1_results_are_unconvertible(bad: object) -> None:
    with pytest.raises(Unconvertible):
        command_result_from_v211({"result": bad})
    with pytest.raises(Unconvertible):
        command_response_from_v211({"result": bad})
