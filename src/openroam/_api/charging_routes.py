"""Backend API routes of the CPO's session lifecycle (:mod:`openroam._services.charging`).

* ``POST /api/sessions`` — a session started → 201 and the Session (PUT to the token's eMSP);
* ``POST /api/sessions/{cc}/{party}/{id}/meter-values`` → the Session (PATCHed to the eMSP);
* ``PUT /api/sessions/{cc}/{party}/{id}/status`` → the Session;
* ``POST /api/sessions/{cc}/{party}/{id}/stop`` → the completed Session and its CDR (POSTed);
* ``POST /api/cdrs/{cc}/{party}/{id}/credit`` → 201 and the Credit CDR (POSTed).
"""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime.

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from openroam._api.bodies import model_of
from openroam._api.charging_bodies import (
    CreditBody,
    MeterValuesBody,
    SessionStartBody,
    SessionStatusBody,
    SessionStopBody,
)
from openroam._api.openapi import body_doc, data_doc
from openroam._api.params import CountryCode, PartyId, session_path
from openroam._api.responses import data_response
from openroam._services.charging.service import ChargingService
from openroam._services.documents import ObjectPath
from openroam.models.common import OcpiModel
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.sessions import Session

__all__ = ["add_charging_routes"]

M = TypeVar("M", bound=OcpiModel)

SESSION_URL = "/api/sessions/{country_code}/{party_id}/{session_id}"
_CI = r"^[\x20-\x7E]+$"
CdrId = Annotated[str, Path(max_length=39, pattern=_CI, description="CDR.id")]


def cdr_path(country_code: CountryCode, party_id: PartyId, cdr_id: CdrId) -> ObjectPath:
    return ObjectPath(country_code, party_id, cdr_id)


def charging_of(request: Request) -> ChargingService:
    service: ChargingService = request.app.state.node.charging
    return service


async def _body(request: Request, model: type[M], empty_ok: bool = False) -> M:
    return model_of(await request.body(), model, empty_ok=empty_ok)


def _session(session: Session, status: int = 200) -> Response:
    return data_response(session.to_dict(), status)


def _add_session_routes(router: APIRouter) -> None:
    async def start(request: Request) -> Response:
        body = await _body(request, SessionStartBody)
        return _session(await charging_of(request).start(body.request()), 201)

    async def meter_values(
        request: Request, path: Annotated[ObjectPath, Depends(session_path)]
    ) -> Response:
        body = await _body(request, MeterValuesBody)
        samples = [value.sample() for value in body.meter_values]
        return _session(await charging_of(request).meter_values(path, samples))

    async def status(
        request: Request, path: Annotated[ObjectPath, Depends(session_path)]
    ) -> Response:
        body = await _body(request, SessionStatusBody)
        return _session(await charging_of(request).change_status(path, body.status, body.at))

    router.add_api_route(
        "/api/sessions",
        start,
        methods=["POST"],
        summary="A session started: store it, PUT the Session to the token's eMSP",
        openapi_extra=_docs(SessionStartBody, Session, "201"),
    )
    router.add_api_route(
        SESSION_URL + "/meter-values",
        meter_values,
        methods=["POST"],
        summary="Meter values of a session: the Session is priced and PATCHed to the eMSP",
        openapi_extra=_docs(MeterValuesBody, Session),
    )
    router.add_api_route(
        SESSION_URL + "/status",
        status,
        methods=["PUT"],
        summary="Status of a session (ACTIVE, INVALID; COMPLETED is the stop)",
        openapi_extra=_docs(SessionStatusBody, Session),
    )


def _add_stop_and_credit(router: APIRouter) -> None:
    async def stop(
        request: Request, path: Annotated[ObjectPath, Depends(session_path)]
    ) -> Response:
        body = await _body(request, SessionStopBody, empty_ok=True)
        stopped = await charging_of(request).stop(
            path,
            end=body.end_date_time,
            kwh=body.kwh,
            cdr_id=body.cdr_id,
            total_cost=body.total_cost,
            remark=body.remark,
        )
        return data_response({"session": stopped.session.to_dict(), "cdr": stopped.cdr.to_dict()})

    async def credit(request: Request, path: Annotated[ObjectPath, Depends(cdr_path)]) -> Response:
        body = await _body(request, CreditBody, empty_ok=True)
        made = await charging_of(request).credit(path, body.id)
        return data_response(made.to_dict(), 201)

    router.add_api_route(
        SESSION_URL + "/stop",
        stop,
        methods=["POST"],
        summary="A session ended: COMPLETED, its CDR built, stored and POSTed to the eMSP",
        openapi_extra=body_doc(SessionStopBody, "When and with what it ended (all optional)."),
    )
    router.add_api_route(
        "/api/cdrs/{country_code}/{party_id}/{cdr_id}/credit",
        credit,
        methods=["POST"],
        summary="Credit an own CDR: a Credit CDR (negated total_cost) stored and POSTed",
        openapi_extra=_docs(CreditBody, CDR, "201", "Optionally the Credit CDR's id."),
    )


def _docs(
    body: type[OcpiModel], answer: type[OcpiModel], status: str = "200", note: str = ""
) -> Any:
    documented = body_doc(body, note or body.__doc__ or "")
    answered = data_doc(answer)["responses"]["200"]
    documented["responses"] = {status: answered}
    return documented


def add_charging_routes(router: APIRouter) -> None:
    _add_session_routes(router)
    _add_stop_and_credit(router)
