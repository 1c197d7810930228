"""openroam: an OCPI platform — typed models, server, client and tariff engine.

The library surface is listed in ``__all__``; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
