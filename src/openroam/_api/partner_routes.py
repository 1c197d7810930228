"""Backend API routes for partners: the connections with their operations view (pull-sync and
push delivery per module, ``_services/partner_status.py``), what each may be (its grants, which
the operator changes here), and the objects each partner pushed to us (or we pulled from it), as
stored — read-only; a partner's objects change only through OCPI."""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from openroam._api.bodies import json_of, page_query
from openroam._api.openapi import data_doc
from openroam._api.own_routes import (
    LOCATION_LEVELS,
    SESSION_URL,
    TARIFF_URL,
    TOKEN_URL,
    PathDependency,
    node_of,
)
from openroam._api.params import ListParams, list_params, session_path, tariff_path, token_path
from openroam._api.responses import data_response, list_response, raw_response
from openroam._services import reading
from openroam._services.credentials import parse_grant
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS, SESSIONS, TARIFFS, TOKENS, ModuleSpec
from openroam._services.partner_status import PartnerStatusService
from openroam._services.partners import PartnerDirectory, PartnerInfo
from openroam._store.records import Grant
from openroam.errors import InvalidOrMissingParameters

__all__ = ["add_partner_routes"]

PARTNER_URL = "/api/partners/{partner_name}"


async def partner_of(
    request: Request,
    partner_name: Annotated[str, Path(description="The partner's name in openroam")],
) -> PartnerInfo:
    return await PartnerDirectory(node_of(request).db).by_name(partner_name)


Partner = Annotated[PartnerInfo, Depends(partner_of)]


def _add_list(router: APIRouter, spec: ModuleSpec) -> None:
    async def get_list(
        request: Request, partner: Partner, params: Annotated[ListParams, Depends(list_params)]
    ) -> Response:
        node = node_of(request)
        query = page_query(
            params.date_from, params.date_to, params.offset, params.limit, node.page_limit
        )
        # Every object the partner sent, whichever of its parties owns it.
        page = await node.roaming.page(partner.id, spec, query, None)
        return list_response(page.documents, page.total)

    router.add_api_route(
        f"{PARTNER_URL}/{spec.module}",
        get_list,
        methods=["GET"],
        summary=f"The partner's {spec.module}, oldest first",
        openapi_extra=data_doc(spec.top.model, many=True),
    )


def _add_get(
    router: APIRouter, spec: ModuleSpec, depth: int, url: str, dep: PathDependency
) -> None:
    model = spec.levels[depth].model

    async def get(
        request: Request, partner: Partner, path: Annotated[ObjectPath, Depends(dep)]
    ) -> Response:
        return raw_response(await node_of(request).roaming.read(partner.id, spec, path))

    router.add_api_route(
        PARTNER_URL + url.removeprefix("/api"),
        get,
        methods=["GET"],
        summary=f"A {model.__name__} of the partner",
        openapi_extra=data_doc(model),
    )


def _add_partners(router: APIRouter) -> None:
    async def get_partners(request: Request) -> Response:
        node = node_of(request)
        statuses = await PartnerStatusService(node.db, node.platform).all()
        return data_response([status.summary_dict() for status in statuses])

    async def get_partner(
        request: Request,
        partner_name: Annotated[str, Path(description="The partner's name in openroam")],
    ) -> Response:
        node = node_of(request)
        status = await PartnerStatusService(node.db, node.platform).of(partner_name)
        return data_response(status.to_dict())

    summary = (
        "Partner connections: status, OCPI version, roles, endpoints, token encoding, "
        "pull health, push delivery backlog"
    )
    router.add_api_route("/api/partners", get_partners, methods=["GET"], summary=summary)
    router.add_api_route(
        PARTNER_URL,
        get_partner,
        methods=["GET"],
        summary="One partner with its operations view: per module pull-sync, objects held and "
        "deliveries; the delivery backlog",
    )


def _grants_of(body: bytes) -> list[Grant]:
    """``{"grants": [{"role": "EMSP", "country_code": "DE", "party_id": "ABC"}, …]}``."""
    document = json_of(body)
    items = document.get("grants") if isinstance(document, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidOrMissingParameters(
            'body: {"grants": [{"role": …, "country_code": …, "party_id": …}, …]}'
        )
    return [
        parse_grant(
            str(item.get("role", "")), f"{item.get('country_code', '')}*{item.get('party_id', '')}"
        )
        for item in items
    ]


def _add_grants(router: APIRouter) -> None:
    async def get_grants(request: Request, partner: Partner) -> Response:
        directory = PartnerDirectory(node_of(request).db)
        changes = await directory.grant_history(partner.name)
        grants = [grant.to_dict() for grant in partner.grants]
        return data_response({"grants": grants, "changes": changes})

    async def put_grants(request: Request, partner: Partner) -> Response:
        node = node_of(request)
        await node.credentials.change_grants(partner.name, _grants_of(await request.body()))
        return data_response((await PartnerDirectory(node.db).by_name(partner.name)).to_dict())

    router.add_api_route(
        f"{PARTNER_URL}/grants",
        get_grants,
        methods=["GET"],
        summary="What the partner may be, and every recorded change of it",
    )
    router.add_api_route(
        f"{PARTNER_URL}/grants",
        put_grants,
        methods=["PUT"],
        summary="Replace what the partner may be (recorded; ungranted roles stop counting)",
    )


def _policy_of(body: bytes) -> str:
    """``{"policy": "strict"}`` or ``{"policy": "lenient"}``."""
    document = json_of(body)
    policy = document.get("policy") if isinstance(document, dict) else None
    if not isinstance(policy, str):
        raise InvalidOrMissingParameters('body: {"policy": "strict" | "lenient"}')
    return policy


def _add_reading(router: APIRouter) -> None:
    async def put_reading(request: Request, partner: Partner) -> Response:
        node = node_of(request)
        await reading.set_policy(node.db, partner.name, _policy_of(await request.body()))
        # This process reads the partner's next request by the new policy at once.
        node.credentials.forget_callers()
        return await get_deviations(request, partner)

    async def get_deviations(request: Request, partner: Partner) -> Response:
        policy, rows = await reading.deviations(node_of(request).db, partner.name)
        return data_response(
            {"reading_policy": policy, "deviations": [row.to_dict() for row in rows]}
        )

    router.add_api_route(
        f"{PARTNER_URL}/reading",
        put_reading,
        methods=["PUT"],
        summary="How the partner's objects are read: strict (the spec) or lenient",
    )
    router.add_api_route(
        f"{PARTNER_URL}/deviations",
        get_deviations,
        methods=["GET"],
        summary="The reading policy and the DateTime deviations lenient reading repaired",
    )


def add_partner_routes(router: APIRouter) -> None:
    _add_partners(router)
    _add_grants(router)
    _add_reading(router)
    # A partner's CDRs: _api/cdr_routes.py (with GET one).
    for spec in (LOCATIONS, TARIFFS, TOKENS, SESSIONS):
        _add_list(router, spec)
    for depth, (url, dep) in enumerate(LOCATION_LEVELS):
        _add_get(router, LOCATIONS, depth, url, dep)
    _add_get(router, TARIFFS, 0, TARIFF_URL, tariff_path)
    _add_get(router, TOKENS, 0, TOKEN_URL, token_path)
    _add_get(router, SESSIONS, 0, SESSION_URL, session_path)
