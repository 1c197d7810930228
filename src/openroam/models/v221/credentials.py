"""OCPI 2.2.1 credentials.asciidoc: the Credentials object and the CredentialsRole class.

Rules enforced here (credentials.asciidoc "Credentials object"):

* ``token`` is at most 64 characters from U+0021 to U+007E: printable ASCII without spaces,
  because it travels in the ``Authorization`` header.
* ``roles`` has at least one entry, and every role has a unique combination of ``role``,
  ``party_id`` and ``country_code``. The ids are CiStrings, so they are compared
  case-insensitively: ``NL``/``EXA`` and ``nl``/``exa`` are the same party.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, StringConstraints, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from openroam.models.common import URL, CiString2, CiString3, OcpiModel, fold_id
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role

__all__ = ["Credentials", "CredentialsRole", "CredentialsToken"]

CredentialsToken = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7E]+$")
]
"""string(64) of printable non-whitespace ASCII (U+0021 to U+007E)."""


class CredentialsRole(OcpiModel):
    """credentials.asciidoc "CredentialsRole class": one role a platform plays."""

    role: Role
    business_details: BusinessDetails
    party_id: CiString3
    country_code: CiString2


class Credentials(OcpiModel):
    """credentials.asciidoc "Credentials object": what a party gives to be called back."""

    token: CredentialsToken
    """The token the *other* party uses to authenticate in the sender's system."""
    url: URL
    """The sender's versions endpoint."""
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_roles(self) -> Self:
        seen: set[tuple[Role, str, str]] = set()
        errors = []
        for index, entry in enumerate(self.roles):
            key = (entry.role, fold_id(entry.party_id), fold_id(entry.country_code))
            if key in seen:
                message = (
                    f"role {entry.role} of {entry.country_code}/{entry.party_id} is listed "
                    "twice; every role needs a unique role, party_id and country_code"
                )
                error = PydanticCustomError("duplicate_role", message)
                errors.append(InitErrorDetails(type=error, loc=("roles", index), input=key))
            seen.add(key)
        if errors:
            # Raised as a ValidationError so the error names roles.<index>, not the object.
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self
