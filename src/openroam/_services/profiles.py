"""What both sides of ChargingProfiles share: the request kinds, the partner calls protocol, and
the view of a stored request (mod_charging_profiles.asciidoc)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import orjson

from openroam._store.profiles import RequestRecord
from openroam.models.common import OcpiModel, fold_id, format_datetime
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfileResponse,
    ChargingProfileResult,
    ClearProfileResult,
    SetChargingProfile,
)

__all__ = [
    "RESULT_MODELS",
    "ChargingProfilesApi",
    "ChargingProfilesApiFactory",
    "Kind",
    "RequestView",
    "profile_subject",
]


class Kind(StrEnum):
    """What a request asks: the Receiver's GET, PUT and DELETE."""

    GET = "GET"
    SET = "SET"
    CLEAR = "CLEAR"


#: the asynchronous result of each kind ("Object description" of each *Result)
RESULT_MODELS: dict[Kind, type[OcpiModel]] = {
    Kind.GET: ActiveChargingProfileResult,
    Kind.SET: ChargingProfileResult,
    Kind.CLEAR: ClearProfileResult,
}


class ChargingProfilesApi(Protocol):
    """The calls to a CPO that a Sender makes (``client.OcpiClient``)."""

    async def get_active_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        duration: int,
        response_url: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse: ...

    async def set_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        body: SetChargingProfile,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse: ...

    async def clear_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        response_url: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse: ...

    async def put_active_charging_profile(
        self, endpoint: str, session_id: str, profile: ActiveChargingProfile
    ) -> None: ...

    async def aclose(self) -> None: ...


ChargingProfilesApiFactory = Callable[[str, bool], ChargingProfilesApi]


def profile_subject(partner_id: int, session_id: str) -> str:
    """The subject of a session's ChargingProfiles events (per partner: two CPOs may use the
    same session id)."""
    return f"chargingprofile:{partner_id}/{fold_id(session_id)}"


def _json(value: bytes | None) -> Any:
    return None if value is None else orjson.loads(value)


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as the backend sees it."""

    id: int
    direction: str
    partner_id: int
    session_id: str
    kind: Kind
    state: str
    request: Any
    response: Any
    result: Any
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: RequestRecord) -> RequestView:
        return cls(
            record.id, record.direction, record.partner_id, record.session_id, Kind(record.kind),
            record.state, _json(record.request), _json(record.response), _json(record.result),
            record.last_error, record.created_at, record.updated_at,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "direction": self.direction,
            "partner_id": self.partner_id,
            "session_id": self.session_id,
            "kind": str(self.kind),
            "state": self.state,
            "request": self.request,
            "response": self.response,
            "result": self.result,
            "error": self.error,
            "created_at": format_datetime(self.created_at),
            "updated_at": format_datetime(self.updated_at),
        }
