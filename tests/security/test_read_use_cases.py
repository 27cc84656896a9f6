"""The read use cases (edc.usecases.reads, edc.usecases.downloads) scope and refuse per role,
site and blind by themselves, without the web: every page, route and command that reads asks
them, so these hold for all of them. Lists are asked both from caught-up read models and from
the application (read models behind the store)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.errors import PermissionDenied
from edc.application import SYSTEM, Trial
from edc.config import Settings
from edc.usecases.downloads import ExportKind, export_download, report_download, report_of
from edc.usecases.reads import Reads
from projections.db import ViewDatabase
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
)

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
