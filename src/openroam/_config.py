"""Settings of an openroam node: an optional TOML file, overridden by ``OPENROAM_*`` variables.

A file (``openroam serve --config openroam.toml``)::

    database_url = "postgresql+asyncpg://openroam@db/openroam"
    public_url = "https://ocpi.example.com"
    port = 8080

    [[parties]]
    country_code = "NL"
    party_id = "EXA"
    role = "CPO"
    name = "Example CPO"
    website = "https://example.com"

    [webhooks]                        # events to the party's backend (docs/backend-api.md)
    secret = "a long random string"   # HMAC-SHA256 key; required when a URL is set
    timeout = 10                      # seconds per POST
    max_delay = 600                   # the longest wait between two attempts, seconds
    max_refusals = 3                  # 4xx answers (but 401/408/429) before a webhook is failed

    [webhooks.urls]                   # per event type; "*" for every type without its own
    "session.started" = "https://backend.example.com/hooks/sessions"
    "cdr.price_mismatch" = "https://backend.example.com/hooks/billing"
    "*" = "https://backend.example.com/hooks/other"

Every setting can also come from the environment: ``OPENROAM_DATABASE_URL``,
``OPENROAM_PUBLIC_URL``, ``OPENROAM_HOST``, ``OPENROAM_PORT``, ``OPENROAM_PAGE_LIMIT``,
``OPENROAM_MAX_BODY_BYTES``,
``OPENROAM_ADMIN_TOKEN``, ``OPENROAM_PARTIES`` as a JSON list of party objects, and
``OPENROAM_WEBHOOKS`` as a JSON object — or its parts: ``OPENROAM_WEBHOOKS__SECRET``,
``OPENROAM_WEBHOOKS__URLS`` (a JSON object), ``OPENROAM_WEBHOOKS__TIMEOUT``,
``OPENROAM_WEBHOOKS__MAX_DELAY``, ``OPENROAM_WEBHOOKS__MAX_REFUSALS``. Push delivery:
``OPENROAM_PUSH_MAX_DELAY``, ``OPENROAM_PUSH_MAX_REFUSALS``, ``OPENROAM_PUSH_LEASE_SECONDS``.
Operations (docs/operations.md): ``OPENROAM_LOG_FORMAT`` (``text`` or ``json``),
``OPENROAM_METRICS`` (``open``, ``token`` or ``off``). The OCPI versions offered:
``OPENROAM_OCPI_VERSIONS`` as a JSON list (``["2.2.1", "2.1.1"]``, the default).
"""

from __future__ import annotations

import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from openroam._services.event_types import ALL_EVENTS, EventType
from openroam.models.common import fold_id
from openroam.models.v221.commands import CommandType
from openroam.models.v221.types import Role

__all__ = [
    "ConfigError",
    "ConsoleConfig",
    "ConsoleUser",
    "MessageLogConfig",
    "PartyConfig",
    "Settings",
    "WebhookConfig",
]

# The file Settings.load is reading, for settings_customise_sources (which gets no arguments).
_CONFIG_FILE: ContextVar[Path | None] = ContextVar("openroam_config_file", default=None)


class ConfigError(ValueError):
    """The settings cannot be used; the message says what to fix."""


class PartyConfig(BaseModel):
    """One party this node hosts (credentials.asciidoc "CredentialsRole")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country_code: str
    party_id: str
    role: Role
    # locations.asciidoc "BusinessDetails": name string(100), website URL (string(255)).
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    website: Annotated[str, StringConstraints(max_length=255)] | None = None

    @field_validator("country_code")
    @classmethod
    def _country_code(cls, value: str) -> str:
        # credentials.asciidoc "CredentialsRole": ISO 3166-1 alpha-2.
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError(f"{value!r} is not a country code of 2 letters (ISO 3166-1 alpha-2)")
        return value

    @field_validator("party_id")
    @classmethod
    def _party_id(cls, value: str) -> str:
        # credentials.asciidoc "CredentialsRole": a party ID following ISO 15118.
        if not re.fullmatch(r"[A-Za-z0-9]{3}", value):
            raise ValueError(f"{value!r} is not a party id of 3 letters or digits (ISO 15118)")
        return value

    @property
    def business_details(self) -> dict[str, Any]:
        """The party's BusinessDetails as JSON data."""
        details: dict[str, Any] = {"name": self.name}
        if self.website is not None:
            details["website"] = self.website
        return details


