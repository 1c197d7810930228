"""The tariffs of the worked examples in mod_tariffs.asciidoc, as our own data.

Each tariff here restates the scenario of one example tariff of the spec's tariff chapter (its
prices, VAT rates, step sizes and restrictions, which are what the worked example prices) with our
own ids and texts; it is not read from the spec's files. The tests in test_spec_examples.py work
out each scenario's amounts from these numbers. Where the spec is there,
test_spec_examples.py also checks that every tariff here prices exactly like the spec's file
(:data:`SPEC_FILES`), and prices each scenario with the spec's file too.
"""

from __future__ import annotations

from decimal import Decimal

from openroam.models.v221.tariffs import Tariff
from tests.pricing.support import component, element, make_tariff

WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]


def _text(text: str) -> list[dict[str, str]]:
    return [{"language": "en", "text": text}]


# 2.00 per hour charging, 10 % VAT, billed per minute; parking is free.
TIME_2_PER_HOUR = make_tariff(element(component("TIME", "2.00", 60, vat="10")), id="ORM-TIME-2")

# Ad hoc: 1.90 per hour at 5.2 % VAT, per 5 minutes.
AD_HOC_TIME = make_tariff(
    element(component("TIME", "1.90", 300, vat="5.2")),
    id="ORM-ADHOC-TIME",
    type="AD_HOC_PAYMENT",
    tariff_alt_text=_text("1.90 per hour excl. VAT, 2.00 per hour incl. VAT, per 5 minutes"),
)

# 0.50 start fee and 0.25 per kWh billed per 100 Wh, for drivers who chose the cheap profile.
ENERGY_PER_100_WH = make_tariff(
    element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", 100, vat="10")),
    id="ORM-CHEAP-100WH",
    type="PROFILE_CHEAP",
    tariff_alt_url="https://openroam.example.org/tariffs/cheap",
)

# Start fee; charging time by current and weekday; parking in daytime windows.
COMPLEX = make_tariff(
    element(component("FLAT", "2.50", vat="15")),
    element(component("TIME", "1.00", 900, vat="20"), max_current="32.0"),
    element(component("TIME", "2.00", 600, vat="20"), min_current="32.0", day_of_week=WEEKDAYS),
    element(
        component("TIME", "1.25", 600, vat="20"),
        min_current="32.0",
        day_of_week=["SATURDAY", "SUNDAY"],
    ),
    element(
        component("PARKING_TIME", "5.00", 300, vat="10"),
        start_time="09:00",
        end_time="18:00",
        day_of_week=WEEKDAYS,
    ),
    element(
        component("PARKING_TIME", "6.00", 300, vat="10"),
        start_time="10:00",
        end_time="17:00",
        day_of_week=["SATURDAY"],
    ),
    id="ORM-COMPLEX",
    type="REGULAR",
    tariff_alt_url="https://openroam.example.org/tariffs/complex",
)

# Free of charge: one FLAT of 0 with step_size 0.
FREE = make_tariff(element(component("FLAT", "0", 0)), id="ORM-FREE")

# 0.50 start fee, 0.25 per kWh, never more than 10.00 / 11.00; valid until the end of June 2019.
START_FEE_MAX_PRICE = make_tariff(
    element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10")),
    id="ORM-MAX-PRICE",
    max_price={"excl_vat": Decimal("10.00"), "incl_vat": Decimal("11.00")},
    end_date_time="2019-06-30T23:59:59Z",
)

# 0.25 per kWh, 10 % VAT.
ENERGY_025 = make_tariff(element(component("ENERGY", "0.25", vat="10")), id="ORM-KWH-025")

# 0.50 start fee and 0.25 per kWh.
ENERGY_START_FEE = make_tariff(
    element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10")),
    id="ORM-KWH-START",
)

# 0.50 start fee, 0.25 per kWh, 2.00 per hour parking billed per 15 minutes.
ENERGY_PARKING_START_FEE = make_tariff(
    element(
        component("FLAT", "0.50", vat="20"),
        component("ENERGY", "0.25", vat="10"),
        component("PARKING_TIME", "2.00", 900, vat="20"),
    ),
    id="ORM-KWH-PARKING",
)

# Ad hoc with a credit-card start fee: 0.40 at 25 % VAT (0.50 incl.), 1.90 per hour at 5.2 %.
AD_HOC_CREDIT_CARD = make_tariff(
    element(component("FLAT", "0.40", vat="25"), component("TIME", "1.90", 300, vat="5.2")),
    id="ORM-ADHOC-CARD",
    type="AD_HOC_PAYMENT",
    tariff_alt_text=_text("Start fee 0.50 when paid by credit card, then 2.00 per hour"),
)

# 0.25 per kWh with a minimum price of 0.50 / 0.55.
ENERGY_MIN_PRICE = make_tariff(
    element(component("ENERGY", "0.25", vat="10")),
    id="ORM-KWH-MIN",
    min_price={"excl_vat": Decimal("0.50"), "incl_vat": Decimal("0.55")},
)

# 3.00 per hour charging (per minute) and 5.00 per hour parking (per 5 minutes).
TIME_AND_PARKING = make_tariff(
    element(
        component("TIME", "3.00", 60, vat="10"),
        component("PARKING_TIME", "5.00", 300, vat="20"),
    ),
    id="ORM-TIME-PARKING",
)

