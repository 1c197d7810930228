"""Wiring one node together: settings → database → services → ASGI app.

Used by ``openroam serve`` and the other CLI commands, and by tests that start real nodes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from openroam.client import OcpiClient
from openroam.config import Settings
from openroam.server.app import create_app
from openroam.services.credentials import PartnerApi
from openroam.services.node import Node
from openroam.services.platform import OwnParty, Platform
from openroam.store import repositories as repo
from openroam.store.db import Database, upgrade_async

__all__ = ["build_app", "open_node", "platform_from_settings"]


def platform_from_settings(settings: Settings) -> Platform:
    parties = tuple(
        OwnParty(
            country_code=party.country_code,
            party_id=party.party_id,
            role=party.role,
            name=party.name,
            website=party.website,
        )
        for party in settings.parties
    )
    return Platform(public_url=settings.public_url, parties=parties)


@asynccontextmanager
async def open_node(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Node]:
    """Connect the database, migrate it, record the own parties, and build the services."""
    db = Database.connect(settings.database_url)
    try:
        await upgrade_async(db)
        platform = platform_from_settings(settings)
        async with db.session() as session, session.begin():
            await repo.upsert_own_parties(
                session,
                [
                    repo.OwnPartyData(
                        country_code=party.country_code,
                        party_id=party.party_id,
                        role=party.role,
                        business_details={"name": party.name}
                        | ({"website": party.website} if party.website else {}),
                    )
                    for party in platform.parties
                ],
            )

        def factory(token: str, encode_token: bool) -> PartnerApi:
            return OcpiClient(token, encode_token=encode_token, transport=transport)

        yield Node.build(platform, db, factory, page_limit=settings.page_limit)
    finally:
        await db.dispose()


def build_app(settings: Settings) -> FastAPI:
    """The ASGI app of a node, opening and closing its database with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_node(settings) as node:
            app.state.node = node
            yield

    return create_app(None, lifespan=lifespan)
