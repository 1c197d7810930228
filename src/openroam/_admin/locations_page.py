"""The Locations page (docs/console.md "Locations"): our own and partners' Locations, searchable
by id, name or address, with their EVSEs' statuses; one Location's page with its EVSEs,
Connectors and each EVSE's status history.

Read only. The data comes from :class:`openroam._services.location_overview.LocationOverview`;
query values are read as text and checked here, so a mistyped URL is a page, not a JSON error.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._render import render
from openroam._services.location_overview import LocationOverview
from openroam.errors import NotFound
from openroam.models.common import format_datetime

__all__ = ["PAGE_SIZE", "add_routes"]

#: Locations per page of the list.
PAGE_SIZE = 50
#: Status changes shown per EVSE on a Location's page.
HISTORY_PER_EVSE = 20
#: A search text longer than this is cut (an id is at most 36 characters, a name 255).
_MAX_SEARCH = 255


def _number(value: str, default: int) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else default


def _overview(request: Request) -> LocationOverview:
    return LocationOverview(request.app.state.node.db)


def add_routes(router: APIRouter) -> None:
    async def locations(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        q: str = "",
        owner: str = "",
        start: str = "0",
    ) -> Response:
        overview = _overview(request)
        text = q.strip()[:_MAX_SEARCH]
        offset = _number(start, 0)
        owners = await overview.owners()
        # An owner that is not (or no longer) a partner: every owner.
        origin = _number(owner, -1) if owner else None
        chosen = origin if origin in owners else None
        found = await overview.search(text or None, chosen, offset, PAGE_SIZE)

        def link(at: int) -> str:
            kept = {"q": text, "owner": "" if chosen is None else str(chosen)}
            query = {name: value for name, value in kept.items() if value}
            return "/admin/locations?" + urlencode({**query, "start": at})

        return render(
            request,
            "locations.html",
            visitor=who,
            q=text,
            owner=chosen,
            owners=owners,
            found=found,
            previous=link(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
            next=link(offset + PAGE_SIZE) if found.more else None,
        )

    async def location(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        origin: str,
        country_code: str,
        party_id: str,
        location_id: str,
    ) -> Response:
        number = _number(origin, -1)
        if number < 0:
            raise NotFound(f"No Location {country_code}/{party_id}/{location_id}")
        detail = await _overview(request).detail(
            number, country_code, party_id, location_id, HISTORY_PER_EVSE
        )
        return render(request, "location.html", visitor=who, detail=detail, when=format_datetime)

    router.add_api_route("/admin/locations", locations, methods=["GET"])
    router.add_api_route(
        "/admin/locations/{origin}/{country_code}/{party_id}/{location_id}",
        location,
        methods=["GET"],
    )