# No VAT; by local time: 1.20 per hour per 30 minutes before 17:00, 2.40 per hour per 15 minutes
# after; parking 1.00 per hour per 15 minutes until 20:00, free after.
STEP_SIZE = make_tariff(
    element(
        component("TIME", "1.20", 1800),
        component("PARKING_TIME", "1.00", 900),
        start_time="00:00",
        end_time="17:00",
    ),
    element(
        component("TIME", "2.40", 900),
        component("PARKING_TIME", "1.00", 900),
        start_time="17:00",
        end_time="20:00",
    ),
    element(component("TIME", "2.40", 900), start_time="20:00", end_time="00:00"),
    id="ORM-STEP-SIZE",
)

_SESSION = element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10"))

# Reserving costs 5.00 per hour (per minute); the session costs a start fee and energy.
RESERVATION_PER_HOUR = make_tariff(
    element(component("TIME", "5.00", 60, vat="20"), reservation="RESERVATION"),
    _SESSION,
    id="ORM-RESERVE-HOURLY",
)

# Reserving costs 2.00 plus 5.00 per hour (per 5 minutes).
RESERVATION_FEE = make_tariff(
    element(
        component("FLAT", "2.00", vat="20"),
        component("TIME", "5.00", 300, vat="20"),
        reservation="RESERVATION",
    ),
    _SESSION,
    id="ORM-RESERVE-FEE",
)

# Reserving costs 2.00 per hour (per 10 minutes), and 4.00 more when the reservation expires.
RESERVATION_EXPIRE_FEE = make_tariff(
    element(component("FLAT", "4.00", vat="20"), reservation="RESERVATION_EXPIRES"),
    element(component("TIME", "2.00", 600, vat="20"), reservation="RESERVATION"),
    _SESSION,
    id="ORM-RESERVE-EXPIRE-FEE",
)

# Reserving costs 3.00 per hour, or 6.00 per hour when it expires (both per 10 minutes).
RESERVATION_EXPIRE_TIME = make_tariff(
    element(component("TIME", "6.00", 600, vat="20"), reservation="RESERVATION_EXPIRES"),
    element(component("TIME", "3.00", 600, vat="20"), reservation="RESERVATION"),
    _SESSION,
    id="ORM-RESERVE-EXPIRE-TIME",
)

# Energy by power: 0.20 per kWh below 16 kW, 0.35 below 32 kW, 0.50 above.
MAX_POWER = make_tariff(
    element(component("ENERGY", "0.20", vat="20"), max_power="16.0"),
    element(component("ENERGY", "0.35", vat="20"), max_power="32.0"),
    element(component("ENERGY", "0.50", vat="20")),
    id="ORM-BY-POWER",
    type="REGULAR",
)

# Energy by session duration: free for 30 minutes, 0.25 per kWh until an hour, 0.40 after.
MAX_DURATION = make_tariff(
    element(component("ENERGY", "0.00", vat="20"), max_duration=1800),
    element(component("ENERGY", "0.25", vat="20"), max_duration=3600),
    element(component("ENERGY", "0.40", vat="20")),
    id="ORM-BY-DURATION",
    type="REGULAR",
)

#: our tariff's id → the spec example file whose scenario it restates
SPEC_FILES: dict[str, str] = {
    tariff.id: name
    for tariff, name in [
        (TIME_2_PER_HOUR, "tariff_1_simple_2hour.json"),
        (AD_HOC_TIME, "tariff_2_alt_text.json"),
        (ENERGY_PER_100_WH, "tariff_3_alt_url.json"),
        (COMPLEX, "tariff_4_complex.json"),
        (FREE, "tariff_5_free_of_charge.json"),
        (START_FEE_MAX_PRICE, "tariff_6_025kwh_start_max_price.json"),
        (ENERGY_025, "tariff_8_simple_025kwh.json"),
        (ENERGY_START_FEE, "tariff_9_025kwh_start.json"),
        (ENERGY_PARKING_START_FEE, "tariff_10_025kwh_parking_start.json"),
        (AD_HOC_CREDIT_CARD, "tariff_11_not_possible_alt_text.json"),
        (ENERGY_MIN_PRICE, "tariff_12_025kwh_min_price.json"),
        (TIME_AND_PARKING, "tariff_13_simple_3hour_5parking.json"),
        (STEP_SIZE, "tariff_14_step_size.json"),
        (RESERVATION_PER_HOUR, "tariff_15_reservation_5_euro_per_hour.json"),
        (RESERVATION_FEE, "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"),
        (RESERVATION_EXPIRE_FEE, "tariff_17_reservation_with_expire_fee.json"),
        (RESERVATION_EXPIRE_TIME, "tariff_18_reservation_with_expire_time.json"),
        (MAX_POWER, "tariffrestriction_example_max_power.json"),
        (MAX_DURATION, "tariffrestriction_example_max_duration.json"),
    ]
}

#: every scenario tariff, by our id
TARIFFS: dict[str, Tariff] = {
    tariff.id: tariff
    for tariff in [
        TIME_2_PER_HOUR,
        AD_HOC_TIME,
        ENERGY_PER_100_WH,
        COMPLEX,
        FREE,
        START_FEE_MAX_PRICE,
        ENERGY_025,
        ENERGY_START_FEE,
        ENERGY_PARKING_START_FEE,
        AD_HOC_CREDIT_CARD,
        ENERGY_MIN_PRICE,
        TIME_AND_PARKING,
        STEP_SIZE,
        RESERVATION_PER_HOUR,
        RESERVATION_FEE,
        RESERVATION_EXPIRE_FEE,
        RESERVATION_EXPIRE_TIME,
        MAX_POWER,
        MAX_DURATION,
    ]
}
