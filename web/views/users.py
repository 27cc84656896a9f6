"""The administrators' users page: accounts, roles, sites and blinding (no clinical data)."""

from __future__ import annotations

from aiohttp import web

from domain.errors import EdcError, PermissionDenied
from domain.protocol import SITES
from domain.roles import Role
from edc.permissions import Action, may
from web.calls import actor_of, run, trial_of
from web.pages import flash, form_text, render, see_other

routes = web.RouteTableDef()


def _check_admin(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.MANAGE_USERS):
        raise PermissionDenied(f"Your role ({actor.role}) may not manage users.")


async def _page(request: web.Request, status: int = 200, **extra: object) -> web.Response:
    users = await run(trial_of(request).list_users)
    context = {
        "users": users,
        "roles": [r.value for r in Role],
        "sites": SITES,
        "error": None,
        "new": {"name": "", "role": "", "site": "", "blinding": "default"},
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
    password = form_text(post, "password", 1000)
    try:
        await run(
            trial_of(request).add_user,
            actor_of(request),
            name,
            role,
            password,
            site=site,
            blinded=blinded,
        )
    except EdcError as error:
        if error.code == "forbidden":
            raise
        new = {"name": name, "role": role, "site": site or "", "blinding": blinding}
        return await _page(request, 422, error=error.message, new=new)
    await flash(request, f"Account {name} added.")
    raise see_other(request, "users")
