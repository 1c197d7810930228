"""The tariff engine: price a session or a CDR from a Tariff. Pure functions, no I/O."""
