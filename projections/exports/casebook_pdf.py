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
from projections.exports.casebook_pdf_paper import ARROW, Paper, local_time
from projections.exports.values import as_text

SCREENING = "screening"
SCREENED = "Participant.Screened"


def casebook_pdf(paper: CasebookPaper) -> bytes:
    """The casebook as PDF bytes; the same paper always gives the same bytes."""
    number = paper.participant["screening_number"]
    pdf = Paper(
        f"Casebook {number} · {STUDY_NAME}",
        f"{number} · {paper.view} view · as of event {paper.as_of}",
        paper.as_of_time,
    )
    pdf.add_page()
    _cover(pdf, paper)
    history = item_histories(paper.trail)
    for visit in VISITS:
        forms = [form for form in visit.forms if form in paper.participant["forms"]]
        for form in forms:
            _form(pdf, visit.label, form, paper.participant["forms"][form], history)
    _signatures(pdf, paper.signatures)
    _queries(pdf, paper.queries)
    _trail(pdf, paper.trail)
    return pdf.bytes()


# ---- cover ----------------------------------------------------------------------------------


def _cover(pdf: Paper, paper: CasebookPaper) -> None:
    p = paper.participant
    lines = [
        STUDY_NAME,
        f"Site: {p['site']}    Status: {p['status']}",
        f"Randomised on: {p.get('randomised_on') or 'not randomised'}",
    ]
    if "arm" in p:  # only an unblinded reader's participant carries the arm
        lines.append(f"Arm: {p['arm'] or 'not allocated'}")
    lines += [
        f"Participant identifier: {p['id']}",
        f"View: {paper.view}, made for {paper.reader}",
        f"As of event {paper.as_of} ({local_time(paper.as_of_time)})",
    ]
    if paper.chain_head:
        lines.append(f"Audit chain head: {paper.chain_head}")
    if p.get("locked"):
        lines.append("The casebook is locked.")
    lines.append(summary(paper))
    pdf.title_block(f"Casebook of participant {p['screening_number']}", lines)


def summary(paper: CasebookPaper) -> str:
    """How complete the casebook is, counted over the forms this reader sees."""
    forms = paper.participant["forms"].values()
    entered = [f for f in forms if f.get("version")]
    incomplete = sum(1 for f in entered if not f.get("complete"))
    open_queries = sum(1 for q in paper.queries if q.get("status") != "closed")
    invalid = sum(1 for s in paper.signatures if s.get("status") != "valid")
    return (
        f"Forms: {len(entered)} entered ({incomplete} incomplete), "
        f"{len(forms) - len(entered)} not started · queries: {len(paper.queries)} "
        f"({open_queries} not closed) · signatures: {len(paper.signatures)} "
        f"({invalid} no longer valid)"
    )


# ---- forms ----------------------------------------------------------------------------------

History = dict[tuple[str, str, str], list[str]]


def item_histories(trail: Sequence[Row]) -> History:
    """Per (form, repeat key, item) the lines of its history, from the first recorded value."""
    found: History = {}
    for row in trail:
        for change in row.get("changes") or ():
            # Screening values arrive on the event that screens the person, which names no form.
            sheet = str(change.get("form") or (SCREENING if row.get("type") == SCREENED else ""))
            form, _, key = sheet.partition(":")
            if change.get("old") is None and change.get("new") is None:
                continue
            line = (
                f"{local_time(row['time'])} {row.get('user') or ''}: "
                f"{_shown(change.get('old'))} {ARROW} {_shown(change.get('new'))}"
            )
            reason = reason_text(row.get("reason"))
            if reason:
                line += f" ({reason})"
            found.setdefault((form, key.lstrip("0"), str(change["item"])), []).append(line)
    return found


def reason_text(reason: Row | None) -> str:
    if not reason:
        return ""
    code = reason.get("code")
    try:
        words = REASON_LABELS[ReasonCode(code)] if code else ""
    except ValueError:
        words = str(code)
    text = reason.get("text") or ""
    return ": ".join(part for part in (words, text) if part)


def _shown(value: Any) -> str:
    return "(empty)" if value is None or value == "" else as_text(value)


def _form(pdf: Paper, visit: str, form: str, state: Row, history: History) -> None:
    pdf.heading(f"{visit}: {FORM_LABELS[form]}")
    pdf.note(_status_line(state))
    if not state.get("version"):
        return
    items = state.get("items") or {}
    if form in REPEATING_FORM_KEY_ITEM:
        for key, sheet in items.items():
            pdf.set_font("DejaVu", "B", 8)
            pdf.cell(0, 5, f"{REPEATING_FORM_KEY_ITEM[form]} {key}", new_x="LMARGIN", new_y="NEXT")
            _items(pdf, form, key, sheet, history)
    else:
        _items(pdf, form, "", items, history)
    derived = state.get("derived") or {}
    if derived:
        pdf.rows(
            ("Derived score", "Value"),
            [(name, _shown(value)) for name, value in derived.items()],
            (60, 122),
        )


def _status_line(state: Row) -> str:
    parts = [str(state.get("status", ""))]
    if state.get("version") and not state.get("complete"):
        missing = ", ".join(state.get("missing") or ())
        parts.append(f"incomplete (missing: {missing})" if missing else "incomplete")
    for key, word in (("locked", "locked"), ("signed", "signed"), ("verified", "verified")):
        if state.get(key):
            parts.append(word)
    if state.get("deviation"):
        parts.append(f"out of window: {state['deviation']}")
    return "Status: " + "; ".join(part for part in parts if part)


