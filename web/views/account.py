"""Login, logout, password change and the session timeout page."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session, new_session

from domain.errors import EdcError
from web.auth import SESSION_SEEN, SESSION_USER, safe_next
from web.calls import actor_of, run, trial_of
from web.keys import CONFIG
from web.pages import flash, form_text, render, see_other
from web.security import csrf_token

routes = web.RouteTableDef()


async def _login_page(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    query = request.query
    context = {
        "next": safe_next(query.get("next")),
        "expired": "expired" in query,
        "logged_out": "bye" in query,
        "error": None,
        "name": "",
        **extra,
    }
    return await render(request, "login.html", context, status=status)


@routes.get("/login", name="login")
async def login_form(request: web.Request) -> web.Response:
    return await _login_page(request)


@routes.post("/login", name="login_post")
async def login(request: web.Request) -> web.Response:
    post = await request.post()
    name, password = form_text(post, "name", 100).strip(), form_text(post, "password", 1000)
    target = safe_next(form_text(post, "next"))
    try:
        actor = await run(trial_of(request).authenticate, name, password)
    except EdcError as error:
        # The accounts use case words its refusals so that they tell a guesser nothing.
        return await _login_page(request, 401, error=error.message, name=name, next=target)
    # A new session at login: whatever cookie the browser had before is worth nothing now.
    session = await new_session(request)
    session[SESSION_USER] = actor.user
    session[SESSION_SEEN] = request.app[CONFIG].now()
    csrf_token(session)
    raise web.HTTPSeeOther(target)


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/login?bye=1")


@routes.get("/password", name="password")
async def password_form(request: web.Request) -> web.Response:
    return await render(request, "password.html", {"error": None})


@routes.post("/password", name="password_post")
async def change_password(request: web.Request) -> web.Response:
    actor = actor_of(request)
    post = await request.post()
    current, new = form_text(post, "current", 1000), form_text(post, "new", 1000)
    if new != form_text(post, "repeat", 1000):
        return await render(
            request,
            "password.html",
            {"error": "The new password and its repetition differ."},
            status=422,
        )
    try:
        await run(trial_of(request).change_password, actor, current, new)
    except EdcError as error:
        if error.code == "forbidden":
            raise
        return await render(request, "password.html", {"error": error.message}, status=422)
    await flash(request, "Your password is changed.")
    raise see_other(request, "dashboard")
