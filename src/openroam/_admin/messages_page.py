"""The Message log page (docs/console.md "Message log"): every OCPI exchange in and out, newest
first, filtered and paged; one message with its bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._render import render
from openroam._services.message_log import MODULES, list_messages, message_detail
from openroam._services.node import Node
from openroam._store.message_log import MessageFilter
from openroam.errors import InvalidOrMissingParameters, NotFound

__all__ = ["add_routes"]

#: Messages per page.
PAGE_SIZE = 50

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
STATUS_CLASSES = (("2", "2xx"), ("3", "3xx"), ("4", "4xx"), ("5", "5xx"), ("0", "no answer"))

#: The query parameters of the filter form, in order.
_FILTER_FIELDS = (
    "partner",
    "direction",
    "module",
    "method",
    "status",
    "ocpi",
    "id",
    "since",
    "until",
)


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _int(name: str, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise InvalidOrMissingParameters(f"{name}: a whole number, not {value!r}")
    return int(value)


def _time(name: str, value: str) -> datetime | None:
    """A time of the form (``<input type="datetime-local">`` sends no zone: it is UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidOrMissingParameters(
            f"{name}: a time as 2026-01-31T18:00 (UTC), not {value!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidOrMissingParameters(f"{name}: one of {', '.join(allowed)}")
    return value


def _filter(chosen: dict[str, str], before: str) -> MessageFilter:
    status = _choice("status", chosen["status"], tuple(code for code, _ in STATUS_CLASSES))
    return MessageFilter(
        partner=chosen["partner"] or None,
        direction=_choice("direction", chosen["direction"], ("in", "out")),
        module=_choice("module", chosen["module"], MODULES),
        method=_choice("method", chosen["method"], METHODS),
        status_class=int(status) if status is not None else None,
        ocpi_status=_int("ocpi", chosen["ocpi"]),
        message_id=chosen["id"] or None,
        since=_time("since", chosen["since"]),
        until=_time("until", chosen["until"]),
        before_id=_int("before", before),
    )


@dataclass(frozen=True, slots=True)
class Body:
    """A body as the detail shows it: pretty-printed when it is JSON, and whether the log cut
    it (``kept`` of ``length`` bytes)."""

    text: str
    kept: int
    length: int
    cut: bool


def _body(stored: bytes | None, length: int) -> Body | None:
    if stored is None:
        return None
    try:
        # A masked token changes the length: a body that is whole JSON was not cut.
        text = orjson.dumps(orjson.loads(stored), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        return Body(stored.decode("utf-8", "replace"), len(stored), length, len(stored) < length)
    return Body(text, len(stored), length, False)


def add_routes(router: APIRouter) -> None:
    async def page(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Response:
        query = request.query_params
        chosen = {name: query.get(name, "").strip()[:200] for name in _FILTER_FIELDS}
        node = _node(request)
        found = await list_messages(
            node.db, node.message_log, _filter(chosen, query.get("before", "")), PAGE_SIZE
        )
        filters = {name: value for name, value in chosen.items() if value}
        older = (
            "?" + urlencode({**filters, "before": found.next_before_id})
            if found.next_before_id is not None
            else None
        )
        return render(
            request,
            "messages.html",
            visitor=who,
            found=found,
            chosen=chosen,
            filtered=bool(filters),
            paged="before" in query,
            newest="?" + urlencode(filters),
            older=older,
            logging=node.message_log is not None,
            modules=MODULES,
            methods=METHODS,
            status_classes=STATUS_CLASSES,
        )

    async def detail(
        request: Request, message_id: str, who: Annotated[Visitor, Depends(visitor)]
    ) -> Response:
        node = _node(request)
        number = _int("message", message_id)
        message = (
            await message_detail(node.db, node.message_log, number) if number is not None else None
        )
        if message is None:
            raise NotFound(f"No message {message_id} in the log (it may have been trimmed)")
        return render(
            request,
            "message.html",
            visitor=who,
            message=message.summary,
            request_body=_body(message.request_body, message.summary.request_bytes),
            response_body=_body(message.response_body, message.summary.response_bytes),
            response_shared_with=message.response_shared_with,
            answer_shared=message.answer_shared,
        )

    router.add_api_route("/admin/messages", page, methods=["GET"])
    router.add_api_route("/admin/messages/{message_id}", detail, methods=["GET"])