def _items(pdf: Paper, form: str, key: str, sheet: Row, history: History) -> None:
    pdf.rows(
        ("Item", "Variable", "Value", "History"),
        list(item_rows(form, key, sheet, history)),
        (48, 40, 36, 58),
    )


def item_rows(form: str, key: str, sheet: Row, history: History) -> Iterator[tuple[str, ...]]:
    """One row per item of the form's specification, then any other value the sheet holds."""
    specs = ITEMS.get(form, ())
    named = set()
    for spec in specs:
        named |= {spec.name, companion(spec.name)}
        yield (
            spec.label,
            spec.name,
            value_text(spec, sheet),
            "\n".join(history.get((form, key, spec.name), ())),
        )
    for name, value in sheet.items():
        if name not in named:
            yield (name, name, _shown(value), "\n".join(history.get((form, key, name), ())))


def value_text(spec: ItemSpec, sheet: Row) -> str:
    """A value with its code's label, or the missing code with its meaning."""
    value = sheet.get(spec.name)
    if value is None or value == "":
        code = sheet.get(companion(spec.name))
        if isinstance(code, str) and code in MissingCode.__members__:
            return f"{code}: {MISSING_CODE_LABELS[MissingCode(code)]}"
        return ""
    labels = {str(code): label for code, label in spec.codes}
    values = value if isinstance(value, list | tuple) else [value]
    shown = [
        f"{as_text(v)} = {labels[as_text(v)]}" if as_text(v) in labels else as_text(v)
        for v in values
    ]
    return "; ".join(shown)


# ---- signatures, queries, trail -------------------------------------------------------------


def _signatures(pdf: Paper, signatures: Sequence[Row]) -> None:
    pdf.heading("Signatures")
    if not signatures:
        pdf.note("No signature.")
        return
    pdf.rows(
        ("Signed", "By", "Scope", "Meaning", "Status", "Content hash"),
        [
            (
                local_time(s.get("signed_at")),
                f"{s.get('printed_name')} ({s.get('user')}, {s.get('role')})",
                FORM_LABELS.get(str(s.get("form")), str(s.get("form") or s.get("scope"))),
                str(s.get("meaning")),
                str(s.get("status"))
                + (f": {s['invalidated_by']}" if s.get("invalidated_by") else ""),
                str(s.get("content_hash") or ""),
            )
            for s in signatures
        ],
        (24, 36, 30, 26, 26, 40),
    )


def _queries(pdf: Paper, queries: Sequence[Row]) -> None:
    pdf.heading("Queries")
    if not queries:
        pdf.note("No query.")
        return
    for query in queries:
        where = FORM_LABELS.get(str(query.get("form")), str(query.get("form")))
        if query.get("week"):
            where += f" week {query['week']}"
        pdf.note(
            f"{where}, item {query.get('item')}: {query.get('status')} · raised by "
            f"{query.get('raised_by')} {local_time(query.get('raised_at'))}"
        )
        pdf.rows(
            ("When", "Who", "What", "Text"),
            [
                (
                    local_time(entry.get("at")),
                    f"{entry.get('user') or ''} ({entry.get('role') or ''})",
                    str(entry.get("step") or ""),
                    _query_text(entry),
                )
                for entry in query.get("history") or ()
            ]
            or [("", "", "raised", str(query.get("text") or ""))],
            (28, 30, 26, 98),
        )


def _query_text(entry: Row) -> str:
    text = str(entry.get("text") or "")
    changes = entry.get("changes") or {}
    corrected = "; ".join(
        f"{item}: {_shown(pair[0])} {ARROW} {_shown(pair[1])}" for item, pair in changes.items()
    )
    return f"{text}\n{corrected}" if corrected else text


def _trail(pdf: Paper, trail: Sequence[Row]) -> None:
    """Each event as a line (position, time, who, what, why) and its item changes under it:
    a first entry of a long form is a paragraph, never a table row taller than a page."""
    pdf.heading("Audit trail")
    for row in trail:
        line = f"Event {row['position']} · {local_time(row['time'])} · {_who(row)} · {_what(row)}"
        reason = reason_text(row.get("reason"))
        if reason:
            line += f" · reason: {reason}"
        pdf.set_font("DejaVu", "B", 7)
        pdf.multi_cell(0, 3.8, line, new_x="LMARGIN", new_y="NEXT")
        changes = "; ".join(change_text(c) for c in row.get("changes") or () if _changed(c))
        if changes:
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 3.4, changes, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)


def _who(row: Row) -> str:
    if not row.get("user"):
        return "system"
    return f"{row['user']} ({row.get('role') or ''}, {row.get('site') or 'all sites'})"


def _changed(change: Row) -> bool:
    """An item left empty on a first entry changed nothing."""
    return not (_empty(change.get("old")) and _empty(change.get("new")))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def change_text(change: Row) -> str:
    """`ITEM = value` for a first value, `ITEM: old → new` for a change."""
    if _empty(change.get("old")):
        return f"{change['item']} = {_shown(change.get('new'))}"
    return f"{change['item']}: {_shown(change.get('old'))} {ARROW} {_shown(change.get('new'))}"


def _what(row: Row) -> str:
    words = str(row.get("words") or row.get("type") or "")
    sheets = {str(c.get("form")) for c in row.get("changes") or () if c.get("form")}
    return f"{words} ({', '.join(sorted(sheets))})" if sheets else words
