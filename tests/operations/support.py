"""Helpers of the operations tests: a registered receiver partner, and reading ``/metrics``
with prometheus-client's own parser of the text format."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.types import Role
from tests.delivery.fake_partner import register_receiver as registered_receiver

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def register_receiver(db: Database, name: str, base_url: str, modules: list[str]) -> int:
    """Store a partner registered (as after the credentials handshake) as the eMSP DE*MSP —
    granted that — with Receiver endpoints under ``base_url`` for ``modules``; its id."""
    grants = [Grant(Role.EMSP, "DE", "MSP")]
    return await registered_receiver(db, name, base_url, modules, grants=grants)


def samples(exposition: str) -> Samples:
    """Every sample of a ``/metrics`` answer: (name, labels) → value."""
    found: Samples = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))
