"""`edc backup PATH` and `edc restore PATH`: a consistent copy of the trial's data, and back.

SQLite: every `*.sqlite` file in EDC_DATA_DIR (the event store and the read models) is copied
with SQLite's online backup API, which reads one consistent state of each file while servers
keep writing. Read models go first and the event store last, so a restored read model is
never ahead of the restored events (the projections catch up from where they stand). Other
small files of the data directory are copied as they are, except key files: no backup carries
a key (they live in the key directory, see `web.session_key`).

PostgreSQL: `pg_dump --format=custom` of the whole database (one consistent snapshot, events
and read models alike), restored with `pg_restore`.

A backup is a directory, or a tar archive when PATH ends in .tar, .tar.gz or .tgz. Its
`backup.json` names the back end, the event position and audit chain head it was made at,
and the sha256 of every file; restore checks all of it, refuses a non-empty target unless
forced, and checks the restored store against the manifest and against the heads anchored
outside the store (`edc.audit.anchors`): every backup's head is anchored when it is made, so a
backup rewritten afterwards (events, links and manifest alike) is refused. A backup older than
the newest anchor restores, and says that `edc audit accept-restore` must record it.

Every file and directory of a backup, and of a restored store, is for the owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.errors import EdcError
from edc.audit.head_log import WITNESS_FILE
from edc.audit.write_turns import SUFFIX as WRITER_LOCK_SUFFIX
from edc.config import Settings
from edc.pgbin import pg_program
from edc.pgurl import postgres_env
from edc.private_files import FILE_MODE, private_directory, tighten_tree
from edc.rate_limit_store import RATE_LIMIT_FILE
from edc.rate_limit_store import TABLE as RATE_LIMIT_TABLE
from projections.rebuild_parts import is_scratch_file

if TYPE_CHECKING:
    from edc.application import Trial

MANIFEST = "backup.json"
FORMAT = "modic-edc-backup/1"
EVENT_STORE = "trial.sqlite"  # Settings.sqlite_path("trial")
PG_DUMP = "trial.pgdump"
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")
# The side files of a live database (SQLite's, and the writers' lock file) never go into a copy.
_SIDE_FILES = ("-wal", "-shm", "-journal", WRITER_LOCK_SUFFIX)
# Keys never go into a backup (an older data directory may still hold them).
_KEY_SUFFIX = ".key"
_CHUNK = 1 << 20


class BackupError(EdcError):
    """Raised when a backup cannot be made or restored; nothing was changed."""

    code = "backup"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds and where the trial stood when it was made."""

    format: str
    backend: str
    created_at: str  # UTC, when the backup was made
    # The event store's last position (notification id); a PostgreSQL dump holds at
    # least this much, since it reads one snapshot while writers go on.
    events: int
    chain_head: str | None  # `POSITION:LINK` of the audit chain at `events`
    files: dict[str, dict[str, Any]]  # name -> {"bytes", "sha256"}

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text())
            manifest = cls(**data)
        except FileNotFoundError:
            raise BackupError(f"{directory} is not an EDC backup: it has no {MANIFEST}.") from None
        except (ValueError, TypeError):
            raise BackupError(f"{path} is damaged: it is not a backup manifest.") from None
        if manifest.format != FORMAT:
            raise BackupError(f"{path} is a backup of an unknown format ({manifest.format!r}).")
        return manifest


@dataclass(frozen=True)
class Outcome:
    """The result of a backup or a restore, for the command line."""

    path: Path
    manifest: Manifest
    notice: str = ""


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


# ---- backup ------------------------------------------------------------------------------


