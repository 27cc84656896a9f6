"""Logging in and out, lock-out, session fixation, session timeout and password change."""

from __future__ import annotations

from yarl import URL

from tests.app.conftest import NAMES, PASSWORD
from tests.web.conftest import Client, FakeNow, MakeClient, csrf_of, login
from web.app import COOKIE_NAME


async def test_anonymous_pages_redirect_to_login_with_the_page_to_return_to(
    client: Client,
) -> None:
    response = await client.get("/participants?status=x", allow_redirects=False)
    assert response.status == 303
    location = URL(response.headers["Location"])
    assert location.path == "/login" and location.query["next"] == "/participants?status=x"


async def test_anonymous_api_calls_get_401_json(client: Client) -> None:
    response = await client.get("/api/v1/participants")
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "unauthorized" and body["fields"] == {}


async def test_login_returns_to_the_page_asked_for(client: Client) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "name": "sara", "password": PASSWORD, "next": "/participants"},
    )
    assert response.status == 200
    assert response.url.path == "/participants"


async def test_login_never_redirects_off_site(client: Client) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "name": "sara",
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/"


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: Client,
) -> None:
    token = await csrf_of(client)
    wrong = await client.post(
        "/login", data={"csrf_token": token, "name": "sara", "password": "not the password"}
    )
    unknown = await client.post(
        "/login", data={"csrf_token": token, "name": "nobody", "password": "not the password"}
    )
    assert wrong.status == unknown.status == 401
    assert _alert(await wrong.text()) == _alert(await unknown.text())
    assert (await client.get("/", allow_redirects=False)).status == 303


def _alert(html: str) -> str:
    return html.split('role="alert">')[1].split("<")[0]


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: Client,
) -> None:
    token = await csrf_of(client)
    for _ in range(5):
        await client.post(
            "/login", data={"csrf_token": token, "name": "anna", "password": "wrong password!"}
        )
    response = await client.post(
        "/login", data={"csrf_token": token, "name": "anna", "password": PASSWORD}
    )
    assert response.status == 401
    assert "locked" in _alert(await response.text())


async def test_login_rotates_the_session_so_a_planted_cookie_is_worth_nothing(
    make_client: MakeClient,
) -> None:
    victim = await make_client()
    await csrf_of(victim)  # the victim's browser now holds a pre-login cookie
    planted = victim.session.cookie_jar.filter_cookies(victim.make_url("/"))[COOKIE_NAME].value
    await login(victim, "site_staff")
    after = victim.session.cookie_jar.filter_cookies(victim.make_url("/"))[COOKIE_NAME].value
    assert after != planted
    attacker = await make_client()
    attacker.session.cookie_jar.update_cookies({COOKIE_NAME: planted})
    response = await attacker.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_session_cookie_is_http_only_and_same_site(client: Client) -> None:
    response = await client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_logout_ends_the_session(client: Client) -> None:
    token = await login(client, "monitor")
    response = await client.post("/logout", data={"csrf_token": token})
    assert response.url.path == "/login" and "You are logged out" in await response.text()
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_an_idle_session_times_out(client: Client, now: FakeNow) -> None:
    await login(client, "monitor")
    now.value += 29 * 60
    assert (await client.get("/", allow_redirects=False)).status == 200
    now.value += 31 * 60
    response = await client.get("/participants", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login?expired=1")
    page = await client.get(response.headers["Location"])
    assert "timed out" in await page.text()
    # The expired session is gone for good, not only for this one request.
    now.value += 1
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_an_idle_api_session_gets_401(client: Client, now: FakeNow) -> None:
    await login(client, "monitor")
    now.value += 31 * 60
    response = await client.get("/api/v1/participants")
    assert response.status == 401
    assert "expired" in (await response.json())["message"]


async def test_password_change(client: Client, make_client: MakeClient) -> None:
    token = await login(client, "analyst")
    mismatch = await client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "a new long password",
            "repeat": "another one entirely",
        },
    )
    assert mismatch.status == 422 and "differ" in await mismatch.text()
    wrong = await client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": "not my password",
            "new": "a new long password",
            "repeat": "a new long password",
        },
    )
    assert wrong.status == 422 and "current password is wrong" in await wrong.text()
    short = await client.post(
        "/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "short", "repeat": "short"},
    )
    assert short.status == 422 and "at least 10" in await short.text()
    done = await client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "a new long password",
            "repeat": "a new long password",
        },
    )
    assert done.status == 200 and "Your password is changed" in await done.text()
    other = await make_client()
    await login(other, "analyst", password="a new long password")


async def test_a_deactivated_account_loses_its_session(client: Client) -> None:
    await login(client, "monitor")
    admin = client.app
    assert admin is not None
    from web.keys import TRIAL

    trial = admin[TRIAL]
    trial.deactivate_user(trial.actor_for(NAMES["admin"]), NAMES["monitor"], "left the trial")
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")
