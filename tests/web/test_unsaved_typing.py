"""The idle timeout keeps what was typed: a form posted on an ended session is kept out of the
event store, for its account and form only, and given back once after the next login."""

from __future__ import annotations

import re
import sqlite3

from edc.config import Settings
from tests import factories
from tests.app.conftest import NAMES, PASSWORD
from tests.web.conftest import Client, FakeNow, MakeClient, login, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post, version_of
from web.config import WebConfig
from web.keys import SETTINGS
from web.unsaved import KEEP_SECONDS

IDLE = 31 * 60
# The event store's head just before each expired save, to show that it wrote nothing.
HEADS: list[int] = []


async def _typed_then_expired(
    client: Client, web_config: WebConfig, now: FakeNow, path: str, **overrides: object
) -> str:
    """Open the form, type, wait past the idle timeout, press Save: where the browser is sent."""
    token = await login(client, "site_staff")
    html = await (await client.get(path)).text()
    HEADS.append(_store_head(client.app[SETTINGS]))  # type: ignore[index]
    now.value += IDLE
    typed = factories.outcomes(LBP_NOW=9, RMDQ_05="Y", **overrides)
    response = await client.post(
        path,
        data=as_post(typed, csrf_token=token, expected_version=version_of(html)),
        allow_redirects=False,
    )
    assert response.status == 303
    return response.headers["Location"]


def _store_head(settings: Settings) -> int:
    with sqlite3.connect(settings.data_dir / "trial.sqlite") as db:
        return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


