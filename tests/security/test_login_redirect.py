"""No open redirect after login: only a plain same-site path is followed, whatever the
encoding trick."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import NAMES, PASSWORD
from tests.web.conftest import Client, csrf_of

# The login form's own target (the header's language switch carries the page's path, which is
# the login page itself and is checked again when posted).
NEXT = re.compile(r'action="/login"[^>]*>.*?name="next" value="([^"]*)"', re.S)
ATTACKS = [
    "/\t/evil.example/",
    "/%09/evil.example/",
    "/\n/evil.example/",
    "/%0a/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/%5cevil.example/",
    "/%5C%5Cevil.example/",
    "/%2f/evil.example/",
    "/%2F%2Fevil.example/",
    "/%252f/evil.example/",
    "/%25252f%25252fevil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/ /evil.example/",
    "/\u3002evil.example/",
    "\\\\evil.example",
]


@pytest.mark.parametrize("target", ATTACKS)
async def test_the_login_form_never_carries_a_foreign_target(client: Client, target: str) -> None:
    page = await client.get("/login", params={"next": target})
    match = NEXT.search(await page.text())
    assert match and match.group(1) == "/"


async def test_logging_in_with_a_foreign_target_lands_on_the_dashboard(client: Client) -> None:
    for target in ("/%09/evil.example/", "/\\evil.example/", "/%2F%2Fevil.example/"):
        client.session.cookie_jar.clear()
        csrf = await csrf_of(client)
        response = await client.post(
            "/login",
            data={
                "csrf_token": csrf,
                "name": NAMES["monitor"],
                "password": PASSWORD,
                "next": target,
            },
            allow_redirects=False,
        )
        assert response.status == 303 and response.headers["Location"] == "/", target


async def test_a_same_site_target_is_followed(client: Client) -> None:
    csrf = await csrf_of(client)
    response = await client.post(
        "/login",
        data={
            "csrf_token": csrf,
            "name": NAMES["monitor"],
            "password": PASSWORD,
            "next": "/participants?site=RINGE",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/participants?site=RINGE"
