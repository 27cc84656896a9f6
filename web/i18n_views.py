"""The language switch: any page (logged in or not) posts here and comes back in the language."""

from __future__ import annotations

from aiohttp import web

from web.auth import safe_next
from web.i18n import LANGUAGES, choose_language
from web.keys import CONFIG
from web.pages import form_text

routes = web.RouteTableDef()


@routes.post("/language", name="language")
async def language(request: web.Request) -> web.Response:
    post = await request.post()
    lang = form_text(post, "lang", 8)
    if lang not in LANGUAGES:
        raise web.HTTPUnprocessableEntity(
            text="Choose one of the languages: " + ", ".join(LANGUAGES) + "."
        )
    response = web.HTTPSeeOther(safe_next(form_text(post, "next")))
    choose_language(response, lang, request.app[CONFIG].secure_cookies)
    raise response
