"""One page per form, generated from the eCRF items: entry, correction with a reason, conflicts.

The flow of a save: posted text -> `coerce_text_values` (syntax only) -> soft checks asked for
confirmation -> `record_form`, whose refusals come back next to the fields with the user's text
kept. A stale save (someone saved this form meanwhile) shows the other person's values beside
the user's own and offers to save again on top of the new version: nothing is overwritten
without the user having seen what they replace.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from domain import crf
from domain.errors import EdcError, FormInvalid, NotFound, ReasonRequired, StaleVersion
from domain.protocol import FORM_LABELS, FORMS, REASON_LABELS, REPEATING_FORM_KEY_ITEM
from domain.stale_merge import MINE, THEIRS, ItemMerge, chosen_values
from domain.wording import Message
from edc.permissions import Action, allowed, may
from web.calls import actor_of, participant_id, run, trial_of
from web.crf_fields import derived_rows, display, fields, posted_text, sections
from web.errors import ApiError
from web.i18n import N_, ngettext
from web.i18n import gettext as _
from web.i18n_messages import shown_message
from web.instruments import instrument_wording
from web.numbers import whole_number
from web.pages import flash, form_text, render, url_for
from web.unsaved import take_typing

routes = web.RouteTableDef()

# The largest repeat key of any repeating form (weeks run to 62, adverse events further).
MAX_REPEAT_KEY = 999


def _form_name(request: web.Request) -> str:
    form = request.match_info["form"]
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
    return form


def _week(request: web.Request) -> int | None:
    """The repeat key shown (a week, an adverse event number), from `?week=`."""
    week = whole_number(request.query.get("week", ""))
    return week if week is not None and 1 <= week <= MAX_REPEAT_KEY else None


def _sheet(form: str, state: dict[str, Any], week: int | None) -> dict[str, Any]:
    """The stored items of the sheet shown: the form, or one week of the weekly report."""
    if form in REPEATING_FORM_KEY_ITEM:
        if week is None:
            return {}
        return dict(state["items"].get(str(week), {}))
    return dict(state["items"])


# What one repeat of a repeating form is called on its page: (one, several).
# Marked here, translated where shown (`words`).
_REPEAT_WORDS = {"weekly": (N_("week"), N_("weeks")), "adverse_event": (N_("event"), N_("events"))}


async def _load(
    request: web.Request, pid: UUID, form: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    actor = actor_of(request)
    view = await run(trial_of(request).get_participant_form, actor, pid, form)
    return view, view["forms"][form]


async def _page(
    request: web.Request,
    view: dict[str, Any],
    form: str,
    state: dict[str, Any],
    *,
    values: dict[str, Any],
    week: int | None,
    version: int,
    errors: dict[str, str] | None = None,
    warnings: dict[str, str] | None = None,
    merge: dict[str, Any] | None = None,
    choices: dict[str, str] | None = None,
    unchosen: list[str] | None = None,
    seen: int | None = None,
    message: str | None = None,
    confirm: bool = False,
    reason: dict[str, str] | None = None,
    reason_needed: bool = False,
    unsaved: bool = False,
    status: int = 200,
) -> web.Response:
    actor = actor_of(request)
    repeating = form in REPEATING_FORM_KEY_ITEM
    entered = bool(_sheet(form, state, week)) if repeating else bool(state["version"])
    # A draft's missing items are listed as saved; after a refused save the errors say more.
    draft_missing = [] if errors else list(state.get("missing") or [])
    labels = {spec.name: spec.label for spec in crf.ITEMS[form]}
    lock = await run(trial_of(request).lock_of_form, actor, UUID(view["id"]), form)
    queries = [
        q
        for q in await run(trial_of(request).open_queries, actor, UUID(view["id"]))
        if q["form"] == form and (not repeating or q["week"] == week)
    ]
    form_fields = fields(
        form,
        values,
        errors=errors,
        warnings=warnings,
        theirs=_merge_notes(form, merge, choices or {}, unchosen or [])
        if merge is not None
        else None,
        missing=draft_missing,
        wording=instrument_wording(request),
    )
    # A refused correction names the items that changed: the reason goes after the last one.
    reason_for = [
        (name, labels[name]) for name in labels if reason_needed and name in (errors or {})
    ]
    context = {
        "p": view,
        "form": form,
        "form_label": FORM_LABELS[form],
        "fields": form_fields,
        "sections": sections(form, form_fields),
        "reason_beside": reason_for[-1][0] if reason_for else None,
        "reason_for": reason_for,
        "missing": [(name, labels.get(name, name)) for name in draft_missing],
        "errors": errors or {},
        "warnings": warnings or {},
        "writable": allowed(actor, Action.ENTER_FORM, site=view.get("site"), form=form),
        "version": version,
        "entered": entered,
        "repeating": repeating,
        "week": week,
        "repeat_words": _REPEAT_WORDS.get(form, ("", "")),
        "weeks": sorted(int(w) for w in state["items"]) if repeating else [],
        "derived": [] if repeating else derived_rows(form, state.get("derived") or {}),
        "deviation": state.get("deviation"),
        "locked": bool(state.get("locked")),
        "lock": lock,
        "signed": bool(state.get("signed")),
        "verified": bool(state.get("verified")),
        "saved": "saved" in request.query,
        "message": message,
        "confirm": confirm,
        "stale": merge is not None,
        "merge_saves": _saves_since(merge) if merge is not None else [],
        "seen_version": seen,
        "reason": reason or {"code": "", "text": ""},
        "reason_needed": reason_needed,
        "unsaved": unsaved,
        "reasons": [(code.value, label) for code, label in REASON_LABELS.items()],
        "action": url_for(request, "form_post", pid=view["id"], form=form),
        "queries": queries,
        "may_sign": may(actor, Action.SIGN),
        "may_lock": may(actor, Action.LOCK),
        "may_verify": may(actor, Action.VERIFY) and entered,
        "may_raise": may(actor, Action.RAISE_QUERY) and entered,
        "items": [(spec.name, spec.label) for spec in crf.ITEMS[form]],
        "queries_by_item": _by_item(queries),
        "raise_item": _raise_item(request, labels),
        "raise_query_of": lambda item: {"raise": item, **({"week": str(week)} if week else {})},
    }
    return await render(request, "form.html", context, status=status)


def _main_item(form: str) -> dict[str, str]:
    """Each item of the form and each missing-answer companion, to the item it belongs to."""
    names = {spec.name: spec.name for spec in crf.ITEMS[form]}
    names.update({crf.companion(name): name for name in crf.MISSING_CODE_ITEMS[form]})
    return names


def _merge_notes(
    form: str, merge: dict[str, Any], choices: dict[str, str], unchosen: list[str]
) -> dict[str, dict[str, Any]]:
    """Per item a colleague changed since the writer opened the form: who and when, from what
    to what, and whether their value is kept or the writer chooses (a conflict)."""
    specs = {spec.name: spec for spec in crf.ITEMS[form]}
    main = _main_item(form)
    notes: dict[str, dict[str, Any]] = {}
    merges: dict[str, ItemMerge] = merge["merges"]
    for name, one in merges.items():
        item = main.get(name, name)
        if not one.theirs_changed or (item in notes and name != item):
            if item in notes and one.conflict:
                notes[item]["conflict"] = True
            continue
        spec = specs.get(name)
        notes[item] = {
            "by": [{"user": c.user, "role": c.role, "at": c.at} for c in one.changes],
            "base": display(spec, one.base),
            "theirs": display(spec, one.theirs),
            "mine": display(spec, one.mine),
            "conflict": one.conflict,
            "same": one.mine_changed and not one.conflict,
            "choice": choices.get(item, ""),
            "error": _("Choose whose value to keep.") if item in unchosen else None,
        }
    return notes


def _stale_message(refusal: str, conflicts: int) -> str:
    """What a stale save's page says first: who was first, that nothing was saved, and what to
    do (check the merged values, or choose per item both changed)."""
    then = (
        ngettext(
            "Nothing was saved. Items only they changed keep their values; items only you "
            "changed keep yours; %(num)s item you both changed: choose whose value to keep, "
            "then save again.",
            "Nothing was saved. Items only they changed keep their values; items only you "
            "changed keep yours; %(num)s items you both changed: choose whose value to keep, "
            "then save again.",
            conflicts,
        )
        % {"num": conflicts}
        if conflicts
        else _(
            "Nothing was saved. Items only they changed keep their values; items only you "
            "changed keep yours. Check the merged values, then save again."
        )
    )
    return f"{shown_message(refusal)} {then}"


def _saves_since(merge: dict[str, Any]) -> list[dict[str, Any]]:
    """The saves made since the writer opened the form: who, when and which items."""
    saves: dict[tuple[str, str, Any], list[str]] = {}
    for one in merge["merges"].values():
        for change in one.changes:
            saves.setdefault((change.user, change.role, change.at), []).append(change.item)
    return [
        {"user": user, "role": role, "at": at, "names": sorted(items)}
        for (user, role, at), items in sorted(saves.items(), key=lambda save: save[0][2])
    ]


def _merged_page_values(raw: dict[str, Any], merge: dict[str, Any]) -> dict[str, Any]:
    """What the fields show after a stale save: theirs wherever the writer changed nothing
    (never reverting a colleague's change), the writer's own text everywhere else."""
    values = dict(raw)
    for name, one in merge["merges"].items():
        if one.kept == THEIRS:
            values[name] = one.theirs
    return values


def _choices(form: str, post: Any) -> tuple[dict[str, str], list[str]]:
    """The writer's choice per conflicting item (theirs or mine), and the items left unchosen."""
    main = _main_item(form)
    conflicts = [c for c in post.getall("conflict", []) if isinstance(c, str) and c in main]
    choices = {item: form_text(post, f"keep_{item}", 10) for item in conflicts}
    return choices, [item for item, keep in choices.items() if keep not in (MINE, THEIRS)]


def _keep_theirs(form: str, choices: dict[str, str]) -> list[str]:
    """The stored names a choice of theirs covers: the item and its missing-answer code."""
    kept = [item for item, keep in choices.items() if keep == THEIRS]
    coded = set(crf.MISSING_CODE_ITEMS[form])
    return kept + [crf.companion(item) for item in kept if item in coded]


def _by_item(queries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for query in queries:
        grouped.setdefault(query["item"], []).append(query)
    return grouped


def _raise_item(request: web.Request, labels: dict[str, str]) -> tuple[str, str] | None:
    """The item a monitor chose to raise a query on, from the item's own link (`?raise=`)."""
    item = request.query.get("raise", "")
    return (item, labels[item]) if item in labels else None


@routes.get("/participants/{pid}/forms/{form}", name="form")
async def form_page(request: web.Request) -> web.Response:
    pid, form = participant_id(request), _form_name(request)
    view, state = await _load(request, pid, form)
    # Typed before the user's session ended, kept for them (web.unsaved); asked for only now
    # that the form is known to be theirs to open.
    kept = await take_typing(request, actor_of(request).user)
    if kept is not None:
        return await _unsaved_page(request, view, form, state, kept)
    week = _week(request)
    values = _sheet(form, state, week)
    if form in REPEATING_FORM_KEY_ITEM and not values:
        values = {REPEATING_FORM_KEY_ITEM[form]: week or len(state["items"]) + 1}
    return await _page(
        request, view, form, state, values=values, week=week, version=state["version"]
    )


async def _unsaved_page(
    request: web.Request,
    view: dict[str, Any],
    form: str,
    state: dict[str, Any],
    kept: Any,
) -> web.Response:
    """The form holding what was typed before the session ended, marked as not saved yet; the
    version it was typed on stays, so a save made meanwhile is seen as one."""
    raw = posted_text(form, kept)
    version = whole_number(form_text(kept, "expected_version", 10))
    key = raw.get(REPEATING_FORM_KEY_ITEM.get(form, ""))
    return await _page(
        request,
        view,
        form,
        state,
        values=dict(raw),
        week=whole_number(key) if isinstance(key, str) else None,
        version=state["version"] if version is None else version,
        reason=_reason(kept),
        unsaved=True,
    )


def _expected_version(post: Any) -> int:
    version = whole_number(form_text(post, "expected_version", 10))
    if version is None:
        raise ApiError(400, "malformed", "The form is missing its version; reload it.")
    return version


def _reason(post: Any) -> dict[str, str] | None:
    code = form_text(post, "reason_code", 40)
    text = form_text(post, "reason_text", 600)
    return {"code": code, "text": text} if code else None


def _randomised_on(view: dict[str, Any]) -> date | None:
    value = view.get("randomised_on")
    return date.fromisoformat(value) if value else None


@routes.post("/participants/{pid}/forms/{form}", name="form_post")
async def save_form(request: web.Request) -> web.Response:
    actor = actor_of(request)
    pid, form = participant_id(request), _form_name(request)
    trial = trial_of(request)
    view, state = await _load(request, pid, form)
    post = await request.post()
    raw = posted_text(form, post)
    version = _expected_version(post)
    reason = _reason(post)
    complete = form_text(post, "save_as", 20) != "incomplete"
    items = crf.coerce_text_values(form, raw)
    key = items.get(REPEATING_FORM_KEY_ITEM.get(form, ""))
    week = key if isinstance(key, int) else _week(request)
    # After a stale save the writer settled each conflicting item: theirs replaces mine.
    choices, unchosen = _choices(form, post)
    items = chosen_values(
        items,
        _sheet(form, state, week if isinstance(week, int) else None),
        _keep_theirs(form, choices),
    )

    async def again(**extra: Any) -> web.Response:
        page: dict[str, Any] = {
            "values": dict(raw),
            "week": week,
            "version": version,
            "reason": reason,
            **extra,
        }
        return await _page(request, view, form, state, **page)

    if unchosen:
        seen = whole_number(form_text(post, "seen_version", 10))
        merge = await run(
            trial.merge_stale_save,
            actor,
            pid,
            form,
            version if seen is None else seen,
            items,
            week=week if isinstance(week, int) else None,
        )
        return await again(
            merge=merge,
            choices=choices,
            unchosen=unchosen,
            seen=seen,
            status=422,
            message=_(
                "For each item you and a colleague both changed, choose whose value to keep."
            ),
        )
    confirmed = form_text(post, "confirm_warnings", 5) == "yes"
    if not confirmed:
        context = crf.FormContext(
            today=trial.local_date(datetime.now(UTC)), randomised_on=_randomised_on(view)
        )
        warnings = crf.soft_warnings(form, items, context)
        if warnings:
            return await again(
                warnings=warnings,
                confirm=True,
                message=_("Please check the highlighted items and confirm to save."),
            )
    try:
        await run(
            trial.record_form,
            actor,
            pid,
            form,
            items,
            expected_version=version,
            reason=reason,
            complete=complete,
        )
    except FormInvalid as error:
        return await again(
            errors=error.fields,
            confirm=confirmed,
            status=422,
            message=_("The form was not saved: please correct the items marked below."),
        )
    except ReasonRequired as error:
        return await again(
            errors=error.fields,
            confirm=confirmed,
            reason_needed=True,
            status=422,
            message=error.message,
        )
    except StaleVersion as error:
        view, state = await _load(request, pid, form)
        merge = await run(
            trial.merge_stale_save,
            actor,
            pid,
            form,
            version,
            items,
            week=week if isinstance(week, int) else None,
        )
        conflicts = sum(1 for one in merge["merges"].values() if one.conflict)
        return await again(
            values=_merged_page_values(dict(raw), merge),
            merge=merge,
            choices=choices,
            seen=version,
            status=409,
            confirm=confirmed,
            version=error.current_version,
            message=_stale_message(error.message, conflicts),
        )
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await again(status=409 if error.code != "refused" else 422, message=error.message)
    await flash(
        request,
        f"{FORM_LABELS[form]} saved" + (" as an incomplete draft." if not complete else "."),
    )
    query = {"saved": "1"}
    if form in REPEATING_FORM_KEY_ITEM and isinstance(week, int):
        query["week"] = str(week)
    raise web.HTTPSeeOther(url_for(request, "form", query, pid=str(pid), form=form))
