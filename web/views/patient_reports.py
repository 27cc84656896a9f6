"""The participant's weekly report: the personal link page (no login), the site's page that
makes the link or registers a phone, and the inbound-SMS endpoint for the SMS gateway."""

from __future__ import annotations

import hmac

from aiohttp import web

from domain import crf
from domain.errors import EdcError, FormInvalid
from web.api.body import strict_loads
from web.calls import actor_of, participant_id, run, trial_of
from web.crf_fields import fields, posted_text
from web.i18n import LANGUAGES, PATIENT_DEFAULT
from web.i18n import gettext as _
from web.i18n_messages import shown_message
from web.keys import CONFIG
from web.pages import flash, form_text, render, url_for

routes = web.RouteTableDef()
QUESTIONS = ("LBP_DAYS", "SICK_LEAVE_DAYS")


@routes.post("/participants/{pid}/report-link", name="report_link")
async def report_link(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    # The link's language: the participant's page is Danish unless the site chose another.
    language = form_text(post, "lang", 8)
    language = language if language in LANGUAGES else PATIENT_DEFAULT
    token = await run(trial_of(request).issue_report_link, actor, pid)
    query = None if language == PATIENT_DEFAULT else {"lang": language}
    link = str(request.url.origin()) + url_for(request, "weekly", query, token=token)
    view = await run(trial_of(request).get_participant, actor, pid)
    # Shown once: only the token's digest is kept, so a lost link is replaced, not looked up.
    context = {"p": view, "link": link, "link_language": language}
    return await render(request, "report_link.html", context)


@routes.post("/participants/{pid}/report-phone", name="report_phone")
async def report_phone(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    pepper = request.app[CONFIG].phone_key.encode()
    try:
        await run(
            trial_of(request).register_report_phone,
            actor,
            pid,
            form_text(post, "phone", 40),
            pepper,
        )
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, shown_message(error.message), "error")
    else:
        await flash(
            request,
            _("The phone number is registered for SMS replies (it replaces any before it)."),
        )
    raise web.HTTPSeeOther(url_for(request, "participant", pid=str(pid)))


@routes.post("/participants/{pid}/report-link/revoke", name="report_link_revoke")
async def report_link_revoke(request: web.Request) -> web.Response:
    return await _withdraw(request, "revoke_report_link", _("The weekly report link is revoked."))


@routes.post("/participants/{pid}/report-phone/remove", name="report_phone_remove")
async def report_phone_remove(request: web.Request) -> web.Response:
    return await _withdraw(request, "remove_report_phone", _("The phone number is removed."))


async def _withdraw(request: web.Request, command: str, done: str) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    try:
        await run(getattr(trial_of(request), command), actor, pid)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, shown_message(error.message), "error")
    else:
        await flash(request, done)
    raise web.HTTPSeeOther(url_for(request, "participant", pid=str(pid)))


async def _weekly_page(request: web.Request, status: int = 200, **extra: object) -> web.Response:
    token = request.match_info["token"]
    state = await run(trial_of(request).report_link_status, token)
    values = extra.pop("values", {})
    errors = extra.pop("errors", None)
    if isinstance(errors, dict):
        errors = {name: shown_message(text) for name, text in errors.items()}
    questions = [
        f
        for f in fields("weekly", values, errors=errors)  # type: ignore[arg-type]
        if f.name in QUESTIONS
    ]
    # Each question's range said before the participant types (the item's own bounds).
    specs = {spec.name: spec for spec in crf.ITEMS["weekly"]}
    ranges = {
        f.name: (_number(specs[f.name].min), _number(specs[f.name].max))
        for f in questions
        if specs[f.name].min is not None and specs[f.name].max is not None
    }
    context = {
        "state": state,
        "questions": questions,
        "ranges": ranges,
        "token": token,
        "done": False,
        **extra,
    }
    return await render(request, "weekly.html", context, status=status)


def _number(bound: float | None) -> int:
    return int(bound or 0)


@routes.get("/weekly/{token}", name="weekly")
async def weekly(request: web.Request) -> web.Response:
    return await _weekly_page(request)


@routes.post("/weekly/{token}", name="weekly_post")
async def weekly_post(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    post = await request.post()
    raw = {k: v for k, v in posted_text("weekly", post).items() if k in QUESTIONS}
    try:
        items = crf.coerce_text_values("weekly", raw)
        result = await run(trial_of(request).record_patient_report, token, items)
    except FormInvalid as error:
        return await _weekly_page(request, 422, values=raw, errors=error.fields)
    except EdcError as error:
        if error.code == "not_found":
            raise
        return await _weekly_page(request, 409, values=raw, message=shown_message(error.message))
    return await _weekly_page(request, done=True, week=result["week"])


@routes.post("/sms/inbound", name="sms_inbound")
async def sms_inbound(request: web.Request) -> web.Response:
    """The SMS gateway posts {"from", "text"} (JSON or form) with the shared secret; the answer
    is the text to send back to the participant."""
    config = request.app[CONFIG]
    secret = config.sms_secret
    if not secret:
        raise web.HTTPNotFound()
    sent = request.headers.get("X-SMS-Secret", "")
    if not hmac.compare_digest(sent.encode(), secret.encode()):
        raise web.HTTPForbidden(reason="The SMS gateway secret is not right.")
    if request.content_type == "application/json":
        try:
            body = strict_loads(await request.text())
        except ValueError as error:
            raise web.HTTPBadRequest(text=f"The body is not valid JSON: {error}") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="The body is not a JSON object.")
        sender, text = str(body.get("from", "")), str(body.get("text", ""))
    else:
        post = await request.post()
        sender, text = form_text(post, "from", 40), form_text(post, "text", 400)
    try:
        result = await run(
            trial_of(request).record_sms_report, sender, text, config.phone_key.encode()
        )
    except EdcError as error:
        status = {"not_found": 404, "conflict": 409}.get(error.code, 422)
        return web.Response(status=status, text=error.message)
    return web.Response(text=f"Thank you: week {result['week']} is recorded.")
