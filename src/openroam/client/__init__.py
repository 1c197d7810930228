"""The httpx client for partners' OCPI endpoints (layer ``client``: imports only
``openroam.models`` and ``openroam.errors``)."""

from openroam.client._auth import OcpiTokenAuth, authorization_value, encode_token
from openroam.client._base import OcpiHttpClient
from openroam.client._http import OcpiClient
from openroam.client._replies import OcpiReply
from openroam.client._urls import join_url
from openroam.client._versions import choose_version, endpoint_url, version_key

__all__ = [
    "OcpiClient",
    "OcpiHttpClient",
    "OcpiReply",
    "OcpiTokenAuth",
    "authorization_value",
    "choose_version",
    "encode_token",
    "endpoint_url",
    "join_url",
    "version_key",
]
