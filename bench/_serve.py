"""A server for the roaming benchmarks, run as a subprocess by ``bench/_nodes.py``.

    python bench/_serve.py node        --port P             # openroam: build_app(OPENROAM_*)
    python bench/_serve.py bare-page   --port P --db FILE   # one pre-built page, read once
    python bench/_serve.py bare-sqlite --port P --db FILE   # the page read per request (sqlite3)
    python bench/_serve.py bare-write  --port P --db FILE   # EVSE status written per request
    python bench/_serve.py bare-receive --port P --db FILE --origins JSON  # a partner's PUT/PATCH
    python bench/_serve.py bare-mixed  --port P --db FILE --origins JSON   # mixed_load's requests

Every kind runs under the same uvicorn settings (127.0.0.1, one process, no access log, log level
warning, uvicorn's default loop and HTTP implementation), so the bare apps are the ceiling an
openroam node is measured against: the least any Python server must do for the same answer.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
import uvicorn

Scope = dict[str, Any]

PAGE_SQL = (
    "SELECT pk, document FROM ocpi_objects WHERE module = 'locations' AND origin = 0 "
    "ORDER BY pk LIMIT ?"
)
GET_SQL = (
    "SELECT pk, document FROM ocpi_objects WHERE module = 'locations' AND origin = 0 "
    "AND country_code = ? AND party_id = ? AND object_id = ? AND object_type = ''"
)
UPDATE_SQL = "UPDATE ocpi_objects SET document = ?, last_updated = ? WHERE pk = ?"
# One row per partner, as openroam queues it: the object's key (its Location) orders deliveries
# per object; a pending row of the same change is joined, not repeated.
ENQUEUE_SQL = (
    "INSERT INTO deliveries (partner_id, module, object_key, object_pk, method, path, fields, "
    "state, attempts, next_attempt_at, revision, created_at) VALUES "
    "(?, 'locations', ?, ?, 'PATCH', ?, '[\"last_updated\",\"status\"]', 'pending', 0, ?, 0, ?) "
    "ON CONFLICT (partner_id, object_key, object_pk, method, path) WHERE state = 'pending' "
    "DO UPDATE SET revision = revision + 1"
)
RECEIVERS_SQL = (
    "SELECT DISTINCT p.id FROM partners p JOIN partner_endpoints e ON e.partner_id = p.id "
    "WHERE p.status = 'registered' AND e.identifier = 'locations' AND e.role = 'RECEIVER'"
)


def connect(db: str) -> sqlite3.Connection:
    connection = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(documents: list[bytes]) -> bytes:
    # One join, no page-sized temporaries: each of those costs more than its copy (a fresh
    # allocation the size of the page, given back to the system when freed). Built as
    # b'{"data":' + b"[" + b",".join(…) + …, this app served 4,400 req/s instead of 8,600.
    parts = [b'{"data":[']
    for document in documents:
        parts += (document, b",")
    if documents:
        parts.pop()
    parts.append(b'],"status_code":1000,"timestamp":"' + stamp().encode() + b'"}')
    return b"".join(parts)


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": _headers(body)})
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Any) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def bare_page(db: str, limit: int) -> Any:
    """The page of ``limit`` Locations, read from ``db`` once and sent as the same bytes."""
    connection = connect(db)
    body = envelope([row[1] for row in connection.execute(PAGE_SQL, (limit,))])
    connection.close()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await _answer(send, 200, body)

    return app


def bare_sqlite(db: str) -> Any:
    """The page read from ``db`` per request (``limit`` from the query string)."""
    connection = connect(db)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        query = parse_qs(scope["query_string"].decode())
        limit = int(query.get("limit", ["50"])[0])
        rows = connection.execute(PAGE_SQL, (limit,)).fetchall()
        await _answer(send, 200, envelope([row[1] for row in rows]))

    return app


def write_status(
    connection: sqlite3.Connection,
    partners: list[int],
    ids: tuple[str, str, str, str],
    status: str,
    when: str | None = None,
) -> bool:
    """One EVSE status change (at ``when``, default now), read-merge-written with an outbox row
    per partner, committed."""
    country_code, party_id, location_id, evse_uid = ids
    when = when or stamp()
    text_time = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    connection.execute("BEGIN IMMEDIATE")
    try:
        row = connection.execute(
            GET_SQL, (country_code.upper(), party_id.upper(), location_id.upper())
        ).fetchone()
        if row is None:
            connection.execute("ROLLBACK")
            return False
        document = orjson.loads(row[1])
        for evse in document.get("evses", ()):
            if evse["uid"].upper() == evse_uid.upper():
                evse["status"], evse["last_updated"] = status, when
        document["last_updated"] = when
        connection.execute(UPDATE_SQL, (orjson.dumps(document), text_time, row[0]))
        path = f"{country_code}/{party_id}/{location_id}/{evse_uid}"
        key = f"locations:{country_code}/{party_id}/{location_id}".upper()
        for partner_id in partners:
            connection.execute(ENQUEUE_SQL, (partner_id, key, row[0], path, text_time, text_time))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return True


def receivers(connection: sqlite3.Connection) -> list[int]:
    return [row[0] for row in connection.execute(RECEIVERS_SQL)]


def bare_write(db: str) -> Any:
    """PUT /api/locations/{cc}/{pid}/{location}/{evse}/status or PATCH …/{evse}, written with
    sqlite3 (``status`` and, if given, ``last_updated`` from the body)."""
    connection = connect(db)
    partners = receivers(connection)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = orjson.loads(await _drain(receive))
        parts = scope["path"].strip("/").split("/")
        ids = (parts[2], parts[3], parts[4], parts[5])
        found = write_status(connection, partners, ids, body["status"], body.get("last_updated"))
        await _answer(send, 200 if found else 404, b'{"data":{"applied":true}}')

    return app


# --- a partner's objects on our Receiver interface (partner_ingest, mixed_load) ---------------

RECEIVED_SQL = (
    "SELECT pk, document, last_updated FROM ocpi_objects WHERE module = ? AND origin = ? "
    "AND country_code = ? AND party_id = ? AND object_id = ? AND object_type = ?"
)
REPLACE_SQL = "UPDATE ocpi_objects SET document = ?, last_updated = ? WHERE pk = ?"
INSERT_SQL = (
    "INSERT INTO ocpi_objects (module, origin, country_code, party_id, object_id, object_type, "
    "last_updated, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def stored_time(ocpi: str) -> str:
    """An OCPI DateTime (``2025-01-01T10:00:00Z``) as the store's column holds it."""
    return ocpi[:10] + " " + ocpi[11:19] + ".000000"


