"""What every page's template gets: the actor, their navigation, the CSRF token, messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp_session import get_session

from domain.actor import Actor
from domain.protocol import TIME_ZONE
from edc.permissions import Action, may
from web.keys import ACTOR, CONFIG
from web.pages import FLASH_KEY
from web.security import csrf_token

ZONE = ZoneInfo(TIME_ZONE)

# (label, route name, the action that shows it; None = every logged-in user)
NAVIGATION: tuple[tuple[str, str, Action | None], ...] = (
    ("Dashboard", "dashboard", None),
    ("My work", "work", Action.VIEW_CLINICAL),
    ("Participants", "participants", Action.VIEW_CLINICAL),
    ("Screen a person", "screen_form", Action.SCREEN),
    ("Queries", "queries", Action.VIEW_CLINICAL),
    ("Audit trail", "audit", Action.VIEW_AUDIT),
    ("Casebooks", "casebooks", Action.VIEW_AUDIT),
    ("Refused actions", "refusals", Action.VIEW_REFUSALS),
    ("Database lock", "database", Action.LOCK_DATABASE),
    ("Exports", "exports", Action.EXPORT),
    ("Analysis", "analysis", Action.EXPORT),
    ("Users", "users", Action.MANAGE_USERS),
)


def navigation(actor: Actor | None, router: web.UrlDispatcher) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [
        (label, str(router[name].url_for()))
        for label, name, action in NAVIGATION
        if name in router and (action is None or may(actor, action))
    ]


def local_time(value: Any) -> str:
    """A UTC time as the site reads it, with its zone (DESIGN.md, "Personal data")."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    return value.astimezone(ZONE).strftime("%Y-%m-%d %H:%M %Z")


async def base_context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    actor = request.get(ACTOR)
    flashes = session.pop(FLASH_KEY, []) if FLASH_KEY in session else []
    return {
        "actor": actor,
        "nav": navigation(actor, request.app.router),
        "csrf_token": csrf_token(session),
        "demo": request.app[CONFIG].demo,
        "flashes": flashes,
        "may": (lambda action: actor is not None and may(actor, Action(action))),
        "path": request.path,
    }
