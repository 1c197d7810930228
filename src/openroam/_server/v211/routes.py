"""Every OCPI 2.1.1 functional-module route (the table: :mod:`openroam._server.v211.modules`),
as one router for the app."""

from __future__ import annotations

from fastapi import APIRouter

from openroam._server.v211 import authorize, cdrs, commands, receivers, senders

__all__ = ["router"]

router = APIRouter()
# The authorize route first: /emsp/tokens/{uid}/authorize is not a Tokens object path.
for _part in (authorize, senders, receivers, cdrs, commands):
    router.include_router(_part.router)
