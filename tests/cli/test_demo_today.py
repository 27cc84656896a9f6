"""`edc demo --today` and `edc serve --demo`: a demo trial that is alive on the day it is for.

The synthetic trial's calendar is shifted so that people are still being screened the day
before `today` and only what happened before that day is played: an assessor has follow-ups
due this week and one overdue, a monitor has open queries, an investigator has forms to sign,
the unblinded accounts have a serious adverse event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from edc.application import Trial
from edc.base import utc_now
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.demo.build import build_demo
from edc.demo.today import DEFAULT_TODAY, site_today, start_of
from edc.read_model_wiring import build_projections
from edc.usecases.reads import Reads
from tests.edc_process import edc
from tests.web.test_serve import serving

FOLLOW_UPS = ("week10", "month12")


def work_on(settings: Settings, trial: Trial, today: date) -> dict[str, object]:
    """What a day's work lists hold, read through the read use cases as the demo's accounts
    read them: the assessor's follow-ups, the monitor's queries, the investigator's forms to
    sign and the unblinded investigator's serious adverse events."""
    reads = Reads(trial, build_projections(settings, trial))
    try:
        reads.catch_up()
        lists = {
            name: reads.work_lists(trial.actor_for(name), today)
            for name in ("anna", "mona", "ivan")
        }
        assessor, monitor, investigator = lists["anna"], lists["mona"], lists["ivan"]
        assert assessor is not None and monitor is not None and investigator is not None
        visits = [v for v in assessor.visits if v["visit"] in FOLLOW_UPS]
        return {
            "due this week": [v for v in visits if v["status"] == "due" and v["this_week"]],
            "overdue": [v for v in visits if v["status"] == "overdue"],
            "open queries": monitor.queries_open + monitor.queries_answered,
            "baselines to sign": [
                row
                for row in investigator.to_sign
                if "baseline" in [form["form"] for form in row["forms"]]
            ],
            "serious adverse events": reads.serious_adverse_events(trial.actor_for("uffe")),
        }
    finally:
        reads.close()


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Trial]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("live") / "var")
    trial = build_demo(settings, 120, seed=1, progress=False, today=DEFAULT_TODAY)
    yield settings, trial
    trial.close()


def test_the_demo_for_a_day_has_work_due_that_day(live_demo: tuple[Settings, Trial]) -> None:
    settings, trial = live_demo
    work = work_on(settings, trial, DEFAULT_TODAY)
    for kind, found in work.items():
        assert found, f"the demo of {DEFAULT_TODAY} has no {kind}"


def test_nothing_in_the_demo_happens_on_or_after_its_today(
    live_demo: tuple[Settings, Trial],
) -> None:
    _settings, trial = live_demo
    times: list[datetime] = [
        trial.mapper.to_domain_event(n).timestamp
        for n in trial.recorder.select_notifications(start=1, limit=1_000_000)
        if "User" not in n.topic
    ]
    assert max(times) < start_of(DEFAULT_TODAY)
    # Still recruiting: someone was screened in the last days before today.
    assert max(times) > start_of(DEFAULT_TODAY) - timedelta(days=3)


def test_edc_demo_defaults_to_its_fixed_day_and_takes_another(tmp_path: Path) -> None:
    default = edc(Settings(data_dir=tmp_path / "a"), "demo", "--participants", "40")
    assert default.returncode == 0, default.stderr
    assert f"as it stands at the start of {DEFAULT_TODAY.isoformat()}" in default.stdout
    other = edc(
        Settings(data_dir=tmp_path / "b"), "demo", "--participants", "40", "--today", "2026-01-05"
    )
    assert other.returncode == 0, other.stderr
    assert "as it stands at the start of 2026-01-05" in other.stdout
    trial = build_trial(Settings(data_dir=tmp_path / "b"))
    try:
        last = trial.mapper.to_domain_event(
            trial.recorder.select_notifications(
                start=trial.recorder.max_notification_id() or 0, limit=1
            )[0]
        )
        assert last.timestamp < start_of(date(2026, 1, 5))
        assert last.timestamp > start_of(date(2026, 1, 5)) - timedelta(days=60)
    finally:
        trial.close()


@pytest.mark.parametrize(
    ("today", "message"),
    [
        ("2026-13-01", "is not a date (YYYY-MM-DD)"),
        ((utc_now() + timedelta(days=3)).date().isoformat(), "is in the future"),
        ("2007-05-01", "is too early for 120 people screened"),
    ],
)
def test_a_bad_today_is_refused_with_a_message(tmp_path: Path, today: str, message: str) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    refused = edc(settings, "demo", "--participants", "120", "--today", today)
    assert refused.returncode != 0
    assert message in refused.stderr and "Traceback" not in refused.stderr
    if (tmp_path / "var").exists():
        trial = build_trial(settings)
        try:
            assert not trial.recorder.max_notification_id()
        finally:
            trial.close()


def test_serve_demo_seeds_the_trial_as_it_stands_today(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with serving(data, "--demo", wait=300) as (_url, output):
        pass
    today = site_today(utc_now())
    assert any(today.isoformat() in line for line in output)
    settings = Settings(data_dir=data)
    trial = build_trial(settings)
    try:
        work = work_on(settings, trial, today)
    finally:
        trial.close()
    assert work["due this week"] and work["overdue"] and work["open queries"]
