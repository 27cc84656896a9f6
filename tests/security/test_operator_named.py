"""The trail says who really acted and how: the shell operator behind `edc` commands, the way
a person proved who they are (session or which API token), and the old printed name."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from eventsourcing.utils import get_topic

from domain.user import User, user_id
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import NAMES, PASSWORD
from tests.edc_process import edc
from tests.security.attacks import trial_of
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig


def account_events(trial: Trial, name: str) -> list[Any]:
    return [
        trial.mapper.to_domain_event(e)
        for e in trial.recorder.select_events(user_id(name), limit=10_000)
    ]


def of_type(events: list[Any], cls: type) -> list[Any]:
    return [e for e in events if get_topic(type(e)) == get_topic(cls)]


def test_every_event_of_edc_users_names_the_operator(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    steps = [
        (["users", "--operator", "Olga Operator", "add", "sune", "--role", "site_staff",
          "--site", "RINGE"], PASSWORD + "\n"),
        (["users", "--operator", "Olga Operator", "token", "sune"], ""),
        (["users", "--operator", "Olga Operator", "set-password", "sune"], "another long one\n"),
        (["users", "--operator", "Olga Operator", "deactivate", "sune", "--reason", "left"], ""),
        (["users", "--operator", "Olga Operator", "reactivate", "sune"], ""),
    ]  # fmt: skip
    for args, stdin in steps:
        done = edc(settings, *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
    trial = build_trial(settings)
    try:
        events = account_events(trial, "sune")
        written = [e for e in events if hasattr(e, "actor")]
        assert len(written) >= 5
        for event in written:
            assert event.actor["user"] == "system"
            assert event.actor["operator"] == "Olga Operator", type(event).__name__
    finally:
        trial.close()


def test_without_an_option_the_operator_is_the_os_user(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    done = edc(settings, "users", "add", "sune", "--role", "monitor", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    trial = build_trial(settings)
    try:
        [registered] = of_type(account_events(trial, "sune"), User.Registered)
        assert registered.actor["operator"] == getpass.getuser()
        assert registered.one_time_password is True
    finally:
        trial.close()


async def test_events_say_whether_a_session_or_which_token_was_used(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    response = await client.post(
        f"/api/v1/participants/{seeded.ready}/forms/baseline/queries",
        json={"item": "LBP_NOW", "text": "Please check the source."},
        headers=bearer(seeded, "monitor"),
    )
    assert response.status in (200, 201), await response.text()
    trial = trial_of(client)
    [token] = trial.show_user(SYSTEM, NAMES["monitor"])["tokens"]
    newest = trial.recorder.max_notification_id() or 0
    recent = [
        trial.mapper.to_domain_event(n)
        for n in trial.recorder.select_notifications(start=max(1, newest - 5), limit=10)
    ]
    raised = [e for e in recent if isinstance(getattr(e, "actor", None), dict)][-1]
    assert raised.actor["via"] == "token" and raised.actor["token_id"] == token["token_id"]
    csrf = sign_in(client, web_config, "admin")
    await client.post("/users/mona/name", data={"csrf_token": csrf, "full_name": "Mona M"})
    await client.post("/users/mona/name", data={"csrf_token": csrf, "full_name": "Mona Berg"})
    renamed = of_type(account_events(trial, "mona"), User.FullNameChanged)
    assert [(e.old_full_name, e.full_name) for e in renamed] == [
        ("", "Mona M"),
        ("Mona M", "Mona Berg"),
    ]
    assert renamed[-1].actor["via"] == "session"


async def test_the_trail_page_says_how_each_person_came_in(
    client: Client, web_config: WebConfig, seeded: Seeded, tmp_path: Path
) -> None:
    await client.post(
        f"/api/v1/participants/{seeded.ready}/forms/baseline/queries",
        json={"item": "LBP_NOW", "text": "Please check the source."},
        headers=bearer(seeded, "monitor"),
    )
    trial = trial_of(client)
    [token] = trial.show_user(SYSTEM, NAMES["monitor"])["tokens"]
    csrf = sign_in(client, web_config, "admin")
    await client.post("/users/mona/name", data={"csrf_token": csrf, "full_name": "Mona Berg"})
    sign_in(client, web_config, "data_manager")
    trail = await (await client.get("/audit?order=newest")).text()
    assert f"via API token {token['token_id']}" in trail
    assert "via browser session" in trail
