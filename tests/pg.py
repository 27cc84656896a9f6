"""Throwaway PostgreSQL servers for the test suite (a pytest plugin).

Enabled from ``tests/conftest.py`` with ``pytest_plugins = ["tests.pg"]``. Fixtures:

``postgres_server`` (session)
    Starts one private PostgreSQL server per pytest process from the installed server
    binaries (``initdb``/``pg_ctl``), in a fresh temporary directory, on a free TCP port
    on 127.0.0.1, superuser ``edc`` with ``trust`` authentication and durability
    switched off for speed. Yields a :class:`PostgresServer` (``host``, ``port``,
    ``user``, ``create_database(name) -> url``). Stopped and deleted at the end.

``postgres_url`` (function)
    A new, empty, uniquely named database on that server for each test, as a
    ``postgresql://edc@127.0.0.1:PORT/NAME`` URL (``edc.pgurl.postgres_env`` turns it
    into eventsourcing settings).

Tests using them should carry ``@pytest.mark.postgres``; a test that uses a fixture
without the mark gets it added, so ``-m "not postgres"`` always leaves them out.

Where the binaries come from: ``pg_config --bindir``, else the newest
``/usr/lib/postgresql/*/bin`` (Debian's layout), else ``pg_ctl`` on ``PATH``. When none
is found the tests are skipped, except with ``CI=true``, where they fail: a CI run
must never pass by skipping its database tests.

``initdb`` and ``postgres`` refuse to run as root. As root the server runs as the
``postgres`` system user (``runuser -u postgres --``), in a directory handed over to
that user; otherwise it runs as the current user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import psycopg

HOST = "127.0.0.1"
SUPERUSER = "edc"
SERVICE_USER = "postgres"  # the unprivileged account the server runs as when we are root
FIXTURES = ("postgres_server", "postgres_url")
START_ATTEMPTS = 5  # a free port can be taken by someone else before the server binds it
START_TIMEOUT_S = 60
_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
# Linux limits a unix socket path to 107 bytes; the server adds "/.s.PGSQL.NNNNN".
_MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535")
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_LOG_TAIL = 6000  # characters of server log shown when something fails

# Settings for a disposable server: nothing here needs to survive a crash.
_SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",  # each eventsourcing application holds a pool of up to 15
    "shared_buffers": "64MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "autovacuum": "off",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "%m [%p] %d ",
    "timezone": "UTC",
    "log_timezone": "UTC",
}


class PostgresUnavailable(Exception):
    """The machine cannot run a throwaway server (binaries or service user missing)."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; fail loudly in CI, where skipping would hide a gap."""
    if in_ci():
        pytest.fail(
            f"PostgreSQL tests cannot run: {reason}. CI=true, so this is a failure, "
            "not a skip: install the server (apt-get install postgresql; .ci/run does it).",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL tests skipped: {reason} (install the postgresql package)")


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(p) for p in version.split(".") if p.isdigit()) or (-1,)


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _SERVER_BINARIES)


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    # Debian/Ubuntu keep the server outside PATH, one directory per major version.
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        candidates.append(Path(found))
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        candidates.append(Path(pg_ctl).resolve().parent)
    return next((c for c in candidates if _has_server(c)), None)


def _find_runuser() -> str | None:
    # runuser lives in /usr/sbin on Debian, which is often not on a root shell's PATH
    # (e.g. PATH=/usr/bin:/bin) nor on any non-login PATH.
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which("runuser", path=path)


