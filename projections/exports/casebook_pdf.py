"""One participant's casebook on paper: every form and value with its history, the signatures,
the queries and the participant's audit trail, as one reader may see them at a cut.

The layout takes what the application already filtered for the reader (`CasebookPaper`): a
blinded reader's paper has no arm and no arm-revealing form because none was given, never
because the layout left it out. Values print with their code's label, missing answers with
their missing code, and each item's history (old -> new, who, when, why) under its value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from domain.crf import ITEMS, ItemSpec, companion
from domain.crf.missing import MISSING_CODE_LABELS, MissingCode
from domain.protocol import (
    FORM_LABELS,
    REASON_LABELS,
    REPEATING_FORM_KEY_ITEM,
    STUDY_NAME,
    VISITS,
    ReasonCode,
)
from projections.exports.casebook_paper import CasebookPaper, Row
from projections.exports.casebook_pdf_paper import ARROW, Paper
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.values import as_text

SCREENING = "screening"
SCREENED = "Participant.Screened"


def casebook_pdf(paper: CasebookPaper, w: Words = ENGLISH) -> bytes:
    """The casebook as PDF bytes in `w`'s language; the same paper always gives the same bytes."""
    number = paper.participant["screening_number"]
    pdf = Paper(
        w.gettext("Casebook %(number)s · %(study)s") % {"number": number, "study": STUDY_NAME},
        w.gettext("%(number)s · %(view)s view · as of event %(position)s")
        % {"number": number, "view": w.word(paper.view), "position": paper.as_of},
        paper.as_of_time,
        w.gettext("page"),
        w.lang,
    )
    pdf.add_page()
    _cover(pdf, paper, w)
    history = item_histories(paper.trail, w)
    for visit in VISITS:
        forms = [form for form in visit.forms if form in paper.participant["forms"]]
        for form in forms:
            _form(pdf, w.crf(visit.label), form, paper.participant["forms"][form], history, w)
    _signatures(pdf, paper.signatures, w)
    _queries(pdf, paper.queries, w)
    _trail(pdf, paper.trail, w)
    return pdf.bytes()


# ---- cover ----------------------------------------------------------------------------------


def _cover(pdf: Paper, paper: CasebookPaper, w: Words) -> None:
    p = paper.participant
    randomised = w.date(p.get("randomised_on")) or w.gettext("not randomised")
    lines = [
        STUDY_NAME,
        w.gettext("Site: %(site)s    Status: %(status)s")
        % {"site": p["site"], "status": w.word(p["status"])},
        w.gettext("Randomised on: %(day)s") % {"day": randomised},
    ]
    if "arm" in p:  # only an unblinded reader's participant carries the arm
        arm = w.word(p["arm"]) if p["arm"] else w.gettext("not allocated")
        lines.append(w.gettext("Arm: %(arm)s") % {"arm": arm})
    lines += [
        w.gettext("Participant identifier: %(id)s") % {"id": p["id"]},
        w.gettext("View: %(view)s, made for %(reader)s")
        % {"view": w.word(paper.view), "reader": paper.reader},
        w.gettext("As of event %(position)s (%(time)s)")
        % {"position": paper.as_of, "time": w.time(paper.as_of_time)},
    ]
    if paper.chain_head:
        lines.append(w.gettext("Audit chain head: %(hash)s") % {"hash": paper.chain_head})
    if p.get("locked"):
        lines.append(w.gettext("The casebook is locked."))
    lines.append(summary(paper, w))
    pdf.title_block(
        w.gettext("Casebook of participant %(number)s") % {"number": p["screening_number"]},
        lines,
    )


def summary(paper: CasebookPaper, w: Words = ENGLISH) -> str:
    """How complete the casebook is, counted over the forms this reader sees."""
    forms = paper.participant["forms"].values()
    entered = [f for f in forms if f.get("version")]
    incomplete = sum(1 for f in entered if not f.get("complete"))
    open_queries = sum(1 for q in paper.queries if q.get("status") != "closed")
    invalid = sum(1 for s in paper.signatures if s.get("status") != "valid")
    return w.gettext(
        "Forms: %(entered)s entered (%(incomplete)s incomplete), %(not_started)s not started"
        " · queries: %(queries)s (%(open)s not closed) · signatures: %(signatures)s"
        " (%(invalid)s no longer valid)"
    ) % {
        "entered": len(entered),
        "incomplete": incomplete,
        "not_started": len(forms) - len(entered),
        "queries": len(paper.queries),
        "open": open_queries,
        "signatures": len(paper.signatures),
        "invalid": invalid,
    }


# ---- forms ----------------------------------------------------------------------------------

History = dict[tuple[str, str, str], list[str]]


