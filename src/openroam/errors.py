"""The OCPI error tree: one exception per status code of status_codes.asciidoc.

Services and the client raise these; the server renders each as an OCPI envelope with the
exception's ``status_code`` and HTTP status. ::

    OcpiError
    ├── ClientError (2000)
    │   ├── InvalidOrMissingParameters (2001)
    │   ├── NotEnoughInformation (2002)
    │   ├── UnknownLocation (2003)
    │   ├── UnknownToken (2004, HTTP 404)
    │   ├── Unauthorized (2000, HTTP 401)
    │   ├── NotFound (2000, HTTP 404)
    │   └── MethodNotAllowed (2000, HTTP 405)
    ├── ServerError (3000)
    │   ├── UnableToUseClientApi (3001)
    │   │   └── PartnerRequestError (a call we made to a partner failed)
    │   ├── UnsupportedVersion (3002)
    │   └── NoMatchingEndpoints (3003)
    └── HubError (4000)
        ├── UnknownReceiver (4001)
        ├── TimeoutOnForwardedRequest (4002)
        └── ConnectionProblem (4003)

HTTP status: a request that is valid JSON, addresses an existing resource and comes from an
authenticated party "has reached the OCPI layer", and an HTTP error status MUST NOT be returned
for it (status_codes.asciidoc). So most codes default to HTTP 200; the exceptions are the ones the
spec names: 400 for a body that is not JSON, 401 for a missing or unknown credentials token, 404
for an object that does not exist and for an unknown token in real-time authorization (plus 2004),
405 for credentials calls in the wrong registration state. ``ServerError`` itself (an unexpected
failure) answers HTTP 500.
"""

from __future__ import annotations

from typing import ClassVar

from openroam.models.common import StatusCode

__all__ = [
    "ClientError",
    "ConnectionProblem",
    "HubError",
    "InvalidOrMissingParameters",
    "MethodNotAllowed",
    "NoMatchingEndpoints",
    "NotEnoughInformation",
    "NotFound",
    "OcpiError",
    "PartnerRequestError",
    "ServerError",
    "TimeoutOnForwardedRequest",
    "UnableToUseClientApi",
    "Unauthorized",
    "UnknownLocation",
    "UnknownReceiver",
    "UnknownToken",
    "UnsupportedVersion",
    "error_for_status_code",
]