def _world_traversable(directory: Path) -> bool:
    """Whether another user can reach entries inside ``directory`` (o+x all the way up)."""
    for part in [directory, *directory.parents]:
        try:
            if not part.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _make_base_dir(as_root: bool) -> Path:
    """A fresh private directory, short enough for the socket and reachable by the server."""
    parents: list[str] = []
    for candidate in (tempfile.gettempdir(), "/tmp"):
        if candidate not in parents and os.path.isdir(candidate):
            parents.append(candidate)
    for parent in parents:
        real = Path(parent).resolve()
        if len(str(real)) + len("/edc-pg-XXXXXXXX") > _MAX_SOCKET_DIR:
            continue
        if as_root and not _world_traversable(real):
            continue  # e.g. TMPDIR under /root: the postgres user could not get in
        return Path(tempfile.mkdtemp(prefix="edc-pg-", dir=real))
    raise PostgresUnavailable(
        f"no temporary directory among {parents} is short enough for a unix socket"
        + (f" and reachable by the {SERVICE_USER!r} user" if as_root else "")
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _tail(path: Path, limit: int = _LOG_TAIL) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _quote_conf(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class PostgresServer:
    """A running throwaway server. ``create_database`` returns a connection URL."""

    host: str
    port: int
    user: str
    base_dir: Path
    bindir: Path
    startup_seconds: float = 0.0
    _run_as: list[str] = field(default_factory=list, repr=False)
    _counter: int = field(default=0, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: Any) -> psycopg.Connection[Any]:
        """A psycopg connection (autocommit unless told otherwise) to ``dbname``."""
        import psycopg

        kwargs.setdefault("autocommit", True)
        kwargs.setdefault("connect_timeout", 10)
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=dbname, **kwargs
        )

    def create_database(self, name: str) -> str:
        """Create the empty database ``name`` and return its URL."""
        if not _DB_NAME.fullmatch(name):
            raise ValueError(
                f"database name {name!r} must be lower-case letters, digits and _, "
                "not starting with a digit, at most 63 characters"
            )
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> bool:
        """Drop ``name`` if nobody is connected to it; False when it is still in use."""
        import psycopg
        from psycopg import sql

        try:
            with self.connect() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        except psycopg.errors.ObjectInUse:
            return False
        return True

    def unique_name(self, hint: str = "") -> str:
        """A database name no other call in this process has returned."""
        self._counter += 1
        stem = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")[:36]
        return f"t{self._counter}_{stem}_{uuid.uuid4().hex[:8]}".replace("__", "_")

    # -- process control -------------------------------------------------------------

    def _run(self, *argv: str, timeout: float) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        try:
            return subprocess.run(
                [*self._run_as, *argv],
                cwd=self.base_dir,  # the service user must be able to enter its cwd
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"{Path(argv[0]).name} did not finish within {timeout:.0f} s "
                f"(binaries {self.bindir}).\n--- server log ---\n{_tail(self.log_file)}"
            ) from None

    def _initdb(self) -> None:
        done = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            self.user,
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"initdb failed (exit {done.returncode}) in {self.data_dir}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        settings = {**_SERVER_SETTINGS, "unix_socket_directories": str(self.socket_dir)}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# throwaway test server (tests/pg.py)\n")
            for key, value in settings.items():
                conf.write(f"{key} = {_quote_conf(value)}\n")

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        return self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
            timeout=START_TIMEOUT_S + 30,
        )

    def start(self) -> None:
        self._initdb()
        for attempt in range(1, START_ATTEMPTS + 1):
            log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            done = self._pg_ctl_start()
            if done.returncode == 0:
                return
            log = self.log_file.read_text(errors="replace")[log_offset:]
            port_taken = "could not bind" in log or "already in use" in log
            if port_taken and attempt < START_ATTEMPTS:
                self.port = _free_port()  # someone took the port first: pick another
                continue
            raise RuntimeError(
                f"PostgreSQL did not start (pg_ctl exit {done.returncode}, attempt {attempt}, "
                f"port {self.port}, binaries {self.bindir}).\n"
                f"--- pg_ctl output ---\n{done.stdout}{done.stderr}\n"
                f"--- server log (its directory is removed after this) ---\n{_tail(self.log_file)}"
            )

    def stop(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        if not (self.data_dir / "postmaster.pid").exists():
            return
        for mode in ("fast", "immediate"):
            with contextlib.suppress(RuntimeError):  # timed out: try the next mode
                done = self._run(
                    pg_ctl,
                    "-D",
                    str(self.data_dir),
                    "-m",
                    mode,
                    "-w",
                    "-t",
                    "30",
                    "stop",
                    timeout=60,
                )
                if done.returncode == 0 or not (self.data_dir / "postmaster.pid").exists():
                    return


def start_server() -> PostgresServer:
    """Start a throwaway server; raise PostgresUnavailable when this machine cannot."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via "
            "pg_config --bindir, /usr/lib/postgresql/*/bin or PATH"
        )
    as_root = os.geteuid() == 0
    run_as: list[str] = []
    service: pwd.struct_passwd | None = None
    if as_root:
        try:
            service = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, and initdb refuses root, but there is no "
                f"{SERVICE_USER!r} user to run the server as"
            ) from None
        runuser = _find_runuser()
        if runuser is None:
            raise PostgresUnavailable("running as root and runuser (util-linux) is missing")
        run_as = [runuser, "-u", SERVICE_USER, "--"]

    base = _make_base_dir(as_root)
    try:
        if service is not None:
            os.chown(base, service.pw_uid, service.pw_gid)
        base.chmod(0o700)
        server = PostgresServer(
            host=HOST,
            port=_free_port(),
            user=SUPERUSER,
            base_dir=base,
            bindir=bindir,
            _run_as=run_as,
        )
        server.start()
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return server


def stop_server(server: PostgresServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for this pytest process."""
    began = time.monotonic()
    missing = ""
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        missing = str(exc)
    except RuntimeError as exc:  # binaries present but the server would not start
        pytest.fail(str(exc), pytrace=False)
    if missing:
        unavailable(missing)  # outside the except block: no chained traceback noise
    server.startup_seconds = time.monotonic() - began
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for this test; its URL. Dropped afterwards when unused."""
    name = postgres_server.unique_name(request.node.name)
    url = postgres_server.create_database(name)
    yield url
    # Best effort, to keep disk use flat over a long suite. A test that left
    # connections open (an application not closed) keeps its database until the
    # server goes away at the end of the session.
    with contextlib.suppress(Exception):
        postgres_server.drop_database(name)


@pytest.hookimpl(tryfirst=True)  # before -m deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if any(f in names for f in FIXTURES) and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
