"""Which OCPI version a partner speaks, and what that changes in what we send to it and read
from it: the one place that looks at ``PartnerRecord.version``.

Objects are stored in their 2.2.1 shape. For a 2.2.1 partner the :class:`Dialect` passes
everything through unchanged (and without decoding: a stored document goes out as its bytes).
For a 2.1.1 partner, :class:`V211Dialect` converts at the edge with :mod:`openroam._convert`:

* what we push (PUT, PATCH, POST of a CDR) is converted to 2.1.1 and validated by the 2.1.1
  models before it is sent; a Session or CDR embeds its Location in 2.1.1 (mod_sessions.md 3.1
  "Session Object", mod_cdrs.md 3.1 "CDR Object": ``location``), a CDR its Tariffs
  (``tariffs``), so these are passed in as :class:`Related`. What 2.1.1 cannot express raises
  :class:`Unconvertible`: the delivery is refused for good, with the reason. So does a Location
  that is not published: 2.1.1 has no ``publish`` (mod_locations.md 3.1), a 2.1.1 partner would
  show it to everyone;
* the Tokens Receiver URL has no ``?type=`` (mod_tokens.md 2.1 "CPO Interface":
  ``{tokens}/{country_code}/{party_id}/{token_uid}``);
* what we pull is read by the 2.1.1 models (strictly; a lenient partner's DateTimes are
  repaired as for 2.2.1, ``_services/reading.py``) and converted to 2.2.1 before it is stored,
  with the :class:`Context` of the partner (:func:`pull_context`). ``date_from`` means "after"
  in 2.1.1 (mod_locations.md 2.1.1 "GET Method" and alike), where 2.2.1 reads it as "at or
  after": the window starts one second before the watermark, so an object changed in the
  watermark's own second (stored in whole seconds) is read again rather than missed. The
  2.1.1 Sessions GET requires ``date_from`` (mod_sessions.md 2.1.1 "GET Method"), so a full pull
  sends the earliest DateTime A pulled Session or CDR names its Token by ``auth_id``
  (mod_sessions.md 3.1, mod_cdrs.md 3.1), our Token's ``contract_id``: before a page is
  converted, :meth:`Dialect.tokens_named` finds the page's Tokens in one query, so the stored
  ``cdr_token`` carries the Token's ``uid`` and ``type`` (else ``uid`` = ``auth_id``, ``type``
  OTHER);
* a command is sent as 2.1.1 (no CANCEL_RESERVATION in mod_commands.md 4.2 "CommandType enum"),
  its synchronous 2.1.1 CommandResponse read, and its result awaited at our 2.1.1 eMSP
  Commands endpoint; a result we POST as a CPO is the 2.1.1 CommandResponse
  (mod_commands.md 2.2.1 "POST Method");
* real-time authorization sends the 2.1.1 LocationReferences and reads the 2.1.1
  AuthorizationInfo (mod_tokens.md 2.2.2 "POST Method", 3.1), which has no ``token``: it is
  filled from the Token we hold;
* no ``OCPI-to``/``OCPI-from`` routing headers (2.1.1 has none, transport_and_format.md
  "Request format").
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from openroam._convert import MODULES, Context, Doc, ObjectConverter, Owner, Related, Unconvertible
from openroam._convert import commands as convert_commands
from openroam._convert import tokens as convert_tokens
from openroam._convert.locations import publishable_in_v211
from openroam._services import reading
from openroam._services.commands import SENDER_PATH, V211_SENDER_PATH, CommandApi
from openroam._services.object_specs import SPECS
from openroam._services.platform import Platform
from openroam._store import repositories as repo
from openroam.errors import PartnerRequestError
from openroam.models import v211
from openroam.models._lenient import Respelled
from openroam.models._validation import problems
from openroam.models.common import OcpiModel, fold_id, format_datetime
from openroam.models.v211.commands import COMMAND_OBJECTS
from openroam.models.v221.commands import CommandResponse, CommandType
from openroam.models.v221.tokens import AllowedType, AuthorizationInfo, LocationReferences
from openroam.models.v221.types import Role
from openroam.models.v221.versions import ModuleID

__all__ = [
    "AuthorizeCalls",
    "Dialect",
    "IncomingPage",
    "RelatedLoader",
    "TokenLookup",
    "Unconvertible",
    "V211Dialect",
    "dialect_of",
    "pull_context",
]

#: The earliest DateTime, for a 2.1.1 GET that requires ``date_from`` (Sessions).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


RelatedLoader = Callable[[str, Doc], Awaitable[Related]]
"""``load(module, document)``: the stored documents a conversion of ``document`` needs."""

TokenLookup = Callable[[list[str]], Awaitable[Mapping[str, Doc]]]
"""``lookup(contract_ids)``: our own Tokens with these contract_ids, in one query, keyed by the
folded contract_id (``services.token_contracts.own_tokens_by_contract``)."""


class AuthorizeCalls(Protocol):
    """The authorization calls a dialect makes (``client.OcpiClient``)."""

    async def authorize_token(
        self,
        endpoint: str,
        uid: str,
        token_type: str,
        location: LocationReferences | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> AuthorizationInfo: ...

    async def authorize_token_data(
        self, endpoint: str, uid: str, token_type: str, body: bytes | None = None
    ) -> Any: ...


@dataclass(slots=True)
class IncomingPage:
    """Pulled objects ready for ``store_pulled`` (2.2.1 JSON data or models), and those that
    could not be read or converted, with the reasons."""

    items: Sequence[Any]
    invalid: list[tuple[str, str]] = field(default_factory=list)
    respelled: list[Respelled] = field(default_factory=list)


class Dialect:
    """OCPI 2.2.1, the stored shape: nothing is converted."""

    version = "2.2.1"
    #: the Sessions Sender's ``PUT {session_id}/charging_preferences`` exists (mod_sessions
    #: "Set: Charging Preferences")
    charging_preferences = True

    def receiver_path(self, module: str, path: str) -> str:
        """The object path of a delivery (``{cc}/{party}/{id}[/…][?type=…]``) as this version
        addresses it on a Receiver interface."""
        return path

    async def outgoing(
        self,
        module: str,
        body: bytes,
        *,
        depth: int = 0,
        patch: bool = False,
        related: RelatedLoader | None = None,
    ) -> bytes:
        """A stored object (or EVSE, Connector at ``depth``), or a PATCH body, as sent."""
        return body

    def pull_params(self, module: str, watermark: datetime | None) -> dict[str, str]:
        """The query of a pull: everything (no watermark) or what changed since it
        (mod_locations "GET Method": ``date_from`` inclusive)."""
        return {} if watermark is None else {"date_from": format_datetime(watermark)}

    def page_model(self, module: str) -> type[OcpiModel] | None:
        """The model a pulled page is read as on the way (one pass), if any."""
        return SPECS[ModuleID(module)].top.model

    async def tokens_named(
        self, module: str, items: Sequence[Any], lookup: TokenLookup
    ) -> Mapping[str, Doc]:
        """The own Tokens a pulled page's objects name in a way :meth:`incoming` must resolve,
        keyed by the folded contract_id: none in 2.2.1 (a ``cdr_token`` is whole)."""
        return {}

    def incoming(
        self,
        module: str,
        items: Sequence[Any],
        context: Context,
        *,
        lenient: bool,
        tokens: Mapping[str, Doc] | None = None,
    ) -> IncomingPage:
        """A pulled page's objects as 2.2.1 (``store_pulled`` validates them); ``tokens``:
        what :meth:`tokens_named` found for the page."""
        return IncomingPage(items)

    def routing_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """The OCPI-to/from headers to send (transport_and_format "Message Routing")."""
        return headers

    def results_path(self) -> str:
        """The path under our public URL where the results of our commands arrive."""
        return SENDER_PATH  # our Commands Sender interface

    def command(self, kind: CommandType, request: bytes) -> bytes:
        """A (2.2.1) command object as it is sent; :class:`Unconvertible` when it cannot be."""
        return request

    async def post_command(
        self,
        api: CommandApi,
        url: str,
        command: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> CommandResponse:
        """POST a command (as :meth:`command` wrote it) with these routing ``headers`` (after
        :meth:`routing_headers`); the CPO's synchronous answer as a 2.2.1 CommandResponse."""
        return await api.post_command(url, command, headers=headers)

    def command_result(self, result: bytes) -> bytes:
        """A stored (2.2.1) CommandResult as POSTed to the eMSP's ``response_url``."""
        return result

    async def authorize(
        self,
        api: AuthorizeCalls,
        endpoint: str,
        uid: str,
        token_type: str,
        location: LocationReferences | None,
        *,
        headers: Mapping[str, str],
        token: Doc | None,
        owner: tuple[str, str] | None,
        issuer: str,
    ) -> AuthorizationInfo:
        """POST ``{tokens}/{uid}/authorize``; the eMSP's answer as a 2.2.1 AuthorizationInfo.

        For a version whose answer does not carry the Token: ``token`` is the copy we hold
        (2.2.1 JSON data), ``None`` when we hold none; then the eMSP's party ``owner`` and
        ``issuer`` (the partner's name) describe it."""
        return await api.authorize_token(endpoint, uid, token_type, location, headers=headers)


