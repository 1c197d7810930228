"""The types of events (docs/backend-api.md "Events and webhooks"), apart from the service that
records them (``events.py``).

The settings (``openroam._config``) check the webhook URLs' event types against these; kept in
a module of their own, loading the settings does not load the storage and the database driver
that ``events.py`` needs (about a third of a second of every CLI command's start-up).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_EVENTS", "EventType"]


class EventType(StrEnum):
    """What happened. New types are added here (commands' results, …)."""

    SESSION_STARTED = "session.started"
    SESSION_UPDATED = "session.updated"
    SESSION_ENDED = "session.ended"
    CDR_RECEIVED = "cdr.received"
    CDR_PRICE_MISMATCH = "cdr.price_mismatch"
    COMMAND_RECEIVED = "command.received"
    """CPO: a partner's command for our backend to carry out (mod_commands)."""
    COMMAND_RESPONSE = "command.response"
    """eMSP: the CPO's synchronous CommandResponse to a command we sent (or why none came)."""
    COMMAND_RESULT = "command.result"
    """Both: a command's CommandResult was decided (received, reported, or timed out)."""
    #: eMSP: we answered a CPO's real-time authorization of one of our Tokens
    TOKEN_AUTHORIZATION = "token.authorization"
    #: CPO: a partner asked to get, set or clear a session's charging profile
    CHARGING_PROFILE_REQUESTED = "chargingprofile.requested"
    #: Sender (eMSP/SCSP): the CPO's synchronous ChargingProfileResponse
    CHARGING_PROFILE_RESPONSE = "chargingprofile.response"
    #: Sender: the CPO's asynchronous result (Active/ChargingProfile/ClearProfileResult)
    CHARGING_PROFILE_RESULT = "chargingprofile.result"
    #: Sender: the CPO pushed the ActiveChargingProfile of a session
    ACTIVE_CHARGING_PROFILE = "chargingprofile.active"
    #: a delivery to a partner was refused for good (docs/architecture.md "Delivery")
    DELIVERY_FAILED = "delivery.failed"
    #: an operator decided not to send a delivery (``openroam deliveries skip``)
    DELIVERY_SKIPPED = "delivery.skipped"


#: subscribe to every event type
ALL_EVENTS = "*"