class OcpiError(Exception):
    """An error that is answered (or was answered) with an OCPI status code.

    ``message`` becomes the envelope's ``status_message``; ``http_status`` overrides the class
    default where a module's rule asks for a specific HTTP status.
    """

    status_code: ClassVar[int] = StatusCode.CLIENT_ERROR
    default_http_status: ClassVar[int] = 200
    default_message: ClassVar[str] = "Error"

    def __init__(self, message: str | None = None, *, http_status: int | None = None) -> None:
        self.message = message or self.default_message
        self.http_status = http_status or self.default_http_status
        #: the code the partner actually sent (a custom 29xx keeps its value here)
        self.received_status_code: int = self.status_code
        #: the HTTP status of a partner's answer that was not OCPI (None: no answer, or OCPI)
        self.received_http_status: int | None = None
        #: ``METHOD URL`` of the call to a partner that answered with this error envelope
        #: (None: not a partner's OCPI answer; a failure before one names the call in ``message``)
        self.answered_by: str | None = None
        super().__init__(self.message)

    def describe(self) -> str:
        """One line for an operator: for a partner's OCPI error answer the call, the HTTP status,
        the OCPI status code and message; else ``message``."""
        if self.answered_by is None:
            return self.message
        return (
            f"{self.answered_by}: HTTP {self.http_status}, OCPI status_code "
            f"{self.received_status_code}: {self.message}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code})"


class ClientError(OcpiError):
    """2000 Generic client error: the data sent by the client can not be processed."""

    status_code = StatusCode.CLIENT_ERROR
    default_message = "Client error"


class InvalidOrMissingParameters(ClientError):
    """2001 Invalid or missing parameters, e.g. a PATCH without ``last_updated``."""

    status_code = StatusCode.INVALID_OR_MISSING_PARAMETERS
    default_message = "Invalid or missing parameters"


class NotEnoughInformation(ClientError):
    """2002 Not enough information, e.g. real-time authorization without LocationReferences."""

    status_code = StatusCode.NOT_ENOUGH_INFORMATION
    default_message = "Not enough information"


class UnknownLocation(ClientError):
    """2003 Unknown Location, e.g. START_SESSION for a location that does not exist."""

    status_code = StatusCode.UNKNOWN_LOCATION
    default_message = "Unknown Location"


class UnknownToken(ClientError):
    """2004 Unknown Token; real-time authorization answers it with HTTP 404 (mod_tokens POST)."""

    status_code = StatusCode.UNKNOWN_TOKEN
    default_http_status = 404
    default_message = "Unknown Token"


class Unauthorized(ClientError):
    """HTTP 401: missing or unknown credentials token, or token A outside credentials/versions."""

    default_http_status = 401
    default_message = "Unauthorized"


class NotFound(ClientError):
    """HTTP 404: the addressed object or path does not exist."""

    default_http_status = 404
    default_message = "Not found"


class MethodNotAllowed(ClientError):
    """HTTP 405: e.g. credentials POST while registered, PUT or DELETE while not registered."""

    default_http_status = 405
    default_message = "Method not allowed"


class ServerError(OcpiError):
    """3000 Generic server error."""

    status_code = StatusCode.SERVER_ERROR
    default_http_status = 500
    default_message = "Server error"


class UnableToUseClientApi(ServerError):
    """3001 Unable to use the client's API, e.g. the callback GETs during registration failed."""

    status_code = StatusCode.UNABLE_TO_USE_CLIENT_API
    default_http_status = 200
    default_message = "Unable to use the client's API"


class PartnerRequestError(UnableToUseClientApi):
    """A call openroam made to a partner failed before an OCPI answer came back.

    The partner was unreachable, timed out, answered an HTTP error without an OCPI envelope, or
    answered something that is not valid OCPI. An OCPI error envelope from the partner is raised
    as the exception of its status code instead (:func:`error_for_status_code`). During
    registration this is exactly status 3001 (credentials.asciidoc "Errors during registration").
    """

    default_message = "The partner's OCPI API could not be used"


class UnsupportedVersion(ServerError):
    """3002 Unsupported version: no mutual OCPI version."""

    status_code = StatusCode.UNSUPPORTED_VERSION
    default_http_status = 200
    default_message = "Unsupported version"


class NoMatchingEndpoints(ServerError):
    """3003 No matching endpoints or expected endpoints missing between the parties."""

    status_code = StatusCode.NO_MATCHING_ENDPOINTS
    default_http_status = 200
    default_message = "No matching endpoints or expected endpoints missing"


class HubError(OcpiError):
    """4000 Generic Hub error."""

    status_code = StatusCode.HUB_ERROR
    default_message = "Hub error"


class UnknownReceiver(HubError):
    """4001 Unknown receiver: the TO address is unknown."""

    status_code = StatusCode.UNKNOWN_RECEIVER
    default_message = "Unknown receiver"


class TimeoutOnForwardedRequest(HubError):
    """4002 Timeout on forwarded request."""

    status_code = StatusCode.TIMEOUT_ON_FORWARDED_REQUEST
    default_message = "Timeout on forwarded request"


class ConnectionProblem(HubError):
    """4003 Connection problem: the receiving party is not connected."""

    status_code = StatusCode.CONNECTION_PROBLEM
    default_message = "Connection problem"


_BY_CODE: dict[int, type[OcpiError]] = {
    cls.status_code: cls
    for cls in (
        ClientError,
        InvalidOrMissingParameters,
        NotEnoughInformation,
        UnknownLocation,
        UnknownToken,
        ServerError,
        UnableToUseClientApi,
        UnsupportedVersion,
        NoMatchingEndpoints,
        HubError,
        UnknownReceiver,
        TimeoutOnForwardedRequest,
        ConnectionProblem,
    )
}


def error_for_status_code(status_code: int, message: str | None = None) -> OcpiError:
    """The exception for a non-success status code a partner answered with.

    Custom codes (29xx, 39xx, 49xx) and unknown codes map to the generic error of their range.
    """
    cls = _BY_CODE.get(status_code)
    if cls is None:
        generic = {2: ClientError, 3: ServerError, 4: HubError}
        cls = generic.get(status_code // 1000, ServerError)
    error = cls(message)
    error.received_status_code = status_code
    return error
