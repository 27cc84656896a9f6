"""Put posted fields back into one form of a rendered page, as a browser would have shown them.

Used for unsaved typing (web.unsaved): the page is rendered by its own handler, as for any
visit, and the form whose action received the lost post gets the values back. Only that form
is touched, and only its own fields: text, hidden, number and date inputs, check boxes and
radio buttons, selects and text areas. A password input is never filled, nor a disabled one
(the browser did not post it), nor the CSRF token (the new session's stays).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from html.parser import HTMLParser

Fields = list[tuple[str, str]]
Attrs = list[tuple[str, str | None]]

# Inputs whose value is not typed by the person: left as the page rendered them.
UNFILLED_TYPES = frozenset({"submit", "button", "image", "reset", "file", "password"})
CHOSEN_TYPES = frozenset({"checkbox", "radio"})


def _tag(name: str, attrs: Attrs) -> str:
    parts = [name]
    for key, value in attrs:
        parts.append(key if value is None else f'{key}="{escape(value)}"')
    return "<" + " ".join(parts) + ">"


def _set(attrs: Attrs, key: str, value: str | None, present: bool = True) -> Attrs:
    kept = [(k, v) for k, v in attrs if k != key]
    return [*kept, (key, value)] if present else kept


def _get(attrs: Attrs, key: str) -> str | None:
    return next((v for k, v in attrs if k == key), None)


class _Refill(HTMLParser):
    def __init__(self, page: str, action: str, fields: Fields, keep: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.action, self.keep = page, action, keep
        self.values: dict[str, list[str]] = {}
        for name, value in fields:
            self.values.setdefault(name, []).append(value)
        self.used: dict[str, int] = {}
        self._lines = [0]
        for line in page.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []
        self.form_at: int | None = None
        self.in_form = self.done = False
        self.filled = 0
        self._select: str | None = None
        self._textarea: tuple[str, int] | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def _replace_tag(self, name: str, attrs: Attrs) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        self.edits.append((start, start + len(raw), _tag(name, attrs)))

    def _next_value(self, name: str) -> str | None:
        values = self.values.get(name)
        if values is None:
            return None
        index = self.used.get(name, 0)
        self.used[name] = index + 1
        return values[index] if index < len(values) else ""

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if self.done:
            return
        if tag == "form":
            method = (_get(attrs, "method") or "get").lower()
            if not self.in_form and method == "post" and _get(attrs, "action") == self.action:
                self.in_form, self.form_at = True, self._offset()
            return
        if not self.in_form:
            return
        name = _get(attrs, "name")
        if tag == "option" and self._select is not None:
            chosen = self.values.get(self._select)
            if chosen is not None:
                value = _get(attrs, "value") or ""
                self._replace_tag(tag, _set(attrs, "selected", None, value in chosen))
            return
        if not name or name in self.keep or _get(attrs, "disabled") is not None:
            return
        if tag == "select":
            self._select = name
            self.filled += bool(any(self.values.get(name, [])))
        elif tag == "textarea":
            end = self._offset() + len(self.get_starttag_text() or "")
            self._textarea = (name, end)
        elif tag == "input":
            self._input(name, attrs)

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        self.handle_starttag(tag, attrs)

    def _input(self, name: str, attrs: Attrs) -> None:
        kind = (_get(attrs, "type") or "text").lower()
        if kind in UNFILLED_TYPES:
            return
        if kind in CHOSEN_TYPES:
            chosen = self.values.get(name, [])
            on = (_get(attrs, "value") or "on") in chosen
            self.filled += on
            self._replace_tag("input", _set(attrs, "checked", None, on))
            return
        value = self._next_value(name)
        if value is not None:
            self.filled += bool(value) and kind != "hidden"
            self._replace_tag("input", _set(attrs, "value", value))

    def handle_endtag(self, tag: str) -> None:
        if self.done or not self.in_form:
            return
        if tag == "form":
            self.in_form, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, start = self._textarea
            self._textarea = None
            value = self._next_value(name)
            if value is not None:
                self.filled += bool(value)
                self.edits.append((start, self._offset(), escape(value)))


def refill(
    page: str, action: str, fields: Fields, keep: Iterable[str], notice: str
) -> tuple[str, int] | None:
    """`page` with `fields` put back into its first post form to `action` and `notice` (HTML)
    just before that form, and how many visible fields got a value; None when the page has no
    such form. Fields named in `keep` stay as rendered."""
    parser = _Refill(page, action, fields, frozenset(keep))
    parser.feed(page)
    parser.close()
    if parser.form_at is None:
        return None
    edits = [(parser.form_at, parser.form_at, notice), *parser.edits]
    out, at = [], 0
    for start, end, text in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        out.append(page[at:start])
        out.append(text)
        at = end
    out.append(page[at:])
    return "".join(out), parser.filled
