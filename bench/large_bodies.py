"""Eight concurrent 100 MB PUTs to the backend API of one node (admin token): what the server
holds in memory and how long other requests wait meanwhile.

    .venv/bin/python bench/large_bodies.py [--puts 8] [--megabytes 100]

One ``_serve.py node`` process (uvicorn, SQLite) per row. ``--puts`` connections each PUT a body
of ``--megabytes`` MB to ``/api/locations/NL/CPO/BIG`` (raw sockets, 64 KiB writes, at most 30 s
each), once with a ``Content-Length`` and once chunked, while a probe GETs ``/api/locations?
limit=1`` every 50 ms. The server's resident memory is sampled every 20 ms.

Rows:

* ``openroam, 4 MiB limit``: the default ``max_body_bytes``: a Content-Length above it is
  refused (413) before the body is read; a chunked body is counted as it arrives and refused at
  the first chunk past the limit.
* ``limit above the bodies``: ``OPENROAM_MAX_BODY_BYTES`` set above the body size, as the node
  was without a limit: every body is read whole before the route refuses it.

Columns: the answers' HTTP statuses, megabytes sent before each answer (median), the server's
peak RSS, and the slowest probe GET. Nothing is asserted; only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _nodes import ADMIN_TOKEN, CPO_PARTY, HOST, free_port, node_env, serve_args, server

CHUNK = 64 * 1024
SENDER_SECONDS = 30.0


async def _answer_of(reader: asyncio.StreamReader) -> int:
    line = await reader.readline()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


async def _put(port: int, size: int, chunked: bool) -> tuple[int, int]:
    """One PUT of ``size`` bytes; (HTTP status, bytes written before the answer)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"PUT /api/locations/NL/CPO/BIG HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\n"
        f"{length}\r\n\r\n"
    )
    writer.write(head.encode())
    answer = asyncio.ensure_future(_answer_of(reader))
    sent = 0
    block = b" " * CHUNK
    framed = f"{CHUNK:x}\r\n".encode() + block + b"\r\n" if chunked else block
    deadline = time.monotonic() + SENDER_SECONDS
    try:
        while sent < size and not answer.done() and time.monotonic() < deadline:
            writer.write(framed)
            await writer.drain()
            sent += CHUNK
        if chunked and not answer.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    try:
        status = await asyncio.wait_for(answer, SENDER_SECONDS)
    except (TimeoutError, ConnectionError, OSError):
        status = 0
    writer.close()
    return status, sent


async def _probe(port: int, stop: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    request = (
        f"GET /api/locations?limit=1 HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Authorization: Bearer {ADMIN_TOKEN}\r\n\r\n"
    ).encode()
    while not stop.is_set():
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        await writer.drain()
        await _answer_of(reader)
        latencies.append(time.perf_counter() - started)
        writer.close()
        await asyncio.sleep(0.05)
    return latencies


async def _sample_rss(pid: int, stop: asyncio.Event) -> int:
    peak = 0
    status = Path(f"/proc/{pid}/status")
    while not stop.is_set():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                peak = max(peak, int(line.split()[1]) * 1024)
        await asyncio.sleep(0.02)
    return peak


async def _round(pid: int, port: int, puts: int, size: int, chunked: bool) -> str:
    stop = asyncio.Event()
    probe = asyncio.ensure_future(_probe(port, stop))
    rss = asyncio.ensure_future(_sample_rss(pid, stop))
    await asyncio.sleep(0.3)
    results = await asyncio.gather(*(_put(port, size, chunked) for _ in range(puts)))
    await asyncio.sleep(0.3)
    stop.set()
    latencies, peak = await probe, await rss
    statuses = sorted({status for status, _ in results})
    sent = statistics.median(sent for _, sent in results) / 1e6
    slowest = max(latencies) * 1000 if latencies else float("nan")
    kind = "chunked" if chunked else "Content-Length"
    return (
        f"  {kind:<15} answers {statuses}, {sent:8.1f} MB sent before the answer (median), "
        f"peak RSS {peak / 1e6:7.0f} MB, slowest probe GET {slowest:7.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--puts", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    size = args.megabytes * 1_000_000
    rows = [("openroam, 4 MiB limit", None), ("limit above the bodies", str(size * 2))]
    with tempfile.TemporaryDirectory() as directory:
        for label, limit in rows:
            port = free_port()
            env = node_env(Path(directory) / f"{port}.db", port, [CPO_PARTY])
            if limit is not None:
                env["OPENROAM_MAX_BODY_BYTES"] = limit
            log = Path(directory) / "server.log"
            print(f"{label}: {args.puts} PUTs of {args.megabytes} MB")
            for chunked in (False, True):
                # A server per round: the peak RSS of one round is not the next one's floor.
                with server(serve_args("node", port), env, port, log) as pid:
                    print(asyncio.run(_round(pid, port, args.puts, size, chunked)), flush=True)


if __name__ == "__main__":
    main()
