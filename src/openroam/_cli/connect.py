"""``openroam partners add``: a connection from a token agreed out of band.

Many platforms and test setups hand over a token C instead of running the credentials
registration. openroam then negotiates the version and discovers the endpoints with that token,
stores the partner as registered, and prints once the token the partner calls us with
(docs/connecting.md "Adding a partner with an agreed token").
"""

from __future__ import annotations

from typing import Annotated

import typer

from openroam._cli.node import (
    ConfigOption,
    PartyOption,
    RawTokenOption,
    RoleOption,
    console,
    grants_of,
    load_settings,
    run_with_node,
)

__all__ = ["add"]


def add(
    name: Annotated[str, typer.Argument(help="A name for the partner.")],
    versions_url: Annotated[
        str, typer.Option("--versions-url", help="The partner's versions URL.")
    ],
    token: Annotated[
        str,
        typer.Option("--token", help="The token C agreed with the partner: we call it with it."),
    ],
    role: RoleOption,
    party: PartyOption,
    raw_token: RawTokenOption = False,
    config: ConfigOption = None,
) -> None:
    """Connect to a partner with a token agreed out of band (no credentials registration):
    GET its versions and the details of the newest version both offer (2.2.1 or 2.1.1) with that
    token, store its endpoints, and print the token it calls us with (once). Its roles come from
    its credentials endpoint, if it has one (each must be granted here), else from the grants
    (--role/--party)."""
    grants = grants_of(role, party)
    connected = run_with_node(
        config,
        lambda node: node.credentials.add_partner(
            name, versions_url, token, grants=grants, raw_token=raw_token
        ),
    )
    partner = connected.partner
    modules = ", ".join(f"{e.identifier} {e.role}" for e in partner.endpoints) or "none"
    roles = ", ".join(f"{r.role} {r.country_code}*{r.party_id}" for r in partner.roles)
    origin = "its credentials" if connected.roles_from == "credentials" else "the grants"
    node_url = load_settings(config).public_url.rstrip("/")
    console.print(f"[green]connected[/] to {partner.name} (OCPI {partner.version})")
    console.print(f"endpoints:    {modules}")
    console.print(f"roles:        {roles} (from {origin})")
    if connected.note:
        console.print(f"note:         {connected.note}")
    console.print(f"tokens:       sent {partner.token_encoding}")
    console.print("give the partner our versions URL and its token (shown only now):")
    console.print(f"versions URL: {node_url}/ocpi/versions")
    console.print(f"token:        {connected.token}")
