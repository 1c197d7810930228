"""The HTTP side of a Hub node (transport_and_format.asciidoc "Message Routing"): the routing
layer ahead of the Functional routes (:class:`HubLayer`) and the answers it gives back."""

from openroam._server.hub.layer import HubLayer, hub_routed

__all__ = ["HubLayer", "hub_routed"]