def backup(
    settings: Settings, target: Path, *, now: Callable[[], datetime] | None = None
) -> Outcome:
    """Back up the trial's data into `target` (a new directory or a new tar archive)."""
    target = target.absolute()
    if target.exists() and (target.is_file() or any(target.iterdir())):
        raise BackupError(f"{target} already exists: a backup goes into a new place.")
    moment = (now or (lambda: datetime.now(tz=UTC)))()
    with _staging(target) as staging:
        if settings.backend == "postgres":
            # Read before the dump, so the dump holds at least this much (writers go on).
            events, chain = _position(settings)
            files = _dump_postgres(settings, staging)
        else:
            files = _copy_sqlite(settings, staging)
            events, chain = _position(Settings(data_dir=staging, cipher_key=settings.cipher_key))
            _seal_copy(staging / EVENT_STORE)
        manifest = Manifest(
            format=FORMAT,
            backend=settings.backend,
            created_at=moment.astimezone(UTC).isoformat(),
            events=events,
            chain_head=chain,
            files={name: _describe(staging / name) for name in files},
        )
        (staging / MANIFEST).write_text(manifest.to_json())
        tighten_tree(staging)
        _publish(staging, target)
    if chain:
        from edc.audit import anchors
        from edc.audit.chain import ChainHead

        anchors.record(settings, "backup", ChainHead.parse(chain), f"backup {target}")
    return Outcome(target, manifest)


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A scratch directory next to `target`, removed afterwards whatever happens."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, target: Path) -> None:
    if is_archive(target):
        mode = "w:gz" if target.name.endswith(("gz", ".tgz")) else "w"
        partial = target.with_name(target.name + ".partial")
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
        with tarfile.open(partial, mode) as archive:  # type: ignore[call-overload]
            for item in sorted(staging.iterdir()):
                archive.add(item, arcname=item.name)
        os.replace(partial, target)
    else:
        if target.exists():
            target.rmdir()  # empty (checked above)
        os.replace(staging, target)
        staging.mkdir()  # so the staging cleanup has something to remove


def _sqlite_files(data_dir: Path) -> list[Path]:
    """The data directory's SQLite files, the event store last."""
    files = sorted(
        p
        for p in data_dir.glob("*.sqlite")
        # Counts of the rate limits are no trial data (and name client addresses).
        if p.is_file() and p.stem != RATE_LIMIT_FILE
    )
    return sorted(files, key=lambda p: p.name == EVENT_STORE)


def _other_files(data_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in data_dir.iterdir()
        if p.is_file()
        and p.suffix != ".sqlite"
        and not p.name.endswith(_SIDE_FILES)
        and not p.name.endswith(_KEY_SUFFIX)
        # The head log's witness describes the live log, not a copy of the data.
        and p.name != WITNESS_FILE
        # A rebuild's part, being written or left by a killed rebuild: rebuilt, not restored.
        and not is_scratch_file(p)
        and not p.name.startswith(".")
    )


def _copy_sqlite(settings: Settings, staging: Path) -> list[str]:
    data_dir = settings.data_dir
    if not (data_dir / EVENT_STORE).is_file():
        raise BackupError(f"There is no event store to back up at {data_dir / EVENT_STORE}.")
    names = []
    for other in _other_files(data_dir):
        shutil.copy2(other, staging / other.name)
        names.append(other.name)
    for path in _sqlite_files(data_dir):
        _sqlite_copy(path, staging / path.name)
        names.append(path.name)
    return names


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy one database with the online backup API: one consistent state, writers go on."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as error:
        raise BackupError(f"Cannot read {source}: {error}.") from None
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)  # all pages in one step, under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # a copy is one file, no log beside it
        problem = dst.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The copy of {source.name} failed its integrity check: {problem}.")
    except sqlite3.Error as error:
        raise BackupError(f"Cannot back up {source}: {error}.") from None
    finally:
        dst.close()
        src.close()


def _pg_environ(settings: Settings) -> dict[str, str]:
    """libpq's settings for the trial database (the password never goes on a command line)."""
    assert settings.database_url is not None
    env = postgres_env(settings.database_url)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environ.update(
        PGHOST=env["POSTGRES_HOST"],
        PGPORT=env["POSTGRES_PORT"],
        PGUSER=env["POSTGRES_USER"],
        PGDATABASE=env["POSTGRES_DBNAME"],
        PGCONNECT_TIMEOUT="30",
    )
    if env["POSTGRES_PASSWORD"]:
        environ["PGPASSWORD"] = env["POSTGRES_PASSWORD"]
    return environ


def _run_pg(settings: Settings, program: str, *args: str) -> None:
    done = subprocess.run(
        [str(pg_program(program)), *args],
        env=_pg_environ(settings),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            f"{program} failed (exit {done.returncode}): "
            + ("; ".join(detail[-8:]) if detail else "no message")
        )


