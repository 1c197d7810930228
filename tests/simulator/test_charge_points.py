"""Which EVSE a command may use (openroam.simulator._charge_points)."""

from __future__ import annotations

from datetime import UTC, datetime

from openroam._demo import sample
from openroam.simulator._charge_points import ChargePoints, Reservation


def _charge_points() -> ChargePoints:
    points = ChargePoints()
    points.load(sample.locations())
    return points


def test_every_evse_of_the_locations_is_a_charge_point_found_case_insensitively() -> None:
    points = _charge_points()
    assert len(points) == sum(len(loc["evses"]) for loc in sample.locations())
    evse = points.get("utr-cs", "utr-cs-1")
    assert evse is not None
    assert evse.uid == "UTR-CS-1"
    assert evse.status == "AVAILABLE"
    assert evse.connector(None) == evse.connector("1")
    assert evse.connector("9") is None


def test_refusals_follow_the_evse_status_reservation_and_session() -> None:
    evse = _charge_points().get("UTR-CS", "UTR-CS-1")
    assert evse is not None
    assert evse.refusal_for("A") is None
    evse.reservation = Reservation("DEMSP-R1", "A", datetime(2030, 1, 1, tzinfo=UTC))
    assert evse.refusal_for("a") is None  # the reserving token (CiString)
    assert evse.refusal_for("B") == "EVSE_OCCUPIED"
    evse.reservation, evse.session_id = None, "S1"
    assert evse.refusal_for("A") == "EVSE_OCCUPIED"
    evse.session_id, evse.status = None, "OUTOFORDER"
    assert evse.refusal_for("A") == "EVSE_INOPERATIVE"


def test_without_an_evse_uid_the_first_free_evse_is_picked() -> None:
    points = _charge_points()
    first = points.get("UTR-CS", "UTR-CS-1")
    assert first is not None
    first.session_id = "S1"
    picked = points.pick("UTR-CS", None, "A")
    assert picked is not None
    assert picked.uid == "UTR-CS-2"
    assert points.pick("NOWHERE", None, "A") is None


def test_loading_again_adds_new_evses_and_keeps_the_state_of_known_ones() -> None:
    points = _charge_points()
    first = points.get("UTR-CS", "UTR-CS-1")
    assert first is not None
    first.session_id = "S1"
    more = sample.locations()
    more[0]["evses"].append({**more[0]["evses"][0], "uid": "UTR-CS-9"})
    points.load(more)
    assert points.get("UTR-CS", "UTR-CS-1") is first
    assert first.session_id == "S1"
    assert points.get("UTR-CS", "UTR-CS-9") is not None
