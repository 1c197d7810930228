"""Changing stored OCPI documents: put or patch an object or one of its sub-objects.

Documents are the JSON of whole top-level objects (a Location with its EVSEs and Connectors). A PUT
or PATCH addressed to an EVSE or Connector URL changes that part of its Location's document and
moves the parents' ``last_updated`` to the child's (mod_locations "PUT"/"PATCH": the Receiver SHALL
set the new ``last_updated`` on the parent EVSE and Location) — never backwards: a parent's
``last_updated`` is when it or one of its children was last updated (mod_locations "Location
Object", "EVSE Object"), so a child stamped older than its parent leaves the parent's as it is
(docs/spec-decisions.md "A parent's last_updated after an older child update").

The ids a body carries are those of its URL (:func:`check_ids`): an object's identity never
changes by a PUT or PATCH.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openroam._services.object_specs import ModuleSpec
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.common import fold_id, parse_datetime

__all__ = ["ObjectPath", "check_ids", "locate", "patch_at", "put_at", "timestamp_of", "url_ids"]

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectPath:
    """Where an object lives: its owner, its id, the ids of a sub-object, and a Token's type."""

    country_code: str
    party_id: str
    object_id: str
    sub_ids: tuple[str, ...] = ()
    object_type: str = ""

    def suffix(self) -> str:
        """The part of a receiver URL after the module endpoint."""
        parts = [self.country_code, self.party_id, self.object_id, *self.sub_ids]
        query = f"?type={self.object_type}" if self.object_type else ""
        return "/".join(parts) + query

    @property
    def top(self) -> ObjectPath:
        return ObjectPath(self.country_code, self.party_id, self.object_id, (), self.object_type)


def timestamp_of(document: Doc) -> datetime | None:
    value = document.get("last_updated")
    return parse_datetime(value) if value is not None else None


def _index(items: list[Doc], id_field: str, wanted: str) -> int | None:
    key = fold_id(wanted)
    for index, item in enumerate(items):
        if isinstance(item.get(id_field), str) and fold_id(item[id_field]) == key:
            return index
    return None


def _chain(document: Doc, spec: ModuleSpec, sub_ids: tuple[str, ...]) -> list[Doc] | None:
    """The objects from the top down to the addressed one, or None if one is missing."""
    chain = [document]
    for level, wanted in zip(spec.levels[1:], sub_ids, strict=False):
        assert level.list_field is not None
        children = chain[-1].get(level.list_field) or []
        index = _index(children, level.id_field, wanted)
        if index is None:
            return None
        chain.append(children[index])
    return chain


def locate(document: Doc, spec: ModuleSpec, sub_ids: tuple[str, ...]) -> Doc | None:
    """The sub-object at ``sub_ids`` inside ``document`` (the document itself for ``()``)."""
    chain = _chain(document, spec, sub_ids)
    return chain[-1] if chain is not None else None


def url_ids(spec: ModuleSpec, path: ObjectPath) -> list[tuple[str, str]]:
    """The fields of a body addressed to ``path`` that its URL fixes, with the URL's values:
    the addressed level's id field (a Location's or Session's ``id``, an EVSE's ``uid``, a
    Connector's ``id``, a Token's ``uid``) and, for a top-level object, ``country_code``,
    ``party_id`` and a Token's ``type`` (mod_tokens "Token Object": uid and type identify it)."""
    level = spec.levels[len(path.sub_ids)]
    ids = [(level.id_field, path.sub_ids[-1] if path.sub_ids else path.object_id)]
    if not path.sub_ids:
        ids += [("country_code", path.country_code), ("party_id", path.party_id)]
        if spec.typed:
            ids.append(("type", path.object_type))
    return ids


def check_ids(spec: ModuleSpec, path: ObjectPath, body: Doc, *, whole: bool) -> None:
    """The ids in ``body`` equal those of its URL, compared as CiStrings (types.asciidoc
    "CiString"): every one in a ``whole`` object (a PUT), those present in a PATCH. 2001
    otherwise (transport_and_format "Errors"; docs/spec-decisions.md "Ids in a PATCH body"):
    a body cannot move an object to another owner, id or type."""
    for field, expected in url_ids(spec, path):
        if not whole and field not in body:
            continue
        value = body.get(field)
        if not isinstance(value, str) or fold_id(value) != fold_id(expected):
            raise InvalidOrMissingParameters(f"{field} in the body differs from the URL")


def _later(first: Any, second: Any) -> bool:
    """Whether DateTime text ``first`` names a later instant than ``second`` (either may be
    missing: a missing one is never later, and anything is later than a missing one)."""
    if first is None:
        return False
    if second is None:
        return True
    return bool(parse_datetime(first) > parse_datetime(second))


def _propagate(chain: list[Doc]) -> None:
    """Each parent in ``chain`` (top first) takes the later of its own ``last_updated`` and its
    child's: a child written with an older one leaves its parents as they are."""
    for parent, child in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
        if _later(child.get("last_updated"), parent.get("last_updated")):
            parent["last_updated"] = child["last_updated"]


def put_at(document: Doc | None, spec: ModuleSpec, path: ObjectPath, new: Doc) -> Doc:
    """The top-level document after a PUT of ``new`` at ``path``.

    A PUT of a whole object replaces it. A PUT of an EVSE or Connector replaces the one with
    that id or adds it (mod_locations "add an EVSE"); its parents must exist.
    """
    if not path.sub_ids:
        return new
    if document is None:
        raise NotFound(f"Unknown {spec.module} object {path.object_id}: PUT it first")
    parent_chain = _chain(document, spec, path.sub_ids[:-1])
    if parent_chain is None:
        raise NotFound(f"Unknown parent of {'/'.join(path.sub_ids)}: PUT it first")
    level = spec.levels[len(path.sub_ids)]
    assert level.list_field is not None
    children: list[Doc] = parent_chain[-1].setdefault(level.list_field, [])
    index = _index(children, level.id_field, path.sub_ids[-1])
    if index is None:
        children.append(new)
    else:
        children[index] = new
    _propagate([*parent_chain, new])
    return document


def patch_at(
    document: Doc, spec: ModuleSpec, path: ObjectPath, fields: Doc, *, repeat: bool = False
) -> Doc:
    """The top-level document after a PATCH of ``fields`` at ``path``: only those fields change.

    The caller has checked the body's ids (:func:`check_ids`). The module's ``append_fields``
    are appended to, not replaced (mod_sessions "PATCH Method": a PATCH with charging_periods
    adds them; an empty list changes nothing). With ``repeat`` (the PATCH carries the stored
    ``last_updated``) periods that already end the stored list are not added again: that PATCH
    is a sender's retry after a lost answer, and appending twice would count the energy twice.
    """
    chain = _chain(document, spec, path.sub_ids)
    if chain is None:
        raise NotFound(f"Unknown object {path.suffix()}: PUT it first")
    target = chain[-1]
    if not path.sub_ids:
        fields = dict(fields)
        for name in spec.append_fields:
            if name in fields:
                stored, added = list(target.get(name) or []), list(fields.pop(name) or [])
                if repeat and added and stored[-len(added) :] == added:
                    added = []
                appended = [*stored, *added]
                if appended or name in target:
                    fields[name] = appended
    target.update(fields)
    _propagate(chain)
    return document
