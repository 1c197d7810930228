"""Pull-sync of CDRs from a CPO partner's Sender interface (mod_cdrs "Pull model": an eMSP GETs
the CDRs it missed, e.g. after a downtime; transport_and_format.asciidoc "Pull and Push"): the
first pull is full, later ones ask for the CDRs since the newest one received (``date_from``).
A pulled CDR whose id is stored never replaces it. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from openroam._delivery.pull import PullWorker
from openroam._services.node import Node
from openroam._services.object_specs import CDRS
from openroam._services.roaming import PageQuery
from openroam._store import repositories as repo
from openroam.client._base import OcpiHttpClient
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import cdr, credit_of

PARTY = ("DE", "CPO")
OURS = ("NL", "ORM")


class Sender:
    """The partner's CDRs Sender endpoint: serves ``cdrs`` in pages of two, records requests."""

    def __init__(self, cdrs: list[dict[str, Any]]) -> None:
        self.cdrs = cdrs
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        offset = int(request.url.params.get("offset", "0"))
        since = request.url.params.get("date_from")
        matching = [c for c in self.cdrs if since is None or c["last_updated"] >= since]
        page = matching[offset : offset + 2]
        headers = {"X-Total-Count": str(len(matching)), "X-Limit": "2"}
        if offset + 2 < len(matching):
            # The next link repeats the filters (transport_and_format "Pagination").
            following = request.url.copy_set_param("offset", offset + 2)
            headers["Link"] = f'<{following}>; rel="next"'
        envelope = {"data": page, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        return httpx.Response(200, json=envelope, headers=headers)

    def clients(self) -> Any:
        transport = httpx.MockTransport(self.handle)
        return lambda token, encode: OcpiHttpClient(token, encode_token=encode, transport=transport)


async def _partner(node: Node, register_partner: RegisterPartner) -> repo.PartnerRecord:
    caller = await register_partner(
        "cpo",
        roles=((Role.CPO, *PARTY),),
        endpoints=(("credentials", "SENDER"), ("cdrs", "SENDER")),
    )
    async with node.db.session() as session:
        record = await repo.get_partner(session, caller.partner_id)
    assert record is not None
    return record


async def _stored(node: Node, partner_id: int) -> list[Any]:
    page = await node.roaming.page(partner_id, CDRS, PageQuery(None, None, 0, 100), None)
    return [orjson.loads(document) for document in page.documents]


def _cdr(number: int, **changes: Any) -> dict[str, Any]:
    stamp = f"2026-01-0{number}T10:00:00Z"
    return cdr(f"CDR{number}", PARTY, OURS, last_updated=stamp, **changes)


async def test_cdrs_are_pulled_in_full_then_since_the_newest_received(
    node: Node, register_partner: RegisterPartner
) -> None:
    partner = await _partner(node, register_partner)
    first = [_cdr(1), _cdr(2), _cdr(3)]
    sender = Sender(list(first))
    worker = PullWorker(node.db, node.roaming, sender.clients())
    result = await worker.pull(partner, "cdrs")
    assert (result.full, result.pages, result.stored) == (True, 2, 3)
    assert "date_from" not in sender.requests[0].url.params
    assert await _stored(node, partner.id) == first

    # Later: a Credit CDR and a new CDR; one stored CDR shows up again with other content.
    credit = credit_of(first[0], last_updated="2026-01-04T10:00:00Z")
    changed = first[2] | {"total_energy": 99}
    sender.cdrs = [first[0], first[1], changed, credit, _cdr(5)]
    sender.requests.clear()
    result = await worker.pull(partner, "cdrs")
    assert not result.full
    # "CDRs since the last received one": date_from = the newest last_updated received.
    assert sender.requests[0].url.params["date_from"] == "2026-01-03T10:00:00Z"
    assert (result.stored, result.unchanged) == (2, 1)
    # mod_cdrs "Flow and Lifecycle": a stored CDR is never changed or replaced.
    assert await _stored(node, partner.id) == [*first, credit, _cdr(5)]