#: The 2.1.1 object of each command (mod_commands.md 3.2 to 3.5).
_V211_COMMANDS: dict[str, type[OcpiModel]] = {str(k): v for k, v in COMMAND_OBJECTS.items()}

#: Modules whose 2.1.1 objects embed other objects we store apart (Location, Tariffs).
_WITH_RELATED = frozenset({ModuleID.SESSIONS, ModuleID.CDRS})


def _json(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:
        # orjson writes integers of at most 64 bits; JSON itself has no limit.
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _first_problems(error: ValidationError) -> str:
    return "; ".join(str(problem) for problem in problems(error)[:3])


def _converted(what: str, convert: Callable[[], Doc]) -> Doc:
    """``convert()``, or :class:`Unconvertible` naming ``what`` and why."""
    try:
        return convert()
    except (ValueError, LookupError, TypeError) as error:
        # A converter refuses what the other version cannot express (ValueError); the others
        # are a document it did not expect, refused the same way rather than crashing a loop.
        raise Unconvertible(f"{what}: {error}") from None


def _valid(model: type[OcpiModel], doc: Doc, what: str) -> bytes:
    """``doc`` as JSON bytes once the ``model`` validates it, else :class:`Unconvertible`."""
    text = _json(doc)
    try:
        model.model_validate_json(text)
    except ValidationError as error:
        raise Unconvertible(
            f"{what} is not a valid 2.1.1 {model.__name__}: {_first_problems(error)}"
        ) from None
    return text


class V211Dialect(Dialect):
    """OCPI 2.1.1: see the module docstring."""

    version = "2.1.1"
    # mod_sessions.md 2.1 "CPO Interface": GET only; charging preferences arrived in 2.2.
    charging_preferences = False

    def receiver_path(self, module: str, path: str) -> str:
        # mod_tokens.md 2.1 "CPO Interface": {country_code}/{party_id}/{token_uid}, no type.
        return path.partition("?")[0]

    async def outgoing(
        self,
        module: str,
        body: bytes,
        *,
        depth: int = 0,
        patch: bool = False,
        related: RelatedLoader | None = None,
    ) -> bytes:
        conversion = MODULES[module]
        converter = conversion.converter
        doc = orjson.loads(body)
        what = f"{module} PATCH" if patch else module
        if patch:
            converted = _converted(what, lambda: converter.patch_to_v211(doc, depth))
            return _valid(conversion.patch_models[depth], converted, what)
        if module == ModuleID.LOCATIONS and depth == 0 and not publishable_in_v211(doc):
            # 2.1.1 has no publish: the partner would show it to everyone.
            raise Unconvertible(
                f"Location {doc.get('id')} is not published (publish false); 2.1.1 has no "
                "publish, so it is not sent to a 2.1.1 partner"
            )
        needed = related is not None and module in _WITH_RELATED and depth == 0
        found = await related(module, doc) if needed and related is not None else None
        converted = _converted(what, lambda: converter.to_v211(doc, depth, found))
        return _valid(conversion.models[depth], converted, what)

    def pull_params(self, module: str, watermark: datetime | None) -> dict[str, str]:
        # date_from is "after" in 2.1.1: one second back, as the watermark is whole seconds.
        since = watermark - timedelta(seconds=1) if watermark is not None else None
        if since is None and module == ModuleID.SESSIONS:
            since = _EPOCH  # required by mod_sessions.md 2.1.1 "GET Method"
        return {} if since is None else {"date_from": format_datetime(since)}

    def page_model(self, module: str) -> type[OcpiModel] | None:
        return None  # read object by object as 2.1.1 in ``incoming``

    async def tokens_named(
        self, module: str, items: Sequence[Any], lookup: TokenLookup
    ) -> Mapping[str, Doc]:
        # mod_sessions.md 3.1, mod_cdrs.md 3.1: auth_id names our Token by its contract_id;
        # the whole page's in one look-up.
        if module not in _WITH_RELATED:
            return {}
        named = {
            item["auth_id"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("auth_id"), str)
        }
        return await lookup(sorted(named)) if named else {}

    def incoming(
        self,
        module: str,
        items: Sequence[Any],
        context: Context,
        *,
        lenient: bool,
        tokens: Mapping[str, Doc] | None = None,
    ) -> IncomingPage:
        model = MODULES[module].models[0]
        converter = MODULES[module].converter
        id_field = SPECS[ModuleID(module)].top.id_field
        page = IncomingPage([])
        converted: list[Doc] = []
        for position, item in enumerate(items):
            label = (
                str(item.get(id_field, f"#{position}"))
                if isinstance(item, dict)
                else (f"#{position}")
            )
            try:
                obj, respelled = reading.read_json(model, _json(item), lenient=lenient)
            except ValidationError as error:
                page.invalid.append(
                    (label, f"not a valid 2.1.1 {model.__name__}: {_first_problems(error)}")
                )
                continue
            try:
                converted.append(_from_v211(converter, label, obj, context, tokens or {}))
            except Unconvertible as why:
                page.invalid.append((label, f"cannot be stored as 2.2.1: {why}"))
                continue
            page.respelled += respelled
        page.items = converted
        return page

    def routing_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {}  # 2.1.1 has no message routing

    def results_path(self) -> str:
        return V211_SENDER_PATH  # mod_commands.md 2.2 "eMSP Interface"

    def command(self, kind: CommandType, request: bytes) -> bytes:
        if kind not in _V211_COMMANDS:
            raise Unconvertible(
                f"OCPI 2.1.1 has no {kind} (mod_commands.md 4.2 CommandType enum); the partner "
                "speaks 2.1.1"
            )
        what = f"the {kind} command"
        command = _converted(
            what, lambda: convert_commands.command_to_v211(kind, orjson.loads(request))
        )
        return _valid(_V211_COMMANDS[kind], command, what)

    async def post_command(
        self,
        api: CommandApi,
        url: str,
        command: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> CommandResponse:
        data = await api.post_command_data(url, command, headers=headers)
        answer = _partner_data(f"POST {url}", v211.CommandResponse, data)
        try:
            # 2.1.1 names no timeout: the converter's default is how long we wait for the result.
            response = convert_commands.command_response_from_v211(answer)
            return CommandResponse.model_validate_json(_json(response))
        except (ValueError, KeyError, TypeError) as error:
            raise PartnerRequestError(
                f"POST {url}: the 2.1.1 CommandResponse {data!r} cannot be read as 2.2.1: {error}"
            ) from None

    def command_result(self, result: bytes) -> bytes:
        converted = _converted(
            "CommandResult", lambda: convert_commands.command_result_to_v211(orjson.loads(result))
        )
        return _valid(v211.CommandResponse, converted, "CommandResult")

    async def authorize(
        self,
        api: AuthorizeCalls,
        endpoint: str,
        uid: str,
        token_type: str,
        location: LocationReferences | None,
        *,
        headers: Mapping[str, str],
        token: Doc | None,
        owner: tuple[str, str] | None,
        issuer: str,
    ) -> AuthorizationInfo:
        body = None
        if location is not None:
            references = convert_tokens.location_references_to_v211(location.to_dict())
            body = _valid(v211.LocationReferences, references, "LocationReferences")
        # mod_tokens.md 4.3 TokenType: RFID and OTHER only.
        kind = str(convert_tokens.token_type_to_v211(token_type))
        data = await api.authorize_token_data(endpoint, uid, kind, body)
        what = f"POST {endpoint} authorize"
        answer = _partner_data(what, v211.AuthorizationInfo, data)
        if token is None:
            token = _asked_token(uid, token_type, owner, issuer, answer["allowed"])
        try:
            info = convert_tokens.authorization_info_from_v211(answer, token)
            return AuthorizationInfo.model_validate_json(_json(info))
        except (ValueError, KeyError, TypeError) as error:
            raise PartnerRequestError(
                f"{what}: the 2.1.1 AuthorizationInfo cannot be read as 2.2.1: {error}"
            ) from None


def _asked_token(
    uid: str, token_type: str, owner: tuple[str, str] | None, issuer: str, allowed: str
) -> Doc:
    """The 2.2.1 Token an AuthorizationInfo names when we hold no copy of it: what was asked
    (uid, type, the eMSP's party), ``contract_id`` = ``uid``, ``issuer`` the partner's name,
    ``valid`` as the answer says, ``whitelist`` NEVER (only real-time authorization is
    possible for it), ``last_updated`` now."""
    country_code, party_id = owner or ("", "")
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": token_type,
        "contract_id": uid,
        "issuer": issuer[:64],
        "valid": allowed == AllowedType.ALLOWED,
        "whitelist": "NEVER",
        "last_updated": format_datetime(datetime.now(UTC)),
    }


def _from_v211(
    converter: ObjectConverter,
    label: str,
    obj: OcpiModel,
    context: Context,
    tokens: Mapping[str, Doc],
) -> Doc:
    doc = orjson.loads(obj.to_json())
    auth_id = doc.get("auth_id")
    token = tokens.get(fold_id(auth_id)) if isinstance(auth_id, str) else None
    related = Related(token=token) if token is not None else None
    return _converted(label, lambda: converter.from_v211(doc, context, related=related))


def _partner_data(what: str, model: type[OcpiModel], data: Any) -> Doc:
    """A partner's answer ``data`` validated as the 2.1.1 ``model``, as JSON data; a
    ``PartnerRequestError`` (3001) when it is not one."""
    try:
        return orjson.loads(model.model_validate_json(_json(data)).to_json())  # type: ignore[no-any-return]
    except ValidationError as error:
        raise PartnerRequestError(
            f"{what}: data is not a valid 2.1.1 {model.__name__}: {_first_problems(error)}"
        ) from None


_V221 = Dialect()
_V211 = V211Dialect()


def dialect_of(partner: repo.PartnerRecord) -> Dialect:
    """The dialect of the version the partner registered with (``PartnerRecord.version``)."""
    return _V211 if partner.version == "2.1.1" else _V221


def _party(partner: repo.PartnerRecord) -> Owner | None:
    roles = partner.roles or partner.declared_roles
    return Owner(roles[0].country_code, roles[0].party_id) if roles else None


def pull_context(partner: repo.PartnerRecord, platform: Platform, time_zone: str) -> Context:
    """The :class:`Context` of objects pulled from ``partner``: owned by its credentials party
    (a 2.1.1 partner has one), Locations without ``time_zone`` in ``time_zone`` (setting
    ``v211_time_zone``), Tokens named by ``auth_id`` owned by our own party of the role opposite
    the partner's (our eMSP party for a CPO partner)."""
    owner = _party(partner) or Owner("", "")
    roles = partner.roles or partner.declared_roles
    theirs = roles[0].role if roles else None
    ours = Role.EMSP if theirs != Role.EMSP else Role.CPO
    mine = next((p for p in platform.parties if p.role == ours), None)
    token_owner = Owner(mine.country_code, mine.party_id) if mine is not None else None
    if theirs == Role.EMSP:
        token_owner = owner  # its own Tokens
    return Context(owner=owner, time_zone=time_zone, token_owner=token_owner)
