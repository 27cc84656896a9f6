"""The raw baseline server: a bare aiohttp handler doing one SQLite statement per request.

`python -m bench.bare_server --port P --write-db NEW.sqlite [--read-db trial.sqlite]
[--processes N]`

- `PUT /raw/{pid}/forms/{form}`: reads the JSON body and inserts it as one row (autocommit,
  WAL, as the library's recorder configures SQLite), answers `{"id": rowid}`;
- `GET /raw/events/{pid}`: the participant's stored events from the (read-only) event store,
  as JSON rows, undecoded (what the library would start from);
- `GET /login`: an empty 200, so start-up is measured the same way as `edc serve`'s.

No validation, no authentication, no event sourcing: the floor the EDC is compared with. With
`--processes N` it answers from N processes on the same port (`reuse_port`), as many as the EDC
runs (`edc serve --read-models process` is two: the server and its read models' follower).
"""

from __future__ import annotations

import argparse
import base64
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

from aiohttp import web

WRITE_DB = web.AppKey("write_db", sqlite3.Connection)
READ_DB = web.AppKey("read_db", sqlite3.Connection)


def open_write_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY, participant TEXT, "
        "form TEXT, body BLOB)"
    )
    return db


async def put_form(request: web.Request) -> web.Response:
    body = await request.read()
    cursor = request.app[WRITE_DB].execute(
        "INSERT INTO submissions (participant, form, body) VALUES (?, ?, ?)",
        (request.match_info["pid"], request.match_info["form"], body),
    )
    return web.json_response({"id": cursor.lastrowid})


async def get_events(request: web.Request) -> web.Response:
    pid = uuid.UUID(request.match_info["pid"])
    rows = (
        request.app[READ_DB]
        .execute(
            "SELECT originator_version, topic, state FROM stored_events WHERE originator_id = ? "
            "ORDER BY originator_version",
            (pid.hex,),
        )
        .fetchall()
    )
    return web.json_response(
        [
            {"version": v, "topic": t, "state": base64.b64encode(s).decode("ascii")}
            for v, t, s in rows
        ]
    )


async def login(_request: web.Request) -> web.Response:
    return web.Response(text="")


def make_app(write_db: Path, read_db: Path | None) -> web.Application:
    app = web.Application()
    app[WRITE_DB] = open_write_db(write_db)
    if read_db is not None:
        app[READ_DB] = sqlite3.connect(f"file:{read_db}?mode=ro", uri=True)
    app.router.add_put("/raw/{pid}/forms/{form}", put_form)
    app.router.add_get("/raw/events/{pid}", get_events)
    app.router.add_get("/login", login)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--write-db", type=Path, required=True)
    parser.add_argument("--read-db", type=Path)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    others = [
        subprocess.Popen([sys.executable, "-m", "bench.bare_server", *_one_process(sys.argv[1:])])
        for _ in range(args.processes - 1)
    ]
    try:
        web.run_app(
            make_app(args.write_db, args.read_db),
            host="127.0.0.1",
            port=args.port,
            print=None,
            access_log=None,
            reuse_port=args.processes > 1 or args.reuse_port,
        )
    finally:
        for other in others:
            other.terminate()
            other.wait(30)


def _one_process(argv: list[str]) -> list[str]:
    """The same arguments for one more process on the same port."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            kept.append(arg)
    return [*kept, "--processes", "1", "--reuse-port"]


if __name__ == "__main__":
    main()
