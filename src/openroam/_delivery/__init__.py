"""Background work: push delivery, pull-sync, asynchronous results."""
