"""The Partners page (docs/console.md "Partners")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._render import render

__all__ = ["add_routes"]


def add_routes(router: APIRouter) -> None:
    async def page(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Response:
        return render(request, "todo.html", visitor=who, heading="Partners")

    router.add_api_route("/admin/partners", page, methods=["GET"])
