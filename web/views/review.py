"""Data review in the browser: electronic signatures, locks (form, participant, database) and
source data verification. Each action is a small POST form with the CSRF token; refusals the
user can fix (a wrong password, a missing reason) come back on the page, not as error pages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from domain import crf
from domain.errors import EdcError
from domain.protocol import FORM_LABELS, FORMS
from domain.signing import SignatureMeaning, canonical_json
from domain.wording import Message
from edc.permissions import Action, check_blind, may, role_may_not
from web.calls import actor_of, participant_id, run, trial_of
from web.crf_fields import display
from web.errors import WebRefusal
from web.i18n import N_, crf_text
from web.i18n import gettext as _
from web.i18n_messages import CASEBOOK, SIGNED_FLASH
from web.pages import flash, form_text, render, url_for

routes = web.RouteTableDef()


def _signed_what(form: str | None) -> str:
    """What a signature covers, in English as flashes are kept (shown_message translates)."""
    return FORM_LABELS.get(form, "") if form else CASEBOOK


MEANING_TEXT = {
    "approval": N_("Approval: I approve the data as correct and complete"),
    "review": N_("Review: I have reviewed the data"),
    "authorship": N_("Authorship: I am responsible for entering these data"),
}


def _form_of(request: web.Request, source: Any) -> str | None:
    form = form_text(source, "form", 40) or None
    if form is not None and form not in FORMS:
        raise web.HTTPNotFound()
    return form


def _back(request: web.Request, pid: str, form: str | None) -> web.HTTPSeeOther:
    if form:
        return web.HTTPSeeOther(url_for(request, "form", pid=pid, form=form))
    return web.HTTPSeeOther(url_for(request, "participant", pid=pid))


def _content_rows(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The sheets a signature covers as a person reads them, in the reader's language: per
    sheet, each item's label, name and value (code labels, missing-answer codes). Only the
    reading is translated; the content and its hash are the same in every language."""
    sheets = []
    for key, sheet in sorted(content["sheets"].items(), key=lambda kv: _sheet_order(kv[0])):
        form, _, repeat = key.partition(":")
        coded = set(crf.MISSING_CODE_ITEMS.get(form, ()))
        rows = []
        for spec in crf.ITEMS.get(form, ()):
            text = display(spec, sheet.get(spec.name))
            code = sheet.get(crf.companion(spec.name)) if spec.name in coded else None
            if code:
                text = _("not answered (%(code)s)") % {"code": code}
            rows.append((crf_text(spec.label), spec.name, text))
        label = crf_text(FORM_LABELS.get(form, form)) + (f", {int(repeat)}" if repeat else "")
        sheets.append({"key": key, "label": label, "rows": rows})
    return sheets


def _sheet_order(key: str) -> tuple[int, str]:
    form = key.split(":")[0]
    return (FORMS.index(form) if form in FORMS else len(FORMS), key)


async def _sign_page(
    request: web.Request,
    form: str | None,
    error: str | None = None,
    status: int = 200,
    meaning: str = "",
    reason: str = "",
) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    trial = trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    signatures = await run(trial.signatures, actor, pid)
    preview = await run(trial.signing_preview, actor, pid, form)
    context = {
        "preview": preview,
        "sheets": _content_rows(preview["content"]),
        "form_labels": FORM_LABELS,
        "canonical": canonical_json(preview["content"]).decode("utf-8"),
        "reason": reason,
        "p": view,
        "form": form,
        "form_label": crf_text(FORM_LABELS.get(form, "")) if form else _("the whole casebook"),
        "gaps_text": preview["gaps_text"],
        "meanings": [(m.value, _(MEANING_TEXT.get(m.value, m.value))) for m in SignatureMeaning],
        "meaning": meaning,
        "signatures": signatures,
        "error": error,
    }
    return await render(request, "sign.html", context, status=status)


@routes.get("/participants/{pid}/sign", name="sign_form")
async def sign_form(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.SIGN):
        raise WebRefusal(role_may_not(actor, Action.SIGN))
    form = _form_of(request, request.query)
    check_blind(actor, form)
    return await _sign_page(request, form)


