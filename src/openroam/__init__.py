"""openroam: an OCPI platform — typed models, server, client and tariff engine.

The library surface is listed in ``__all__``; everything else is internal::

    from openroam import v221, OcpiResponse, OcpiError
    location = v221.Location.from_json(body)
"""

from __future__ import annotations

from openroam.errors import OcpiError, error_for_status_code
from openroam.models import v221
from openroam.models.common import OcpiModel, OcpiResponse, StatusCode, fold_id

__version__ = "0.1.0"

__all__ = [
    "OcpiError",
    "OcpiModel",
    "OcpiResponse",
    "StatusCode",
    "__version__",
    "error_for_status_code",
    "fold_id",
    "v221",
]
