"""The throwaway PostgreSQL server from tests/pg.py, and eventsourcing on top of it."""

from __future__ import annotations

import socket
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from edc.pgurl import postgres_env
from tests import pg
from tests.pg import PostgresServer


def _connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, autocommit=True, connect_timeout=10)


@pytest.mark.postgres
def test_server_listens_on_loopback_tcp(postgres_server: PostgresServer) -> None:
    assert postgres_server.host == "127.0.0.1"
    assert postgres_server.user == "edc"
    with socket.create_connection((postgres_server.host, postgres_server.port), timeout=5):
        pass
    with postgres_server.connect() as conn:
        row = conn.execute("SELECT current_user, current_setting('fsync')").fetchone()
    assert row == ("edc", "off")


@pytest.mark.postgres
def test_create_insert_read_back(postgres_url: str, postgres_server: PostgresServer) -> None:
    assert postgres_url.startswith(f"postgresql://edc@127.0.0.1:{postgres_server.port}/")
    with _connect(postgres_url) as conn:
        conn.execute("CREATE TABLE visit (id int PRIMARY KEY, label text NOT NULL)")
        conn.execute("INSERT INTO visit VALUES (%s, %s), (%s, %s)", (1, "baseline", 2, "week 8"))
        rows = conn.execute("SELECT id, label FROM visit ORDER BY id").fetchall()
    assert rows == [(1, "baseline"), (2, "week 8")]


@pytest.mark.postgres
def test_databases_are_isolated(postgres_url: str, postgres_server: PostgresServer) -> None:
    other_url = postgres_server.create_database(postgres_server.unique_name("other"))
    assert other_url != postgres_url
    for url, label in ((postgres_url, "first"), (other_url, "second")):
        with _connect(url) as conn:
            conn.execute("CREATE TABLE t (label text)")  # same name in both: no clash
            conn.execute("INSERT INTO t VALUES (%s)", (label,))
    for url, label in ((postgres_url, "first"), (other_url, "second")):
        with _connect(url) as conn:
            assert conn.execute("SELECT label FROM t").fetchall() == [(label,)]


@pytest.mark.postgres
@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_an_empty_database(postgres_url: str, run: int) -> None:
    # Both runs create the same table without IF NOT EXISTS: a shared database would fail.
    with _connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE marker (run int)")
        conn.execute("INSERT INTO marker VALUES (%s)", (run,))


@pytest.mark.postgres
def test_create_database_rejects_unsafe_names(postgres_server: PostgresServer) -> None:
    with pytest.raises(ValueError, match="database name"):
        postgres_server.create_database('x"; DROP DATABASE postgres; --')


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Edited")
    def edit(self, text: str) -> None:
        self.text = text


class Notebook(Application[UUID]):
    def write(self, text: str) -> UUID:
        note = Note(text)
        self.save(note)
        return note.id

    def edit(self, note_id: UUID, text: str) -> None:
        note: Note = self.repository.get(note_id)
        note.edit(text)
        self.save(note)

    def read(self, note_id: UUID) -> tuple[str, int]:
        note: Note = self.repository.get(note_id)
        return note.text, note.version


@pytest.mark.postgres
def test_eventsourcing_application_on_postgres(postgres_url: str) -> None:
    env = postgres_env(postgres_url)
    assert env["POSTGRES_PASSWORD"] == ""
    writer = Notebook(env=env)
    try:
        note_id = writer.write("baseline visit")
        writer.edit(note_id, "baseline visit, rescheduled")
    finally:
        writer.close()

    # A second application instance has no cache: the state comes from PostgreSQL.
    reader = Notebook(env=env)
    try:
        assert reader.read(note_id) == ("baseline visit, rescheduled", 2)
    finally:
        reader.close()

    with _connect(postgres_url) as conn:
        topics = conn.execute(
            "SELECT topic FROM notebook_events WHERE originator_id = %s "
            "ORDER BY originator_version",
            (note_id,),
        ).fetchall()
    assert [t for (t,) in topics] == [
        f"{__name__}:Note.Written",
        f"{__name__}:Note.Edited",
    ]


# The skip-or-fail rule itself; these need no server.


def test_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        pg.unavailable("no binaries")


def test_missing_server_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no binaries"):
        pg.unavailable("no binaries")


class _FakeItem:
    def __init__(self, *fixturenames: str, marked: bool = False) -> None:
        self.fixturenames = fixturenames
        self.marks = [pytest.mark.postgres.mark] if marked else []

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return next((m for m in self.marks if m.name == name), None)

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.marks.append(marker.mark)


def test_fixture_users_get_the_postgres_mark() -> None:
    unmarked_url = _FakeItem("tmp_path", "postgres_url")
    unmarked_server = _FakeItem("postgres_server")
    marked = _FakeItem("postgres_url", marked=True)
    other = _FakeItem("tmp_path")
    items = [unmarked_url, unmarked_server, marked, other]
    pg.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [len(i.marks) for i in items] == [1, 1, 1, 0]
    assert unmarked_url.get_closest_marker("postgres") is not None
