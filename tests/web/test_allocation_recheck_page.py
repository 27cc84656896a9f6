"""The allocation re-check page: for unblinded monitors and data managers; blinded refused."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from cryptography.fernet import Fernet

from edc.application import SYSTEM
from tests.app.conftest import NAMES
from tests.web.conftest import Client, sign_in
from tests.web.store import Seeded
from web.app import COOKIE_NAME
from web.config import WebConfig
from web.keys import TRIAL


def sign_in_unblinded(client: Client, config: WebConfig, name: str, epoch: int) -> None:
    now = config.now()
    session = {"user": name, "seen": now, "started": now, "sid": secrets.token_urlsafe(16)}
    session |= {"epoch": epoch, "csrf": secrets.token_urlsafe(32)}
    data = {"created": int(time.time()), "session": session}
    sealed = Fernet(config.session_key).encrypt(json.dumps(data).encode()).decode()
    client.session.cookie_jar.update_cookies({COOKIE_NAME: sealed}, client.make_url("/"))


@pytest.mark.parametrize("role", ["monitor", "data_manager"])
async def test_unblinded_reviewers_see_every_allocation_rechecked(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    blinded = await client.get("/allocation/recheck")
    assert blinded.status == 403
    assert seeded.arm not in (await blinded.text()).split("<main", 1)[-1]
    trial = client.app[TRIAL]
    trial.set_blinded(SYSTEM, NAMES[role], False, "Re-checks allocations")
    # Unblinding ends the account's sessions: a new one begins in the account's new epoch.
    sign_in_unblinded(client, web_config, NAMES[role], trial.get_user(NAMES[role]).session_epoch)
    dashboard = await (await client.get("/")).text()
    assert 'id="allocation-recheck"' in dashboard
    page = await client.get("/allocation/recheck")
    html = await page.text()
    assert page.status == 200
    assert "1 of 1 allocations agree with their stored decision." in html
    assert "R-001" in html and "imbalance" in html.lower()


@pytest.mark.parametrize("role", ["site_staff", "assessor", "investigator", "analyst"])
async def test_other_roles_are_refused(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    assert (await client.get("/allocation/recheck")).status == 403
    assert 'id="allocation-recheck"' not in await (await client.get("/")).text()
