"""The services of one running node, wired together once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from openroam.services.cdrs import CdrService
from openroam.services.charging.service import ChargingService
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
    charging: ChargingService
    page_limit: int = 100

    @classmethod
    def build(
        cls,
        platform: Platform,
        db: Database,
        api_factory: PartnerApiFactory,
        *,
        page_limit: int = 100,
    ) -> Node:
        events = EventService(db)
        roaming = RoamingService(db, platform, events)
        cdrs = CdrService(db, platform, roaming, events)
        return cls(
            platform=platform,
            db=db,
            credentials=CredentialsService(db, platform, api_factory),
            roaming=roaming,
            events=events,
            cdrs=cdrs,
            preferences=SessionPreferences(roaming, api_factory),
            charging=ChargingService(db, roaming, cdrs),
            page_limit=page_limit,
        )
