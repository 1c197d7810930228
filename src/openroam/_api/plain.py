"""Backend API routes served as plain Starlette routes, ahead of every other route.

The own-object PATCH of a Location, EVSE or Connector is the backend's hot path (EVSE status
changes). As a FastAPI route it cost more than the write itself: the app tried some fifty routes
before it (each FastAPI match costs ≈10 µs), then solved the admin-token dependency and validated
four path parameters. :func:`openroam._api.internal.include_api` therefore puts plain routes for
it first in the app; the FastAPI routes stay declared behind them, so ``/api/openapi.json``
documents the same parameters, body, answers and security. A plain route does the same checks
in the same order: the admin token (401), the path parameters (400 with FastAPI's messages),
then the service; every failure is answered as :class:`~openroam._api.responses.ApiRoute`
answers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openroam._api.auth import bearer
from openroam._api.params import CI_PATTERN, ID_LIMITS
from openroam._api.responses import Handler, answering_errors, validation_error
from openroam._services.documents import ObjectPath

__all__ = ["AdminCheck", "plain_route", "read_location_path"]

AdminCheck = Callable[[Any], Awaitable[None]]


def plain_route(path: str, method: str, handler: Handler, admin: AdminCheck) -> Route:
    """A Starlette route serving ``method`` on ``path`` with ``handler`` once ``admin`` accepted
    the request's bearer credentials; failures answered as on every API route."""

    async def checked(request: Request) -> Response:
        await admin(await bearer(request))
        return await handler(request)

    return Route(path, answering_errors(checked), methods=[method], include_in_schema=False)


@cache
def _adapter(limit: int) -> TypeAdapter[str]:
    return TypeAdapter(Annotated[str, StringConstraints(max_length=limit, pattern=CI_PATTERN)])


def _fits(value: str, limit: int) -> bool:
    # CI_PATTERN: printable ASCII (types.asciidoc "CiString"); for ASCII, isprintable() is
    # exactly 0x20-0x7E.
    return len(value) <= limit and value.isascii() and value.isprintable()


def read_location_path(request: Request, names: tuple[str, ...]) -> ObjectPath:
    """The Location, EVSE or Connector path of ``request`` (``names``: its path parameters, as
    :func:`openroam._api.params.location_path` and its siblings declare them)."""
    values = request.path_params
    if not all(_fits(values[name], ID_LIMITS[name]) for name in names):
        errors: list[dict[str, Any]] = []
        for name in names:
            try:
                _adapter(ID_LIMITS[name]).validate_python(values[name])
            except ValidationError as error:
                errors += [{**e, "loc": ("path", name, *e["loc"])} for e in error.errors()]
        raise validation_error(RequestValidationError(errors))
    return ObjectPath(
        values["country_code"],
        values["party_id"],
        values["location_id"],
        tuple(values[name] for name in names[3:]),
    )
