"""The Partners page (docs/console.md "Partners"): every connection with its health, one
connection with its modules and deliveries, and the operator's actions on them.

Pages:

* ``GET /admin/partners``: one row per connection (``PartnerStatusService.all``);
* ``GET /admin/partners/{name}``: one connection (``PartnerStatusService.of``) with its
  deliveries, failed and pending first; ``?confirm=suspend|rotate|skip`` (``&delivery=ID``)
  shows the confirmation of a destructive action first.

Actions (POST with the session's CSRF token, answered 303 back to the partner's page with a
notice): ``…/{name}/pull`` (``module``: one, else all), ``…/{name}/rotate-token``,
``…/{name}/suspend``, ``…/{name}/resume``, ``/admin/deliveries/{id}/retry`` and
``/admin/deliveries/{id}/skip`` (``reason``). A refused action (not registered, unknown
delivery, the partner unreachable on a rotation) answers the console's HTML error page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from openroam._admin._auth import Form, Visitor, visitor
from openroam._admin._render import render
from openroam._admin.partner_views import last_exchange, notice_of, problems, when
from openroam._services.deliveries import DeliveryView
from openroam._services.node import Node
from openroam._services.object_specs import SPECS
from openroam._services.partner_actions import PartnerActions
from openroam._services.partner_status import PartnerStatusService
from openroam.errors import InvalidOrMissingParameters

__all__ = ["add_routes", "partner_path"]

#: How many rows each deliveries table of a partner shows (failed, pending, recently closed).
FAILED_SHOWN, PENDING_SHOWN, CLOSED_SHOWN = 100, 100, 20
_CONFIRMED = ("suspend", "rotate", "skip")
_VisitorDep = Annotated[Visitor, Depends(visitor)]


def partner_path(name: str) -> str:
    """The console page of the partner called ``name`` (any character in the name is safe)."""
    return f"/admin/partners/{quote(name, safe='')}"


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _actions(node: Node) -> PartnerActions:
    return PartnerActions(node.db, node.platform, node.credentials)


def _by(form: Form) -> str:
    return f"console user {form.session.user}"


def _back(name: str, **outcome: str) -> RedirectResponse:
    return RedirectResponse(f"{partner_path(name)}?{urlencode(outcome)}", 303)


async def _deliveries(node: Node, name: str) -> dict[str, list[DeliveryView]]:
    service = node.deliveries
    closed = ["delivered", "skipped", "superseded"]
    return {
        "failed": await service.list(partner=name, states=["failed"], limit=FAILED_SHOWN),
        "pending": await service.list(partner=name, states=["pending"], limit=PENDING_SHOWN),
        "closed": await service.list(
            partner=name, states=closed, limit=CLOSED_SHOWN, newest_first=True
        ),
    }


def _add_pages(router: APIRouter) -> None:
    async def partners(request: Request, who: _VisitorDep) -> Response:
        node = _node(request)
        statuses = await PartnerStatusService(node.db, node.platform).all()
        return render(
            request,
            "partners.html",
            visitor=who,
            statuses=statuses,
            partner_path=partner_path,
            last_exchange=last_exchange,
            problems=problems,
            when=when,
        )

    async def partner(request: Request, name: str, who: _VisitorDep) -> Response:
        node = _node(request)
        status = await PartnerStatusService(node.db, node.platform).of(name)
        query = request.query_params
        confirm = query.get("confirm")
        deliveries = await _deliveries(node, name)
        # Only a failed or pending delivery may be skipped: one of those shown.
        wanted = query.get("delivery", "")
        delivery = next(
            (
                view
                for view in deliveries["failed"] + deliveries["pending"]
                if str(view.row.id) == wanted
            ),
            None,
        )
        return render(
            request,
            "partner.html",
            visitor=who,
            status=status,
            deliveries=deliveries,
            confirm=confirm if confirm in _CONFIRMED else None,
            confirm_delivery=delivery,
            notice=notice_of(query),
            path=partner_path(name),
            last_exchange=last_exchange(status),
            problems=problems(status),
            when=when,
        )

    router.add_api_route("/admin/partners", partners, methods=["GET"])
    router.add_api_route("/admin/partners/{name:path}", partner, methods=["GET"])


def _add_partner_actions(router: APIRouter) -> None:
    async def pull(request: Request, name: str, form: Form) -> Response:
        module = form.fields.get("module") or None
        if module is not None and module not in SPECS:
            raise InvalidOrMissingParameters(f"Unknown module {module!r}")
        modules = await _actions(_node(request)).pull_now(name, module)
        return _back(name, done="pulled", modules=",".join(modules))

    async def rotate_token(request: Request, name: str, form: Form) -> Response:
        await _node(request).credentials.rotate_token(name)
        return _back(name, done="rotated")

    async def suspend(request: Request, name: str, form: Form) -> Response:
        await _actions(_node(request)).suspend(name, by=_by(form))
        return _back(name, done="suspended")

    async def resume(request: Request, name: str, form: Form) -> Response:
        await _actions(_node(request)).resume(name, by=_by(form))
        return _back(name, done="resumed")

    for action, handler in (
        ("pull", pull),
        ("rotate-token", rotate_token),
        ("suspend", suspend),
        ("resume", resume),
    ):
        router.add_api_route(f"/admin/partners/{{name:path}}/{action}", handler, methods=["POST"])


def _add_delivery_actions(router: APIRouter) -> None:
    async def retry(request: Request, delivery_id: int, form: Form) -> Response:
        view = await _node(request).deliveries.retry(delivery_id, by=_by(form))
        return _back(view.partner, done="retried", delivery=str(delivery_id))

    async def skip(request: Request, delivery_id: int, form: Form) -> Response:
        reason = form.fields.get("reason", "").strip()[:200] or None
        view = await _node(request).deliveries.skip(delivery_id, by=_by(form), reason=reason)
        return _back(view.partner, done="skipped", delivery=str(delivery_id))

    router.add_api_route("/admin/deliveries/{delivery_id}/retry", retry, methods=["POST"])
    router.add_api_route("/admin/deliveries/{delivery_id}/skip", skip, methods=["POST"])


def add_routes(router: APIRouter) -> None:
    _add_pages(router)
    _add_partner_actions(router)
    _add_delivery_actions(router)
