"""Shared building blocks of every OCPI version's models.

Each OCPI primitive is defined here once, as a named ``Annotated`` alias, so that the
per-version model files read like the spec tables (``id: CiString36``, ``price: Number``).

* :class:`OcpiModel` — the base of every OCPI object: unknown fields are kept and written back
  (hubs forward fields they do not know, OCPI 2.3.0 "Non-specified JSON fields"), absent optional
  fields are not written as ``null``.
* ``DateTime`` — RFC 3339 in UTC (OCPI 2.2.1 types.asciidoc "DateTime").
* ``CiString<n>`` — case-insensitive printable ASCII of at most *n* characters; :func:`fold_id`
  gives the key under which such an id is stored and compared.
* ``String<n>`` — printable UTF-8 of at most *n* characters, no CR, LF or TAB.
* ``Number`` — a JSON number held as :class:`decimal.Decimal`, never a float.
* :class:`OcpiResponse` — the response envelope (transport_and_format.asciidoc "Response format").
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any, Generic, Self, TypeVar

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    create_model,
)
from pydantic_core import PydanticCustomError

from openroam.models._lenient import DATETIME_ERROR, respell
from openroam.models._lenient import describe as describe_deviation

__all__ = [
    "URL",
    "CiString",
    "CiString2",
    "CiString3",
    "CiString4",
    "CiString5",
    "CiString20",
    "CiString25",
    "CiString32",
    "CiString36",
    "CiString39",
    "CiString48",
    "CiString255",
    "DateTime",
    "Int",
    "Number",
    "OcpiModel",
    "OcpiResponse",
    "StatusCode",
    "String",
    "String2",
    "String3",
    "String4",
    "String5",
    "String10",
    "String16",
    "String20",
    "String25",
    "String45",
    "String50",
    "String64",
    "String100",
    "String255",
    "String512",
    "String5000",
    "fold_id",
    "format_datetime",
    "parse_datetime",
    "patch_model",
]


class OcpiModel(BaseModel):
    """Base of every OCPI object.

    * Field names are the JSON names (OCPI is snake_case), so no aliases are needed.
    * Unknown fields are accepted and preserved: ``model_dump`` and :meth:`to_json` write them
      back unchanged. OCPI 2.2.1 has no rule on extra fields; 2.3.0 forbids rejecting them,
      and a hub must forward what it does not understand.
    * Values are validated strictly: a number sent as a string, or a string sent as a number,
      is an error, because the spec defines the JSON type of every field.
    * Optional fields left out stay out: serialisation drops ``None`` (no ``null`` noise).
    """

    model_config = ConfigDict(
        extra="allow",
        strict=True,
        frozen=False,
        validate_default=False,
        use_enum_values=False,
        ser_json_timedelta="float",
    )

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-ready Python data, without ``None`` fields."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        """The object as compact JSON bytes, without ``None`` fields."""
        data = self.to_dict()
        try:
            return orjson.dumps(data)
        except TypeError:
            # orjson writes integers of at most 64 bits; JSON itself has no limit.
            return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        """Parse and validate JSON text into this model."""
        return cls.model_validate_json(data)


# --- identifiers and strings ---------------------------------------------------------------

# types.asciidoc "CiString": printable ASCII only, no CR, LF, TAB.
_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"
# types.asciidoc "string": printable UTF-8, no CR, LF, TAB (no control characters at all).
_PRINTABLE_UTF8 = r"^[^\x00-\x1F\x7F]*$"


def fold_id(value: str) -> str:
    """The comparison key of a CiString: ``fold_id("loc1") == fold_id("LOC1")``.

    CiStrings are case-insensitive (types.asciidoc "CiString"), so every store and lookup of an
    OCPI id goes through this function. CiStrings are ASCII, so ``str.upper`` is exact.
    """
    return value.upper()


def _ci(max_length: int) -> StringConstraints:
    return StringConstraints(max_length=max_length, pattern=_PRINTABLE_ASCII)


def _str(max_length: int | None) -> StringConstraints:
    return StringConstraints(max_length=max_length, pattern=_PRINTABLE_UTF8)


CiString = Annotated[str, StringConstraints(pattern=_PRINTABLE_ASCII)]
"""CiString without a length limit."""
CiString2 = Annotated[str, _ci(2)]
CiString3 = Annotated[str, _ci(3)]
CiString4 = Annotated[str, _ci(4)]
CiString5 = Annotated[str, _ci(5)]
CiString20 = Annotated[str, _ci(20)]
CiString25 = Annotated[str, _ci(25)]
CiString32 = Annotated[str, _ci(32)]
CiString36 = Annotated[str, _ci(36)]
CiString39 = Annotated[str, _ci(39)]
CiString48 = Annotated[str, _ci(48)]
CiString255 = Annotated[str, _ci(255)]

String = Annotated[str, _str(None)]
"""string without a length limit."""
String2 = Annotated[str, _str(2)]
String3 = Annotated[str, _str(3)]
String4 = Annotated[str, _str(4)]
String5 = Annotated[str, _str(5)]
String10 = Annotated[str, _str(10)]
String16 = Annotated[str, _str(16)]
String20 = Annotated[str, _str(20)]
String25 = Annotated[str, _str(25)]
String45 = Annotated[str, _str(45)]
String50 = Annotated[str, _str(50)]
String64 = Annotated[str, _str(64)]
String100 = Annotated[str, _str(100)]
String255 = Annotated[str, _str(255)]
String512 = Annotated[str, _str(512)]
String5000 = Annotated[str, _str(5000)]

URL = Annotated[str, _str(255)]
"""types.asciidoc "URL": a string(255) following the W3C URI spec."""

# --- DateTime --------------------------------------------------------------------------------

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$",
    re.ASCII,  # digits are 0-9 only, not every Unicode digit
)


#: Parsed and formatted DateTimes, reused: a Location carries ~9 of them, often equal, and a pull
#: of 100,000 Locations would otherwise parse each one anew. Bounded: emptied when full.
_PARSED: dict[str, datetime] = {}
_FORMATTED: dict[datetime, str] = {}
_CACHE_SIZE = 4096


def parse_datetime(value: object) -> datetime:
    """Parse an OCPI DateTime into an aware UTC ``datetime``.

    Accepted (types.asciidoc "DateTime"): ``2015-06-29T20:39:09Z``, the same without ``Z``
    (no designator means UTC), and fractional seconds in both forms; nothing else: an offset,
    even ``+00:00`` ("+00:00 is not the same as UTC"), or a space for the ``T`` is an error
    whose message names the deviation (``models._lenient``: what lenient reading repairs).
    Python ``datetime`` values are accepted too: naive ones are taken as UTC, aware ones are
    converted to UTC. Errors are ``PydanticCustomError`` of type ``ocpi_datetime`` (a
    ``ValueError``), so lenient reading finds the DateTime fields among a validation's errors.
    """
    if isinstance(value, str):
        parsed = _PARSED.get(value)
        if parsed is None:
            parsed = _parse_text(value)
            if len(_PARSED) >= _CACHE_SIZE:
                _PARSED.clear()
            _PARSED[value] = parsed
        return parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    raise _datetime_error("a DateTime must be a string like 2015-06-29T20:39:09Z")


def _datetime_error(message: str) -> PydanticCustomError:
    # The message goes in as context: it quotes the value, which may hold braces.
    return PydanticCustomError(DATETIME_ERROR, "{reason}", {"reason": message})


def _is_plain_utc(value: str) -> bool:
    """Whether ``value`` has exactly the shape OCPI produces: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return (
        len(value) == 20
        and value[19] == "Z"
        and value[10] == "T"
        and value[4] == value[7] == "-"
        and value[13] == value[16] == ":"
        and value.isascii()
        and (
            value[:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:19]
        ).isdigit()
    )


