"""Helpers of the operations tests: a registered receiver partner, and reading ``/metrics``
with prometheus-client's own parser of the text format."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def register_receiver(db: Database, name: str, base_url: str, modules: list[str]) -> int:
    """Store a partner registered (as after the credentials handshake) as the eMSP DE*MSP —
    granted that — with Receiver endpoints under ``base_url`` for ``modules``; its id."""
    async with db.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-a-{name}", grants=[Grant(Role.EMSP, "DE", "MSP")]
        )
        record = await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{base_url}/ocpi/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=Role.EMSP,
                    business_details=BusinessDetails(name=name),
                    party_id="MSP",
                    country_code="DE",
                )
            ],
            endpoints=[
                Endpoint(
                    identifier=ModuleID(module),
                    role=InterfaceRole.RECEIVER,
                    url=f"{base_url}/ocpi/2.2.1/{module}",
                )
                for module in modules
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )
    return record.id


def samples(exposition: str) -> Samples:
    """Every sample of a ``/metrics`` answer: (name, labels) → value."""
    found: Samples = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))
