"""The fields background workers put on a log record about a partner, besides naming it in the
message text: ``partner`` (the partner's name, never its numeric id) and ``ocpi_module`` (the
OCPI module). A structured (JSON) log formatter writes them as fields.

``module`` itself cannot be used: it is a standard ``LogRecord`` attribute (the Python module
that logged), and ``logging`` refuses an ``extra`` that would overwrite one.
"""

from __future__ import annotations

__all__ = ["MODULE_FIELD", "PARTNER_FIELD", "log_fields"]

PARTNER_FIELD = "partner"
MODULE_FIELD = "ocpi_module"


def log_fields(partner: str | None, module: str | None = None) -> dict[str, str]:
    """``extra`` for a log record about ``partner`` (a name) and, if given, one module."""
    fields = {PARTNER_FIELD: partner} if partner is not None else {}
    if module is not None:
        fields[MODULE_FIELD] = str(module)  # a ModuleID member is written as its value
    return fields
