"""The read use cases (edc.usecases.reads, edc.usecases.downloads) scope and refuse per role,
site and blind by themselves, without the web: every page, route and command that reads asks
them, so these hold for all of them. Lists are asked both from caught-up read models and from
the application (read models behind the store)."""

from __future__ import annotations

import csv
import io
import json
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain.errors import PermissionDenied
from edc.application import SYSTEM, Trial
from edc.config import Settings
from edc.usecases.downloads import ExportKind, export_download, report_download, report_of
from edc.usecases.reads import Reads
from projections.db import ViewDatabase
from projections.exports.source import Cut
from projections.schema import BLINDED_TABLES, UNBLINDED_TABLES
from projections.spec import BLINDED as BLINDED_VIEW
from projections.spec import UNBLINDED as UNBLINDED_VIEW
from tests.app.conftest import PASSWORD
from tests.security.blind_store import (
    BLINDED,
    OTHER_SITE,
    TODAY,
    UNBLINDED_STAFF,
    BlindStore,
    open_trial,
    sign_in_as,
)
from web.config import WebConfig
from web.keys import TRIAL

ARMS = {"rest", "exercise"}


@pytest.fixture
def trial(blind_store: BlindStore, tmp_path: Path) -> Iterator[Trial]:
    app = open_trial(blind_store.copy_to(tmp_path / "var"))
    yield app
    app.close()


@pytest.fixture(params=["read models", "application"])
def reads(request: pytest.FixtureRequest, trial: Trial, tmp_path: Path) -> Iterator[Reads]:
    if request.param == "application":
        yield Reads(trial, None)
        return
    opened = Reads.open(Settings(data_dir=tmp_path / "var"), trial)
    opened.catch_up()
    yield opened
    opened.close()


def _refusals(trial: Trial, command: str) -> list[dict[str, object]]:
    manager = trial.actor_for(BLINDED["data_manager"])
    return [r for r in trial.list_refusals(manager, limit=1000) if r["command"] == command]


def test_a_site_role_lists_its_own_site_only(reads: Reads, blind_store: BlindStore) -> None:
    trial = reads.trial
    own = {row["id"] for row in reads.participants(trial.actor_for(UNBLINDED_STAFF), None)[0]}
    assert set(blind_store.participants.values()) <= own
    for name in OTHER_SITE.values():
        other = trial.actor_for(name)
        assert reads.participants(other, None)[0] == []
        assert reads.participant_progress(other, None)[0] == []
        assert reads.open_visits(other, TODAY) == []


@pytest.mark.parametrize("role", sorted(OTHER_SITE))
def test_a_site_role_asking_for_another_site_is_refused_and_logged(reads: Reads, role: str) -> None:
    trial = reads.trial
    other = trial.actor_for(OTHER_SITE[role])
    with pytest.raises(PermissionDenied, match="your own site"):
        reads.participants(other, "RINGE")
    with pytest.raises(PermissionDenied, match="your own site"):
        reads.participant_progress(other, "RINGE")
    logged = _refusals(trial, "participants")
    assert [r["user"] for r in logged] == [OTHER_SITE[role]] * 2
    assert all(r["target"] == {"site": "RINGE"} for r in logged)


def test_a_role_without_clinical_reading_gets_no_list(reads: Reads) -> None:
    trial = reads.trial
    trial.add_user(SYSTEM, "adam", "admin", PASSWORD)
    admin = trial.actor_for("adam")
    for read in (
        lambda: reads.participants(admin, None),
        lambda: reads.participant_progress(admin, None),
        lambda: reads.open_visits(admin, TODAY),
        lambda: reads.work_lists(admin, TODAY),
    ):
        with pytest.raises(PermissionDenied):
            read()


@pytest.mark.parametrize("role", sorted(BLINDED))
def test_a_blinded_account_never_reads_an_arm_in_a_list(reads: Reads, role: str) -> None:
    trial = reads.trial
    actor = trial.actor_for(BLINDED[role])
    rows, _ = reads.participants(actor, None)
    assert rows, role
    assert all(row.get("arm") is None for row in rows), role
    assert reads.serious_adverse_events(actor) == []
    unblinded, _ = reads.participants(trial.actor_for(UNBLINDED_STAFF), None)
    assert {row.get("arm") for row in unblinded} >= ARMS


def _counted(text: str) -> int:
    return len(list(csv.DictReader(io.StringIO(text))))


@pytest.mark.parametrize("role", sorted(OTHER_SITE))
def test_a_report_of_a_site_role_counts_its_own_site_only(trial: Trial, role: str) -> None:
    kind, suffix = report_of("visits.csv")
    other = trial.actor_for(OTHER_SITE[role])
    own = trial.actor_for(BLINDED[role])
    for actor, expected_rows in ((other, False), (own, True)):
        file = report_download(trial, actor, kind, suffix, "", None, "test")
        out = io.BytesIO()
        file.write(out)
        assert (_counted(out.getvalue().decode("utf-8")) > 0) is expected_rows, actor.user
    consort, dot_json = report_of("consort.json")
    file = report_download(trial, other, consort, dot_json, "", None, "test")
    out = io.BytesIO()
    file.write(out)
    assert json.loads(out.getvalue())["assessed"] == 0


