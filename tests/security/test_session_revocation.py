"""Sessions end for good: a cookie copied before logout or an account change is refused, and
every session has an absolute lifetime whatever its activity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from domain.errors import AuthenticationFailed
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import NAMES, PASSWORD
from tests.security.attacks import form_login, is_logged_in, replay, session_cookie, trial_of
from tests.web.conftest import Client, FakeNow, MakeClient, sign_in
from web.config import WebConfig

NEW = "a brand new passphrase"
Change = Callable[[Client, Trial], Awaitable[None]]


async def _logout(victim: Client, trial: Trial) -> None:
    csrf = await _csrf(victim)
    await victim.post("/logout", data={"csrf_token": csrf})


async def _csrf(client: Client) -> str:
    from tests.web.conftest import csrf_of

    return await csrf_of(client, "/password")


async def _own_password_change(victim: Client, trial: Trial) -> None:
    csrf = await _csrf(victim)
    changed = await victim.post(
        "/password", data={"csrf_token": csrf, "current": PASSWORD, "new": NEW, "repeat": NEW}
    )
    assert changed.status == 200
    # The browser that changed it keeps working, with a new session.
    assert await is_logged_in(victim)


async def _reset(victim: Client, trial: Trial) -> None:
    trial.set_password(trial.actor_for("adam"), "mona", NEW)


async def _role(victim: Client, trial: Trial) -> None:
    trial.change_role(trial.actor_for("adam"), "mona", "data_manager")


async def _blinding(victim: Client, trial: Trial) -> None:
    trial.set_blinded(trial.actor_for("adam"), "mona", False, "unblinded monitor for harms")


async def _deactivation(victim: Client, trial: Trial) -> None:
    trial.deactivate_user(trial.actor_for("adam"), "mona", "left the trial")


async def _reactivation(victim: Client, trial: Trial) -> None:
    await _deactivation(victim, trial)
    trial.reactivate_user(trial.actor_for("adam"), "mona", "back again")


async def _lockout(victim: Client, trial: Trial) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            trial.authenticate("mona", "a wrong guess")
    trial.unlock_user(trial.actor_for("adam"), "mona")


@pytest.mark.parametrize(
    "change",
    [
        _logout,
        _own_password_change,
        _reset,
        _role,
        _blinding,
        _deactivation,
        _reactivation,
        _lockout,
    ],
    ids=lambda c: c.__name__.strip("_"),
)
async def test_a_cookie_copied_before_the_change_is_refused(
    make_client: MakeClient, change: Change
) -> None:
    victim = await make_client()
    await form_login(victim, NAMES["monitor"], PASSWORD)
    stolen = session_cookie(victim)
    attacker = await make_client()
    replay(attacker, stolen)
    assert await is_logged_in(attacker)
    await change(victim, trial_of(victim))
    replay(attacker, stolen)
    assert not await is_logged_in(attacker)
    api = await attacker.get("/api/v1/participants")
    assert api.status == 401


async def test_logout_ends_only_that_session(make_client: MakeClient) -> None:
    laptop, tablet = await make_client(), await make_client()
    await form_login(laptop, NAMES["monitor"], PASSWORD)
    await form_login(tablet, NAMES["monitor"], PASSWORD)
    await _logout(laptop, trial_of(laptop))
    assert not await is_logged_in(laptop)
    assert await is_logged_in(tablet)


async def test_a_session_ends_after_its_absolute_lifetime_however_active(
    client: Client, web_config: WebConfig, now: FakeNow
) -> None:
    sign_in(client, web_config, "monitor")
    step = web_config.idle_timeout_s // 2
    for _ in range(web_config.session_lifetime_s // step - 1):
        now.value += step
        assert await is_logged_in(client)
    now.value += 2 * step
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?expired")


async def test_an_end_recorded_by_another_process_counts_at_once(
    make_client: MakeClient, web_settings: Settings
) -> None:
    victim = await make_client()
    await form_login(victim, NAMES["monitor"], PASSWORD)
    assert await is_logged_in(victim)
    other = build_trial(web_settings)
    try:
        other.change_role(SYSTEM, "mona", "data_manager")
    finally:
        other.close()
    assert not await is_logged_in(victim)


@pytest.mark.postgres
def test_a_logout_in_one_process_ends_the_session_in_another_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url)
    first, second = build_trial(settings), build_trial(settings)
    try:
        first.add_user(SYSTEM, "pia", "monitor", PASSWORD)
        grant = first.log_in("pia", PASSWORD)
        assert first.session_actor("pia", grant.session_id, grant.epoch) is not None
        assert second.session_actor("pia", grant.session_id, grant.epoch) is not None
        second.log_out(grant.actor, grant.session_id)
        assert first.session_actor("pia", grant.session_id, grant.epoch) is None
        again = first.log_in("pia", PASSWORD)
        second.set_password(SYSTEM, "pia", NEW)
        assert first.session_actor("pia", again.session_id, again.epoch) is None
    finally:
        first.close()
        second.close()
