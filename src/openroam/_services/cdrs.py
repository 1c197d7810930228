"""CDRs on both interfaces (mod_cdrs.asciidoc).

* **Receiver (eMSP)**: a partner POSTs a new CDR (:meth:`CdrService.receive_post`); it is stored
  under the partner and answered with the URL where the partner can GET it again ("POST Method",
  "Response Headers": ``Location`` is required). A partner may POST only CDRs of a party it
  registered (transport_and_format.asciidoc "Client Owned Object Push", "Errors"), and only
  CDRs for tokens of one of our parties (``services.addressing``: the CDR concerns the eMSP of
  its ``cdr_token``; another eMSP's CDR was sent to the wrong party, 2001).
* **Own CDRs (CPO)**: the backend (or the session builder) hands over a final CDR
  (:meth:`CdrService.own_post`); it is stored and, in the same transaction, a POST is queued for
  the partner that registered the CDR's token party ("Push model": CDRs go to the eMSP they are
  relevant to, not to every eMSP). The push worker sends it and keeps the answer's ``Location``
  (:mod:`openroam._store.cdr_receipts`).

**Immutable** ("Flow and Lifecycle": a CDR "cannot be changed or replaced once sent"; the Receiver
offers no PUT, PATCH or DELETE). A second POST of a CDR id the same owner already sent:

* with the same content, succeeds again (HTTP 200, same ``Location``) and changes nothing: it is the
  retry of a sender whose first answer was lost, and it must stop retrying;
* with other content, is refused with 2000 (generic client error; status_codes.asciidoc has no
  more specific code) and the stored CDR stays as it is: a correction is a Credit CDR with an id of
  its own ("Credit CDRs"), which is a new CDR like any other.

**Unknown Location or Token** (of one of our parties): accepted. "CDRs may be sent for charging
locations that have not been published via the Location module" ("Flow and Lifecycle"), which is
why a CDR embeds a CdrLocation ("CDR Object": "cdr_location … Location where the charging session
took place"); and its CdrToken carries the Token's identity itself (uid, type, contract_id), as
an eMSP may use Tokens it never pushed (mod_commands, mod_tokens). The CDR is the billing record:
refusing it would lose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services import addressing, reading
from openroam._services.cdr_audit import record_cdr_events
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath, timestamp_of
from openroam._services.events import EventService
from openroam._services.object_specs import CDRS
from openroam._services.platform import Platform
from openroam._services.roaming import OWN, RoamingService, read_body, validate_body
from openroam._store import cdr_receipts, outbox
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound
from openroam.models.common import fold_id
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole

__all__ = ["CdrExists", "CdrService", "Posted", "Receipt"]

Receipt = cdr_receipts.Receipt

#: Where a received CDR is served again: GET {public_url}{RECEIVER_PATH}/{cc}/{party}/{id}.
RECEIVER_PATH = "/ocpi/2.2.1/receiver/cdrs"


class CdrExists(ClientError):
    """A CDR with this id exists with other content; CDRs never change (mod_cdrs)."""


@dataclass(frozen=True, slots=True)
class Posted:
    """What storing a CDR did."""

    #: False: the identical CDR was stored already (a repeated POST), nothing changed
    created: bool
    #: the CDR's owner and id, spelled as in the CDR
    path: ObjectPath
    #: the queued POSTs (own CDRs): the partners the CDR goes to
    receivers: tuple[int, ...] = ()


def _path_of(document: dict[str, Any]) -> ObjectPath:
    return ObjectPath(document["country_code"], document["party_id"], document["id"])


def _same(stored: bytes, document: dict[str, Any]) -> bool:
    # Compared as JSON values: key order and number spelling do not make a CDR different.
    same: bool = orjson.loads(stored) == orjson.loads(orjson.dumps(document))
    return same


class CdrService:
    """See the module docstring."""

    def __init__(
        self,
        db: Database,
        platform: Platform,
        roaming: RoamingService,
        events: EventService | None = None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.roaming = roaming
        self.events = events or EventService(db)

    # --- Receiver interface ------------------------------------------------------------------

    def location_url(self, path: ObjectPath) -> str:
        """The URL of a received CDR on our Receiver interface (the POST's ``Location``)."""
        segments = (path.country_code, path.party_id, path.object_id)
        quoted = "/".join(quote(segment, safe="") for segment in segments)
        return f"{self.platform.public_url.rstrip('/')}{RECEIVER_PATH}/{quoted}"

    async def receive_post(self, caller: Caller, body: bytes) -> Posted:
        """A partner POSTs a new CDR (see the module docstring for repeats and unknown ids)."""
        cdr, respelled = read_body(CDR, body, lenient=caller.lenient)
        document = cdr.to_dict()
        path = _path_of(document)
        _check_partner_owner(caller, path, self.platform)
        # A CDR for another eMSP's token is misaddressed (services.addressing): 2001.
        addressing.check_ours(CDRS, self.platform, addressing.counterparty_of(CDRS, document))
        posted = await self._store(caller.partner_id, path, document)
        await reading.record(self.db, caller.partner_id, str(CDRS.module), respelled)
        return posted

    async def receiver_get(self, caller: Caller, path: ObjectPath) -> bytes:
        """GET at the URL a POST answered with: the partner's own CDR, as stored."""
        return await self.roaming.receiver_get(caller, CDRS, path)

    # --- own CDRs ----------------------------------------------------------------------------

    async def own_post(self, body: bytes) -> Posted:
        """Store a final CDR of one of our CPO parties and queue its POST to the partner that
        registered the CDR's token party; one transaction. Refused (2000, HTTP 409) when a CDR
        with this id exists: it is immutable, correct it with a Credit CDR."""
        document = validate_body(CDR, body).to_dict()
        async with self.db.session() as session, session.begin():
            posted = await self.own_post_in(session, document)
        self.roaming.changed()
        return posted

    async def own_post_in(self, session: AsyncSession, document: dict[str, Any]) -> Posted:
        """:meth:`own_post` inside the caller's transaction, with the CDR as validated JSON
        data (``CDR.to_dict()``): for a caller that ends a session and writes its CDR at once."""
        path = _path_of(document)
        self._check_own_owner(path)
        stored = await objects.get_object(session, *_key(OWN, path), for_update=True)
        if stored is not None:
            raise CdrExists(
                f"CDR {path.suffix()} exists and cannot be changed; send a Credit CDR "
                "(mod_cdrs 'Credit CDRs')",
                http_status=409,
            )
        saved = await _put(session, OWN, path, document)
        receivers = await _receivers(session, document)
        await outbox.enqueue_deliveries(
            session,
            partner_ids=receivers,
            module=str(CDRS.module),
            object_pk=saved.pk,
            method="POST",
            path=path.suffix(),
        )
        return Posted(True, path, tuple(receivers))

    async def receipts(self, path: ObjectPath) -> list[Receipt]:
        """The partners' answers to the POST of one of our CDRs (their ``Location`` headers)."""
        async with self.db.session() as session:
            if await objects.get_object(session, *_key(OWN, path)) is None:
                raise NotFound(f"Unknown CDR {path.suffix()}")
            partner_ids = [partner.id for partner in await repo.list_partners(session)]
            return await cdr_receipts.list_receipts(
                session, partner_ids, path.country_code, path.party_id, path.object_id
            )

    def _check_own_owner(self, path: ObjectPath) -> None:
        wanted = (fold_id(path.country_code), fold_id(path.party_id))
        for party in self.platform.parties:
            if party.role == CDRS.owner_role and wanted == (
                fold_id(party.country_code),
                fold_id(party.party_id),
            ):
                return
        raise NotFound(f"{path.country_code}/{path.party_id} is not one of our CPO parties")

    # --- storing -----------------------------------------------------------------------------

    async def _store(
        self,
        origin: int,
        path: ObjectPath,
        document: dict[str, Any],
    ) -> Posted:
        async with self.db.session() as session, session.begin():
            stored = await objects.get_object(session, *_key(origin, path), for_update=True)
            if stored is not None:
                if _same(stored.document, document):
                    return Posted(False, path)
                raise CdrExists(
                    f"CDR {path.suffix()} exists with other content; a CDR cannot be changed "
                    "(mod_cdrs 'Flow and Lifecycle'): send a Credit CDR with a new id"
                )
            await _put(session, origin, path, document)
            # In the storing transaction: cdr.received, and cdr.price_mismatch when the audit
            # with the Tariff we hold disagrees (services.cdr_audit).
            await record_cdr_events(self.events, session, origin, document)
        self.roaming.changed()
        await self.events.publish(session)
        return Posted(True, path)


def _key(origin: int, path: ObjectPath) -> tuple[Any, ...]:
    return (str(CDRS.module), origin, path.country_code, path.party_id, path.object_id)


async def _put(
    session: AsyncSession, origin: int, path: ObjectPath, document: dict[str, Any]
) -> objects.StoredObject:
    last_updated = timestamp_of(document)
    assert last_updated is not None
    saved, _ = await objects.put_object(
        session,
        module=str(CDRS.module),
        origin=origin,
        country_code=path.country_code,
        party_id=path.party_id,
        object_id=path.object_id,
        last_updated=last_updated,
        document=orjson.dumps(document),
        # The eMSP of the token (services.addressing): a scoped CDRs Sender GET finds it by this.
        counterparty=addressing.counterparty_of(CDRS, document),
    )
    return saved


def _check_partner_owner(caller: Caller, path: ObjectPath, platform: Platform) -> None:
    # transport_and_format.asciidoc "Client Owned Object Push": a party writes its own objects
    # only. The owner is in the body here, not in a URL, so the answer is 2001 (the body's
    # country_code/party_id are wrong), not the 404 of a foreign URL. A hub forwards CDRs of the
    # parties connected to it, so it may POST any — but never one of ours, nor one another
    # partner holds.
    wanted = (fold_id(path.country_code), fold_id(path.party_id))
    ours = wanted in caller.held_elsewhere or any(
        (fold_id(p.country_code), fold_id(p.party_id)) == wanted for p in platform.parties
    )
    for role, country_code, party_id in caller.roles:
        if (role == Role.HUB and not ours) or (
            role == Role.CPO and (fold_id(country_code), fold_id(party_id)) == wanted
        ):
            return
    raise InvalidOrMissingParameters(
        f"country_code/party_id {path.country_code}/{path.party_id} of the CDR is not a party "
        "you registered as CPO"
    )


async def _receivers(session: AsyncSession, document: dict[str, Any]) -> list[int]:
    """The partners a CDR is POSTed to: of the registered partners with a CDRs Receiver
    endpoint, the one that registered the CDR's token party (Hubs when none did;
    ``services.addressing``): a CPO sends a CDR to the eMSP it is relevant to (mod_cdrs "Push
    model"), not to every eMSP."""
    candidates = [
        partner.id
        for partner in await repo.list_partners(session)
        if partner.status in repo.QUEUED_STATUSES
        and any(
            e.identifier == CDRS.module and e.role == InterfaceRole.RECEIVER
            for e in partner.endpoints
        )
    ]
    counterparty = addressing.counterparty_of(CDRS, document)
    return await addressing.addressed_receivers(session, candidates, counterparty)
