"""The Sessions and CDRs page (docs/console.md "Sessions and CDRs").

* ``/admin/sessions``: the live Sessions (ACTIVE or PENDING, own and partners') and the CDRs
  (own and received, newest first, each with its audit's status). ``static/sessions.js`` fetches
  ``/admin/sessions/live`` every few seconds and swaps in the new table body; without JavaScript
  the page is the same, as of its loading.
* ``/admin/sessions/cdrs/{origin}/{country_code}/{party_id}/{cdr_id}``: one CDR (``origin`` 0:
  our own, else the partner's id) with the audit of its price, the CDR's totals next to the
  engine's (differing lines marked) and the engine's breakdown per period and dimension.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._render import render
from openroam._services import session_overview
from openroam._services.node import Node
from openroam.errors import NotFound

__all__ = ["add_routes"]

#: CDRs per page of the list.
PAGE_SIZE = 50
#: How often the page's script fetches the live Sessions, in milliseconds.
REFRESH_MS = 4000


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _offset(value: str | None) -> int:
    return max(0, _number(value) or 0)


def amount(value: Decimal | None) -> str:
    """An amount of the breakdown as the engine reports it: 4 decimals."""
    return "" if value is None else f"{value.quantize(Decimal('0.0001')):f}"


def add_routes(router: APIRouter) -> None:
    async def page(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        scope: str | None = None,
        partner: str | None = None,
        offset: str | None = None,
    ) -> Response:
        node = _node(request)
        chosen = scope if scope in session_overview.CDR_SCOPES else "all"
        start = _offset(offset)
        partners = await session_overview.partner_names(node.db)
        of = _number(partner)
        of = of if of in partners else None
        live = await session_overview.live_sessions(node.db)
        cdrs = await session_overview.cdr_page(node.db, chosen, start, PAGE_SIZE, of)
        query = urlencode({"scope": chosen} | ({"partner": of} if of is not None else {}))
        return render(
            request,
            "sessions.html",
            visitor=who,
            sessions=live,
            cdrs=cdrs,
            scope=chosen,
            scopes=session_overview.CDR_SCOPES,
            partners=partners,
            partner=of,
            query=query,
            offset=start,
            page_size=PAGE_SIZE,
            refresh_ms=REFRESH_MS,
            now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    async def live(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Response:
        sessions = await session_overview.live_sessions(_node(request).db)
        return render(request, "sessions_live.html", visitor=who, sessions=sessions)

    async def cdr(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        origin: str,
        country_code: str,
        party_id: str,
        cdr_id: str,
    ) -> Response:
        holder = _number(origin)
        if holder is None:
            raise NotFound(f"No CDR held from {origin!r}")
        detail = await session_overview.cdr_detail(
            _node(request).db, holder, country_code, party_id, cdr_id
        )
        document = orjson.dumps(detail.held.document, option=orjson.OPT_INDENT_2).decode()
        return render(
            request, "cdr.html", visitor=who, detail=detail, amount=amount, document=document
        )

    router.add_api_route("/admin/sessions", page, methods=["GET"])
    router.add_api_route("/admin/sessions/live", live, methods=["GET"])
    router.add_api_route(
        "/admin/sessions/cdrs/{origin}/{country_code}/{party_id}/{cdr_id}", cdr, methods=["GET"]
    )
