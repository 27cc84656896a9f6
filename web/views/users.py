"""The administrators' users page: accounts, roles, sites and blinding (no clinical data)."""

from __future__ import annotations

from aiohttp import web

from domain.errors import EdcError
from domain.protocol import SITES
from domain.roles import Role
from domain.wording import Message
from edc.permissions import Action, may, role_may_not
from web.calls import actor_of, run, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.pages import flash, form_text, render, see_other

routes = web.RouteTableDef()


def _check_admin(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.MANAGE_USERS):
        raise WebRefusal(role_may_not(actor, Action.MANAGE_USERS))


async def _page(request: web.Request, status: int = 200, **extra: object) -> web.Response:
    users = await run(trial_of(request).list_accounts, actor_of(request))
    context = {
        "users": users,
        "roles": [r.value for r in Role],
        "sites": SITES,
        "error": None,
        "new": {"name": "", "role": "", "site": "", "blinding": "default", "reason": ""},
        **extra,
    }
    return await render(request, "users.html", context, status=status)


@routes.get("/users", name="users")
async def users(request: web.Request) -> web.Response:
    _check_admin(request)
    return await _page(request)


@routes.post("/users", name="users_add")
async def add_user(request: web.Request) -> web.Response:
    _check_admin(request)
    post = await request.post()
    name, role = form_text(post, "name", 100).strip(), form_text(post, "role", 40)
    site = form_text(post, "site", 40) or None
    blinding = form_text(post, "blinding", 20)
    blinded = {"blinded": True, "unblinded": False}.get(blinding)
    password, reason = form_text(post, "password", 1000), form_text(post, "reason", 600)
    try:
        await run(
            trial_of(request).add_user,
            actor_of(request),
            name,
            role,
            password,
            site=site,
            blinded=blinded,
            blinding_reason=reason,
        )
    except EdcError as error:
        if error.code == "forbidden":
            raise
        new = {
            "name": name,
            "role": role,
            "site": site or "",
            "blinding": blinding,
            "reason": reason,
        }
        return await _page(request, 422, error=error.message, new=new)
    await flash(request, Message("Account %(name)s added.", name=name))
    raise see_other(request, "users")


async def _user_page(request: web.Request, status: int = 200, **extra: object) -> web.Response:
    actor = actor_of(request)
    user = await run(trial_of(request).show_user, actor, request.match_info["name"])
    context = {
        "user": user,
        "roles": [r.value for r in Role],
        "sites": SITES,
        "error": None,
        **extra,
    }
    return await render(request, "user.html", context, status=status)


@routes.get("/users/{name}", name="user")
async def user_page(request: web.Request) -> web.Response:
    _check_admin(request)
    return await _user_page(request)


ACTIONS = ("deactivate", "reactivate", "unlock", "token", "revoke", "role", "password", "name")
# What each action did, for the flash after it (in the reader's language).
DONE = {
    "deactivate": N_("%(name)s: the account is deactivated."),
    "reactivate": N_("%(name)s: the account is reactivated."),
    "unlock": N_("%(name)s: the account is unlocked."),
    "token": N_("%(name)s: an API token is issued."),
    "revoke": N_("%(name)s: the API tokens are revoked."),
    "role": N_("%(name)s: the role is changed."),
    "password": N_("%(name)s: the password is set."),
    "name": N_("%(name)s: the full name is changed."),
}


@routes.post("/users/{name}/{action}", name="user_action")
async def user_action(request: web.Request) -> web.Response:
    _check_admin(request)
    actor, trial = actor_of(request), trial_of(request)
    name, action = request.match_info["name"], request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound()
    post = await request.post()
    reason = form_text(post, "reason", 600)
    try:
        if action == "deactivate":
            await run(trial.deactivate_user, actor, name, reason)
        elif action == "reactivate":
            await run(trial.reactivate_user, actor, name, reason)
        elif action == "unlock":
            await run(trial.unlock_user, actor, name)
        elif action == "token":
            # Refused by the use case (and logged): tokens are issued to their owners only.
            await run(trial.issue_token, actor, name, form_text(post, "label", 100))
        elif action == "revoke":
            await run(trial.revoke_all_tokens, actor, name)
        elif action == "role":
            blinding = form_text(post, "blinding", 20)
            await run(
                trial.change_role,
                actor,
                name,
                form_text(post, "role", 40),
                form_text(post, "site", 40) or None,
                blinded={"blinded": True, "unblinded": False}.get(blinding),
                reason=reason,
            )
        elif action == "password":
            await run(trial.set_password, actor, name, form_text(post, "password", 1000))
        else:
            await run(trial.set_full_name, actor, name, form_text(post, "full_name", 200))
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _user_page(request, 422, error=error.message)
    await flash(request, Message(DONE[action], name=name))
    raise web.HTTPSeeOther(str(request.app.router["user"].url_for(name=name)))
