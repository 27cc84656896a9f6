"""Login, a one-time password replaced at login, logout, password change, one's own tokens."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from domain.errors import EdcError
from domain.user import PasswordChangeRequired
from edc.usecases.accounts import SessionGrant
from web.auth import SESSION_ID, safe_next, start_session
from web.calls import actor_of, run, trial_of
from web.keys import ACTOR, CONFIG
from web.pages import flash, form_text, render, see_other
from web.security import csrf_token

routes = web.RouteTableDef()
PASSWORDS_DIFFER = "The new password and its repetition differ."


async def _login_page(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    query = request.query
    context = {
        "next": safe_next(query.get("next")),
        "expired": "expired" in query,
        "kept": "kept" in query,
        "logged_out": "bye" in query,
        "error": None,
        "name": "",
        **extra,
    }
    return await render(request, "login.html", context, status=status)


async def _choose_page(
    request: web.Request, name: str, target: str, status: int = 200, error: str | None = None
) -> web.Response:
    context = {"name": name, "next": target, "error": error}
    return await render(request, "choose_password.html", context, status=status)


async def _begin(request: web.Request, grant: SessionGrant) -> Session:
    # A new session at login: whatever cookie the browser had before is worth nothing now.
    session = await new_session(request)
    start_session(
        session, grant.actor.user, grant.session_id, grant.epoch, request.app[CONFIG].now()
    )
    csrf_token(session)
    return session


@routes.get("/login", name="login")
async def login_form(request: web.Request) -> web.Response:
    return await _login_page(request)


@routes.post("/login", name="login_post")
async def login(request: web.Request) -> web.Response:
    post = await request.post()
    name, password = form_text(post, "name", 100).strip(), form_text(post, "password", 1000)
    target = safe_next(form_text(post, "next"))
    try:
        grant = await run(trial_of(request).log_in, name, password)
    except PasswordChangeRequired:
        return await _choose_page(request, name, target)
    except EdcError as error:
        # The accounts use case words its refusals so that they tell a guesser nothing.
        return await _login_page(request, 401, error=error.message, name=name, next=target)
    await _begin(request, grant)
    raise web.HTTPSeeOther(target)


@routes.post("/login/password", name="choose_password")
async def choose_password(request: web.Request) -> web.Response:
    """A password set by an administrator serves only to choose a new one, here."""
    post = await request.post()
    name, password = form_text(post, "name", 100).strip(), form_text(post, "password", 1000)
    new, target = form_text(post, "new", 1000), safe_next(form_text(post, "next"))
    if new != form_text(post, "repeat", 1000):
        return await _choose_page(request, name, target, 422, PASSWORDS_DIFFER)
    try:
        grant = await run(trial_of(request).choose_password, name, password, new)
    except EdcError as error:
        status = 401 if error.code in ("unauthorized", "password_change_required") else 422
        return await _choose_page(request, name, target, status, error.message)
    await _begin(request, grant)
    await flash(request, "Your new password is set.")
    raise web.HTTPSeeOther(target)


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session_id = session.get(SESSION_ID)
    actor = request.get(ACTOR)
    if actor is not None and isinstance(session_id, str):
        # Recorded in the account: a copy of this cookie is refused from now on.
        await run(trial_of(request).log_out, actor, session_id)
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
        return await render(request, "password.html", {"error": PASSWORDS_DIFFER}, status=422)
    trial = trial_of(request)
    try:
        await run(trial.change_password, actor, current, new)
    except EdcError as error:
        if error.code == "forbidden":
            raise
        return await render(request, "password.html", {"error": error.message}, status=422)
    # The change ended every session of the account, this one too: this browser gets a new one.
    await _begin(request, await run(trial.new_session, actor))
    await flash(request, "Your password is changed; your other sessions are ended.")
    raise see_other(request, "dashboard")


async def _tokens_page(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    actor = actor_of(request)
    account = await run(trial_of(request).show_user, actor, actor.user)
    context = {"account": account, "token": None, "error": None, **extra}
    return await render(request, "tokens.html", context, status=status)


@routes.get("/account/tokens", name="own_tokens")
async def own_tokens(request: web.Request) -> web.Response:
    return await _tokens_page(request)


@routes.post("/account/tokens", name="own_tokens_post")
async def issue_own_token(request: web.Request) -> web.Response:
    """Only the holder issues their API tokens, re-entering their password; shown once."""
    actor = actor_of(request)
    post = await request.post()
    password, label = form_text(post, "password", 1000), form_text(post, "label", 100)
    try:
        token = await run(trial_of(request).issue_own_token, actor, password, label)
    except EdcError as error:
        if error.code == "forbidden":
            raise
        return await _tokens_page(request, 422, error=error.message)
    return await _tokens_page(request, token=token)


@routes.post("/account/tokens/revoke", name="own_tokens_revoke")
async def revoke_own_tokens(request: web.Request) -> web.Response:
    actor = actor_of(request)
    await run(trial_of(request).revoke_all_tokens, actor, actor.user)
    await flash(request, "Your API tokens are revoked.")
    raise see_other(request, "own_tokens")