def item_histories(trail: Sequence[Row], w: Words = ENGLISH) -> History:
    """Per (form, repeat key, item) the lines of its history, from the first recorded value."""
    found: History = {}
    for row in trail:
        for change in row.get("changes") or ():
            # Screening values arrive on the event that screens the person, which names no form.
            sheet = str(change.get("form") or (SCREENING if row.get("type") == SCREENED else ""))
            form, _, key = sheet.partition(":")
            if change.get("old") is None and change.get("new") is None:
                continue
            spec = _spec_of(form, str(change["item"]))
            old, new = (
                _value_shown(spec, change.get("old"), w),
                _value_shown(spec, change.get("new"), w),
            )
            line = f"{w.time(row['time'])} {row.get('user') or ''}: {old} {ARROW} {new}"
            reason = reason_text(row.get("reason"), w)
            if reason:
                line += f" ({reason})"
            found.setdefault((form, key.lstrip("0"), str(change["item"])), []).append(line)
    return found


def _spec_of(form: str, item: str) -> ItemSpec | None:
    return next((spec for spec in ITEMS.get(form, ()) if spec.name == item), None)


def _value_shown(spec: ItemSpec | None, value: Any, w: Words) -> str:
    """A value in a history line as the value column shows it (codes with their labels, dates
    and numbers as the language writes them)."""
    if spec is None or value is None or value == "":
        return _shown(value, w)
    return _coded(spec, value, w)


def reason_text(reason: Row | None, w: Words = ENGLISH) -> str:
    if not reason:
        return ""
    code = reason.get("code")
    try:
        words = w.crf(REASON_LABELS[ReasonCode(code)]) if code else ""
    except ValueError:
        words = str(code)
    text = reason.get("text") or ""
    return ": ".join(part for part in (words, text) if part)


def _shown(value: Any, w: Words = ENGLISH) -> str:
    return w.gettext("(empty)") if value is None or value == "" else _number(value, w)


def _number(value: Any, w: Words) -> str:
    """A decimal value with the language's decimal mark (a comma in Danish)."""
    text = as_text(value)
    if w.lang != "en" and isinstance(value, float):
        return text.replace(".", ",")
    return text


def _plain(value: Any, spec: ItemSpec, w: Words) -> str:
    if spec.datatype == "date" and w.lang != "en":
        return w.date(as_text(value))
    return _number(value, w)


def _form(pdf: Paper, visit: str, form: str, state: Row, history: History, w: Words) -> None:
    pdf.heading(f"{visit}: {w.crf(FORM_LABELS[form])}")
    pdf.note(_status_line(state, w))
    if not state.get("version"):
        return
    items = state.get("items") or {}
    if form in REPEATING_FORM_KEY_ITEM:
        for key, sheet in items.items():
            pdf.set_font("DejaVu", "B", 8)
            pdf.cell(0, 5, f"{REPEATING_FORM_KEY_ITEM[form]} {key}", new_x="LMARGIN", new_y="NEXT")
            _items(pdf, form, key, sheet, history, w)
    else:
        _items(pdf, form, "", items, history, w)
    derived = state.get("derived") or {}
    if derived:
        pdf.rows(
            (w.gettext("Derived score"), w.gettext("Value")),
            [(name, _shown(value, w)) for name, value in derived.items()],
            (60, 122),
        )


def _status_line(state: Row, w: Words) -> str:
    parts = [w.word(state.get("status", ""))]
    if state.get("version") and not state.get("complete"):
        missing = ", ".join(state.get("missing") or ())
        parts.append(
            w.gettext("incomplete (missing: %(items)s)") % {"items": missing}
            if missing
            else w.gettext("incomplete")
        )
    for key, word in (
        ("locked", w.gettext("locked")),
        ("signed", w.gettext("signed")),
        ("verified", w.gettext("verified")),
    ):
        if state.get(key):
            parts.append(word)
    if state.get("deviation"):
        parts.append(w.gettext("out of window: %(deviation)s") % {"deviation": state["deviation"]})
    return w.gettext("Status: %(status)s") % {"status": "; ".join(part for part in parts if part)}


def _items(pdf: Paper, form: str, key: str, sheet: Row, history: History, w: Words) -> None:
    pdf.rows(
        (w.gettext("Item"), w.gettext("Variable"), w.gettext("Value"), w.gettext("History")),
        list(item_rows(form, key, sheet, history, w)),
        (48, 40, 36, 58),
    )


def item_rows(
    form: str, key: str, sheet: Row, history: History, w: Words = ENGLISH
) -> Iterator[tuple[str, ...]]:
    """One row per item of the form's specification, then any other value the sheet holds."""
    specs = ITEMS.get(form, ())
    named = set()
    for spec in specs:
        named |= {spec.name, companion(spec.name)}
        yield (
            w.crf(spec.label),
            spec.name,
            value_text(spec, sheet, w),
            "\n".join(history.get((form, key, spec.name), ())),
        )
    for name, value in sheet.items():
        if name not in named:
            yield (name, name, _shown(value, w), "\n".join(history.get((form, key, name), ())))


def value_text(spec: ItemSpec, sheet: Row, w: Words = ENGLISH) -> str:
    """A value with its code's label, or the missing code with its meaning."""
    value = sheet.get(spec.name)
    if value is None or value == "":
        code = sheet.get(companion(spec.name))
        if isinstance(code, str) and code in MissingCode.__members__:
            return f"{code}: {w.crf(MISSING_CODE_LABELS[MissingCode(code)])}"
        return ""
    return _coded(spec, value, w)


