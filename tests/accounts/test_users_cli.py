"""`edc users ...` for tokens, lock-outs and deactivation, run as real processes."""

from __future__ import annotations

import pytest

from domain.errors import AuthenticationFailed
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.accounts.helpers import STAFF_PASSWORD, stored_bytes
from tests.edc_process import edc


def test_users_token_prints_a_working_token_once_and_revoke_tokens_ends_it(
    settings: Settings,
) -> None:
    added = edc(settings, "users", "add", "sune", "--role", "site_staff", "--site", "RINGE",
                stdin=STAFF_PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    issued = edc(settings, "users", "token", "sune", "--label", "nightly import")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("edc_") and "\n" not in token
    assert "shown only once" in issued.stderr
    trial = build_trial(settings)
    try:
        assert trial.actor_for_token(token).user == "sune"
        [listed] = trial.show_user(SYSTEM, "sune")["tokens"]
        assert listed["label"] == "nightly import"
        assert token.encode() not in stored_bytes(trial)
        revoked = edc(settings, "users", "revoke-tokens", "sune")
        assert revoked.returncode == 0, revoked.stderr
        assert "Revoked 1 token of sune." in revoked.stdout
        with pytest.raises(AuthenticationFailed):
            trial.actor_for_token(token)
    finally:
        trial.close()


def test_users_unlock_and_deactivate_from_the_command_line(settings: Settings) -> None:
    trial = build_trial(settings)
    try:
        trial.add_user(SYSTEM, "sune", "site_staff", STAFF_PASSWORD, site="RINGE")
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                trial.authenticate("sune", "wrong password")
        unlocked = edc(settings, "users", "unlock", "sune")
        assert unlocked.returncode == 0, unlocked.stderr
        assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"
        again = edc(settings, "users", "unlock", "sune")
        assert again.returncode == 2 and "not locked" in again.stderr
        assert "Traceback" not in again.stderr
        deactivated = edc(settings, "users", "deactivate", "sune", "--reason", "left the team")
        assert deactivated.returncode == 0, deactivated.stderr
        with pytest.raises(AuthenticationFailed, match="deactivated"):
            trial.authenticate("sune", STAFF_PASSWORD)
        listed = edc(settings, "users", "list")
        [row] = [line for line in listed.stdout.splitlines() if line.startswith("sune ")]
        assert row.split()[4] == "no"  # active
    finally:
        trial.close()


def test_users_token_for_an_unknown_account_fails_with_a_message(settings: Settings) -> None:
    refused = edc(settings, "users", "token", "nobody")
    assert refused.returncode == 2
    assert "No user called 'nobody'" in refused.stderr
    assert refused.stdout == ""
