"""OCPI 2.1.1 types.md, and the classes every 2.1.1 module shares.

2.1.1's ``string`` is "Case Sensitive String. Only printable ASCII allowed" (types.md 1.5), so
every string type here is printable ASCII, where 2.2.1's are UTF-8. ``CiString``, ``DateTime``
(types.md 1.2: ISO 8601, UTC, designator optional, "+00:00 is not the same as UTC"), ``number``
and ``URL`` are read as in 2.2.1 (:mod:`openroam.models.common`).

BusinessDetails and Image are defined in mod_locations.md (4.1, 4.14) but used by credentials.md
too; they live here so every chapter module imports them from one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from openroam.models.common import Int, OcpiModel

__all__ = [
    "URL",
    "BusinessDetails",
    "DisplayText",
    "Image",
    "ImageCategory",
    "String",
    "String2",
    "String3",
    "String4",
    "String5",
    "String10",
    "String15",
    "String16",
    "String20",
    "String32",
    "String36",
    "String39",
    "String40",
    "String45",
    "String48",
    "String50",
    "String64",
    "String100",
    "String255",
    "String512",
]

# types.md 1.5 "string type": printable ASCII (no control characters).
_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"


def _ascii(max_length: int | None) -> StringConstraints:
    return StringConstraints(max_length=max_length, pattern=_PRINTABLE_ASCII)


String = Annotated[str, _ascii(None)]
"""string without a length limit."""
String2 = Annotated[str, _ascii(2)]
String3 = Annotated[str, _ascii(3)]
String4 = Annotated[str, _ascii(4)]
String5 = Annotated[str, _ascii(5)]
String10 = Annotated[str, _ascii(10)]
String15 = Annotated[str, _ascii(15)]
String16 = Annotated[str, _ascii(16)]
String20 = Annotated[str, _ascii(20)]
String32 = Annotated[str, _ascii(32)]
String36 = Annotated[str, _ascii(36)]
String39 = Annotated[str, _ascii(39)]
String40 = Annotated[str, _ascii(40)]
String45 = Annotated[str, _ascii(45)]
String48 = Annotated[str, _ascii(48)]
String50 = Annotated[str, _ascii(50)]
String64 = Annotated[str, _ascii(64)]
String100 = Annotated[str, _ascii(100)]
String255 = Annotated[str, _ascii(255)]
String512 = Annotated[str, _ascii(512)]

URL = String255
"""types.md 1.6 "URL type": a string(255) following the w3.org URI spec."""


class DisplayText(OcpiModel):
    """types.md 1.3 "DisplayText class"."""

    language: String2
    """Language Code ISO 639-1."""
    text: String512
    """Text to be displayed to a end user. No markup, html etc. allowed."""


class ImageCategory(StrEnum):
    """mod_locations.md 4.15 "ImageCategory enum"."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class Image(OcpiModel):
    """mod_locations.md 4.14 "Image class"."""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: Annotated[str, _ascii(4)]
    width: Annotated[Int, Field(ge=0, le=99999)] | None = None
    height: Annotated[Int, Field(ge=0, le=99999)] | None = None


class BusinessDetails(OcpiModel):
    """mod_locations.md 4.1 "BusinessDetails class"."""

    name: String100
    website: URL | None = None
    logo: Image | None = None
