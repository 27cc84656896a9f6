"""A throwaway PostgreSQL server for section 6, started the way the test suite starts one.

The server-starting code lives in `tests/pg.py` (Debian's binaries, `runuser` as root, a free
port on 127.0.0.1, durability off); the bench imports it rather than keeping a second copy.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.report import NotAvailable


@contextmanager
def throwaway_database() -> Iterator[tuple[str, Path]]:
    """A fresh database on a fresh server: its URL, and a scratch directory; all removed after."""
    try:
        from tests.pg import PostgresUnavailable, start_server, stop_server
    except ImportError as error:  # pytest missing: installed without the dev extras
        raise NotAvailable(f"tests/pg.py cannot be imported ({error})") from None
    try:
        server = start_server()
    except PostgresUnavailable as error:
        raise NotAvailable(str(error)) from None
    scratch = Path(tempfile.mkdtemp(prefix="edc-bench-pg-"))
    try:
        yield server.create_database("bench"), scratch
    finally:
        stop_server(server)
        shutil.rmtree(scratch, ignore_errors=True)
