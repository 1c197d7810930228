"""OCPI 2.2.1 types.asciidoc: the classes and enums shared by every module."""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import Number, OcpiModel, String2, String512

__all__ = ["DisplayText", "Price", "Role"]


class DisplayText(OcpiModel):
    """types.asciidoc "DisplayText": text in one language, no markup."""

    language: String2
    """Language Code ISO 639-1."""
    text: String512
    """Text to be displayed to an end user. No markup, html etc. allowed."""


class Price(OcpiModel):
    """types.asciidoc "Price": a price or cost, excluding and optionally including VAT."""

    excl_vat: Number
    incl_vat: Number | None = None


class Role(StrEnum):
    """types.asciidoc "Role"."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"
