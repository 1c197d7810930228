"""The internal REST API for the party's own backend, and outgoing webhooks."""
