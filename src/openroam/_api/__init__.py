"""The internal API for the party's own backend: REST under ``/api/`` (:func:`include_api`, admin
token) and the same operations in Python (:class:`Backend`). See docs/backend-api.md."""

from __future__ import annotations

from openroam._api.internal import api_router, include_api
from openroam._api.python import Backend, Listing

__all__ = ["Backend", "Listing", "api_router", "include_api"]
