"""The ``openroam`` command line (internal: the commands are the interface)."""
