"""Rendering the console's pages: one Jinja2 environment over ``templates/`` (HTML escaping on
for every value; a value is marked safe only where the console built the markup itself, like the
SVG charts of ``_charts``)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["NAV", "PAGE_HEADERS", "render", "templates"]

templates = Environment(
    loader=PackageLoader("openroam._admin", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: The navigation, in order: (path under /admin, label).
NAV = (
    ("/admin/partners", "Partners"),
    ("/admin/messages", "Message log"),
    ("/admin/locations", "Locations"),
    ("/admin/sessions", "Sessions and CDRs"),
    ("/admin/tariffs", "Tariffs"),
    ("/admin/health", "Health"),
)

# Pages are private to the logged-in person: never kept by a shared cache or the back button of
# a browser after logout.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Everything comes from the node itself: no CDN, no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered with ``context``, and what every page needs: the request, the
    navigation, the visitor (``visitor``, when logged in) and its CSRF token (``csrf``)."""
    node = getattr(request.app.state, "node", None)
    page = templates.get_template(template).render(
        request=request,
        nav=NAV,
        current=request.url.path,
        node_name=_node_name(node),
        **context,
    )
    return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)


def _node_name(node: Any) -> str:
    parties = getattr(getattr(node, "platform", None), "parties", ())
    return ", ".join(f"{p.country_code}*{p.party_id} {p.role}" for p in parties) or "openroam"
