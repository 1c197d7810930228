"""Run an openroam node in your own process: the supported Python surface of a node.

    from openroam.models import v221
    from openroam.node import Backend, Settings, open_node

    async with open_node(Settings()) as node:  # settings also from OPENROAM_* variables
        backend = Backend(node)
        await backend.put_location(v221.Location.from_json(body))
        node.events.subscribe(EventType.CDR_PRICE_MISMATCH, on_mismatch)

docs/backend-api.md "Python API" describes each call. The names below are stable; the modules
they are defined in (``openroam._api``, ``openroam._services``, …) are internal and may change.
"""

from __future__ import annotations

from openroam._api.charging import ChargingBackend
from openroam._api.command_python import CommandHandler
from openroam._api.python import Backend, Listing
from openroam._config import Settings
from openroam._delivery.webhooks import verify_signature
from openroam._runtime import build_app, open_node
from openroam._services.authorization import AuthorizationHook, AuthorizationRequest, Decision
from openroam._services.cdrs import Posted
from openroam._services.charging.requests import StartRequest, Stopped, TokenRef
from openroam._services.events import Event, EventCallback, EventType
from openroam._services.node import Node
from openroam._services.partners import PartnerInfo
from openroam._services.profile_receiver import ProfileHandler, ReceivedRequest
from openroam._services.profiles import RequestView
from openroam._services.realtime import Verdict
from openroam._services.roaming import WriteResult
from openroam._store.cdr_receipts import Receipt

__all__ = [
    "AuthorizationHook",
    "AuthorizationRequest",
    "Backend",
    "ChargingBackend",
    "CommandHandler",
    "Decision",
    "Event",
    "EventCallback",
    "EventType",
    "Listing",
    "Node",
    "PartnerInfo",
    "Posted",
    "ProfileHandler",
    "Receipt",
    "ReceivedRequest",
    "RequestView",
    "Settings",
    "StartRequest",
    "Stopped",
    "TokenRef",
    "Verdict",
    "WriteResult",
    "build_app",
    "open_node",
    "verify_signature",
]