class WebhookConfig(BaseModel):
    """Where events are POSTed, and the key that signs them (docs/backend-api.md "Webhooks")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: SecretStr | None = None
    """The HMAC-SHA256 key of the ``X-Openroam-Signature`` header."""
    urls: dict[str, str] = Field(default_factory=dict)
    """Event type (``session.started`` …, or ``*`` for every other type) → URL."""
    timeout: Annotated[float, Field(gt=0)] = 10.0
    max_delay: Annotated[float, Field(gt=0)] = 600.0
    max_refusals: Annotated[int, Field(ge=1)] = 3
    """Attempts of an event the backend refuses (HTTP 4xx but 401/408/429) before its webhook
    is ``failed`` (it stays listed by ``GET /api/events``); other failures are retried."""

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: dict[str, str]) -> dict[str, str]:
        known = {member.value for member in EventType} | {ALL_EVENTS}
        for event_type, url in urls.items():
            if event_type not in known:
                listed = ", ".join(sorted(known))
                raise ValueError(f"{event_type!r} is not an event type ({listed})")
            if not url.startswith(("http://", "https://")) or len(url) > 255:
                raise ValueError(f"{url!r} must be an http:// or https:// URL of ≤ 255 characters")
        return urls

    @model_validator(mode="after")
    def _secret(self) -> Self:
        if self.urls and (self.secret is None or not self.secret.get_secret_value()):
            raise ValueError("a secret is required to sign webhooks (webhooks.secret)")
        return self

    def url_for(self, event_type: str) -> str | None:
        """The URL events of ``event_type`` go to; None: kept for the backend API only."""
        return self.urls.get(event_type) or self.urls.get(ALL_EVENTS)


class CommandConfig(BaseModel):
    """How this node answers partners' commands as a CPO (mod_commands; docs/backend-api.md
    "Commands")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: Annotated[int, Field(ge=1, le=3600)] = 60
    """The CommandResponse ``timeout`` in seconds: how long the eMSP waits for the result."""
    backend_timeout: Annotated[float, Field(gt=0)] | None = None
    """Seconds the backend has to report a command's result before FAILED is sent (default
    80 % of ``timeout``)."""
    supported: tuple[CommandType, ...] = tuple(CommandType)
    """The command types accepted; the others are answered NOT_SUPPORTED."""


