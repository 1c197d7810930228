"""OCPI 2.1.1 objects (the 2.1.1 text's own shapes) and the set-up of the 2.1.1 route tests: a
node with unique own parties (a CPO and an eMSP) and one registered partner whose record says
version 2.1.1, holding a CPO and an eMSP party (one 2.1.1 connection per role)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from sqlalchemy import update

from openroam._store.db import Database
from openroam._store.tables import Partner
from tests.server.roaming_support import Party, Roaming, open_roaming
from tests.server.support import FakePartner, envelope_of

BASE = "/ocpi/2.1.1"
T0 = "2026-01-01T10:00:00Z"
T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"


def cpo_url(module: str, *ids: str) -> str:
    return "/".join((f"{BASE}/cpo/{module}", *ids))


def emsp_url(module: str, *ids: str) -> str:
    return "/".join((f"{BASE}/emsp/{module}", *ids))


def push_url(side: str, module: str, party: Party, *ids: str) -> str:
    return "/".join((f"{BASE}/{side}/{module}", *party, *ids))


@asynccontextmanager
async def open_v211(database: Database, partner: FakePartner, **kw: Any) -> AsyncIterator[Roaming]:
    """:func:`open_roaming`, with the partner's record at version 2.1.1."""
    async with open_roaming(database, partner, **kw) as roaming:
        async with database.session() as session, session.begin():
            await session.execute(
                update(Partner).where(Partner.id == roaming.partner_id).values(version="2.1.1")
            )
        yield roaming


def data_of(response: httpx.Response, http_status: int = 200) -> Any:
    return envelope_of(response, http_status, 1000).get("data")


async def post(roaming: Roaming, url: str, body: Any) -> httpx.Response:
    headers = roaming.auth | {"Content-Type": "application/json"}
    return await roaming.client.post(url, content=orjson.dumps(body), headers=headers)


def connector(connector_id: str = "1", **changes: Any) -> dict[str, Any]:
    """mod_locations.md 3.3 Connector Object."""
    body = {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "voltage": 230,
        "amperage": 32,
        "last_updated": T0,
    }
    return body | changes


def evse(uid: str = "E1", **changes: Any) -> dict[str, Any]:
    """mod_locations.md 3.2 EVSE Object."""
    body = {
        "uid": uid,
        "evse_id": f"NL*ORM*E{uid}",
        "status": "AVAILABLE",
        "connectors": [connector()],
        "last_updated": T0,
    }
    return body | changes


def location(location_id: str = "LOC1", **changes: Any) -> dict[str, Any]:
    """mod_locations.md 3.1 Location Object (no country_code/party_id, no time_zone)."""
    body = {
        "id": location_id,
        "type": "ON_STREET",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
        "evses": [evse()],
        "last_updated": T0,
    }
    return body | changes


def tariff(tariff_id: str = "T1", **changes: Any) -> dict[str, Any]:
    """mod_tariffs.md 3.1 Tariff Object: a price is a number excluding VAT."""
    body = {
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
        "last_updated": T0,
    }
    return body | changes


def token(uid: str = "012345678", **changes: Any) -> dict[str, Any]:
    """mod_tokens.md 3.2 Token Object (``auth_id``, no owner)."""
    body = {
        "uid": uid,
        "type": "RFID",
        "auth_id": "DE8ACC12E46L89",
        "issuer": "TheNewMotion",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": T0,
    }
    return body | changes


def session(session_id: str = "S1", auth_id: str = "NL-ORM-C12345678-X", **changes: Any) -> Any:
    """mod_sessions.md 3.1 Session Object: the Location embedded, with its one EVSE and
    Connector."""
    body = {
        "id": session_id,
        "start_datetime": T0,
        "kwh": 0,
        "auth_id": auth_id,
        "auth_method": "WHITELIST",
        "location": location(),
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": T0,
    }
    return body | changes


def period(start: str, kwh: float = 1.0) -> dict[str, Any]:
    """mod_cdrs.md 4.4 ChargingPeriod."""
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def cdr(cdr_id: str = "CDR1", auth_id: str = "NL-ORM-C12345678-X", **changes: Any) -> Any:
    """mod_cdrs.md 3.1 CDR Object."""
    body = {
        "id": cdr_id,
        "start_date_time": T0,
        "stop_date_time": T1,
        "auth_id": auth_id,
        "auth_method": "WHITELIST",
        "location": location(),
        "currency": "EUR",
        "tariffs": [tariff()],
        "charging_periods": [period(T0, 10.0)],
        "total_cost": 2.5,
        "total_energy": 10,
        "total_time": 1,
        "last_updated": T1,
    }
    return body | changes
