"""What every page's template gets: the actor, their navigation, the CSRF token, messages."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp_session import get_session
from markupsafe import Markup, escape

from domain.actor import Actor
from domain.protocol import TIME_ZONE
from domain.wording import message_from_record
from edc.permissions import Action, may
from web.i18n import LANGUAGE_IN_TEXT, LANGUAGES, N_, current_language, local_time
from web.keys import ACTOR, AUTH, CONFIG
from web.security import CSRF_FIELD, FORM_TYPES, FROM_PAGE_FIELD, csrf_token, from_page

__all__ = ["NAVIGATION", "base_context", "local_time", "navigation"]

ZONE = ZoneInfo(TIME_ZONE)
# The session key of the one-time messages (`web.pages.flash` adds them).
FLASH_KEY = "flash"

# (label, route name, the action that shows it; None = every logged-in user)
NAVIGATION: tuple[tuple[str, str, Action | None], ...] = (
    (N_("Dashboard"), "dashboard", None),
    (N_("My work"), "work", Action.VIEW_CLINICAL),
    (N_("Participants"), "participants", Action.VIEW_CLINICAL),
    (N_("Screen a person"), "screen_form", Action.SCREEN),
    (N_("Queries"), "queries", Action.VIEW_CLINICAL),
    (N_("Audit trail"), "audit", Action.VIEW_AUDIT),
    (N_("Casebooks"), "casebooks", Action.VIEW_AUDIT),
    (N_("Refused actions"), "refusals", Action.VIEW_REFUSALS),
    (N_("Database lock"), "database", Action.LOCK_DATABASE),
    (N_("Exports"), "exports", Action.EXPORT),
    (N_("Analysis"), "analysis", Action.EXPORT),
    (N_("Users"), "users", Action.MANAGE_USERS),
)


def navigation(actor: Actor | None, router: web.UrlDispatcher) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [
        (label, str(router[name].url_for()))
        for label, name, action in NAVIGATION
        if name in router and (action is None or may(actor, action))
    ]


async def form_tokens(request: web.Request, token: str) -> Markup:
    """The hidden fields of every post form: the CSRF token, and the page the form is on (for a
    page rendered by a post, the page that post came from)."""
    page = request.path_qs
    if request.method == "POST" and request.content_type in FORM_TYPES:
        page = from_page(request, await request.post())
    return Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
        f'<input type="hidden" name="{FROM_PAGE_FIELD}" value="{escape(page)}">'
    )


async def base_context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    actor = request.get(ACTOR)
    flashes = [
        {
            **flashed,
            "text": message_from_record(flashed["text"], flashed.get("id"), flashed.get("params")),
        }
        for flashed in (session.pop(FLASH_KEY, []) if FLASH_KEY in session else [])
    ]
    token = csrf_token(session)
    return {
        "actor": actor,
        "nav": navigation(actor, request.app.router),
        "csrf_token": token,
        # Every post form's hidden fields: the token and the page it is on (web.unsaved).
        "form_tokens": await form_tokens(request, token),
        "demo": request.app[CONFIG].demo,
        "flashes": flashes,
        "may": (lambda action: actor is not None and may(actor, Action(action))),
        "path": request.path,
        "path_qs": request.path_qs,
        "lang": current_language(),
        "languages": LANGUAGES,
        "language_in_text": LANGUAGE_IN_TEXT,
        # The page's idle-timeout warning (web/static/session.js), for browser sessions.
        "auth": request.get(AUTH),
        "idle_timeout_s": request.app[CONFIG].idle_timeout_s,
    }
