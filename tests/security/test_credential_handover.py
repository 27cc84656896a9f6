"""No one acts as someone else (21 CFR 11.10(d), 11.300): an administrator never holds a
working credential of another person."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.utils import get_topic

from domain.errors import AuthenticationFailed, PermissionDenied
from domain.user import PasswordChangeRequired, User, user_id
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.demo.users import DEMO_USERS, demo_password, ensure_demo_users
from tests.app.conftest import NAMES, PASSWORD
from tests.security.attacks import form_login, is_logged_in, replay, session_cookie, trial_of
from tests.web.conftest import Client, MakeClient, bearer, csrf_of, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

RESET = "an administrator's choice"
OWN = "the holder's own passphrase"


async def test_an_administrator_cannot_mint_a_token_for_someone_else(
    client: Client, web_config: WebConfig
) -> None:
    csrf = sign_in(client, web_config, "admin")
    for name in ("mona", "MONA", "ivan", "adam2"):
        response = await client.post(
            f"/users/{name}/token", data={"csrf_token": csrf, "label": "mine now"}
        )
        assert response.status in (403, 404), name
        assert "edc_" not in await response.text()
    trial = trial_of(client)
    assert [t["label"] for t in trial.show_user(SYSTEM, "mona")["tokens"]] == ["tests"]
    with pytest.raises(PermissionDenied, match="only to its owner"):
        trial.issue_token(trial.actor_for("adam"), "mona")
    refused = [r for r in trial.list_refusals(trial.actor_for("mona"), limit=1000)]
    assert any(r["command"] == "issue_token" and r["user"] == "adam" for r in refused)


async def test_the_holder_issues_their_own_token_with_their_password(
    client: Client, web_config: WebConfig
) -> None:
    csrf = sign_in(client, web_config, "monitor")
    wrong = await client.post(
        "/account/tokens", data={"csrf_token": csrf, "label": "laptop", "password": "guess1234x"}
    )
    assert wrong.status == 422 and "edc_" not in await wrong.text()
    trial = trial_of(client)
    assert trial.get_user("mona").failed_logins == 1
    issued = await client.post(
        "/account/tokens", data={"csrf_token": csrf, "label": "laptop", "password": PASSWORD}
    )
    html = await issued.text()
    assert issued.status == 200 and 'id="new-token">edc_' in html
    token = html.split('id="new-token">')[1].split("<")[0]
    assert trial.actor_for_token(token).user == "mona"
    again = await (await client.get("/account/tokens")).text()
    assert token not in again and "laptop" in again


async def test_a_reset_password_only_serves_to_choose_a_new_one_and_ends_sessions_and_tokens(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    victim, admin = await make_client(), await make_client()
    await form_login(victim, NAMES["monitor"], PASSWORD)
    stolen = session_cookie(victim)
    csrf = sign_in(admin, web_config, "admin")
    reset = await admin.post("/users/mona/password", data={"csrf_token": csrf, "password": RESET})
    assert reset.status == 200, await reset.text()
    # The person's sessions and tokens are over.
    replay(victim, stolen)
    assert not await is_logged_in(victim)
    api = await victim.get("/api/v1/participants", headers=bearer(seeded, "monitor"))
    assert api.status == 401
    # The administrator logging in with the password they set gets no session.
    attacker = await make_client()
    token = await csrf_of(attacker)
    answer = await attacker.post(
        "/login",
        data={"csrf_token": token, "name": "mona", "password": RESET},
        allow_redirects=False,
    )
    assert answer.status == 200 and "Choose a new password" in await answer.text()
    assert not await is_logged_in(attacker)
    for path in ("/participants", "/api/v1/participants", "/account/tokens"):
        response = await attacker.get(path, allow_redirects=False)
        assert response.status in (303, 401), path
    # Choosing a new password is the only thing it opens: then the holder is logged in.
    chosen = await attacker.post(
        "/login/password",
        data={"csrf_token": token, "name": "mona", "password": RESET, "new": OWN, "repeat": OWN},
        allow_redirects=False,
    )
    assert chosen.status == 303
    assert await is_logged_in(attacker)
    trial = trial_of(admin)
    with pytest.raises(AuthenticationFailed):
        trial.authenticate("mona", RESET)
    assert trial.authenticate("mona", OWN).user == "mona"


async def test_an_account_made_by_an_administrator_starts_with_a_one_time_password(
    client: Client, web_config: WebConfig
) -> None:
    csrf = sign_in(client, web_config, "admin")
    added = await client.post(
        "/users",
        data={"csrf_token": csrf, "name": "nina", "role": "monitor", "password": RESET},
    )
    assert added.status == 200
    trial = trial_of(client)
    with pytest.raises(PasswordChangeRequired):
        trial.authenticate("nina", RESET)
    assert trial.show_user(SYSTEM, "nina")["password_change_required"] is True


async def test_an_unblinded_account_is_made_or_unblinded_only_with_a_reason(
    client: Client, web_config: WebConfig
) -> None:
    csrf = sign_in(client, web_config, "admin")
    base = {"csrf_token": csrf, "name": "ulf", "role": "monitor", "password": RESET}
    refused = await client.post("/users", data={**base, "blinding": "unblinded"})
    assert refused.status == 422 and "reason" in await refused.text()
    reason = "checks adverse events and adherence"
    added = await client.post("/users", data={**base, "blinding": "unblinded", "reason": reason})
    assert added.status == 200
    trial = trial_of(client)
    [registered] = [
        trial.mapper.to_domain_event(e)
        for e in trial.recorder.select_events(user_id("ulf"), limit=10)
        if e.topic == get_topic(User.Registered)
    ]
    assert registered.blinded is False and registered.blinding_reason == reason
    no_reason = await client.post(
        "/users/dana/role",
        data={"csrf_token": csrf, "role": "monitor", "blinding": "unblinded"},
    )
    assert no_reason.status == 422
    assert trial.get_user("dana").blinded is True


def test_demo_accounts_need_no_password_change(tmp_path: Path) -> None:
    trial = build_trial(Settings(data_dir=tmp_path / "var"))
    try:
        ensure_demo_users(trial)
        for user in (DEMO_USERS[0], DEMO_USERS[-1]):
            assert trial.authenticate(user.name, demo_password(user.name)).user == user.name
    finally:
        trial.close()
