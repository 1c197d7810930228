"""The console's routes and how they are mounted on a node's app."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from openroam._admin import (
    health_page,
    locations_page,
    messages_page,
    partners_page,
    sessions_page,
    tariffs_page,
)
from openroam._admin._auth import (
    ConsoleAccess,
    Denied,
    Form,
    LoginRequired,
    access_of,
    read_form,
    same_origin,
)
from openroam._admin._render import render, templates
from openroam._admin._session import COOKIE, SessionSigner
from openroam._config import Settings
from openroam._server.app import answer_errors_under
from openroam.errors import OcpiError

__all__ = ["console_enabled", "console_router", "include_console"]

log = logging.getLogger("openroam.console")

PREFIX = "/admin"


def console_enabled(settings: Settings) -> bool:
    """``console.enabled``: ``on``, ``off``, or (``auto``) on when ``host`` is a loopback
    address — a node listening on a public interface serves the console only when asked to."""
    choice = settings.console.enabled
    if choice != "auto":
        return choice == "on"
    if settings.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return False


def _secret(settings: Settings) -> bytes:
    if settings.console.secret is not None:
        return settings.console.secret.get_secret_value().encode()
    if settings.admin_token is not None:
        # Every process with the same admin token accepts the same sessions.
        token = settings.admin_token.get_secret_value().encode()
        return hashlib.sha256(b"openroam console session key\0" + token).digest()
    return secrets.token_bytes(32)


def _error_page(status: int, heading: str, message: str) -> Response:
    page = templates.get_template("error.html").render(
        heading=heading, message=message, nav=(), current="", node_name="openroam"
    )
    return Response(page, status_code=status, media_type="text/html; charset=utf-8")


def _ocpi_error_page(error: OcpiError) -> Response:
    status = error.http_status
    heading = "Not found" if status == 404 else "Cannot do that"
    return _error_page(status if status >= 400 else 400, heading, error.message)


class ConsoleRoute(APIRoute):
    """A console route: a missing session sends the visitor to the login page, a refused action
    answers 403, a refused request (unknown object, bad input) an HTML error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as missing:
                return RedirectResponse(f"{PREFIX}/login?next={missing.next_path}", 303)
            except Denied as denied:
                return _error_page(403, "Refused", str(denied))
            except OcpiError as error:
                return _ocpi_error_page(error)

        return handle


def _safe_next(value: str | None) -> str:
    # Only a path of the console: never an absolute URL (an open redirect) or another site.
    target = unquote(value or "")
    if target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/partners"


def _add_login_routes(router: APIRouter) -> None:
    async def home() -> Response:
        return RedirectResponse(f"{PREFIX}/partners", 303)

    async def login_page(request: Request, next: str | None = None) -> Response:
        return render(request, "login.html", next_path=_safe_next(next), name="", error=None)

    async def login(request: Request) -> Response:
        access = access_of(request)
        if not same_origin(request):
            raise Denied("This login came from another site.")
        fields = await read_form(request)
        name, password = fields.get("name", "")[:100], fields.get("password", "")
        next_path = _safe_next(fields.get("next"))
        if not access.check(name, password):
            log.warning("console login refused for %r", name)
            return render(
                request,
                "login.html",
                status_code=401,
                next_path=next_path,
                name=name,
                error="Wrong name or password.",
            )
        cookie, _session = access.signer.issue(name)
        response = RedirectResponse(next_path, 303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(access.signer.lifetime_seconds),
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=access.secure_cookie,
        )
        log.info("console login of %r", name)
        return response

    router.add_api_route(PREFIX, home, methods=["GET"])
    router.add_api_route(f"{PREFIX}/login", login_page, methods=["GET"])
    router.add_api_route(f"{PREFIX}/login", login, methods=["POST"])


def console_router() -> APIRouter:
    """Every console route (pages and actions), without the static files."""
    router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
    _add_login_routes(router)

    async def logout(form: Form) -> Response:
        response = RedirectResponse(f"{PREFIX}/login", 303)
        response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
        return response

    router.add_api_route(f"{PREFIX}/logout", logout, methods=["POST"])
    for page in (
        partners_page,
        messages_page,
        locations_page,
        sessions_page,
        tariffs_page,
        health_page,
    ):
        page.add_routes(router)
    return router


def include_console(app: FastAPI, settings: Settings) -> None:
    """Serve the console on ``app`` at ``/admin`` with the logins of ``settings``."""
    admin_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.state.console = ConsoleAccess(
        SessionSigner(_secret(settings), settings.console.session_hours * 3600),
        admin_token,
        settings.console.users,
        secure_cookie=settings.public_url.startswith("https://"),
    )
    app.mount(
        f"{PREFIX}/static",
        StaticFiles(packages=[("openroam._admin", "static")]),
        name="console-static",
    )
    # The Tariffs page's reference session (console.reference_kwh, reference_hours).
    app.state.console_settings = settings.console
    app.include_router(console_router())
    answer_errors_under(app, PREFIX, _ocpi_error_page)
