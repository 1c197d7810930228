"""Tables of the Hub role (transport_and_format.asciidoc "Message Routing";
mod_hub_client_info.asciidoc).

* ``client_infos`` — on a node connected to a Hub: the ClientInfo objects each Hub PUT to us,
  one per party behind that Hub (``hub_partner_id``, folded country_code/party_id). A party
  OFFLINE or SUSPENDED there gets no pushes from us (mod_hub_client_info "Status": "do not
  queue"). The Hub's own view of its connected parties is kept on ``partners``
  (``connection_status``, ``last_seen_at``), not here.
* ``hub_relays`` — on a Hub node: the ``response_url`` of a command or charging-profile request
  a party sent through us. The request is forwarded with a ``response_url`` of ours naming the
  relay's ``id``; the result the receiving party POSTs there is forwarded to the original URL,
  with the requester's token (mod_commands "response_url"; a party behind a Hub can reach no
  URL but the Hub's).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.tables import Base, utcnow

__all__ = ["ClientInfoRow", "HubRelay"]


class ClientInfoRow(Base):
    """A ClientInfo a Hub sent us (mod_hub_client_info "ClientInfo Object")."""

    __tablename__ = "client_infos"
    __table_args__ = (UniqueConstraint("hub_partner_id", "country_key", "party_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    country_key: Mapped[str] = mapped_column(String(2))
    party_key: Mapped[str] = mapped_column(String(3))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    last_updated: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubRelay(Base):
    """Where the result of a request forwarded through this Hub goes."""

    __tablename__ = "hub_relays"
    __table_args__ = (Index(None, "created_at"),)

    #: the unique segment of the response_url we put in the forwarded request (a UUID)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: the partner that sent the request: the result is forwarded to it, with its token
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(32))
    #: the response_url the requester gave
    response_url: Mapped[str] = mapped_column(String(255))
    #: the requesting party (OCPI-from-*) and the receiving party (OCPI-to-*), "CC/PID"
    from_party: Mapped[str] = mapped_column(String(6))
    to_party: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
