"""Refused actions are logged (who, what, when, why) without the rejected values in the clear."""

from __future__ import annotations

from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.errors import (
    AuthenticationFailed,
    EdcError,
    FormInvalid,
    PermissionDenied,
    StaleVersion,
)
from domain.refusal_log import WITHHELD, CommandRefused
from edc.application import Trial
from edc.config import Settings
from edc.refusals import logs_refusals, logs_refusals_as
from tests import factories
from tests.accounts.helpers import stored_bytes
from tests.app.conftest import StepClock
from tests.app.journeys import randomised, ready_to_randomise, screened
from tests.stored import events_besides_refusals

REASON = {"code": "transcription_error"}


def refusal_bytes(trial: Trial) -> bytes:
    return b"\n".join(
        bytes(n.state)
        for n in trial.recorder.select_notifications(
            start=1, limit=1_000_000, topics=[get_topic(CommandRefused)]
        )
    )


def test_a_permission_denial_is_logged_with_who_what_when_and_why(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    assessor = actors["assessor"]
    with pytest.raises(PermissionDenied):
        trial.screen(assessor, factories.screening())
    refused_at = clock.current
    [record] = trial.list_refusals(actors["monitor"])
    assert record["user"] == "anna" and record["role"] == "assessor"
    assert record["site"] == "RINGE"
    assert record["command"] == "screen"
    assert record["code"] == "forbidden"
    assert record["message"] == "Your role (assessor) may not screen."
    assert record["time"] == refused_at.isoformat()
    assert record["position"] == 1


def test_an_invalid_form_is_logged_by_item_names_and_its_values_are_not_stored(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    before = events_besides_refusals(trial)
    with pytest.raises(FormInvalid):
        trial.screen(staff, factories.screening(AGE="seventy-three-zq", SEX="Qx-zq-sex"))
    assert events_besides_refusals(trial) == before
    [record] = trial.list_refusals(actors["data_manager"])
    assert record["command"] == "screen" and record["code"] == "invalid"
    assert record["items"] == ["AGE", "SEX"]
    raw = stored_bytes(trial)
    assert b"seventy-three-zq" not in raw and b"Qx-zq-sex" not in raw


def test_a_refused_correction_names_the_participant_form_and_items_but_not_the_values(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    with pytest.raises(FormInvalid):
        trial.correct_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(WORK_STATUS="astronaut-zq"),
            expected_version=1,
            reason=REASON,
        )
    [record] = trial.list_refusals(actors["monitor"])
    assert record["command"] == "correct_form"
    assert record["target"] == {
        "participant_id": str(pid),
        "form": "baseline",
        "expected_version": "1",
    }
    assert record["items"] == ["WORK_STATUS"]
    assert b"astronaut-zq" not in stored_bytes(trial)


def test_a_stale_version_is_logged_as_a_conflict(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    with pytest.raises(StaleVersion):
        trial.correct_form(
            staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=1, reason=REASON
        )
    [record] = trial.list_refusals(actors["monitor"])
    assert record["code"] == "conflict" and record["user"] == "sara"
    assert "LBP_NOW" in record["items"]
    assert "9" not in record["target"].values()


def test_a_failed_login_is_logged_with_the_name_tried_and_never_the_password(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    monitor = actors["monitor"]
    for name in ("mona", "nobody"):
        with pytest.raises(AuthenticationFailed):
            trial.authenticate(name, "guessed-password-zq")
    records = trial.list_refusals(monitor)
    assert [(r["user"], r["role"], r["command"], r["code"]) for r in records] == [
        ("mona", None, "authenticate", "unauthorized"),
        ("nobody", None, "authenticate", "unauthorized"),
    ]
    assert b"guessed-password-zq" not in stored_bytes(trial)


def test_a_refused_api_token_is_logged_without_the_token(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    token = trial.issue_token(actors["monitor"], actors["monitor"].user)
    trial.revoke_all_tokens(actors["admin"], actors["monitor"].user)
    with pytest.raises(AuthenticationFailed):
        trial.actor_for_token(token)
    [record] = trial.list_refusals(actors["monitor"])
    assert record["command"] == "actor_for_token" and record["user"] == "mona"
    secret = token.split("_", 3)[-1]  # the secret itself may hold "_"
    assert secret.encode() not in stored_bytes(trial)


def test_monitors_and_data_managers_read_the_log_and_site_staff_may_not(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    for role in ("site_staff", "assessor", "investigator", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            trial.list_refusals(actors[role])
    # The denied reads are refusals too.
    records = trial.list_refusals(actors["data_manager"])
    assert [r["role"] for r in records] == [
        "site_staff",
        "assessor",
        "investigator",
        "analyst",
        "admin",
    ]
    assert {r["command"] for r in records} == {"list_refusals"}


def test_the_log_is_read_in_pages_by_position(trial: Trial, actors: dict[str, Actor]) -> None:
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            trial.screen(actors["monitor"], factories.screening())
    first = trial.list_refusals(actors["monitor"], limit=2)
    assert [r["position"] for r in first] == [1, 2]
    rest = trial.list_refusals(actors["monitor"], since=first[-1]["position"], limit=100)
    assert [r["position"] for r in rest] == [3, 4, 5]


def test_a_command_calling_another_logs_one_refusal(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    with pytest.raises(FormInvalid):
        trial.record_mri(staff, pid, factories.mri(MODIC_PRESENT="maybe-zq"))
    [record] = trial.list_refusals(actors["monitor"])
    assert record["command"] == "record_mri"


def test_a_denied_read_of_another_sites_participant_is_logged(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = screened(trial, actors["site_staff"])
    elsewhere = Actor(user="olga", role="site_staff", site="ODENSE", blinded=False)
    with pytest.raises(PermissionDenied):
        trial.get_participant(elsewhere, pid)
    [record] = trial.list_refusals(actors["monitor"])
    assert (record["user"], record["site"], record["command"]) == (
        "olga",
        "ODENSE",
        "get_participant",
    )
    assert UUID(record["target"]["participant_id"]) == pid


def test_a_refused_adherence_entry_keeps_nothing_that_reveals_the_arm(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    # The other arm's items: refused with messages that name the participant's arm.
    wrong = {"REST_HOURS_PER_DAY": 2.0} if arm == "exercise" else {"EXERCISE_SESSIONS": 8}
    with pytest.raises(FormInvalid) as refused:
        trial.record_form(staff, pid, "adherence", wrong, expected_version=0)
    assert arm in " ".join(refused.value.fields.values())  # the refused person may see it
    [record] = trial.list_refusals(actors["monitor"])
    assert record["target"]["form"] == "adherence"
    assert record["items"] == [] and record["message"] == WITHHELD
    logged = refusal_bytes(trial).lower()
    for word in (b"exercise", b"rest_", b"rest arm", b"sessions", b"belt"):
        assert word not in logged


class Probe(Trial):
    """A trial with two extra commands, to test the decorators on their own."""

    name = "trial"

    @logs_refusals_as("participant (report link)")
    def report(self, token: str, items: dict[str, object]) -> None:
        raise FormInvalid({name: "Not valid" for name in items})

    @logs_refusals
    def poke(self, actor: Actor, participant_id: str, secret: str) -> None:
        raise EdcError("Refused.")


def test_commands_without_an_account_are_logged_under_a_stated_name(
    settings: Settings, clock: StepClock
) -> None:
    probe = Probe(settings.event_store_env(), clock=clock)
    try:
        with pytest.raises(FormInvalid):
            probe.report("link-token-zq", {"LBP_DAYS": "nine-zq"})
        monitor = Actor("mona", "monitor")
        with pytest.raises(EdcError):
            probe.poke(monitor, participant_id="p-7", secret="secret-zq")
        first, second = probe.list_refusals(monitor)
        assert (first["user"], first["role"], first["command"]) == (
            "participant (report link)",
            None,
            "report",
        )
        assert first["items"] == ["LBP_DAYS"] and first["target"] == {}
        assert (second["user"], second["target"]) == ("mona", {"participant_id": "p-7"})
        raw = stored_bytes(probe)
        assert b"link-token-zq" not in raw and b"nine-zq" not in raw and b"secret-zq" not in raw
    finally:
        probe.close()


def test_the_decorator_insists_on_an_actor_parameter() -> None:
    def no_actor(self: object, name: str) -> None: ...

    with pytest.raises(TypeError, match="actor"):
        logs_refusals(no_actor)