def _dump_postgres(settings: Settings, staging: Path) -> list[str]:
    _run_pg(
        settings,
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        # Counts of the rate limits are no trial data (and name client addresses).
        f"--exclude-table-data={RATE_LIMIT_TABLE}",
        f"--file={staging / PG_DUMP}",
    )
    return [PG_DUMP]


def _position(settings: Settings) -> tuple[int, str]:
    """The last event position of the store `settings` names, and its audit chain head."""
    from edc.audit.chain import head

    trial = _open_existing(settings)
    try:
        return trial.recorder.max_notification_id() or 0, str(head(trial))
    finally:
        trial.close()


def _open_existing(settings: Settings) -> Trial:
    """The trial on a store whose tables exist, without the library's CREATE statements:
    on PostgreSQL those race with other processes starting at the same moment."""
    from edc.application import Trial

    return Trial({**settings.event_store_env(), "CREATE_TABLE": "n"})


def _seal_copy(path: Path) -> None:
    """Leave a copied store as one file (the library turned its write-ahead log back on)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
    finally:
        db.close()
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _describe(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ---- restore -----------------------------------------------------------------------------


def restore(settings: Settings, source: Path, *, force: bool = False) -> Outcome:
    """Restore the backup at `source` into the store `settings` names.

    Refuses a target that already holds data unless `force`; with `force` the target's
    previous contents are replaced entirely (read models included). Stop every `edc serve`
    and `edc projections run` on the target first.
    """
    source = source.absolute()
    if not source.exists():
        raise BackupError(f"There is no backup at {source}.")
    with _unpacked(source) as directory:
        manifest = Manifest.load(directory)
        _check_files(directory, manifest)
        if manifest.backend != settings.backend:
            raise BackupError(
                f"{source} is a {manifest.backend} backup, but the target store is "
                f"{settings.backend} (check EDC_DATABASE_URL)."
            )
        if settings.backend == "postgres":
            _restore_postgres(settings, directory, force)
        else:
            _restore_sqlite(settings, directory, manifest, force)
    if settings.backend == "sqlite":
        tighten_tree(settings.data_dir)
    _check_restored(settings, manifest)
    return Outcome(source, manifest, _check_anchors(settings))


def _check_anchors(settings: Settings) -> str:
    """Refuse a restored store that contradicts an anchored head; say if it is older."""
    from edc.audit import anchors
    from edc.audit.chain import head
    from edc.audit.store import chain_recorder

    found, _ = anchors.anchors_for(settings)
    trial = _open_existing(settings)
    try:
        current = head(trial)
        problem = anchors.contradiction(trial, found)
        older = chain_recorder(trial).older_format_from() if problem else None
    finally:
        trial.close()
    if problem and older is not None:
        # Not "altered": the anchors were written after `edc audit migrate-chain` resealed
        # the links this backup still holds in the older format.
        raise BackupError(
            f"The restored store is sealed in the older chain format, but the chain was "
            f"migrated after this backup was made ({problem}): a backup from before "
            "`edc audit migrate-chain` cannot be checked against the anchors written since. "
            "Restore a backup made after the migration."
        )
    if problem:
        raise BackupError(
            f"The restored store is not the one anchored: {problem}. The backup was altered "
            "after that head was anchored: do not use it; `edc audit verify` reports it too."
        )
    newer = anchors.highest(found)
    if newer is not None and newer.head.position > current.position:
        return (
            f"This backup ends at position {current.position}, before the head {newer.head} "
            f"recorded in {newer.origin}. If restoring this older backup is deliberate, "
            "record it with `edc audit accept-restore --reason ...`; until then "
            "`edc audit verify` reports the newer events as deleted."
        )
    return ""


def _check_restored(settings: Settings, manifest: Manifest) -> None:
    """The restored store holds the backup's events, sealed by the same chain.

    A SQLite backup states its position exactly; a PostgreSQL one states a position read
    just before the dump, which the dump holds at least.
    """
    from edc.audit.chain import ChainHead, head_at

    trial = _open_existing(settings)
    try:
        events = trial.recorder.max_notification_id() or 0
        expected = ChainHead.parse(manifest.chain_head) if manifest.chain_head else None
        link = head_at(trial, expected.position) if expected else None
    finally:
        trial.close()
    short = events < manifest.events or (manifest.backend == "sqlite" and events != manifest.events)
    if short or (expected is not None and link != expected.link):
        raise BackupError(
            f"The restored store does not match the backup: it ends at position {events}, "
            f"the backup says {manifest.events} with chain head {manifest.chain_head}."
        )


@contextmanager
def _unpacked(source: Path) -> Iterator[Path]:
    if source.is_dir():
        yield source
        return
    if not is_archive(source):
        raise BackupError(f"{source} is neither a backup directory nor a .tar/.tar.gz archive.")
    with tempfile.TemporaryDirectory(prefix="edc-restore-") as scratch:
        try:
            with tarfile.open(source) as archive:
                # The "data" filter refuses links, devices and paths outside the directory.
                archive.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"Cannot read the archive {source}: {error}.") from None
        yield Path(scratch)


def _check_files(directory: Path, manifest: Manifest) -> None:
    for name, expected in manifest.files.items():
        path = directory / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if sha256_of(path) != expected["sha256"]:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")


def _restore_sqlite(settings: Settings, directory: Path, manifest: Manifest, force: bool) -> None:
    data_dir = settings.data_dir
    present = [p for p in data_dir.iterdir()] if data_dir.is_dir() else []
    if present and not force:
        raise BackupError(
            f"{data_dir} is not empty: restore into a new data directory, or give --force "
            "to replace everything in it."
        )
    private_directory(data_dir)
    if force:
        for old in present:
            if old.is_file() and (
                old.suffix == ".sqlite"
                or old.name.endswith(_SIDE_FILES)
                or old.name in manifest.files
            ):
                old.unlink()
    # The event store first, read models after it, each file replaced in one rename.
    names = sorted(manifest.files, key=lambda n: n != EVENT_STORE)
    for name in names:
        partial = data_dir / f".{name}.restoring"
        shutil.copy2(directory / name, partial)
        os.replace(partial, data_dir / name)


def _restore_postgres(settings: Settings, directory: Path, force: bool) -> None:
    dump = directory / PG_DUMP
    tables = _pg_tables(settings)
    if tables and not force:
        raise BackupError(
            f"The target database already has {len(tables)} tables: restore into an empty "
            "database, or give --force to replace everything in it."
        )
    replacing: list[str] = []
    if tables:
        # --clean drops what the dump recreates (tables, types, functions); tables made since
        # (read models the backup did not have yet) would be left stale, so drop them too.
        dumped = _dumped_tables(settings, dump)
        _drop_tables(settings, [t for t in tables if t not in dumped])
        replacing = ["--clean", "--if-exists"]
    _run_pg(
        settings,
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        *replacing,
        f"--dbname={_pg_environ(settings)['PGDATABASE']}",
        str(dump),
    )


def _dumped_tables(settings: Settings, dump: Path) -> set[tuple[str, str]]:
    """The tables in a dump's table of contents (`ID; OID OID TABLE schema name owner`)."""
    listing = subprocess.run(
        [str(pg_program("pg_restore")), "--list", str(dump)],
        env=_pg_environ(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read {dump.name}: {listing.stderr.strip()}")
    tables = set()
    for line in listing.stdout.splitlines():
        words = line.split()
        if len(words) >= 6 and not line.startswith(";") and words[3] == "TABLE":
            tables.add((words[4], words[5]))
    return tables


def _connect(settings: Settings) -> Any:
    import psycopg

    environ = _pg_environ(settings)
    return psycopg.connect(
        host=environ["PGHOST"],
        port=environ["PGPORT"],
        user=environ["PGUSER"],
        password=environ.get("PGPASSWORD") or None,
        dbname=environ["PGDATABASE"],
        connect_timeout=30,
        autocommit=True,
    )


def _pg_tables(settings: Settings) -> list[tuple[str, str]]:
    with _connect(settings) as conn:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_type = 'BASE TABLE'"
        ).fetchall()
    return [(str(schema), str(name)) for schema, name in rows]


def _drop_tables(settings: Settings, tables: list[tuple[str, str]]) -> None:
    from psycopg import sql

    with _connect(settings) as conn, conn.transaction():
        for schema, name in tables:
            conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(schema, name))
            )
