"""The services of one running node, wired together once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from openroam._services.authorization import AuthorizationService
from openroam._services.cdrs import CdrService
from openroam._services.charging.service import ChargingService
from openroam._services.command_receiver import CommandReceiver
from openroam._services.command_sender import CommandSender
from openroam._services.commands import CommandApiFactory, CommandService, CommandSettings
from openroam._services.credentials import CredentialsService, PartnerApiFactory
from openroam._services.deliveries import DeliveryService
from openroam._services.documents import ObjectPath
from openroam._services.events import EventService
from openroam._services.hub_clients import HubClients
from openroam._services.hub_routing import ForwardApi, HubRouting
from openroam._services.message_log import MessageLog
from openroam._services.object_specs import TOKENS
from openroam._services.platform import Platform
from openroam._services.profile_receiver import ChargingProfileReceiver
from openroam._services.profile_sender import ChargingProfileSender
from openroam._services.profiles import ChargingProfilesApiFactory
from openroam._services.realtime import AuthorizeApiFactory, KeepToken, RealtimeAuthorization
from openroam._services.roaming import RoamingService
from openroam._services.session_preferences import SessionPreferences
from openroam._store.db import Database
from openroam.models.v221.tokens import Token

__all__ = ["Node"]


@dataclass(slots=True)
class Node:
    """Everything a request handler may need, shared by every request of the process."""

    platform: Platform
    db: Database
    credentials: CredentialsService
    roaming: RoamingService
    events: EventService
    cdrs: CdrService
    preferences: SessionPreferences
    commands: CommandService
    command_sender: CommandSender
    command_receiver: CommandReceiver
    #: eMSP: answering partners' real-time authorizations of our Tokens
    authorization: AuthorizationService
    #: CPO: "may this Token charge here?", asking the eMSP when the whitelist says so
    realtime: RealtimeAuthorization
    #: eMSP/SCSP: charging profile requests to CPOs, their results and active profiles
    profiles: ChargingProfileSender
    #: CPO: partners' charging profile requests, handed to the backend
    profile_receiver: ChargingProfileReceiver
    charging: ChargingService
    #: the push outbox for operators: list, retry, skip
    deliveries: DeliveryService
    #: HubClientInfo: a Hub's view of its partners' connections, or the ClientInfo a Hub sent us
    hub_clients: HubClients
    page_limit: int = 100
    #: a Hub node: where each request a party sends through it goes (None on other nodes)
    hub_routing: HubRouting | None = None
    #: the time zone of a Location an OCPI 2.1.1 partner sends without one (``v211_time_zone``)
    v211_time_zone: str = "UTC"
    #: every OCPI exchange in and out, for the console (None: not logged); set on start-up
    message_log: MessageLog | None = None

    @classmethod
    def build(
        cls,
        platform: Platform,
        db: Database,
        api_factory: PartnerApiFactory,
        *,
        page_limit: int = 100,
        v211_time_zone: str = "UTC",
        command_api: CommandApiFactory | None = None,
        command_settings: CommandSettings | None = None,
        authorize_factory: AuthorizeApiFactory | None = None,
        profiles_factory: ChargingProfilesApiFactory | None = None,
        forwarder: ForwardApi | None = None,
        hub_forward_timeout: float = 10.0,
        hub_liveness_seconds: float = 300.0,
    ) -> Node:
        events = EventService(db)
        hub_clients = HubClients(db, platform, hub_liveness_seconds)
        credentials = CredentialsService(db, platform, api_factory)
        if platform.is_hub:
            # mod_hub_client_info "Still alive check": every authenticated request counts.
            credentials.seen = hub_clients.seen
        roaming = RoamingService(db, platform, events)
        cdrs = CdrService(db, platform, roaming, events)
        return cls(
            platform=platform,
            db=db,
            credentials=credentials,
            roaming=roaming,
            events=events,
            cdrs=cdrs,
            preferences=SessionPreferences(roaming, api_factory),
            commands=CommandService(db, events),
            command_sender=CommandSender(platform, events, command_api),
            command_receiver=CommandReceiver(
                platform, events, command_settings or CommandSettings()
            ),
            authorization=AuthorizationService(db, platform, events),
            realtime=RealtimeAuthorization(
                db, platform, authorize_factory, keep_token=_token_keeper(roaming)
            ),
            profiles=ChargingProfileSender(db, platform, events, profiles_factory),
            profile_receiver=ChargingProfileReceiver(db, events),
            charging=ChargingService(db, roaming, cdrs),
            deliveries=DeliveryService(db, events),
            hub_clients=hub_clients,
            page_limit=page_limit,
            hub_routing=(
                HubRouting(db, platform, forwarder, timeout=hub_forward_timeout)
                if platform.is_hub
                else None
            ),
            v211_time_zone=v211_time_zone,
        )


def _token_keeper(roaming: RoamingService) -> KeepToken:
    async def keep(partner_id: int, token: Token) -> object:
        path = ObjectPath(token.country_code, token.party_id, token.uid, (), str(token.type))
        return await roaming.keep_partner_copy(partner_id, TOKENS, path, token.to_json())

    return keep
