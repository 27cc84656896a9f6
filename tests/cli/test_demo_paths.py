"""The demo exercises every path of the trial as it really ran: adverse events with a serious
one, discontinuations with and without further follow-up, skipped answers with missing codes
(one visit without its primary outcome), corrections after randomisation that are deviations,
a loss to follow-up, and the unblinded investigator, monitor and data manager who handle harms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edc.application import Trial
from edc.config import Settings
from edc.demo.build import build_demo
from edc.exports import store_reader
from edc.query_lookup import arm_revealing_queries_of
from edc.review_presenters import query_view
from projections.exports import Cut, View
from projections.reports.consort import consort_counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trial]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo") / "var")
    trial = build_demo(settings, 120, seed=2, progress=False)
    yield trial
    trial.close()


def test_the_demo_has_an_unblinded_investigator_and_monitor(demo: Trial) -> None:
    users = {user["name"]: user for user in demo.list_users()}
    assert (users["uffe"]["role"], users["uffe"]["blinded"]) == ("investigator", False)
    assert (users["ulla"]["role"], users["ulla"]["blinded"]) == ("monitor", False)
    assert users["ivan"]["blinded"] and users["mona"]["blinded"]
    # The unblinded monitor re-checks the allocations: every one agrees.
    result = demo.recheck_allocations(demo.actor_for("ulla"))
    assert result["allocations"] > 8 and result["agree"] == result["allocations"]


def test_harms_and_discontinuations_per_arm_only_in_the_unblinded_consort(demo: Trial) -> None:
    reader = store_reader(demo)
    unblinded = consort_counts(Cut.of(reader, View.UNBLINDED))
    arms = unblinded["arms"].values()
    assert sum(arm["harms"]["serious_adverse_events"] for arm in arms) >= 1
    assert sum(arm["harms"]["adverse_events"] for arm in arms) > 2
    assert sum(arm["follow_up"]["discontinued"]["follow_up_continues"] for arm in arms) >= 1
    assert sum(arm["follow_up"]["discontinued"]["follow_up_stopped"] for arm in arms) >= 1
    assert unblinded["follow_up"]["left_study"]["by_reason"].get("lost to follow-up", 0) >= 1
    excluded = unblinded["analysis"]["week10"]["excluded"]["by_reason"]
    excluded_1y = unblinded["analysis"]["month12"]["excluded"]["by_reason"]
    assert "assessed, primary outcome missing" in {*excluded, *excluded_1y}
    blinded = consort_counts(Cut.of(reader, View.BLINDED))
    assert "arms" not in blinded
    assert "harms" not in repr(blinded) and "discontinued" not in repr(blinded)
    assert blinded["randomised"] == unblinded["randomised"]


def test_skipped_answers_and_deviations_after_randomisation(demo: Trial) -> None:
    codes: set[str] = set()
    deviations: set[str] = set()
    for pid in demo.participant_ids():
        participant = demo.load_participant(pid)
        for form in ("week10", "month12"):
            sheet = participant.sheets.get(form, {})
            codes |= {v for k, v in sheet.items() if k.endswith("_NC") and v}
        deviations |= set(participant.deviations)
    assert {"ANS", "ND"} <= codes
    assert {"randomised while ineligible", "randomised on a wrong factor level"} <= deviations


def test_the_unblinded_accounts_report_sign_verify_and_lock_the_harms(demo: Trial) -> None:
    investigator, monitor = demo.actor_for("uffe"), demo.actor_for("ulla")
    users = {user["name"]: user for user in demo.list_users()}
    assert (users["udo"]["role"], users["udo"]["blinded"]) == ("data_manager", False)
    reviewed = {"reported": 0, "signed": 0, "verified": 0, "locked": 0}
    for pid in demo.participant_ids():
        record = demo.load_arm_revealing_record(pid)
        if record is None or not record.sheets_of("adverse_event"):
            continue
        signatures = [s for s in demo.signatures(investigator, pid) if s["form"] == "adverse_event"]
        reviewed["signed"] += any(s["user"] == "uffe" for s in signatures)
        form = demo.get_participant(monitor, pid)["forms"]["adverse_event"]
        reviewed["verified"] += bool(form["verified"])
        reviewed["locked"] += bool(record.form_locks.get("adverse_event"))
        reviewed["reported"] += 1
    assert reviewed["reported"] > 2
    assert reviewed["signed"] >= 1 and reviewed["verified"] >= 1 and reviewed["locked"] == 1
    # Some, not all: the work lists of the unblinded accounts hold adverse events.
    assert reviewed["signed"] < reviewed["reported"] and reviewed["verified"] < reviewed["reported"]


def test_the_unblinded_monitor_queries_adverse_events(demo: Trial) -> None:
    monitor, blinded = demo.actor_for("ulla"), demo.actor_for("mona")
    harms = [q for q in demo.open_queries(monitor) if q["form"] == "adverse_event"]
    everything = [
        query_view(q) for pid in demo.participant_ids() for q in arm_revealing_queries_of(demo, pid)
    ]
    assert everything and {q["form"] for q in everything} == {"adverse_event"}
    assert {q["raised_by"] for q in everything} == {"ulla"}
    assert {"answered", "closed"} <= {q["status"] for q in everything}
    assert all(q["history"][1]["user"] == "uffe" for q in everything if len(q["history"]) > 1)
    assert len(harms) < len(everything)  # some were closed
    assert not [q for q in demo.open_queries(blinded) if q["form"] == "adverse_event"]
