"""The console's routes and how they are mounted on a node's app."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
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
from openroam._admin._render import PAGE_HEADERS, render, templates
from openroam._admin._sampler import HealthSampler, sampling
from openroam._admin._session import COOKIE, SessionSigner
from openroam._config import Settings
from openroam._logging import current_request_id
from openroam._server.app import OcpiApp, answer_errors_under
from openroam.errors import OcpiError
from openroam.models._validation import json_path

__all__ = ["console_enabled", "console_router", "console_running", "include_console"]

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
    # Without the navigation: an error page may be answered before anyone is known.
    page = templates.get_template("error.html").render(
        heading=heading, message=message, nav=(), current="", node_name=""
    )
    return Response(
        page, status_code=status, headers=PAGE_HEADERS, media_type="text/html; charset=utf-8"
    )


_HEADINGS = {
    404: ("Not found", "There is no such page or object in the console."),
    405: ("Method not allowed", "This address does not answer that method."),
}


def _ocpi_error_page(error: OcpiError) -> Response:
    """A refused request under /admin (unknown path, wrong method, unknown object, bad input)
    as an HTML page, never an OCPI envelope."""
    status = error.http_status if error.http_status >= 400 else 400
    heading, fallback = _HEADINGS.get(status, ("Cannot do that", "The request was refused."))
    # The routing layer's own texts ("Unknown path") say less than ours.
    generic = error.message in {"Unknown path", "Method not allowed on this path"}
    return _error_page(status, heading, fallback if generic else error.message)


class ConsoleRoute(APIRoute):
    """A console route: a missing session sends the visitor to the login page, a refused action
    answers 403, a refused request (unknown object, bad input) an HTML error page, and a bug an
    HTML 500 page naming the request id (the log has the traceback) — never an OCPI envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as missing:
                ended = "&ended=1" if missing.ended else ""
                return RedirectResponse(f"{PREFIX}/login?next={missing.next_path}{ended}", 303)
            except Denied as denied:
                return _error_page(403, "Refused", str(denied))
            except OcpiError as error:
                return _ocpi_error_page(error)
            except RequestValidationError as invalid:
                found = [f"{json_path(e['loc'])}: {e['msg']}" for e in invalid.errors()]
                return _error_page(400, "Cannot do that", "; ".join(found[:5]))
            except HTTPException:
                raise  # answered by the app's handlers, under /admin as an HTML page
            except Exception:
                request_id = current_request_id.get() or "-"
                log.exception("console page %s failed", request.url.path)
                return _error_page(
                    500,
                    "Something went wrong",
                    f"The node could not answer this page (request id {request_id}): "
                    "its log has the details.",
                )

        return handle


def _safe_next(value: str | None) -> str:
    # Only a path of the console: never an absolute URL (an open redirect) or another site.
    # Already decoded once (a query or form value): decoding again would change a path that
    # carries an escaped character of its own.
    target = value or ""
    console_path = target == PREFIX or target.startswith((f"{PREFIX}/", f"{PREFIX}?"))
    if console_path and "\\" not in target and not target.startswith(f"{PREFIX}/login"):
        return target
    return f"{PREFIX}/partners"


def _secure(request: Request) -> bool:
    # An https public URL, or a request that came over https: the cookie never goes over http.
    return access_of(request).secure_cookie or request.url.scheme == "https"


def _add_login_routes(router: APIRouter) -> None:
    async def home() -> Response:
        return RedirectResponse(f"{PREFIX}/partners", 303)

    async def login_page(
        request: Request, next: str | None = None, ended: str | None = None
    ) -> Response:
        notice = "Your session ended: log in again." if ended else None
        return render(
            request, "login.html", next_path=_safe_next(next), name="", error=None, notice=notice
        )

    async def login(request: Request) -> Response:
        access = access_of(request)
        if not same_origin(request):
            raise Denied("This login came from another site.")
        fields = await read_form(request)
        name, password = fields.get("name", "")[:100], fields.get("password", "")
        next_path = _safe_next(fields.get("next"))
        client = request.client.host if request.client else ""
        wait = access.throttle.retry_after(name, client)
        if wait > 0:
            # Refused before the password is even checked: guessing costs the guesser time
            # and the node no CPU.
            log.warning("console login of %r from %s throttled", name, client)
            minutes = max(1, math.ceil(wait / 60))
            refused = render(
                request,
                "login.html",
                status_code=429,
                next_path=next_path,
                name=name,
                error=f"Too many failed logins: try again in {minutes} minute(s).",
            )
            refused.headers["Retry-After"] = str(math.ceil(wait))
            return refused
        if not access.check(name, password):
            access.throttle.failed(name, client)
            log.warning("console login refused for %r from %s", name, client)
            return render(
                request,
                "login.html",
                status_code=401,
                next_path=next_path,
                name=name,
                error="Wrong name or password.",
            )
        access.throttle.succeeded(name, client)
        cookie, _session = access.signer.issue(name)
        response = RedirectResponse(next_path, 303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(access.signer.lifetime_seconds),
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        log.info("console login of %r from %s", name, client)
        return response

    router.add_api_route(PREFIX, home, methods=["GET"])
    router.add_api_route(f"{PREFIX}/login", login_page, methods=["GET"])
    router.add_api_route(f"{PREFIX}/login", login, methods=["POST"])


def console_router() -> APIRouter:
    """Every console route (pages and actions), without the static files."""
    router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
    _add_login_routes(router)

    async def logout(request: Request, form: Form) -> Response:
        access_of(request).end(form.session)
        log.info("console logout of %r", form.session.user)
        response = RedirectResponse(f"{PREFIX}/login", 303)
        response.delete_cookie(
            COOKIE, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request)
        )
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
    public = urlsplit(settings.public_url)
    app.state.console = ConsoleAccess(
        SessionSigner(_secret(settings), settings.console.session_hours * 3600),
        admin_token,
        settings.console.users,
        secure_cookie=public.scheme == "https",
        public_origin=f"{public.scheme}://{public.netloc}" if public.netloc else None,
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
    if isinstance(app, OcpiApp):
        # The Health page's history of what /metrics exposes (started by console_running).
        app.state.health_sampler = HealthSampler(app.metrics.registry)


@asynccontextmanager
async def console_running(app: FastAPI) -> AsyncIterator[None]:
    """What the console runs beside a node while it serves (in the app's lifespan, once
    ``app.state.node`` is open): the Health page's sampler."""
    sampler: HealthSampler | None = getattr(app.state, "health_sampler", None)
    if sampler is None:
        yield
        return
    async with sampling(sampler, app.state.node.db):
        yield
