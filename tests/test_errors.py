"""The OcpiError tree: one class per status code of status_codes.asciidoc, with its HTTP status."""

from __future__ import annotations

import pytest

from openroam import errors
from openroam.errors import error_for_status_code

# (class, status_code, default HTTP status): status_codes.asciidoc (introduction; "2xxx: Client
# errors", "3xxx: Server errors") and docs/spec-decisions.md "HTTP 404 for an unknown Token or a
# non-capable EVSE".
TREE = [
    (errors.ClientError, 2000, 200),
    (errors.InvalidOrMissingParameters, 2001, 200),
    (errors.NotEnoughInformation, 2002, 200),
    (errors.UnknownLocation, 2003, 200),
    (errors.UnknownToken, 2004, 404),
    (errors.Unauthorized, 2000, 401),
    (errors.NotFound, 2000, 404),
    (errors.MethodNotAllowed, 2000, 405),
    (errors.ServerError, 3000, 500),
    (errors.UnableToUseClientApi, 3001, 200),
    (errors.PartnerRequestError, 3001, 200),
    (errors.UnsupportedVersion, 3002, 200),
    (errors.NoMatchingEndpoints, 3003, 200),
    (errors.HubError, 4000, 200),
    (errors.UnknownReceiver, 4001, 200),
    (errors.TimeoutOnForwardedRequest, 4002, 200),
    (errors.ConnectionProblem, 4003, 200),
]


@pytest.mark.parametrize(("cls", "code", "http"), TREE)
def test_each_status_code_has_its_class_and_http_status(
    cls: type[errors.OcpiError], code: int, http: int
) -> None:
    error = cls("why")
    assert isinstance(error, errors.OcpiError)
    assert error.status_code == code
    assert error.http_status == http
    assert error.message == "why"
    assert str(error) == "why"


def test_http_status_can_be_overridden_where_a_module_rule_asks() -> None:
    # mod_sessions: ChargingPreferences for a non-capable EVSE is HTTP 404 with 2001.
    error = errors.InvalidOrMissingParameters("not capable", http_status=404)
    assert (error.status_code, error.http_status) == (2001, 404)


def test_default_message_when_none_is_given() -> None:
    assert errors.UnknownToken().message == "Unknown Token"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (2001, errors.InvalidOrMissingParameters),
        (2004, errors.UnknownToken),
        (3002, errors.UnsupportedVersion),
        (4003, errors.ConnectionProblem),
        (2901, errors.ClientError),  # custom client range → the generic client error
        (3950, errors.ServerError),
        (4999, errors.HubError),
    ],
)
def test_error_for_a_received_status_code(code: int, cls: type[errors.OcpiError]) -> None:
    error = error_for_status_code(code, "from the partner")
    assert type(error) is cls
    assert error.received_status_code == code
    assert error.message == "from the partner"


def test_every_exported_name_exists() -> None:
    for name in errors.__all__:
        assert hasattr(errors, name)
