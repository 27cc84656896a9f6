"""More first uses that processes make at the same moment: servers, a read-model follower and
the command line opening one data directory, key directory or head log together.

Each attack lets several openers go at once behind a barrier, many rounds over, each round on
something fresh. Threads stand in for processes where the database or the file system treats
them alike: every thread here has its own connections and its own file descriptors.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.fernet import Fernet

from cli import serve
from domain.actor import Actor
from edc.application import SYSTEM, Trial
from edc.audit.anchors import quick_check
from edc.audit.chain import ChainHead
from edc.audit.head_log import WITNESS_FILE, HeadLog
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.rate_limit_store import open_rate_limit_store
from edc.read_model_wiring import build_projections, open_view_database
from edc.unsaved_typing import UnsavedTyping, open_unsaved_database
from projections.schema import TRACKING_TABLE
from tests.app.journeys import screened
from tests.audit.tamper import RawStore
from tests.reliability.helpers import populate, read_model_rows, stored_events
from web.session_key import KEY_FILE, PHONE_KEY_FILE, key_directory, phone_key, session_key

AT_ONCE = 6
# Rounds enough that a race lost now and then at a fresh file is lost at least once.
FILE_ROUNDS = 60
KEY_ROUNDS = 40

T = TypeVar("T")


def _together(count: int, start: Callable[[], T]) -> list[T | BaseException]:
    """`start()` in `count` threads let go at one moment: what each returned or raised."""
    barrier = threading.Barrier(count)

    def run(_: int) -> T | BaseException:
        barrier.wait()
        try:
            return start()
        except Exception as exc:  # what the test reports
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _failures(results: list[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


# ---- SQLite files of a fresh data directory, opened by several processes at once ---------


def _open_event_store(settings: Settings) -> None:
    trial = build_trial(settings)
    try:
        trial.recorder.max_notification_id()
    finally:
        trial.close()


def _open_read_models(settings: Settings) -> None:
    trial = build_trial(settings)
    try:
        build_projections(settings, trial).db.close()
    finally:
        trial.close()


def _open_unsaved_typing(settings: Settings) -> None:
    db = open_unsaved_database(settings)
    try:
        UnsavedTyping(db, Fernet.generate_key().decode(), lambda: 0.0).ensure_schema()
    finally:
        db.close()


def _open_rate_limits(settings: Settings) -> None:
    store = open_rate_limit_store(settings)
    store.acquire_entry("login:127.0.0.1", 10, 60)
    store.close()


OPENERS: dict[str, Callable[[Settings], None]] = {
    "event store": _open_event_store,
    "read models": _open_read_models,
    "unsaved typing": _open_unsaved_typing,
    "rate limits": _open_rate_limits,
}


@pytest.mark.parametrize("store", sorted(OPENERS))
def test_sqlite_files_opened_by_processes_starting_together(store: str, tmp_path: Path) -> None:
    # A server and the read-model follower it starts (`--read-models process`), or two
    # servers, open a fresh data directory at once: each SQLite file is switched to WAL by
    # whoever opens it first, and SQLite refused the others with "database is locked" at
    # once, whatever the busy timeout, so a server or the follower did not start.
    open_store = OPENERS[store]
    if store == "read models":
        _open_event_store(Settings(data_dir=tmp_path / "warm"))  # imports, off the race
    for round_ in range(FILE_ROUNDS):
        settings = Settings(data_dir=tmp_path / f"data{round_}")
        if store == "read models":
            _open_event_store(settings)  # the server checked the store before it started
        assert _failures(_together(AT_ONCE, partial(open_store, settings))) == []
    open_store(settings)  # and it opens again afterwards, as it was made


# ---- key files an older version kept in the data directory, moved by both -----------------


@pytest.mark.parametrize(
    ("make_key", "file_name"),
    [(session_key, KEY_FILE), (phone_key, PHONE_KEY_FILE)],
    ids=["session", "phone"],
)
def test_servers_starting_together_move_a_legacy_key_once(
    make_key: Callable[[Path], str], file_name: str, tmp_path: Path
) -> None:
    # Upgrading: the key sits in the data directory, where an older version kept it. Every
    # starting process moves it into the key directory; one that found it there and then
    # lost the move to another failed on the missing file and the server did not start.
    for round_ in range(KEY_ROUNDS):
        settings = Settings(data_dir=tmp_path / f"data{round_}")
        settings.data_dir.mkdir()
        kept = Fernet.generate_key().decode()
        (settings.data_dir / file_name).write_text(kept + "\n")
        got = _together(AT_ONCE, partial(_moved_key, make_key, settings))
        assert _failures(got) == []
        # Everyone kept the key the sessions (or phone digests) were made with.
        assert set(got) == {kept}
        assert not (settings.data_dir / file_name).exists()


def _moved_key(make_key: Callable[[Path], str], settings: Settings) -> str:
    return make_key(key_directory(settings))


# ---- a server starting while another process writes --------------------------------------

WRITES = 40
HEAD_LOG_LINES = 200
SWITCH_INTERVAL_S = 1e-5


def _while(write: Callable[[], None], look: Callable[[], T]) -> list[T]:
    """`look()` over and over while `write()` runs in another thread (at least once after)."""
    done = threading.Event()

    def writing() -> None:
        try:
            write()
        finally:
            done.set()

    seen: list[T] = []
    # Threads switch often, as processes on several cores interleave.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        with ThreadPoolExecutor(1) as pool:
            written = pool.submit(writing)
            while not done.is_set():
                seen.append(look())
            written.result()
    finally:
        sys.setswitchinterval(interval)
    seen.append(look())
    return seen


def test_a_server_starting_while_another_writes_finds_the_store_sound(
    settings: Settings, trial: Trial, actors: dict[str, Actor]
) -> None:
    # `edc serve` checks the store at a glance before it serves (counts, the newest anchor).
    # Another server, a follower or a command writing meanwhile commits events with their
    # links, and anchors the heads it committed: nothing the check may take for tampering.
    staff = actors["site_staff"]
    screened(trial, staff)
    probe = build_trial(settings)
    try:
        findings = _while(
            lambda: [screened(trial, staff) for _ in range(WRITES)],
            lambda: quick_check(probe, settings),
        )
    finally:
        probe.close()
    assert {finding for finding in findings if finding} == set()


def test_the_head_log_read_while_another_process_appends_is_whole(tmp_path: Path) -> None:
    # Every process appends its committed heads to one log and rewrites the witness of its
    # length; a server checking the log as it starts reads it meanwhile.
    log = HeadLog(tmp_path / "anchors", witness=tmp_path / "data" / WITNESS_FILE)
    head = ChainHead(1, "ab" * 32)

    def append() -> None:
        for _ in range(HEAD_LOG_LINES):
            log.append("commit", head, sync=False)

    problems = _while(append, lambda: log.entries()[1])
    assert {problem for found in problems for problem in found} == set()
    entries, final = log.entries()
    assert (len(entries), final) == (HEAD_LOG_LINES, [])


# ---- a store of an older version, opened by several processes at once --------------------

UPGRADE_ROUNDS = 8


def test_servers_starting_together_on_a_chain_without_the_locator_column(
    settings: Settings, trial: Trial, actors: dict[str, Actor]
) -> None:
    # A chain made before the participant locator gets the column when first opened; the
    # servers and the follower of an upgrade open it at the same moment.
    staff = actors["site_staff"]
    screened(trial, staff)
    trial.close()
    raw = RawStore(settings)
    for _ in range(UPGRADE_ROUNDS):
        raw.execute(f"DROP INDEX {raw.chain_table}_participant")
        raw.execute(f"ALTER TABLE {raw.chain_table} DROP COLUMN participant_id")
        assert _failures(_together(AT_ONCE, partial(_open_event_store, settings))) == []
    reopened = build_trial(settings)
    try:
        screened(reopened, staff)
        assert quick_check(reopened, settings) is None
    finally:
        reopened.close()


def _open_and_catch_up(settings: Settings, opened: threading.Barrier) -> None:
    trial = build_trial(settings)
    try:
        projections = build_projections(settings, trial)
        try:
            opened.wait()  # every process has opened (one of them rebuilt) before any catches up
            projections.catch_up()
        finally:
            projections.db.close()
    finally:
        trial.close()


def _built_by_schema(settings: Settings, version: str) -> None:
    db = open_view_database(settings)
    try:
        with db.transaction() as cur:
            cur.execute(f"UPDATE {TRACKING_TABLE} SET schema_version = ?", (version,))
    finally:
        db.close()


def test_servers_starting_together_on_read_models_of_an_older_schema(
    settings: Settings, trial: Trial, actors: dict[str, Actor]
) -> None:
    # After an upgrade the read models were built by another schema: the first process to
    # open them rebuilds them from the events while the others open them too, and all of
    # them then catch up at once (the follower, and pages asking to read their writes).
    populate(trial, actors)
    projections = build_projections(settings, trial)
    projections.catch_up()
    projections.db.close()
    built = read_model_rows(settings)
    for round_ in range(UPGRADE_ROUNDS):
        _built_by_schema(settings, f"old{round_}")
        opened = threading.Barrier(AT_ONCE)
        results = _together(AT_ONCE, partial(_open_and_catch_up, settings, opened))
        assert _failures(results) == []
        assert read_model_rows(settings) == built


# ---- the first account, made by two administrators at once --------------------------------

ACCOUNT_AT_ONCE = 3  # hashing a password is slow on purpose


def _add_admin(settings: Settings, password: str) -> str:
    trial = build_trial(settings)
    try:
        trial.add_user(SYSTEM, "adam", "admin", password, one_time=False)
        return password
    finally:
        trial.close()


def test_the_same_account_made_by_commands_run_together_is_made_once(settings: Settings) -> None:
    # Two staff run `edc users add adam` at the same moment (or a script runs twice): one
    # account is made, and the others are told it exists, nothing else.
    passwords = iter([f"correct horse battery {n}" for n in range(ACCOUNT_AT_ONCE)])
    results = _together(ACCOUNT_AT_ONCE, lambda: _add_admin(settings, next(passwords)))
    made = [r for r in results if isinstance(r, str)]
    assert len(made) == 1
    refusals = {str(r) for r in results if isinstance(r, BaseException)}
    assert refusals == {"A user called 'adam' already exists."}
    trial = build_trial(settings)
    try:
        assert [u["name"] for u in trial.list_users()] == ["adam"]
        assert trial.authenticate("adam", made[0]).user == "adam"
    finally:
        trial.close()


# ---- the demo, seeded by two servers started at once on an empty store -------------------

DEMO_PEOPLE = 4
DEMO_ROUNDS = 6
REFUSAL_TOPIC = "domain.refusal_log:CommandRefused"


def test_two_demo_servers_starting_together_seed_one_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `edc serve --demo` seeds an empty store. Started twice at the same moment, both found
    # it empty; the second then failed on the first demo account the other had made
    # ("A user called 'sara' already exists") and did not start.
    monkeypatch.setattr(serve, "DEMO_PARTICIPANTS", DEMO_PEOPLE)
    alone = Settings(data_dir=tmp_path / "alone")
    assert serve._seed_demo(alone)
    for round_ in range(DEMO_ROUNDS):
        settings = Settings(data_dir=tmp_path / f"together{round_}")
        seeded = _together(2, partial(serve._seed_demo, settings))
        # One seeded it, the other serves it as a store that already holds data: the store
        # holds one demo, the one a server alone seeds, and the record of the account refused.
        assert sorted(seeded, key=repr) == [False, True]
        assert _demo_events(settings) == _demo_events(alone)


def _demo_events(settings: Settings) -> list[tuple[object, ...]]:
    # Which aggregates, at which versions, by which events (passwords are salted anew).
    return [row[1:4] for row in stored_events(settings) if row[3] != REFUSAL_TOPIC]