def receive(
    connection: sqlite3.Connection,
    method: str,
    key: tuple[str, int, str, str, str, str],
    sub_ids: list[str],
    raw: bytes,
) -> bool:
    """A partner's PUT of a whole object, or PATCH of an EVSE's fields, read-merge-written in
    one transaction; an update older than the stored object is ignored. False: the ids of a PUT
    body are not those of the URL, or a PATCH names an unknown object."""
    body = orjson.loads(raw)
    module, origin, country_code, party_id, object_id, object_type = key
    if method == "PUT" and (
        body.get("country_code"),
        body.get("party_id"),
        body.get("id", body.get("uid")),
    ) != (country_code, party_id, object_id):
        return False
    when = stored_time(body["last_updated"])
    folded = (module, origin, country_code.upper(), party_id.upper(), object_id.upper())
    connection.execute("BEGIN IMMEDIATE")
    try:
        row = connection.execute(RECEIVED_SQL, (*folded, object_type)).fetchone()
        if method == "PUT":
            if row is not None and row[2] > when:  # older than the stored object: ignored
                connection.execute("COMMIT")
                return True
            document = raw
        elif row is None:
            connection.execute("ROLLBACK")
            return False
        else:
            # A PATCH is compared with the EVSE it addresses; the Location's last_updated
            # covers its children and never goes backwards.
            current = orjson.loads(row[1])
            for evse in current.get("evses", ()):
                if evse["uid"].upper() == sub_ids[0].upper():
                    if evse["last_updated"] > body["last_updated"]:
                        connection.execute("COMMIT")
                        return True
                    evse.update(body)
            current["last_updated"] = max(current["last_updated"], body["last_updated"])
            when = max(row[2], when)
            document = orjson.dumps(current)
        if row is None:
            connection.execute(INSERT_SQL, (*folded, object_type, when, document, when))
        else:
            connection.execute(REPLACE_SQL, (document, when, row[0]))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return True


_OK = b'{"status_code":1000,"timestamp":"2025-01-01T00:00:00Z"}'
_REFUSED = b'{"status_code":2001,"timestamp":"2025-01-01T00:00:00Z"}'


def received_key(
    scope: Scope, origins: dict[str, int]
) -> tuple[tuple[str, int, str, str, str, str], list[str]]:
    """The stored object a Receiver request addresses (``origins``: the partner id per module),
    and the ids below it."""
    parts = scope["path"].strip("/").split("/")  # ocpi 2.2.1 receiver MODULE CC PID ID [SUB…]
    module = parts[3]
    object_type = ""
    if module == "tokens":
        object_type = parse_qs(scope["query_string"].decode()).get("type", ["RFID"])[0]
    key = (module, origins[module], parts[4], parts[5], parts[6], object_type)
    return key, parts[7:]


def bare_receive(db: str, origins: dict[str, int]) -> Any:
    """PUT and PATCH on ``/ocpi/2.2.1/{module}/{cc}/{pid}/{id}[/{evse}]``, the partner's objects
    written with sqlite3 (no authentication: the partner is ``origins[module]``)."""
    connection = connect(db)

    async def app(scope: Scope, receive_: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        key, sub_ids = received_key(scope, origins)
        done = receive(connection, scope["method"], key, sub_ids, await _drain(receive_))
        await _answer(send, 200, _OK if done else _REFUSED)

    return app


def bare_mixed(db: str, origins: dict[str, int]) -> Any:
    """Every request of ``mixed_load.py`` as the bare apps above answer it: a GET list page
    (``bare_sqlite``), a backend EVSE status PATCH with its outbox rows (``bare_write``), a
    partner's PUT or PATCH on the Receiver interface (``bare_receive``)."""
    page, write, received = bare_sqlite(db), bare_write(db), bare_receive(db, origins)

    async def app(scope: Scope, receive_: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":
            await page(scope, receive_, send)
        elif scope["path"].startswith("/api/"):
            await write(scope, receive_, send)
        else:
            await received(scope, receive_, send)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    kinds = ["node", "bare-page", "bare-sqlite", "bare-write", "bare-receive", "bare-mixed"]
    parser.add_argument("kind", choices=kinds)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument(
        "--origins", default="{}", help='bare-receive/-mixed: {"module": partner id} (JSON)'
    )
    args = parser.parse_args()
    origins = {str(k): int(v) for k, v in orjson.loads(args.origins).items()}
    if args.kind == "node":
        from openroam._config import Settings
        from openroam._runtime import build_app

        app = build_app(Settings.load())
    elif args.kind == "bare-page":
        app = bare_page(args.db, args.limit)
    elif args.kind == "bare-sqlite":
        app = bare_sqlite(args.db)
    elif args.kind == "bare-write":
        app = bare_write(args.db)
    elif args.kind == "bare-receive":
        app = bare_receive(args.db, origins)
    else:
        app = bare_mixed(args.db, origins)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
