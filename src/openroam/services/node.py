"""The services of one running node, wired together once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from openroam.services.cdrs import CdrService
from openroam.services.command_receiver import CommandReceiver
from openroam.services.command_sender import CommandSender
from openroam.services.commands import CommandApiFactory, CommandService, CommandSettings
from openroam.services.credentials import CredentialsService, PartnerApiFactory
from openroam.services.events import EventService
from openroam.services.platform import Platform
from openroam.services.roaming import RoamingService
from openroam.services.session_preferences import SessionPreferences
from openroam.store.db import Database

__all__ = ["Node"]


@dataclass(slots=True)
class Node:
    """Everything a request handler may need, shared by every request of the process."""

    platform: Platform
    db: Database
    credentials: CredentialsService
    roaming: RoamingService
    events: EventService
    cdrs: CdrService
    preferences: SessionPreferences
    commands: CommandService
    command_sender: CommandSender
    command_receiver: CommandReceiver
    page_limit: int = 100

    @classmethod
    def build(
        cls,
        platform: Platform,
        db: Database,
        api_factory: PartnerApiFactory,
        *,
        page_limit: int = 100,
        command_api: CommandApiFactory | None = None,
        command_settings: CommandSettings | None = None,
    ) -> Node:
        events = EventService(db)
        roaming = RoamingService(db, platform, events)
        return cls(
            platform=platform,
            db=db,
            credentials=CredentialsService(db, platform, api_factory),
            roaming=roaming,
            events=events,
            cdrs=CdrService(db, platform, roaming, events),
            preferences=SessionPreferences(roaming, api_factory),
            commands=CommandService(db, events),
            command_sender=CommandSender(platform, events, command_api),
            command_receiver=CommandReceiver(
                platform, events, command_settings or CommandSettings()
            ),
            page_limit=page_limit,
        )
