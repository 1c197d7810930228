"""The CDR of a stopped session, and the Credit CDR that corrects one. Pure.

mod_cdrs.asciidoc "CDR Object": the CDR reflects the Location, EVSE, Connector, Tariff and Token
as at session start (the :class:`ChargingState` sealed them), its ChargingPeriods are the
session's, and its totals are the tariff engine's for the same meter values (docs/pricing.md),
so the eMSP's recomputation (``openroam.pricing._audit``) agrees with it.

Without an applicable Tariff OCPI has nothing to price with: the Connector SHOULD point to a
"free of charge" Tariff when charging is free (mod_locations "Connector Object"
``tariff_ids``), and an absent cost is unknown, not zero (mod_sessions "Session Object"
``total_cost``). A CDR's ``total_cost`` is required, so then the backend must state it (the
price of its contract with the eMSP); openroam does not invent one. The periods carry no
``tariff_id`` and the CDR no ``tariffs``.

Credit CDRs (mod_cdrs "Credit CDRs"): a new id (the original's plus ``-C`` by default, which is
why a CDR id may have 39 characters), ``credit = true``, ``credit_reference_id`` = the original
id, all data of the original, and "only the values in the ``total_cost`` field SHALL contain the
negative amounts of the original CDR": the breakdown fields are copied as they are.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openroam._services.charging.session import priced, state_periods
from openroam._services.charging.state import ChargingError, ChargingState, find_connector
from openroam.models.v221.cdrs import CDR, CdrLocation
from openroam.models.v221.sessions import SessionStatus
from openroam.models.v221.types import Price
from openroam.pricing import CdrTotals

__all__ = ["build_cdr", "cdr_location", "credit_cdr", "credit_id"]

_ZERO = Decimal(0)


def cdr_location(state: ChargingState) -> CdrLocation:
    """mod_cdrs "CdrLocation": the relevant parts of the Location, EVSE and Connector."""
    location = state.location
    evse, connector = find_connector(location, state.evse_uid, state.connector_id)
    if evse.evse_id is None:
        raise ChargingError(f"EVSE {evse.uid!r} has no evse_id, which its CDR needs")
    return CdrLocation(
        id=location.id,
        name=location.name,
        address=location.address,
        city=location.city,
        postal_code=location.postal_code,
        state=location.state,
        country=location.country,
        coordinates=location.coordinates,
        evse_uid=evse.uid,
        evse_id=evse.evse_id,
        connector_id=connector.id,
        connector_standard=connector.standard,
        connector_format=connector.format,
        connector_power_type=connector.power_type,
    )


def build_cdr(
    state: ChargingState,
    *,
    cdr_id: str,
    now: datetime,
    total_cost: Price | None = None,
    remark: str | None = None,
) -> CDR:
    """The CDR of a COMPLETED session; ``last_updated`` = ``now`` (its creation).

    ``total_cost`` is required when no Tariff applies and refused when one does (the engine's
    total is the CDR's; a different amount belongs in a Tariff or a Credit CDR).
    """
    if state.end is None or state.status is not SessionStatus.COMPLETED:
        raise ChargingError(f"session {state.session_id!r} has not been stopped")
    result = priced(state)
    periods = state_periods(state, result)
    if result is None or not periods:
        raise ChargingError("a CDR needs at least one charging period")
    totals = result.totals
    fields: dict[str, object] = {
        "total_energy": totals.total_energy,
        "total_time": totals.total_time,
        "total_parking_time": totals.total_parking_time,
    }
    if state.tariff is None:
        if total_cost is None:
            raise ChargingError("no Tariff applies to this session: the CDR needs a total_cost")
        fields["total_cost"] = total_cost
    else:
        if total_cost is not None:
            raise ChargingError("the session's Tariff prices the CDR: give no total_cost")
        fields.update(_costs(result.totals))
    return CDR.model_validate(
        {
            "country_code": state.country_code,
            "party_id": state.party_id,
            "id": cdr_id,
            "start_date_time": state.start,
            "end_date_time": state.end,
            "session_id": state.session_id,
            "cdr_token": state.cdr_token,
            "auth_method": state.auth_method,
            "authorization_reference": state.authorization_reference,
            "cdr_location": cdr_location(state),
            "meter_id": state.meter_id,
            "currency": state.currency,
            "tariffs": [state.tariff] if state.tariff is not None else None,
            "charging_periods": periods,
            **fields,
            "remark": remark,
            "last_updated": now,
        },
        strict=False,
    )


def _costs(totals: CdrTotals) -> dict[str, object]:
    costs: dict[str, object] = {
        "total_cost": totals.total_cost,
        "total_fixed_cost": totals.total_fixed_cost,
        "total_energy_cost": totals.total_energy_cost,
        "total_time_cost": totals.total_time_cost,
        "total_parking_cost": totals.total_parking_cost,
    }
    if totals.total_reservation_cost.excl_vat != _ZERO:  # no reservation: leave it out
        costs["total_reservation_cost"] = totals.total_reservation_cost
    return costs


def credit_id(original_id: str) -> str:
    """The default id of the Credit CDR of ``original_id``: the id plus ``-C``."""
    return f"{original_id}-C"


def _negative(price: Price) -> Price:
    incl = None if price.incl_vat is None else -price.incl_vat
    return Price(excl_vat=-price.excl_vat, incl_vat=incl)


def credit_cdr(original: CDR, *, now: datetime, cdr_id: str | None = None) -> CDR:
    """The Credit CDR of ``original`` (mod_cdrs "Credit CDRs")."""
    if original.credit:
        raise ChargingError(f"CDR {original.id!r} is a Credit CDR itself")
    new_id = cdr_id if cdr_id is not None else credit_id(original.id)
    if new_id.upper() == original.id.upper():
        raise ChargingError("a Credit CDR needs an id of its own")
    credit = original.model_copy(
        update={
            "id": new_id,
            "credit": True,
            "credit_reference_id": original.id,
            "total_cost": _negative(original.total_cost),
            "last_updated": now,
        }
    )
    return CDR.model_validate_json(credit.to_json())  # checks the new id's length (39)
