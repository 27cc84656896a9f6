"""API tokens: shown once, stored only as a sha256, revocable one by one or all at once."""

from __future__ import annotations

import hashlib

import pytest

from domain.actor import Actor
from domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from domain.user import User
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.accounts.helpers import add_staff, events_of, stored_bytes


def test_a_token_stands_for_its_account_and_only_its_hash_is_stored(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    sune = trial.actor_for("sune")
    token = trial.issue_token(sune, "sune", label="lab laptop")
    assert token.startswith("edc_")
    assert trial.actor_for_token(token) == Actor("sune", "site_staff", "RINGE", blinded=False)
    [issued] = events_of(trial, "sune", User.TokenIssued)
    assert issued.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert issued.label == "lab laptop" and issued.actor == sune.as_dict()
    secret = token.rsplit("_", 1)[-1]
    raw = stored_bytes(trial)
    assert token.encode() not in raw and secret.encode() not in raw
    [listed] = trial.show_user(actors["admin"], "sune")["tokens"]
    assert listed["token_id"] == issued.token_id and "token_hash" not in listed


def test_only_the_owner_and_the_command_line_issue_tokens(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    with pytest.raises(PermissionDenied):
        trial.issue_token(actors["monitor"], "sune")
    with pytest.raises(PermissionDenied, match="only to its owner"):
        trial.issue_token(actors["admin"], "sune")
    assert trial.actor_for_token(trial.issue_token(SYSTEM, "sune")).user == "sune"
    with pytest.raises(NotFound):
        trial.issue_token(SYSTEM, "nobody")


def test_a_revoked_token_is_refused_and_the_others_still_work(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    admin, sune = actors["admin"], trial.actor_for("sune")
    first = trial.issue_token(sune, "sune", "one")
    second = trial.issue_token(sune, "sune", "two")
    first_id = trial.show_user(admin, "sune")["tokens"][0]["token_id"]
    trial.revoke_token(admin, "sune", first_id)
    with pytest.raises(AuthenticationFailed, match="not valid"):
        trial.actor_for_token(first)
    assert trial.actor_for_token(second).user == "sune"
    [revoked] = events_of(trial, "sune", User.TokenRevoked)
    assert revoked.token_id == first_id and revoked.actor == admin.as_dict()
    with pytest.raises(NotFound):
        trial.revoke_token(admin, "sune", first_id)


def test_all_tokens_are_revoked_at_once(trial: Trial, actors: dict[str, Actor]) -> None:
    add_staff(trial)
    admin, sune = actors["admin"], trial.actor_for("sune")
    tokens = [trial.issue_token(sune, "sune", f"t{i}") for i in range(3)]
    assert trial.revoke_all_tokens(admin, "sune") == 3
    for token in tokens:
        with pytest.raises(AuthenticationFailed):
            trial.actor_for_token(token)
    [revoked] = events_of(trial, "sune", User.AllTokensRevoked)
    assert len(revoked.token_ids) == 3
    assert trial.revoke_all_tokens(admin, "sune") == 0


@pytest.mark.parametrize(
    "forged",
    ["", "garbage", "edc_zz_zz_zz", "Bearer edc_", "edc_" + "0" * 32 + "_abc_secret"],
)
def test_malformed_and_unknown_tokens_are_refused(trial: Trial, forged: str) -> None:
    with pytest.raises(AuthenticationFailed, match="not valid"):
        trial.actor_for_token(forged)


def test_a_token_with_a_right_id_but_a_wrong_secret_is_refused(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    token = trial.issue_token(trial.actor_for("sune"), "sune")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationFailed):
        trial.actor_for_token(forged)


def test_deactivation_revokes_tokens_and_reactivation_does_not_bring_them_back(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    admin = actors["admin"]
    token = trial.issue_token(trial.actor_for("sune"), "sune")
    trial.deactivate_user(admin, "sune", "left")
    with pytest.raises(AuthenticationFailed):
        trial.actor_for_token(token)
    trial.reactivate_user(admin, "sune")
    with pytest.raises(AuthenticationFailed):
        trial.actor_for_token(token)


def test_a_token_sees_role_changes_and_revocations_made_by_another_process(
    trial: Trial, settings: Settings, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    token = trial.issue_token(trial.actor_for("sune"), "sune")
    assert trial.actor_for_token(token).role == "site_staff"  # now cached in this process
    other = build_trial(settings)
    try:
        other.change_role(SYSTEM, "sune", "monitor")
        assert trial.actor_for_token(token) == Actor("sune", "monitor", None, blinded=True)
        other.revoke_all_tokens(SYSTEM, "sune")
    finally:
        other.close()
    with pytest.raises(AuthenticationFailed):
        trial.actor_for_token(token)


def test_a_locked_out_accounts_tokens_are_refused_until_it_is_unlocked(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    token = trial.issue_token(trial.actor_for("sune"), "sune")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            trial.authenticate("sune", "a wrong guess")
    with pytest.raises(AuthenticationFailed, match="locked"):
        trial.actor_for_token(token)
    trial.unlock_user(actors["admin"], "sune")
    assert trial.actor_for_token(token).user == "sune"