def _parse_text(value: str) -> datetime:
    if _is_plain_utc(value):
        # The common shape, checked above character by character; fromisoformat (C) then
        # only checks the ranges (month 13 and the like are still errors).
        try:
            return datetime.fromisoformat(value)
        except ValueError as error:
            raise _datetime_error(f"{value!r} is not a valid date and time: {error}") from None
    match = _DATETIME_RE.match(value)
    zone = match.group(8) if match is not None else None
    if match is None or zone not in (None, "Z"):
        deviation = describe_deviation(value)
        if (deviation is not None and match is None) or (zone is not None and zone[1:] == "00:00"):
            # a space for the T, or +00:00: named, so a partner knows what to change
            raise _datetime_error(f"{value!r} is not an OCPI DateTime ({deviation})")
        if match is None:
            raise _datetime_error(
                f"{value!r} is not an OCPI DateTime (RFC 3339 in UTC, like 2015-06-29T20:39:09Z)"
            )
        raise _datetime_error(
            f"{value!r} has the offset {zone}: OCPI DateTimes SHALL be in UTC "
            "(write 'Z' or no designator)"
        )
    fraction = match.group(7) or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError as error:
        raise _datetime_error(f"{value!r} is not a valid date and time: {error}") from None


def format_datetime(value: datetime) -> str:
    """Format as OCPI produces DateTimes: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds."""
    text = _FORMATTED.get(value)
    if text is None:
        v = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # Not strftime: "%Y" drops the leading zeros of years before 1000 on glibc.
        text = f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"
        if len(_FORMATTED) >= _CACHE_SIZE:
            _FORMATTED.clear()
        _FORMATTED[value] = text
    return text


