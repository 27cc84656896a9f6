"""One lock-out for every password check; a locked account tells nothing; it backs off in time.
The use cases on SQLite and PostgreSQL, the pages and the API on SQLite."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.errors import AuthenticationFailed, PermissionDenied
from domain.user import FIRST_LOCKOUT, LONGEST_LOCKOUT, MAX_FAILED_LOGINS
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import NAMES, PASSWORD, StepClock, settings
from tests.app.journeys import ready_to_randomise
from tests.security.attacks import trial_of
from tests.web.conftest import Client, csrf_of, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

__all__ = ["settings"]

WRONG = "not the password"


@pytest.fixture
def clock() -> StepClock:
    return StepClock(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))


@pytest.fixture
def trial(settings: Settings, clock: StepClock) -> Iterator[Trial]:
    app = build_trial(settings, clock=clock, draw=random.Random(5).random)
    app.add_user(SYSTEM, "sune", "investigator", PASSWORD, site="RINGE")
    yield app
    app.close()


def lock(trial: Trial) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            trial.authenticate("sune", WRONG)


def answer(trial: Trial, password: str) -> tuple[str, str]:
    with pytest.raises(AuthenticationFailed) as refused:
        trial.authenticate("sune", password)
    return refused.value.code, refused.value.message


def test_a_locked_account_answers_a_right_and_a_wrong_password_alike(trial: Trial) -> None:
    lock(trial)
    assert answer(trial, PASSWORD) == answer(trial, WRONG)
    with pytest.raises(AuthenticationFailed) as token_check:
        trial.confirm_password(trial.actor_for("sune"), PASSWORD)
    assert token_check.value.message == answer(trial, WRONG)[1]


def test_a_deactivated_account_answers_a_right_and_a_wrong_password_alike(trial: Trial) -> None:
    trial.deactivate_user(SYSTEM, "sune", "left")
    assert answer(trial, PASSWORD) == answer(trial, WRONG)


async def test_a_locked_account_looks_the_same_on_the_login_page_whatever_the_password(
    client: Client,
) -> None:
    trial = trial_of(client)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            trial.authenticate(NAMES["monitor"], WRONG)
    pages = []
    for password in (PASSWORD, WRONG):
        csrf = await csrf_of(client)
        response = await client.post(
            "/login", data={"csrf_token": csrf, "name": NAMES["monitor"], "password": password}
        )
        pages.append((response.status, (await response.text()).replace(csrf, "")))
    assert pages[0] == pages[1]
    assert pages[0][0] == 401


def test_wrong_signature_passwords_count_towards_the_same_lock_out(trial: Trial) -> None:
    sune = trial.actor_for("sune")
    participant = ready_to_randomise(trial, trial.actor_for("sune"))
    with pytest.raises(AuthenticationFailed):
        trial.authenticate("sune", WRONG)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(PermissionDenied, match="not correct"):
            trial.sign(sune, participant, WRONG, "approval", form="baseline")
    # Five wrong passwords in all, login and signatures together: locked for both.
    with pytest.raises(PermissionDenied, match="locked"):
        trial.sign(sune, participant, PASSWORD, "approval", form="baseline")
    with pytest.raises(AuthenticationFailed, match="locked"):
        trial.authenticate("sune", PASSWORD)


async def test_wrong_signature_passwords_over_the_api_lock_the_account(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    csrf = sign_in(client, web_config, "investigator")
    path = f"/api/v1/participants/{seeded.ready}/forms/baseline/sign"
    for _ in range(MAX_FAILED_LOGINS):
        response = await client.post(
            path,
            json={"password": WRONG, "meaning": "approval"},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status in (401, 403)
    assert trial_of(client).get_user(NAMES["investigator"]).locked_out


def test_the_lock_out_backs_off_and_ends_by_itself(trial: Trial, clock: StepClock) -> None:
    lock(trial)
    start = clock.current
    clock.current = start + FIRST_LOCKOUT / 2
    assert "locked" in answer(trial, PASSWORD)[1]
    clock.current = start + FIRST_LOCKOUT
    # The first lock-out is over; failing again locks for twice as long.
    lock(trial)
    second = clock.current
    clock.current = second + FIRST_LOCKOUT + (FIRST_LOCKOUT / 2)
    assert "locked" in answer(trial, PASSWORD)[1]
    clock.current = second + 2 * FIRST_LOCKOUT
    assert trial.authenticate("sune", PASSWORD).user == "sune"
    # The success starts the back-off afresh.
    lock(trial)
    third = clock.current
    clock.current = third + FIRST_LOCKOUT
    assert trial.authenticate("sune", PASSWORD).user == "sune"


def test_no_number_of_failures_locks_anyone_out_for_good(trial: Trial, clock: StepClock) -> None:
    for _ in range(6):
        lock(trial)
        clock.current += LONGEST_LOCKOUT
    assert trial.authenticate("sune", PASSWORD).user == "sune"


def test_attempts_on_a_locked_account_do_not_prolong_the_lock(
    trial: Trial, clock: StepClock
) -> None:
    lock(trial)
    start = clock.current
    for _ in range(20):
        answer(trial, WRONG)
    clock.current = start + FIRST_LOCKOUT
    assert trial.authenticate("sune", PASSWORD).user == "sune"


def test_an_administrator_unlocks_at_any_time(trial: Trial) -> None:
    lock(trial)
    trial.unlock_user(SYSTEM, "sune")
    assert trial.authenticate("sune", PASSWORD).user == "sune"