async def test_typing_on_an_expired_session_comes_back_after_the_login_unsaved(
    client: Client,
    web_config: WebConfig,
    web_settings: Settings,
    now: FakeNow,
    seeded: Seeded,
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    location = await _typed_then_expired(client, web_config, now, path)
    head = HEADS[-1]
    assert location.startswith("/login?expired=1&kept=1&next=/participants/")
    login_page = await (await client.get(location)).text()
    assert "What you typed is kept" in login_page
    # Nothing of it is in the event store.
    assert _store_head(web_settings) == head
    await login(client, "site_staff")
    html = await (await client.get(path)).text()
    assert 'id="unsaved-typing"' in html and "Not saved yet" in html
    assert 'name="LBP_NOW" value="9" checked' in html
    assert 'name="RMDQ_05" value="Y" checked' in html
    # Given back once: the next visit shows the form as stored.
    again = await (await client.get(path)).text()
    assert 'id="unsaved-typing"' not in again and 'name="LBP_NOW" value="6" checked' in again


async def test_the_login_after_an_expired_save_lands_on_the_form(
    client: Client, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    location = await _typed_then_expired(client, web_config, now, path)
    whole = await (await client.get(location)).text()
    page = whole[whole.index('action="/login"') :]  # the login form (the header has others)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    target = re.search(r'name="next" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "name": NAMES["site_staff"],
            "password": PASSWORD,
            "next": target,
        },
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == path


async def test_another_account_never_sees_the_typing(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    sara, ivan = await make_client(), await make_client()
    path = f"/participants/{seeded.ready}/forms/baseline"
    await _typed_then_expired(sara, web_config, now, path)
    # A colleague of the same site, then the same browser logged in as someone else.
    sign_in(ivan, web_config, "investigator")
    html = await (await ivan.get(path)).text()
    assert 'id="unsaved-typing"' not in html and 'name="LBP_NOW" value="9" checked' not in html
    await login(sara, "investigator")
    html = await (await sara.get(path)).text()
    assert 'id="unsaved-typing"' not in html and 'name="LBP_NOW" value="9" checked' not in html
    # The typist still finds it: nobody else's look took it away.
    await login(sara, "site_staff")
    html = await (await sara.get(path)).text()
    assert 'id="unsaved-typing"' in html and 'name="LBP_NOW" value="9" checked' in html


async def test_the_typing_is_bound_to_its_form(
    client: Client, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    await _typed_then_expired(client, web_config, now, path)
    await login(client, "site_staff")
    other = await (await client.get(f"/participants/{seeded.randomised}/forms/baseline")).text()
    assert 'id="unsaved-typing"' not in other and 'name="LBP_NOW" value="9" checked' not in other
    assert 'id="unsaved-typing"' in await (await client.get(path)).text()


async def test_the_typing_expires(
    client: Client, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    await _typed_then_expired(client, web_config, now, path)
    now.value += KEEP_SECONDS + 1
    await login(client, "site_staff")
    html = await (await client.get(path)).text()
    assert 'id="unsaved-typing"' not in html and 'name="LBP_NOW" value="6" checked' in html


async def test_a_post_without_the_sessions_token_is_not_kept(
    client: Client, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    await login(client, "site_staff")
    html = await (await client.get(path)).text()
    now.value += IDLE
    forged = as_post(
        factories.outcomes(LBP_NOW=9), csrf_token="x", expected_version=version_of(html)
    )
    response = await client.post(path, data=forged, allow_redirects=False)
    assert response.status == 303 and "kept=1" not in response.headers["Location"]
    await login(client, "site_staff")
    assert 'id="unsaved-typing"' not in await (await client.get(path)).text()


async def test_the_kept_typing_is_sealed_at_rest(
    client: Client, web_config: WebConfig, web_settings: Settings, now: FakeNow, seeded: Seeded
) -> None:
    path = f"/participants/{seeded.ready}/forms/baseline"
    await _typed_then_expired(client, web_config, now, path)
    with sqlite3.connect(web_settings.data_dir / "unsaved.sqlite") as db:
        rows = db.execute("SELECT user_name, form_path, sealed FROM unsaved_typing").fetchall()
    assert [(user, form) for user, form, _ in rows] == [(NAMES["site_staff"], path)]
    assert "RMDQ_05" not in rows[0][2] and "LBP_NOW" not in rows[0][2]


async def test_the_session_status_does_not_extend_the_session(
    client: Client, web_config: WebConfig, now: FakeNow
) -> None:
    token = sign_in(client, web_config, "monitor")
    now.value += 20 * 60
    status = await (await client.get("/session/status")).json()
    assert status["remaining_s"] == 10 * 60 and status["extendable"] is True
    now.value += 9 * 60
    # Asking did not count as activity: 29 minutes idle, one minute left.
    assert (await (await client.get("/session/status")).json())["remaining_s"] == 60
    kept = await client.post("/session/keepalive", headers={"X-CSRF-Token": token})
    assert (await kept.json())["remaining_s"] == 30 * 60
    now.value += 20 * 60
    assert (await client.get("/", allow_redirects=False)).status == 200


async def test_a_blinded_account_is_refused_the_form_and_its_typing(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    staff, assessor = await make_client(), await make_client()
    path = f"/participants/{seeded.randomised}/forms/adherence"
    token = await login(staff, "site_staff")
    html = await (await staff.get(path)).text()
    now.value += IDLE
    typed = [("csrf_token", token), ("expected_version", version_of(html))]
    typed += [("EXERCISE_SESSIONS", "7"), ("REST_HOURS_PER_DAY", "2.5")]
    expired = await staff.post(path, data=typed, allow_redirects=False)
    assert "kept=1" in expired.headers["Location"]
    sign_in(assessor, web_config, "assessor")
    refused = await assessor.get(path)
    assert refused.status == 404 and "2.5" not in await refused.text()
    await login(staff, "site_staff")
    assert 'id="unsaved-typing"' in await (await staff.get(path)).text()


async def test_the_session_routes_need_a_session_and_keepalive_its_token(
    client: Client, web_config: WebConfig
) -> None:
    anonymous = await client.get("/session/status", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/login")
    sign_in(client, web_config, "monitor")
    forged = await client.post("/session/keepalive", headers={"X-CSRF-Token": "x"})
    assert forged.status == 403