DateTime = Annotated[
    datetime,
    BeforeValidator(parse_datetime),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]
"""types.asciidoc "DateTime": RFC 3339, always UTC; produced as ``YYYY-MM-DDTHH:MM:SSZ``."""


def _parse_tolerantly(value: object) -> datetime:
    if isinstance(value, str) and not _is_plain_utc(value):
        respelled = respell(value)
        if respelled is not None:
            value = respelled[0]
    return parse_datetime(value)


#: A DateTime read with the deviations lenient reading repairs (``models._lenient``) accepted
#: from everybody, uncounted: for the response envelope's ``timestamp`` only, which is never
#: stored nor passed on, and whose refusal would refuse a partner's every answer, registration
#: included, before any reading policy could apply.
TolerantDateTime = Annotated[
    datetime,
    BeforeValidator(_parse_tolerantly),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]

# --- numbers ---------------------------------------------------------------------------------


def _decimal_to_json(value: Decimal) -> int | float:
    # JSON has one number type. A float's repr is the shortest text that reads back as the
    # same float, so every OCPI number (4 decimals, well under 15 significant digits) is
    # written exactly as the Decimal holds it.
    if value == value.to_integral_value() and _INT64_MIN <= value <= _INT64_MAX:
        return int(value)
    return float(value)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _number_from_json(value: object) -> object:
    # Strict mode rejects floats for Decimal; a JSON number arrives as int or float.
    if isinstance(value, bool):
        raise ValueError("a number must be a JSON number, not a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        raise ValueError(f"a number must be a JSON number, not the string {value!r}")
    return value


Number = Annotated[
    Decimal,
    BeforeValidator(_number_from_json),
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_to_json, return_type=int | float, when_used="json"),
]
"""types.asciidoc "number": a JSON number, held as ``Decimal`` so no float arithmetic touches
money or energy."""

Int = int
"""types.asciidoc "int": a JSON integer (strict: ``5.0`` and ``"5"`` are rejected)."""

# --- response envelope -----------------------------------------------------------------------

DataT = TypeVar("DataT")


class OcpiResponse(OcpiModel, Generic[DataT]):
    """transport_and_format.asciidoc "Response format": the envelope of every OCPI answer.

    ``data`` is an array for list answers and an object for single-object answers. When
    ``status_code`` is not 1xxx, ``data`` is unspecified; where the spec does not define what goes
    into ``data`` the sender leaves it out and a receiver accepts anything.
    """

    data: DataT | None = None
    status_code: Annotated[int, Field(ge=1000, le=9999)]
    status_message: String | None = None
    #: read tolerantly: see :data:`TolerantDateTime`
    timestamp: TolerantDateTime


class StatusCode(IntEnum):
    """status_codes.asciidoc: the OCPI status codes every standard module may use."""

    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_OR_MISSING_PARAMETERS = 2001
    NOT_ENOUGH_INFORMATION = 2002
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004
    SERVER_ERROR = 3000
    UNABLE_TO_USE_CLIENT_API = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003
    HUB_ERROR = 4000
    UNKNOWN_RECEIVER = 4001
    TIMEOUT_ON_FORWARDED_REQUEST = 4002
    CONNECTION_PROBLEM = 4003


def patch_model(
    model: type[OcpiModel], name: str, *, required: tuple[str, ...] = ("last_updated",)
) -> type[OcpiModel]:
    """A model for PATCH bodies of ``model``: every field optional except ``required``.

    transport_and_format.asciidoc "PATCH": a PATCH holds only the fields to update. In
    Locations, Sessions and Tokens every PATCH SHALL contain ``last_updated``; a PATCH without
    it is the spec's own example of status 2001. Field types and limits stay those of
    ``model``, so a value in a PATCH is validated exactly as in a PUT.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = info.annotation
        metadata = list(info.metadata)
        annotated: Any = Annotated[(annotation, *metadata)] if metadata else annotation
        if field_name in required:
            fields[field_name] = (annotated, ...)
        else:
            fields[field_name] = (annotated | None, None)
    patch = create_model(name, __base__=OcpiModel, __module__=model.__module__, **fields)
    patch.__doc__ = f"A PATCH body for {model.__name__}: only the fields to update."
    return patch
