"""What a session start looks up: the eMSP's Token, the Connector's Tariffs."""

from __future__ import annotations

from openroam._services.charging.requests import StartRequest, TokenRef
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import TARIFFS, TOKENS
from openroam._services.roaming import OWN, RoamingService
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.common import fold_id
from openroam.models.v221.cdrs import CdrToken
from openroam.models.v221.locations import Location
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import Token

__all__ = ["cdr_token", "stored_token", "tariffs"]


async def cdr_token(db: Database, request: StartRequest) -> CdrToken:
    """The session's CdrToken: as given, or from the Token an eMSP partner sent us."""
    if (request.token is None) == (request.cdr_token is None):
        raise InvalidOrMissingParameters("give either token or cdr_token", http_status=400)
    if request.cdr_token is not None:
        return request.cdr_token
    assert request.token is not None
    token = await stored_token(db, request.token)
    # mod_cdrs "CdrToken": the Token's identity (country_code, party_id, uid, type) and contract.
    return CdrToken(
        country_code=token.country_code,
        party_id=token.party_id,
        uid=token.uid,
        type=token.type,
        contract_id=token.contract_id,
    )


async def stored_token(db: Database, ref: TokenRef) -> Token:
    """The Token as the partner that registered its owner party sent it; else NotFound."""
    wanted = (fold_id(ref.country_code), fold_id(ref.party_id))
    key = (ref.country_code, ref.party_id, ref.uid, str(ref.type))
    async with db.session() as session:
        for partner in await repo.list_partners(session):
            if not any(
                (fold_id(r.country_code), fold_id(r.party_id)) == wanted for r in partner.roles
            ):
                continue
            stored = await objects.get_object(session, str(TOKENS.module), partner.id, *key)
            if stored is not None:
                return Token.from_json(stored.document)
    raise NotFound(f"Unknown token {ref.country_code}/{ref.party_id}/{ref.uid} ({ref.type})")


async def tariffs(roaming: RoamingService, location: Location) -> dict[str, Tariff]:
    """Our Tariffs that the Location's Connectors list, by folded id; ids we do not hold are
    left out (such a Tariff cannot apply)."""
    ids = {
        tariff_id
        for evse in location.evses or ()
        for connector in evse.connectors
        for tariff_id in connector.tariff_ids or ()
    }
    found: dict[str, Tariff] = {}
    for tariff_id in sorted(ids):
        path = ObjectPath(location.country_code, location.party_id, tariff_id)
        try:
            document = await roaming.read(OWN, TARIFFS, path)
        except NotFound:
            continue
        found[fold_id(tariff_id)] = Tariff.from_json(document)
    return found