@routes.post("/participants/{pid}/sign", name="sign")
async def sign(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    form = _form_of(request, post)
    # Refused as an error page, never on the participant's sign page.
    check_blind(actor, form)
    meaning = form_text(post, "meaning", 20)
    reason = form_text(post, "incomplete_reason", 600)
    try:
        await run(
            trial_of(request).sign,
            actor,
            pid,
            form_text(post, "password", 1000),
            meaning,
            form=form,
            incomplete_reason=reason or None,
            expected_hash=form_text(post, "content_hash", 64) or None,
        )
    except EdcError as error:
        if error.code in ("not_found",) or (
            error.code == "forbidden" and not may(actor, Action.SIGN)
        ):
            raise
        status = (
            403
            if error.code == "forbidden"
            else 409
            if error.code in ("locked", "conflict")
            else 422
        )
        return await _sign_page(request, form, error.message, status, meaning, reason)
    await flash(request, SIGNED_FLASH % {"meaning": meaning, "what": _signed_what(form)})
    raise _back(request, str(pid), form)


@routes.post("/participants/{pid}/forms/{form}/lock", name="lock_form")
async def lock_form(request: web.Request) -> web.Response:
    actor, pid, form = actor_of(request), participant_id(request), request.match_info["form"]
    post = await request.post()
    reason = form_text(post, "reason", 600) or None
    try:
        await run(trial_of(request).lock_form, actor, pid, form, reason)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, error.message, "error")
        raise _back(request, str(pid), form) from None
    await flash(request, f"{FORM_LABELS.get(form, form)} locked.")
    raise _back(request, str(pid), form)


@routes.post("/participants/{pid}/forms/{form}/unlock", name="unlock_form")
async def unlock_form(request: web.Request) -> web.Response:
    actor, pid, form = actor_of(request), participant_id(request), request.match_info["form"]
    post = await request.post()
    try:
        await run(trial_of(request).unlock_form, actor, pid, form, form_text(post, "reason", 600))
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, error.message, "error")
        raise _back(request, str(pid), form) from None
    await flash(request, f"{FORM_LABELS.get(form, form)} unlocked.")
    raise _back(request, str(pid), form)


@routes.post("/participants/{pid}/lock", name="lock_participant")
async def lock_participant(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    reason = form_text(post, "reason", 600) or None
    try:
        await run(trial_of(request).lock_participant, actor, pid, reason)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, error.message, "error")
        raise _back(request, str(pid), None) from None
    await flash(request, "Participant locked.")
    raise _back(request, str(pid), None)


@routes.post("/participants/{pid}/unlock", name="unlock_participant")
async def unlock_participant(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    try:
        await run(trial_of(request).unlock_participant, actor, pid, form_text(post, "reason", 600))
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, error.message, "error")
        raise _back(request, str(pid), None) from None
    await flash(request, "Participant unlocked.")
    raise _back(request, str(pid), None)


@routes.post("/participants/{pid}/forms/{form}/verify", name="verify_form")
async def verify_form(request: web.Request) -> web.Response:
    actor, pid, form = actor_of(request), participant_id(request), request.match_info["form"]
    try:
        await run(trial_of(request).verify_form, actor, pid, form)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(request, error.message, "error")
        raise _back(request, str(pid), form) from None
    await flash(request, f"{FORM_LABELS.get(form, form)} marked as source-verified.")
    raise _back(request, str(pid), form)


def _check_database_role(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.LOCK_DATABASE):
        raise WebRefusal(role_may_not(actor, N_("lock the database")))


async def _database_page(
    request: web.Request,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    lock = await run(trial.database_lock_status)
    checks = {} if lock["locked"] else await run(trial.pre_lock_checks, actor)
    context = {
        "status": lock,
        "checks": checks,
        "error": error,
        "fields": fields or {},
        "overrides": overrides or {},
    }
    return await render(request, "database.html", context, status=status)


@routes.get("/database", name="database")
async def database(request: web.Request) -> web.Response:
    _check_database_role(request)
    return await _database_page(request)


@routes.post("/database", name="database_post")
async def database_post(request: web.Request) -> web.Response:
    _check_database_role(request)
    actor, trial = actor_of(request), trial_of(request)
    post = await request.post()
    action = form_text(post, "action", 10)
    overrides = {
        name.removeprefix("override_"): form_text(post, name, 600)
        for name in post
        if isinstance(name, str) and name.startswith("override_")
    }
    try:
        if action == "lock":
            if form_text(post, "confirm", 5) != "yes":
                raise EdcError(Message("Tick the confirmation box to lock the database."))
            password = form_text(post, "password", 200)
            await run(trial.lock_database, actor, password, overrides)
            await flash(request, "The database is locked and your signature recorded.")
        elif action == "release":
            if form_text(post, "confirm", 5) != "yes":
                raise EdcError(Message("Tick the confirmation box to release the unblinded data."))
            await run(trial.release_unblinded_data, actor, form_text(post, "password", 200))
            await flash(request, "The unblinded data are released to the analysts.")
        elif action == "unlock":
            await run(trial.unlock_database, actor, form_text(post, "reason", 600))
            await flash(request, "The database is unlocked.")
        else:
            raise web.HTTPBadRequest(text="Unknown action.")
    except EdcError as error:
        # The role was checked above: a refusal here is the signature's password.
        status = (
            403
            if error.code == "forbidden"
            else 409
            if error.code in ("locked", "conflict")
            else 422
        )
        fields = getattr(error, "fields", None) or {}
        return await _database_page(request, error.message, fields, overrides, status=status)
    raise web.HTTPSeeOther(url_for(request, "database"))
