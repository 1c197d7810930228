"""Converters between the stored OCPI 2.2.1 shape and OCPI 2.1.1, one module per OCPI module.

openroam stores every object in its 2.2.1 shape; a 2.1.1 partner's objects are converted where
they enter (the 2.1.1 routes, a pull from a 2.1.1 partner) and ours where they leave (a 2.1.1
Sender page, a push to a 2.1.1 partner). Nothing else knows 2.1.1.

Every converter works on JSON documents (``Doc``: the ``dict`` that ``orjson.loads`` gives) that
are valid by their version's models, and returns one valid by the other version's models. What
one version cannot carry is named in each module's docstring ("Lost from 2.2.1", "Filled in for
2.2.1") and in docs/versions.md.

Per object module (``locations``, ``tariffs``, ``tokens``, ``sessions``, ``cdrs``) one
:class:`ObjectConverter` in :data:`CONVERTERS`. ``depth`` is the level the document is at (0 the
object; for Locations 1 an EVSE, 2 a Connector), as in ``_services/object_specs.py``.
"""

from __future__ import annotations

from openroam._convert._context import Context, Doc, ObjectConverter, Owner, Related

__all__ = ["Context", "Doc", "ObjectConverter", "Owner", "Related"]
