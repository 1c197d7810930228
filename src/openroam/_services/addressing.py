"""Whom a Session or CDR concerns: the eMSP of its ``cdr_token`` (shared by Sessions and CDRs).

A Session and a CDR are owned by the CPO (their ``country_code``/``party_id``) but concern one
eMSP: the party that issued the driver's token, named in ``cdr_token.country_code/party_id``
(mod_sessions "Session object", mod_cdrs "CdrToken class": "country_code/party_id of the eMSP
that 'owns' this Token"). Three rules follow, and live here so both modules use the same ones:

* **Push** (own objects): a change goes to the partner that registered that eMSP party, not to
  every partner with a Receiver endpoint. A partner that registered the party directly wins; when
  none did, the Hubs we are connected to get it (a Hub forwards to its connected parties,
  transport_and_format.asciidoc "Message Routing") — but not a Hub that reported the party
  OFFLINE, SUSPENDED or PLANNED (mod_hub_client_info: "Do not queue Push messages";
  ``_services/hub_clients.py``).
* **Sender GET**: a caller is served only the objects concerning one of its registered parties;
  an eMSP never reads another eMSP's Sessions or CDRs. A Hub is served all of them but those
  concerning a party another partner holds.
* **Receiver**: a partner may push us only Sessions/CDRs concerning one of our own parties.

The key is stored in ``ocpi_objects.counterparty`` (indexed), so the scoped lists are one
indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services import hub_clients
from openroam._services.credentials import Caller
from openroam._services.object_specs import ModuleSpec
from openroam._services.platform import Platform
from openroam._store import repositories as repo
from openroam._store.object_repo import Excluding, counterparty_key
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.types import Role

__all__ = [
    "addressed_receivers",
    "caller_counterparties",
    "check_ours",
    "counterparty_key",
    "counterparty_of",
    "is_ours",
    "may_read",
]


def counterparty_of(spec: ModuleSpec, document: Mapping[str, Any]) -> str | None:
    """The stored key of the party ``document`` concerns, or None for modules without one.

    The document has been validated, so the field and its country_code/party_id are present.
    """
    if spec.counterparty_field is None:
        return None
    token = document[spec.counterparty_field]
    return counterparty_key(token["country_code"], token["party_id"])


def caller_counterparties(caller: Caller) -> list[str] | Excluding | None:
    """The keys of the caller's registered parties. A Hub reads every party's objects but
    those of the parties another partner holds (as a push goes to the partner that holds the
    party, and to a Hub only when none does): :class:`Excluding` those, or None."""
    if caller.hub:
        held = sorted({counterparty_key(cc, pid) for cc, pid in caller.held_elsewhere})
        return Excluding(tuple(held)) if held else None
    return sorted({counterparty_key(cc, pid) for _, cc, pid in caller.roles})


def may_read(caller: Caller, counterparty: str | None) -> bool:
    """Whether ``caller`` may read a Session or CDR concerning ``counterparty``."""
    wanted = caller_counterparties(caller)
    if wanted is None:
        return True
    if isinstance(wanted, Excluding):
        return counterparty not in wanted.keys
    return counterparty in wanted


def _parties(partner: repo.PartnerRecord) -> set[str]:
    return {counterparty_key(r.country_code, r.party_id) for r in partner.roles}


async def addressed_receivers(
    session: AsyncSession, candidates: Iterable[int], counterparty: str | None
) -> list[int]:
    """Of ``candidates`` (partner ids with a Receiver endpoint for the module), those to tell
    about an object concerning ``counterparty``: the partners that registered that party or, if
    none did, the Hubs among them."""
    wanted = set(candidates)
    if not wanted or counterparty is None:
        return []
    partners = [p for p in await repo.list_partners(session) if p.id in wanted]
    direct = [p.id for p in partners if counterparty in _parties(p)]
    if direct:
        return direct
    hubs = [p.id for p in partners if any(r.role == Role.HUB for r in p.roles)]
    # mod_hub_client_info "Another Party goes OFFLINE": "Do not queue Push messages".
    country_code, _, party_id = counterparty.partition("/")
    return await hub_clients.reachable_hubs(session, hubs, country_code, party_id)


def is_ours(platform: Platform, counterparty: str | None) -> bool:
    """Whether an object concerning ``counterparty`` concerns one of our own parties (always
    for modules without a counterparty)."""
    if counterparty is None:
        return True
    ours: Sequence[str] = [counterparty_key(p.country_code, p.party_id) for p in platform.parties]
    return counterparty in ours


def check_ours(spec: ModuleSpec, platform: Platform, counterparty: str | None) -> None:
    """A pushed Session/CDR must concern one of our own parties (2001 otherwise): a CPO that
    sends us another eMSP's session has addressed it wrongly, and storing it would hand that
    eMSP's driver data to us."""
    if not is_ours(platform, counterparty):
        raise InvalidOrMissingParameters(
            f"{spec.counterparty_field} names {counterparty}, which is not one of our parties"
        )