@pytest.mark.parametrize("role", sorted(BLINDED))
def test_a_blinded_account_is_refused_the_unblinded_report_and_export(
    trial: Trial, role: str
) -> None:
    actor = trial.actor_for(BLINDED[role])
    kind, suffix = report_of("consort.json")
    before = trial.recorder.max_notification_id()
    with pytest.raises(PermissionDenied):
        report_download(trial, actor, kind, suffix, "unblinded", None, "test")
    with pytest.raises(PermissionDenied):
        export_download(trial, actor, ExportKind.CSV, "unblinded", None, "test")
    # Nothing was cut: no record of an unblinded export was written, only the refusals.
    written = trial.recorder.select_notifications(before + 1, 1000)
    assert written and not [n.topic for n in written if "UnblindedExport" in n.topic]
    assert {r["command"] for r in _refusals(trial, "report")} == {"report"}
    assert _refusals(trial, "export")


# The projector's own lookup, read by the unblinded projector and by no list: the review events
# of an arm-revealing record name only the record, whose id is derived one way from the
# participant's, so the record's Started event is kept to say whose record it is.
PROJECTOR_LOOKUPS = {f"{UNBLINDED_VIEW}_records"}


def test_every_table_of_the_read_models_is_read_by_a_read_use_case(
    trial: Trial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table written on every event but read by no production path is only a cost: every
    table of both read models is named in the SQL the read use cases run, for blinded and
    unblinded readers of every role (the projector's own lookups apart)."""
    for name, role in (("uri", "investigator"), ("umon", "monitor")):
        site = "RINGE" if role == "investigator" else None
        reason = "Reviews the harms"
        trial.add_user(
            SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason=reason
        )
    reads = Reads.open(Settings(data_dir=tmp_path / "var"), trial)
    try:
        reads.catch_up()
        asked: list[str] = []
        query = ViewDatabase.query

        def recorded(db: ViewDatabase, sql: str, params: Any = ()) -> Any:
            asked.append(sql)
            return query(db, sql, params)

        monkeypatch.setattr(ViewDatabase, "query", recorded)
        for name in [UNBLINDED_STAFF, "uri", "umon", *BLINDED.values()]:
            actor = trial.actor_for(name)
            reads.participants(actor, None, TODAY)
            reads.participant_progress(actor, None)
            reads.open_visits(actor, TODAY)
            reads.serious_adverse_events(actor)
            reads.work_lists(actor, TODAY)
            for newest_first in (False, True):
                found = reads.audit_positions(
                    actor,
                    user=None,
                    form="mri",
                    item="MODIC_TYPE",
                    since=0,
                    before=None,
                    newest_first=newest_first,
                )
                assert found is not None
                list(found)
                found = reads.audit_positions(
                    actor,
                    user=name,
                    form=None,
                    item=None,
                    since=0,
                    before=None,
                    newest_first=newest_first,
                )
                assert found is not None
                list(found)
    finally:
        reads.close()
    named = {word for sql in asked for word in re.findall(r"\b(?:un)?blinded_\w+", sql)}
    tables = {f"{BLINDED_VIEW}_{table}" for table in BLINDED_TABLES} | {
        f"{UNBLINDED_VIEW}_{table}" for table in UNBLINDED_TABLES
    }
    assert tables - named - PROJECTOR_LOOKUPS == set()
    assert tables >= PROJECTOR_LOOKUPS


# ---- every read route asks the read use cases ---------------------------------------------

# A value for each path parameter of the app's GET routes (a new parameter fails the test below
# until it is given one here, so a new route cannot be left out).
PATH_VALUES = {
    "form": "baseline",
    "item": "LBP_NOW",
    "visit": "week10",
    "qid": "00000000-0000-0000-0000-000000000000",
    "job": "00000000-0000-0000-0000-000000000000",
    "token": "not-a-token",
    "view": "blinded",
}
# Routes whose parameter means something of its own there.
ROUTE_VALUES = {
    "/exports/{kind}": {"kind": "csv"},
    "/reports/{name}": {"name": "visits.csv"},
    "/users/{name}": {"name": UNBLINDED_STAFF},
    "/analysis/jobs/{job}/files/{name}": {"name": "report.html"},
}
# Reads of the lists and files that the route must ask of the doors, named by the use case
# (a function of edc/usecases/reads.py or edc/usecases/downloads.py) that makes the read.
DOOR_OF = {
    "/": {"participants", "serious_adverse_events"},
    "/participants": {"participant_progress"},
    "/participants?format=csv": {"participant_progress"},
    "/participants?visit_due=2024-04-01": {"participant_progress"},
    "/participants/{pid}": {"participant_visits"},
    "/work": {"work_lists"},
    "/audit?form=mri&item=MODIC_TYPE": {"audit_positions"},
    "/audit?user=sara": {"audit_positions"},
    "/exports/{kind}": {"export_download"},
    "/exports/csv?view=unblinded": {"export_download"},
    "/reports/{name}": {"report_download"},
    "/reports/consort.json": {"report_download"},
    "/participants/{pid}/casebook.pdf": {"casebook_download"},
    "/casebooks/archive.zip": {"archive_download"},
    "/casebooks/annotated-crf.pdf": {"annotated_crf_download"},
    "/api/v1/participants": {"participant_records"},
    "/api/v1/exports/odm": {"export_download"},
    "/api/v1/snapshots/{view}": {"export_download"},
}
DOORS = ("edc/usecases/reads.py", "edc/usecases/downloads.py")


def _get_routes() -> list[str]:
    from aiohttp import web as aiohttp_web

    from web import routes

    app = aiohttp_web.Application()
    routes.add_routes(app)
    paths = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        if route.method == "GET" and "prefix" not in info:  # static files have a prefix
            paths.add(str(info.get("path") or info.get("formatter")))
    return sorted(paths)


def _url(route: str, pid: str) -> str:
    values = {**PATH_VALUES, "pid": pid, **ROUTE_VALUES.get(route.split("?")[0], {})}
    url = route
    for name in re.findall(r"{(\w+)}", route):
        assert name in values, f"no value for {{{name}}} of {route}: add one to PATH_VALUES"
        url = url.replace(f"{{{name}}}", values[name])
    return url


def _door(stack: list[Any]) -> str | None:
    """The read use case on the stack (the outermost frame in a door), if any; a lazy read
    (the audit locator's pages) runs in the use case's own private generator."""
    for frame in stack:
        if frame.filename.replace("\\", "/").endswith(DOORS):
            return str(frame.name).lstrip("_")
    return None


async def test_every_read_route_asks_the_read_use_cases(
    blind_client: TestClient,
    blind_store: BlindStore,
    web_config: WebConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every GET route of the app, asked by an unblinded and a blinded account: each read of
    the read models (any SQL over their tables) and each cut of the store for a file is made
    inside a read use case (edc/usecases/reads.py, edc/usecases/downloads.py), never by the web
    itself, nor the application's participant list; and each list and file route asks the use
    case that answers it (a new GET route is asked too, so it is held to the same)."""
    reads: list[tuple[str, str | None]] = []  # (what was read, the use case that read it)
    query, cut_of = ViewDatabase.query, Cut.of.__func__  # type: ignore[attr-defined]

    def reading(what: str) -> None:
        stack = traceback.extract_stack()
        if not any(f.filename.endswith("projections/runner.py") for f in stack):
            reads.append((what, _door(stack)))

    def recorded_query(db: ViewDatabase, sql: str, params: Any = ()) -> Any:
        if re.search(r"\b(?:un)?blinded_\w+", sql):
            reading(sql)
        return query(db, sql, params)

    def recorded_cut(cls: type[Cut], *args: Any, **kwargs: Any) -> Cut:
        reading("a cut of the store")
        return cut_of(cls, *args, **kwargs)

    def recorded_list(trial: Trial, *args: Any, **kwargs: Any) -> Any:
        reading("the application's participant list")
        return list_participants(trial, *args, **kwargs)

    list_participants = Trial.list_participants
    monkeypatch.setattr(ViewDatabase, "query", recorded_query)
    monkeypatch.setattr(Cut, "of", classmethod(recorded_cut))
    monkeypatch.setattr(Trial, "list_participants", recorded_list)
    # Unblinded accounts that may have the unblinded export and the site's archive.
    trial: Trial = blind_client.app[TRIAL]
    tokens = dict(blind_store.tokens)
    for name, role in (("udo", "data_manager"), ("uri", "investigator")):
        site = "RINGE" if role == "investigator" else None
        trial.add_user(
            SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="Harms"
        )
        tokens[name] = trial.issue_token(SYSTEM, name, "tests")
    routes = _get_routes()
    extra = [path for path in DOOR_OF if path not in routes]  # routes asked with a filter
    asked: dict[str, set[str]] = {}
    for name in (UNBLINDED_STAFF, "udo", "uri", BLINDED["monitor"], BLINDED["data_manager"]):
        sign_in_as(blind_client, web_config, name)
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        for route in [*routes, *extra]:
            reads.clear()
            url = _url(route, blind_store.rest)
            response = await blind_client.get(
                url, headers=headers if url.startswith("/api/") else None, allow_redirects=False
            )
            await response.read()
            assert response.status < 500, (name, url, response.status)
            outside = [what for what, door in reads if door is None]
            assert outside == [], f"{url} read without a read use case: {outside[:3]}"
            asked.setdefault(route, set()).update(door for _what, door in reads if door)
    missing = {
        route: doors - asked.get(route, set())
        for route, doors in DOOR_OF.items()
        if doors - asked.get(route, set())
    }
    assert missing == {}
