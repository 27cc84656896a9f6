"""Queries on arm-revealing forms (issue 10, "Who handles harms"): an unblinded monitor raises
a query on an adverse event, an unblinded investigator of the site answers it (again, with a
correction of the event, saved with the answer), the monitor closes and re-opens it; lists,
counts, the trail and the casebook show it to unblinded readers only; an open one blocks the
database lock, told to a blinded data manager without number or place. On SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from domain.actor import Actor
from domain.errors import FormInvalid, NotFound, PermissionDenied, StaleVersion
from domain.prelock import ARM_REVEALING_QUERIES, ARM_REVEALING_QUERIES_OPEN
from edc.application import SYSTEM, Trial
from edc.query_lookup import load_query_index
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


class Harms:
    def __init__(self, trial: Trial, actors: dict[str, Actor]) -> None:
        self.investigator = unblinded(trial, "uffe", "investigator", "RINGE")
        self.monitor = unblinded(trial, "ulla", "monitor", None)
        self.pid, self.arm = randomised(trial, actors["site_staff"])
        trial.record_form(
            self.investigator,
            self.pid,
            "adverse_event",
            factories.adverse_event(),
            expected_version=0,
        )


@pytest.fixture
def harms(trial: Trial, actors: dict[str, Actor]) -> Harms:
    return Harms(trial, actors)


def raise_on_severity(trial: Trial, harms: Harms) -> dict[str, Any]:
    return trial.raise_query(
        harms.monitor,
        harms.pid,
        "adverse_event",
        "AE_SEVERITY",
        "The letter says moderate?",
        week=1,
    )


def test_an_adverse_event_is_queried_answered_corrected_closed_and_reopened(
    trial: Trial, actors: dict[str, Actor], harms: Harms
) -> None:
    participant_version = trial.load_participant(harms.pid).version
    raised = raise_on_severity(trial, harms)
    assert (raised["form"], raised["week"], raised["item"]) == ("adverse_event", 1, "AE_SEVERITY")
    assert raised["status"] == "open" and raised["arm_revealing"] is True
    form = trial.get_participant(harms.investigator, harms.pid)["forms"]["adverse_event"]
    assert form["open_queries"] == 1

    first = trial.answer_query(harms.investigator, raised["id"], "Mild per the GP's note.")
    assert first["status"] == "answered"
    assert (
        trial.load_arm_revealing_record(harms.pid).sheets["adverse_event:01"]["AE_SEVERITY"]
        == "mild"
    )
    # Answered again while not closed: the value left in the item is the correction.
    again = trial.answer_query(
        harms.investigator,
        raised["id"],
        "Moderate per the discharge letter.",
        expected_version=1,
        as_left={"AE_SEVERITY": "moderate"},
    )
    assert again["history"][-1]["changes"] == {"AE_SEVERITY": ["mild", "moderate"]}
    record = trial.load_arm_revealing_record(harms.pid)
    assert record.sheets["adverse_event:01"]["AE_SEVERITY"] == "moderate"
    assert record.form_version("adverse_event") == 2
    [history] = [
        row
        for row in trial.item_history(harms.investigator, harms.pid, "adverse_event", "AE_SEVERITY")
        if row["old"] == "mild"
    ]
    assert history["reason"]["code"] == "query_resolution"
    assert "discharge letter" in history["reason"]["text"]

    closed = trial.close_query(harms.monitor, raised["id"], "Agreed.")
    assert closed["status"] == "closed"
    assert trial.open_queries(harms.monitor, participant_id=harms.pid) == []
    with pytest.raises(PermissionDenied):
        trial.reopen_query(actors["site_staff"], raised["id"], "not mine")
    reopened = trial.reopen_query(harms.monitor, raised["id"], "Another letter came.")
    assert reopened["status"] == "open"

    # Nothing a blinded reader counts moved: the participant's version, their query index.
    assert trial.load_participant(harms.pid).version == participant_version
    assert load_query_index(trial, harms.pid) is None


def test_a_stale_or_invalid_correction_changes_nothing(trial: Trial, harms: Harms) -> None:
    raised = raise_on_severity(trial, harms)
    with pytest.raises(StaleVersion):
        trial.answer_query(
            harms.investigator,
            raised["id"],
            "Moderate.",
            expected_version=0,
            as_left={"AE_SEVERITY": "moderate"},
        )
    with pytest.raises(FormInvalid):
        trial.answer_query(
            harms.investigator,
            raised["id"],
            "Worse.",
            expected_version=1,
            as_left={"AE_SEVERITY": "catastrophic"},
        )
    with pytest.raises(FormInvalid):
        trial.answer_query(
            harms.investigator,
            raised["id"],
            "Another number.",
            {"AE_NO": 2},
            expected_version=1,
        )
    assert trial.get_query(harms.monitor, raised["id"])["status"] == "open"
    assert trial.load_arm_revealing_record(harms.pid).form_version("adverse_event") == 1
    # The refusal log keeps no item names or message of a refused arm-revealing answer.
    logged = [r for r in trial.list_refusals(harms.monitor) if r["command"] == "answer_query"]
    assert logged and all(not r["items"] for r in logged)
    assert not any("AE_" in str(r) or "catastrophic" in str(r) for r in logged)


def test_who_raises_and_answers(trial: Trial, actors: dict[str, Actor], harms: Harms) -> None:
    # Site roles do not raise queries; an unblinded data manager does.
    with pytest.raises(PermissionDenied):
        trial.raise_query(harms.investigator, harms.pid, "adverse_event", "AE_TERM", "?", week=1)
    manager = unblinded(trial, "ulf", "data_manager", None)
    raised = trial.raise_query(manager, harms.pid, "adverse_event", "AE_TERM", "Term?", week=1)
    # Unblinded site staff of the site answer; another site's staff and a monitor do not.
    trial.add_user(SYSTEM, "sven", "site_staff", PASSWORD, site="ODENSE")
    with pytest.raises(PermissionDenied):
        trial.answer_query(trial.actor_for("sven"), raised["id"], "Not ours.")
    with pytest.raises(PermissionDenied):
        trial.answer_query(harms.monitor, raised["id"], "I am no site.")
    answered = trial.answer_query(actors["site_staff"], raised["id"], "The term is right.")
    assert answered["status"] == "answered"
    # An adverse event not reported, a form not entered: nothing to query.
    with pytest.raises(NotFound):
        trial.raise_query(manager, harms.pid, "adverse_event", "AE_TERM", "?", week=2)
    with pytest.raises(NotFound):
        trial.raise_query(manager, harms.pid, "discontinuation", "DISC_DATE", "?")


def test_blinded_readers_count_and_see_none_of_them(
    trial: Trial, actors: dict[str, Actor], harms: Harms
) -> None:
    ordinary = trial.raise_query(actors["monitor"], harms.pid, "baseline", "LBP_NOW", "7?")
    raised = raise_on_severity(trial, harms)
    for role in ("monitor", "data_manager", "investigator"):
        reader = actors[role]
        ids = [q["id"] for q in trial.open_queries(reader)]
        assert ids == [ordinary["id"]], role
        assert [q["id"] for q in trial.open_queries(reader, participant_id=harms.pid)] == ids
        with pytest.raises(NotFound) as refused:
            trial.get_query(reader, raised["id"])
        assert str(refused.value) == "No such query."
        trail = trial.participant_trail(reader, harms.pid) if role != "investigator" else []
        assert not [row for row in trail if "arm-revealing" in str(row)]
    unblinded_ids = {q["id"] for q in trial.open_queries(harms.monitor)}
    assert unblinded_ids == {ordinary["id"], raised["id"]}
    # Site staff (unblinded) see their site's; the unblinded trail words each step.
    assert {q["id"] for q in trial.open_queries(actors["site_staff"])} == unblinded_ids
    words = [row["words"] for row in trial.participant_trail(harms.monitor, harms.pid)]
    assert "Query on an arm-revealing form raised" in words


def test_the_casebook_shows_them_to_unblinded_readers_only(
    trial: Trial, actors: dict[str, Actor], harms: Harms
) -> None:
    raised = raise_on_severity(trial, harms)
    trial.answer_query(harms.investigator, raised["id"], "Mild.")
    unblinded_paper = trial.casebook_paper(harms.monitor, harms.pid)
    assert [q["id"] for q in unblinded_paper.queries] == [raised["id"]]
    assert unblinded_paper.queries[0]["status"] == "answered"
    blinded_paper = trial.casebook_paper(actors["monitor"], harms.pid)
    assert blinded_paper.queries == []
    assert "arm-revealing" not in str(blinded_paper.trail)


def test_an_open_query_on_an_adverse_event_blocks_the_lock_without_saying_where(
    trial: Trial, actors: dict[str, Actor], harms: Harms
) -> None:
    manager = actors["data_manager"]  # blinded
    before = trial.pre_lock_checks(manager)
    assert before[ARM_REVEALING_QUERIES]["findings"] == []
    raised = raise_on_severity(trial, harms)
    raise_on_severity(trial, harms)
    checks = trial.pre_lock_checks(manager)
    # One finding however many are open, with no participant, form or item in it.
    assert checks[ARM_REVEALING_QUERIES]["findings"] == [ARM_REVEALING_QUERIES_OPEN]
    assert checks[ARM_REVEALING_QUERIES]["details"] == []
    assert "adverse" not in str(checks).lower()
    # An unblinded data manager is told which.
    seen = trial.pre_lock_checks(unblinded(trial, "ulf", "data_manager", None))
    [detail, _] = seen[ARM_REVEALING_QUERIES]["details"]
    assert detail.endswith("adverse_event 1 AE_SEVERITY (open)")

    overrides = {k: v for k, v in factories.LOCK_OVERRIDES.items() if k != ARM_REVEALING_QUERIES}
    with pytest.raises(FormInvalid) as refused:
        trial.lock_database(manager, PASSWORD, overrides)
    assert set(refused.value.fields) == {ARM_REVEALING_QUERIES}
    trial.close_query(harms.monitor, raised["id"])
    assert trial.pre_lock_checks(manager)[ARM_REVEALING_QUERIES]["findings"]  # one still open
    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    assert trial.database_locked()
    # A locked database takes no query step.
    with pytest.raises(Exception) as locked:
        trial.reopen_query(harms.monitor, raised["id"], "again")
    assert getattr(locked.value, "code", None) == "locked"


def test_lists_keep_to_the_readers_site(trial: Trial, harms: Harms) -> None:
    raised = raise_on_severity(trial, harms)
    odense = unblinded(trial, "olga", "investigator", "ODENSE")
    assert trial.open_queries(odense) == []
    with pytest.raises(PermissionDenied):
        trial.open_queries(odense, participant_id=harms.pid)
    with pytest.raises(PermissionDenied):
        trial.get_query(odense, raised["id"])
    assert [q["id"] for q in trial.open_queries(harms.investigator)] == [raised["id"]]
