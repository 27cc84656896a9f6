"""What the attack tests share: logging in through the real form and replaying cookies."""

from __future__ import annotations

from http.cookies import Morsel

from aiohttp.test_utils import TestClient

from edc.application import Trial
from tests.web.conftest import csrf_of
from web.app import COOKIE_NAME
from web.keys import TRIAL


def trial_of(client: TestClient) -> Trial:
    """The server's own Trial, to look at what it stored."""
    return client.server.app[TRIAL]


async def form_login(client: TestClient, name: str, password: str) -> str:
    """Log in with the real form (argon2 and all); returns the session's CSRF token."""
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "name": name, "password": password},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return await csrf_of(client, "/password")


def session_cookie(client: TestClient) -> str:
    """The session cookie as an attacker would copy it from the browser."""
    morsels: list[Morsel[str]] = [c for c in client.session.cookie_jar if c.key == COOKIE_NAME]
    assert morsels, "no session cookie"
    return morsels[-1].value


def replay(client: TestClient, cookie: str) -> None:
    """Put a copied session cookie back into the browser."""
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({COOKIE_NAME: cookie}, client.make_url("/"))


async def is_logged_in(client: TestClient) -> bool:
    """Whether the browser's cookie opens the dashboard (else it is sent to the login page)."""
    response = await client.get("/", allow_redirects=False)
    if response.status == 200:
        return True
    assert response.status == 303 and response.headers["Location"].startswith("/login")
    return False