def _coded(spec: ItemSpec, value: Any, w: Words) -> str:
    labels = {str(code): label for code, label in spec.codes}
    values = value if isinstance(value, list | tuple) else [value]
    shown = [
        f"{as_text(v)} = {w.crf(labels[as_text(v)])}"
        if as_text(v) in labels
        else _plain(v, spec, w)
        for v in values
    ]
    return "; ".join(shown)


# ---- signatures, queries, trail -------------------------------------------------------------


def _signatures(pdf: Paper, signatures: Sequence[Row], w: Words) -> None:
    pdf.heading(w.gettext("Signatures"))
    if not signatures:
        pdf.note(w.gettext("No signature."))
        return
    pdf.rows(
        (
            w.gettext("Signed"),
            w.gettext("By"),
            w.gettext("Scope"),
            w.gettext("Meaning"),
            w.gettext("Status"),
            w.gettext("Content hash"),
        ),
        [
            (
                w.time(s.get("signed_at")),
                f"{s.get('printed_name')} ({s.get('user')}, {w.word(s.get('role'))})",
                _form_label(s.get("form"), s.get("scope"), w),
                w.word(s.get("meaning")),
                w.word(s.get("status"))
                + (f": {s['invalidated_by']}" if s.get("invalidated_by") else ""),
                str(s.get("content_hash") or ""),
            )
            for s in signatures
        ],
        (24, 36, 30, 26, 26, 40),
    )


def _form_label(form: Any, otherwise: Any, w: Words) -> str:
    label = FORM_LABELS.get(str(form))
    return w.crf(label) if label else w.word(form or otherwise)


def _queries(pdf: Paper, queries: Sequence[Row], w: Words) -> None:
    pdf.heading(w.gettext("Queries"))
    if not queries:
        pdf.note(w.gettext("No query."))
        return
    for query in queries:
        where = _form_label(query.get("form"), None, w)
        if query.get("week"):
            where += " " + w.gettext("week %(week)s") % {"week": query["week"]}
        pdf.note(
            w.gettext("%(where)s, item %(item)s: %(status)s · raised by %(user)s %(time)s")
            % {
                "where": where,
                "item": query.get("item"),
                "status": w.word(query.get("status")),
                "user": query.get("raised_by"),
                "time": w.time(query.get("raised_at")),
            }
        )
        pdf.rows(
            (w.gettext("When"), w.gettext("Who"), w.gettext("What"), w.gettext("Text")),
            [
                (
                    w.time(entry.get("at")),
                    f"{entry.get('user') or ''} ({w.word(entry.get('role') or '')})",
                    w.word(entry.get("step") or ""),
                    _query_text(entry, w),
                )
                for entry in query.get("history") or ()
            ]
            or [("", "", w.word("raised"), str(query.get("text") or ""))],
            (28, 30, 26, 98),
        )


def _query_text(entry: Row, w: Words) -> str:
    text = str(entry.get("text") or "")
    changes = entry.get("changes") or {}
    corrected = "; ".join(
        f"{item}: {_shown(pair[0], w)} {ARROW} {_shown(pair[1], w)}"
        for item, pair in changes.items()
    )
    return f"{text}\n{corrected}" if corrected else text


def _trail(pdf: Paper, trail: Sequence[Row], w: Words) -> None:
    """Each event as a line (position, time, who, what, why) and its item changes under it:
    a first entry of a long form is a paragraph, never a table row taller than a page."""
    pdf.heading(w.gettext("Audit trail"))
    for row in trail:
        line = w.gettext("Event %(position)s") % {"position": row["position"]}
        line += f" · {w.time(row['time'])} · {_who(row, w)} · {_what(row, w)}"
        reason = reason_text(row.get("reason"), w)
        if reason:
            line += " · " + w.gettext("reason: %(reason)s") % {"reason": reason}
        pdf.set_font("DejaVu", "B", 7)
        pdf.multi_cell(0, 3.8, line, new_x="LMARGIN", new_y="NEXT")
        changes = "; ".join(change_text(c, w) for c in row.get("changes") or () if _changed(c))
        if changes:
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 3.4, changes, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)


def _who(row: Row, w: Words) -> str:
    if not row.get("user"):
        return w.gettext("system")
    site = row.get("site") or w.gettext("all sites")
    return f"{row['user']} ({w.word(row.get('role') or '')}, {site})"


def _changed(change: Row) -> bool:
    """An item left empty on a first entry changed nothing."""
    return not (_empty(change.get("old")) and _empty(change.get("new")))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def change_text(change: Row, w: Words = ENGLISH) -> str:
    """`ITEM = value` for a first value, `ITEM: old → new` for a change."""
    if _empty(change.get("old")):
        return f"{change['item']} = {_shown(change.get('new'), w)}"
    old, new = _shown(change.get("old"), w), _shown(change.get("new"), w)
    return f"{change['item']}: {old} {ARROW} {new}"


def _what(row: Row, w: Words) -> str:
    words = w.gettext(str(row.get("words") or row.get("type") or ""))
    sheets = {str(c.get("form")) for c in row.get("changes") or () if c.get("form")}
    return f"{words} ({', '.join(sorted(sheets))})" if sheets else words