class ConsoleUser(BaseModel):
    """A person who may log in to the operator console (docs/console.md "Logging in")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password_hash: Annotated[
        str,
        # Never a password itself: a plain password here is refused when the settings load.
        StringConstraints(
            max_length=500, pattern=r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"
        ),
    ]
    """What ``openroam console-password`` prints: ``scrypt$<n>$<r>$<p>$<salt>$<hash>``."""


class ConsoleConfig(BaseModel):
    """The operator console at ``/admin`` (docs/console.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: Literal["auto", "on", "off"] = "auto"
    """``auto``: served when the node listens on a loopback address only (``host``)."""
    users: tuple[ConsoleUser, ...] = ()
    """Who may log in besides ``admin`` with the admin token as password."""
    secret: SecretStr | None = None
    """The key that signs session cookies; give every process of one node the same. Without it,
    one derived from the admin token (or a random one per process without that)."""
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 12.0
    """How long a login lasts."""
    reference_kwh: Annotated[float, Field(gt=0, le=1000)] = 11.0
    """The Tariffs page's reference session: energy charged …"""
    reference_hours: Annotated[float, Field(gt=0, le=48)] = 1.0
    """… over this many hours (11 kWh in 1 h: an 11 kW charge)."""


class MessageLogConfig(BaseModel):
    """Every OCPI exchange in and out, stored for the console (docs/console.md "Message log")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    retention_days: Annotated[float, Field(gt=0)] = 7.0
    """Entries older than this are deleted."""
    max_megabytes: Annotated[float, Field(gt=0)] = 256.0
    """The most the stored bodies may take; the oldest entries go first beyond it."""
    body_bytes: Annotated[int, Field(ge=0, le=4 * 1024 * 1024)] = 16 * 1024
    """The most kept of each request and response body (the rest is cut, and marked so)."""


class Settings(BaseSettings):
    """Everything a node needs to run. Build it with :meth:`load`."""

    model_config = SettingsConfigDict(
        env_prefix="OPENROAM_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database_url: str = "sqlite+aiosqlite:///./openroam.db"
    public_url: str = "http://127.0.0.1:8080"
    """The base URL partners reach this node at (``{public_url}/ocpi/versions``)."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    page_limit: Annotated[int, Field(ge=1)] = 100
    """The largest page a GET list answers with (transport_and_format.asciidoc "Pagination")."""
    v211_time_zone: str = "UTC"
    """The IANA time zone given to a Location an OCPI 2.1.1 partner sends without one (2.1.1
    mod_locations.md 3.1: ``time_zone`` is optional; 2.2.1 requires it)."""
    max_body_bytes: Annotated[int, Field(ge=1024)] = 4 * 1024 * 1024
    """The largest request body read, in bytes (HTTP 413 beyond). 4 MiB: six to eight times a
    Location of 100 EVSEs with 4 Connectors each, images and opening times (docs/architecture.md
    "Bounded input")."""
    admin_token: SecretStr | None = None
    """The bearer token of the backend API (``/api/``); without it the API refuses every call."""
    parties: tuple[PartyConfig, ...] = ()
    ocpi_versions: tuple[str, ...] = ("2.2.1", "2.1.1")
    """The OCPI versions this node offers partners, newest first: "2.2.1", "2.1.1" or both
    (version_information_endpoint.md; a registration picks the newest both sides offer)."""
    worker: bool = True
    """Run push delivery and pull-sync inside ``openroam serve`` (off when separate
    ``openroam worker`` processes do it)."""
    pull_interval: Annotated[float, Field(gt=0)] = 3600.0
    """Seconds between incremental pulls of each module from each partner (with 10 % splay)."""
    push_max_delay: Annotated[float, Field(gt=0)] = 600.0
    """The longest wait between two attempts of a failed push delivery, in seconds."""
    push_max_refusals: Annotated[int, Field(ge=1)] = 3
    """Attempts of a push delivery the partner refuses (OCPI 2xxx, HTTP 4xx but 401/408/429)
    before it is ``failed`` (``openroam deliveries --failed``); other failures are retried."""
    push_lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    """How long a worker holds a claimed delivery: after a crash, its rows (and the later rows
    of the same objects) wait this long before another worker takes them."""
    client_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    """How long a call to a partner waits for each answer, in seconds (connect, send, read)."""
    client_retries: Annotated[int, Field(ge=0, le=10)] = 2
    """How many more times a GET to a partner is sent when the partner cannot be reached, does
    not answer within ``client_timeout_seconds`` or answers HTTP 503 (0: once only). Other
    methods are sent once per attempt of their delivery, which has its own retries."""
    client_retry_delay_seconds: Annotated[float, Field(gt=0)] = 0.5
    """The wait before the first repetition of a GET; it doubles for each further one (with
    jitter, at most 30 s)."""
    webhooks: WebhookConfig = WebhookConfig()
    """Events to the party's backend (docs/backend-api.md)."""
    commands: CommandConfig = CommandConfig()
    """Partners' commands (CPO side)."""
    hub_liveness_seconds: Annotated[float, Field(gt=0)] = 300.0
    """Hub nodes: a connected party from which nothing was heard for this long is asked for its
    versions; it is OFFLINE while that fails (mod_hub_client_info "Still alive check": "start
    with 5 minutes")."""
    hub_forward_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    """Hub nodes: how long a forwarded request waits for the receiving party's answer before
    the requester gets 4002 (status_codes "4xxx: Hub errors")."""
    log_format: Literal["text", "json"] = "text"
    """``openroam serve``'s log lines: text, or one JSON object per line (with ``request_id``,
    ``partner``, ``module`` as fields when known)."""
    metrics: Literal["open", "token", "off"] = "open"
    """Who may read ``/metrics``: whoever reaches the listen address (``open``), callers with
    the admin token as a bearer token (``token``), nobody (``off``)."""
    console: ConsoleConfig = ConsoleConfig()
    """The operator console at ``/admin`` (docs/console.md)."""
    message_log: MessageLogConfig = MessageLogConfig()
    """The stored log of every OCPI exchange the console shows (docs/console.md)."""

    @field_validator("v211_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("ocpi_versions")
    @classmethod
    def _known_versions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = ("2.2.1", "2.1.1")
        unknown = [v for v in value if v not in known]
        if unknown or not value:
            raise ValueError(f"{list(value)}: one or both of {list(known)}")
        if len(set(value)) != len(value):
            raise ValueError(f"{list(value)}: a version is listed twice")
        # Newest first, whatever order the operator wrote.
        return tuple(v for v in known if v in value)

    @model_validator(mode="after")
    def _metrics_token(self) -> Self:
        if self.metrics == "token" and (
            self.admin_token is None or not self.admin_token.get_secret_value()
        ):
            raise ValueError("metrics = 'token' needs admin_token (OPENROAM_ADMIN_TOKEN)")
        return self

    @model_validator(mode="after")
    def _unique_parties(self) -> Self:
        # credentials.asciidoc: (role, party_id, country_code) is unique, case-insensitively.
        seen: set[tuple[str, str, Role]] = set()
        for party in self.parties:
            key = (fold_id(party.country_code), fold_id(party.party_id), party.role)
            if key in seen:
                raise ValueError(f"party {'/'.join(key)} is configured twice")
            seen.add(key)
        return self

    @model_validator(mode="after")
    def _hub_alone(self) -> Self:
        # A Hub routes between the parties connected to it; a node hosting a HUB party and a
        # CPO or eMSP party would have to tell for each request whether it is to be routed or
        # answered, which no routing header says (docs/hub.md "Running a Hub").
        roles = {party.role for party in self.parties}
        if Role.HUB in roles and len(roles) > 1:
            raise ValueError("a node hosting a HUB party hosts no party of another role")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: arguments, then the environment, then the file.
        config_file = _CONFIG_FILE.get()
        if config_file is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, config_file))

    @classmethod
    def load(cls, config_file: Path | None = None) -> Settings:
        """Settings from ``config_file`` (TOML, optional) overridden by ``OPENROAM_*`` variables.

        Raises :class:`ConfigError` for a missing or unreadable file and for invalid values.
        """
        if config_file is not None and not config_file.is_file():
            raise ConfigError(f"config file {config_file} does not exist")
        token = _CONFIG_FILE.set(config_file)
        try:
            return cls()
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {config_file} is not valid TOML: {error}") from None
        except ValidationError as error:
            raise ConfigError(_describe(error, config_file)) from None
        finally:
            _CONFIG_FILE.reset(token)

    def require_parties(self) -> tuple[PartyConfig, ...]:
        """The own parties; :class:`ConfigError` if there are none (a node must host one)."""
        if not self.parties:
            raise ConfigError(
                "no parties configured: add a [[parties]] table (country_code, party_id, role, "
                "name) to the config file, or set OPENROAM_PARTIES to a JSON list"
            )
        return self.parties


def _describe(error: ValidationError, config_file: Path | None) -> str:
    source = f"{config_file} and OPENROAM_* variables" if config_file else "OPENROAM_* variables"
    lines = [f"invalid settings (from {source}):"]
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
