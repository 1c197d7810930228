"""Backend API routes for CDRs: hand over a final own CDR, read own CDRs and where each was
delivered, read partners' CDRs.

A CDR is written once (mod_cdrs "Flow and Lifecycle": it "cannot be changed or replaced once
sent"): ``POST /api/cdrs`` stores it and queues its POST to the eMSP of its token in one
transaction (:meth:`CdrService.own_post`); a second POST of the same id is refused with 409.
"""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from openroam._api.bodies import page_query, with_last_updated
from openroam._api.openapi import body_doc, data_doc
from openroam._api.own_routes import node_of
from openroam._api.params import CountryCode, ListParams, PartyId, list_params
from openroam._api.partner_routes import PARTNER_URL, Partner
from openroam._api.responses import data_response, list_response, raw_response
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import CDRS
from openroam._services.partners import PartnerDirectory
from openroam._services.roaming import OWN
from openroam.models.common import format_datetime
from openroam.models.v221.cdrs import CDR

__all__ = ["CDR_URL", "add_cdr_routes", "cdr_path"]

CDR_URL = "/api/cdrs/{country_code}/{party_id}/{cdr_id}"

CdrId = Annotated[
    str, Path(max_length=CDRS.id_limit, pattern=r"^[\x20-\x7E]+$", description="CDR.id")
]


def cdr_path(country_code: CountryCode, party_id: PartyId, cdr_id: CdrId) -> ObjectPath:
    return ObjectPath(country_code, party_id, cdr_id)


CdrPath = Annotated[ObjectPath, Depends(cdr_path)]


def _add_post(router: APIRouter) -> None:
    async def post(request: Request) -> Response:
        node = node_of(request)
        body, stamp = with_last_updated(await request.body(), CDRS, 0)
        posted = await node.cdrs.own_post(body)
        names = {p.id: p.name for p in await PartnerDirectory(node.db).list()}
        path = posted.path
        data = {
            "created": True,
            "country_code": path.country_code,
            "party_id": path.party_id,
            "id": path.object_id,
            "last_updated": stamp,
            "receivers": [names.get(pid, str(pid)) for pid in posted.receivers],
        }
        return data_response(data, 201)

    router.add_api_route(
        "/api/cdrs",
        post,
        methods=["POST"],
        summary="Hand over a final own CDR; it is POSTed to the eMSP of its token",
        description="Refused with 409 when a CDR with this id exists: a CDR never changes; "
        "correct it with a Credit CDR (a new id, credit true, credit_reference_id).",
        responses={201: {"description": "Stored and queued for delivery"}},
        openapi_extra=body_doc(CDR, "A CDR of one of the node's CPO parties."),
    )


def _add_own_reads(router: APIRouter) -> None:
    async def get_list(
        request: Request, params: Annotated[ListParams, Depends(list_params)]
    ) -> Response:
        node = node_of(request)
        query = page_query(
            params.date_from, params.date_to, params.offset, params.limit, node.page_limit
        )
        page = await node.roaming.page(OWN, CDRS, query, node.roaming.own_owners(CDRS))
        return list_response(page.documents, page.total)

    async def get(request: Request, path: CdrPath) -> Response:
        return raw_response(await node_of(request).roaming.read(OWN, CDRS, path))

    async def deliveries(request: Request, path: CdrPath) -> Response:
        node = node_of(request)
        names = {p.id: p.name for p in await PartnerDirectory(node.db).list()}
        receipts = await node.cdrs.receipts(path)
        data = [
            {
                "partner": names.get(r.partner_id, str(r.partner_id)),
                "location": r.location,
                "delivered_at": format_datetime(r.delivered_at),
            }
            for r in receipts
        ]
        return data_response(data)

    summary = "Own CDRs, oldest first"
    router.add_api_route(
        "/api/cdrs",
        get_list,
        methods=["GET"],
        summary=summary,
        openapi_extra=data_doc(CDR, many=True),
    )
    router.add_api_route(
        CDR_URL, get, methods=["GET"], summary="An own CDR", openapi_extra=data_doc(CDR)
    )
    router.add_api_route(
        CDR_URL + "/deliveries",
        deliveries,
        methods=["GET"],
        summary="Where partners stored an own CDR (the Location header of each POST's answer)",
    )


def _add_partner_reads(router: APIRouter) -> None:
    async def get_list(
        request: Request, partner: Partner, params: Annotated[ListParams, Depends(list_params)]
    ) -> Response:
        node = node_of(request)
        query = page_query(
            params.date_from, params.date_to, params.offset, params.limit, node.page_limit
        )
        page = await node.roaming.page(partner.id, CDRS, query, None)
        return list_response(page.documents, page.total)

    async def get(request: Request, partner: Partner, path: CdrPath) -> Response:
        return raw_response(await node_of(request).roaming.read(partner.id, CDRS, path))

    router.add_api_route(
        f"{PARTNER_URL}/cdrs",
        get_list,
        methods=["GET"],
        summary="The partner's CDRs (POSTed to us or pulled), oldest first",
        openapi_extra=data_doc(CDR, many=True),
    )
    router.add_api_route(
        PARTNER_URL + CDR_URL.removeprefix("/api"),
        get,
        methods=["GET"],
        summary="A CDR of the partner",
        openapi_extra=data_doc(CDR),
    )


def add_cdr_routes(router: APIRouter) -> None:
    _add_post(router)
    _add_own_reads(router)
    _add_partner_reads(router)
