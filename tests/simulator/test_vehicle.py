"""The charging curve of the simulated car (openroam.simulator._vehicle)."""

from __future__ import annotations

import itertools

import pytest

from openroam.simulator._vehicle import ChargerLimits, Vehicle, charger_limits

AC_22 = ChargerLimits(max_kw=22.08, voltage=230, dc=False)
DC_100 = ChargerLimits(max_kw=100, voltage=500, dc=True)


def test_charger_limits_from_a_connector() -> None:
    three_phase = {"power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 32}
    assert charger_limits(three_phase).max_kw == pytest.approx(22.08)
    single = {"power_type": "AC_1_PHASE", "max_voltage": 230, "max_amperage": 16}
    assert charger_limits(single).max_kw == pytest.approx(3.68)
    # mod_locations "Connector Object": max_electric_power (W) is the rated power when given.
    dc = {"power_type": "DC", "max_voltage": 500, "max_amperage": 200, "max_electric_power": 50000}
    assert charger_limits(dc) == ChargerLimits(max_kw=50, voltage=500, dc=True)


def test_ac_charging_is_limited_by_the_on_board_charger_and_flat_until_nearly_full() -> None:
    car = Vehicle(capacity_kwh=60, soc=0.2, target_soc=1.0, max_ac_kw=11)
    assert car.accepts_kw(AC_22) == 11
    assert car.charge(AC_22, 3600) == pytest.approx(11, rel=1e-6)
    car.soc = 0.95
    assert 3.3 < car.accepts_kw(AC_22) < 11


def test_dc_charging_tapers_as_the_battery_fills() -> None:
    car = Vehicle(capacity_kwh=60, soc=0.1, target_soc=1.0, max_dc_kw=150)
    powers = []
    for _ in range(40):
        powers.append(car.accepts_kw(DC_100))
        car.charge(DC_100, 60)
    assert powers[0] == 100  # the charger's limit
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(powers))
    assert powers[-1] < 50


def test_charging_stops_at_the_target_and_never_overshoots() -> None:
    car = Vehicle(capacity_kwh=40, soc=0.7, target_soc=0.8)
    taken = car.charge(DC_100, 3 * 3600)
    assert taken == pytest.approx(4.0)
    assert car.full()
    assert car.accepts_kw(DC_100) == 0
    reading = car.reading(DC_100, 100, taken)
    assert reading.power_kw == 0
    assert reading.current_a == 0
    assert not reading.charging


def test_a_reading_carries_current_summed_over_phases() -> None:
    car = Vehicle(soc=0.2, max_ac_kw=11)
    reading = car.reading(AC_22, 60, 0.18)
    # 11 kW at 230 V: 47.8 A summed over the three phases (16 A per phase).
    assert reading.current_a == pytest.approx(11000 / 230)
    assert reading.charging
