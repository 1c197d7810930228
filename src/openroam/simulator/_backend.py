"""The CPO backend API as the simulator sees it: HTTP calls to ``/api/`` with the admin token.

Nothing here reaches into openroam's internals: these are the same requests a charge point
management system in another process or language sends (docs/backend-api.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

__all__ = ["BackendApi", "BackendError"]

JSON = dict[str, Any]


class BackendError(RuntimeError):
    """The backend API refused a request; ``status`` is the HTTP status."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} /api/{path}: {status} {message}")
        self.status = status
        self.message = message


def _segment(value: str) -> str:
    return quote(value, safe="")


class BackendApi:
    """Typed calls to one node's backend API.

    ``base_url`` is the node's HTTP address (``http://127.0.0.1:8080``), ``admin_token`` its
    ``OPENROAM_ADMIN_TOKEN``. ``transport`` lets tests drive an in-process app.
    """

    def __init__(
        self,
        base_url: str,
        admin_token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/",
            headers={"Authorization": f"Bearer {admin_token}"},
            transport=transport,
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """``data`` of the answer; a non-2xx answer raises :class:`BackendError`."""
        return (await self._answer(method, path, body)).get("data")

    async def _answer(self, method: str, path: str, body: Any = None) -> JSON:
        """The whole JSON answer; a non-2xx answer raises :class:`BackendError`."""
        response = await self._http.request(method, path, json=body)
        if response.status_code >= 300:
            try:
                message = str(response.json()["error"]["message"])
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise BackendError(method, path, response.status_code, message)
        answer: JSON = response.json()
        return answer

    # -- own Locations and Tariffs ---------------------------------------------------------

    async def locations(self, page_size: int = 100) -> list[JSON]:
        """Every own Location, in creation order."""
        found: list[JSON] = []
        while True:
            page = await self.request("GET", f"locations?offset={len(found)}&limit={page_size}")
            found.extend(page)
            if len(page) < page_size:
                return found

    async def put_location(self, location: JSON) -> JSON:
        path = "/".join(_segment(location[k]) for k in ("country_code", "party_id", "id"))
        answer: JSON = await self.request("PUT", f"locations/{path}", location)
        return answer

    async def put_tariff(self, tariff: JSON) -> JSON:
        path = "/".join(_segment(tariff[k]) for k in ("country_code", "party_id", "id"))
        answer: JSON = await self.request("PUT", f"tariffs/{path}", tariff)
        return answer

    async def set_evse_status(
        self, party: tuple[str, str], location_id: str, evse_uid: str, status: str
    ) -> None:
        path = "/".join(_segment(p) for p in (*party, location_id, evse_uid))
        await self.request("PUT", f"locations/{path}/status", {"status": status})

    # -- events and commands ---------------------------------------------------------------

    async def events(self, after: int, types: tuple[str, ...], limit: int = 100) -> JSON:
        """``{"data": [events after the position], "next_after": n}`` (whole answer)."""
        query = "&".join([f"after={after}", f"limit={limit}", *(f"type={t}" for t in types)])
        return await self._answer("GET", f"events?{query}")

    async def report_command_result(self, command_id: str, result: str, text: str = "") -> None:
        body: JSON = {"result": result}
        if text:
            body["message"] = [{"language": "en", "text": text}]
        await self.request("POST", f"commands/{_segment(command_id)}/result", body)

    # -- sessions ----------------------------------------------------------------------------

    async def start_session(self, body: JSON) -> JSON:
        session: JSON = await self.request("POST", "sessions", body)
        return session

    async def meter_values(self, session_path: str, readings: list[JSON]) -> JSON:
        session: JSON = await self.request(
            "POST", f"sessions/{session_path}/meter-values", {"meter_values": readings}
        )
        return session

    async def stop_session(self, session_path: str, body: JSON) -> JSON:
        stopped: JSON = await self.request("POST", f"sessions/{session_path}/stop", body)
        return stopped

    async def authorize(self, body: JSON) -> JSON:
        """``POST /api/authorize``: may this Token charge here (real-time authorization)?"""
        answer: JSON = await self.request("POST", "authorize", body)
        return answer
