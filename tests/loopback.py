"""A small real HTTP server for fake partners in tests: a ``ThreadingHTTPServer`` on a free
loopback port, served by a daemon thread for the length of a ``with`` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], *, poll_interval: float = 0.05) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 and yield the base URL (``http://127.0.0.1:PORT``).

    ``poll_interval`` bounds how long stopping the server waits for its loop to notice."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(poll_interval,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
