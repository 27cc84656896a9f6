"""HTML form fields generated from the eCRF item specifications (domain.crf.ITEMS).

Only presentation lives here: which widget shows an item, its options and the text of its value.
Turning posted text into typed values is `domain.crf.coerce_text_values`; every rule stays in the
domain, whose messages are shown next to the fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from multidict import MultiMapping

from domain import crf
from domain.crf.missing import MISSING_CODE_LABELS
from domain.crf.spec import ItemSpec

RADIO_LIMIT = 7


@dataclass(frozen=True)
class Field:
    """One item as the template draws it."""

    name: str
    label: str
    widget: str  # radio | select | checkboxes | number | decimal | date | text
    options: tuple[tuple[str, str], ...]
    note: str
    required: bool
    condition: str | None
    value: str | tuple[str, ...]
    error: str | None = None
    warning: str | None = None
    # A stale save's note on the item: who changed it meanwhile, whose value it keeps, or
    # the choice between theirs and mine (web.views.crf_pages builds it).
    theirs: Mapping[str, Any] | None = None
    # For questionnaire items: the missing-answer codes offered, and the one chosen.
    missing_codes: tuple[tuple[str, str], ...] = ()
    missing_code: str = ""
    # A draft's required item still empty.
    missing: bool = False
    # The validated wording of the instrument, where the site's file holds it.
    wording: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return self.value if isinstance(self.value, tuple) else (self.value,)


def _widget(spec: ItemSpec) -> str:
    if spec.datatype == "codes":
        return "checkboxes"
    if spec.datatype in ("yesno", "code"):
        return "radio" if len(spec.codes) <= RADIO_LIMIT else "select"
    return {"integer": "number", "float": "decimal", "date": "date"}.get(spec.datatype, "text")


def value_text(value: Any) -> str | tuple[str, ...]:
    """A stored value as the text a form field holds."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return str(value)


def display(spec: ItemSpec | None, value: Any) -> str:
    """A stored value as a person reads it (code labels instead of codes)."""
    if value is None or value == [] or value == "":
        return "—"
    if spec is not None and spec.codes:
        labels = {str(code): label for code, label in spec.codes}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_MISSING_CODE_OPTIONS = tuple((code.value, label) for code, label in MISSING_CODE_LABELS.items())


def fields(
    form: str,
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str] | None = None,
    warnings: Mapping[str, str] | None = None,
    theirs: Mapping[str, Mapping[str, Any]] | None = None,
    missing: Iterable[str] = (),
    wording: Mapping[str, str] | None = None,
) -> list[Field]:
    """The fields of `form` holding `values` (stored values or the text a user typed), with
    the missing-code choice of questionnaire items and the draft's missing items marked."""
    errors, warnings = errors or {}, warnings or {}
    coded, still_missing, wording = set(crf.MISSING_CODE_ITEMS[form]), set(missing), wording or {}
    result = []
    for spec in crf.ITEMS[form]:
        other = (theirs or {}).get(spec.name)
        result.append(
            Field(
                name=spec.name,
                label=spec.label,
                widget=_widget(spec),
                options=tuple((str(code), label) for code, label in spec.codes),
                note=spec.note,
                required=spec.required,
                condition=spec.required_when,
                value=value_text(values.get(spec.name)),
                error=errors.get(spec.name),
                warning=warnings.get(spec.name),
                theirs=other,
                missing_codes=_MISSING_CODE_OPTIONS if spec.name in coded else (),
                missing_code=str(values.get(crf.companion(spec.name)) or ""),
                missing=spec.name in still_missing,
                wording=wording.get(spec.name),
            )
        )
    return result


def posted_text(form: str, post: MultiMapping[Any]) -> dict[str, str | list[str]]:
    """The posted text of the form's items (other fields are ignored)."""
    raw: dict[str, str | list[str]] = {}
    for spec in crf.ITEMS[form]:
        if spec.datatype == "codes":
            raw[spec.name] = [v for v in post.getall(spec.name, []) if isinstance(v, str)]
        else:
            value = post.get(spec.name, "")
            raw[spec.name] = value if isinstance(value, str) else ""
    for name in crf.MISSING_CODE_ITEMS[form]:
        code = post.get(crf.companion(name), "")
        if isinstance(code, str) and code.strip():
            raw[crf.companion(name)] = code.strip()
    return raw


def derived_rows(form: str, derived: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Derived scores with their labels, for the page after saving."""
    specs = {spec.name: spec for spec in crf.DERIVED.get(form, ())}
    return [
        (name, specs[name].label if name in specs else name, _shown(specs.get(name), value))
        for name, value in derived.items()
    ]


def _shown(spec: ItemSpec | None, value: Any) -> str:
    """A derived value as a page shows it: rounded half up where the item says so."""
    decimals = spec.shown_decimals if spec is not None else None
    if decimals is None or not isinstance(value, float):
        return display(None, value)
    step = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))
