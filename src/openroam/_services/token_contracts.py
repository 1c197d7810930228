"""Our own Tokens found by ``contract_id``.

An OCPI 2.1.1 Session or CDR names the driver's Token only by ``auth_id`` (mod_sessions.md 3.1
Session object, mod_cdrs.md 3.1 CDR object: "Reference to a token, identified by the auth_id
field of the Token"), which is 2.2.1's ``Token.contract_id``; the stored 2.2.1 shape needs the
whole ``cdr_token`` (mod_sessions, CdrToken: ``uid``, ``type``, ``contract_id`` and the Token's
party). On our eMSP side the Token is one of ours: the store keeps every Token's folded
``contract_id`` in an indexed column (``ocpi_objects.contract_id``, filled by
:func:`contract_of` on every Token write), so one query finds the Tokens a page names.

A contract_id is not unique among Tokens (several Tokens, an RFID card and an app, may carry
one contract): where several of ours match, the most recently updated is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from openroam._services.object_specs import ModuleSpec
from openroam._services.platform import Platform
from openroam._store.db import Database
from openroam._store.token_lookup import find_own_tokens_by_contract
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "contract_key",
    "contract_of",
    "own_token_by_contract",
    "own_token_parties",
    "own_tokens_by_contract",
]

Doc = dict[str, Any]


def contract_of(spec: ModuleSpec, document: Mapping[str, Any]) -> str | None:
    """The value the store keeps (folded) in ``ocpi_objects.contract_id``: a Token's
    ``contract_id``, None for other modules."""
    if spec.contract_field is None:
        return None
    value = document.get(spec.contract_field)
    return value if isinstance(value, str) else None


def contract_key(contract_id: str) -> str:
    """The key :func:`own_tokens_by_contract` answers by (a CiString matches case-insensitively)."""
    return fold_id(contract_id)


def own_token_parties(platform: Platform) -> list[tuple[str, str]]:
    """Our parties whose Tokens a partner's Sessions and CDRs name: the eMSP parties."""
    return [(p.country_code, p.party_id) for p in platform.parties if p.role == Role.EMSP]


async def own_tokens_by_contract(
    db: Database, parties: Sequence[tuple[str, str]], contract_ids: Iterable[str]
) -> dict[str, Doc]:
    """Our own Tokens (2.2.1 documents) of ``parties`` with these contract_ids, keyed by
    :func:`contract_key`, in one query; a contract_id without a Token is absent. Several
    Tokens of one contract_id: the most recently updated."""
    # Only what a contract_id can be (CiString(36): printable ASCII): a partner's text is
    # never sent to the database otherwise (a NUL, say, which PostgreSQL refuses).
    wanted = [value for value in contract_ids if _could_be_contract(value)]
    if not wanted or not parties:
        return {}
    async with db.session() as session:
        found = await find_own_tokens_by_contract(session, parties, wanted)
    return {key: orjson.loads(stored.document) for key, stored in found.items()}


def _could_be_contract(value: str) -> bool:
    return len(value) <= _CONTRACT_ID_LIMIT and value.isascii() and value.isprintable()


#: mod_tokens "Token object": contract_id is a CiString(36).
_CONTRACT_ID_LIMIT = 36


async def own_token_by_contract(
    db: Database, parties: Sequence[tuple[str, str]], contract_id: str
) -> Doc | None:
    """Our own Token (2.2.1 document) of ``parties`` with this contract_id, None if there is
    none; several: the most recently updated."""
    found = await own_tokens_by_contract(db, parties, [contract_id])
    return found.get(contract_key(contract_id))
