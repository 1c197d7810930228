"""Fixtures for client tests: a fake partner and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openroam.client import OcpiClient
from tests.client.ocpi_fakes import TOKEN, FakePartner


@pytest.fixture
def partner() -> FakePartner:
    return FakePartner()


@pytest.fixture
async def client(partner: FakePartner) -> AsyncIterator[OcpiClient]:
    async with OcpiClient(TOKEN, transport=partner.transport) as ocpi:
        yield ocpi
