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
from domain.crf.conditions import CONDITIONS, Condition
from domain.crf.items import LBP_ITEMS, MODIC_LEVEL_CODES, RMDQ_ITEMS, level_item
from domain.crf.missing import MISSING_CODE_LABELS
from domain.crf.spec import ItemSpec
from web.i18n import N_, crf_text, local_date, local_number

RADIO_LIMIT = 7
# The 0-10 box scales of pain, drawn as a row of choices on form pages.
SCALE_LOW, SCALE_HIGH = 0, 10
SCALE_ITEMS = frozenset({*LBP_ITEMS, "LEG_NOW", "LEG_WORST_2W", "LEG_TYPICAL_2W", "LBP_NOW_SCR"})


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
    # The condition under which the item applies (another item's codes), and whether the page
    # shows it: an item that does not apply is hidden unless it holds a value or a message.
    when: Condition | None = None
    shown: bool = True

    @property
    def values(self) -> tuple[str, ...]:
        return self.value if isinstance(self.value, tuple) else (self.value,)

    @property
    def scale(self) -> tuple[str, ...]:
        """The choices of a 0-10 pain scale drawn as a row, or () for any other item.

        A value that is not one of them (typed before, refused) keeps the text box, so the
        page never hides what is being corrected."""
        if self.name not in SCALE_ITEMS:
            return ()
        choices = tuple(str(number) for number in range(SCALE_LOW, SCALE_HIGH + 1))
        return choices if self.value in ("", *choices) else ()


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
    """A stored value as a person reads it in the page's language: code labels instead of
    codes, a decimal number with the language's decimal mark, a date as the language writes
    it."""
    if value is None or value == [] or value == "":
        return "—"
    if spec is not None and spec.codes:
        labels = {str(code): label for code, label in spec.codes}
        if isinstance(value, list | tuple):
            return ", ".join(crf_text(labels.get(str(v), str(v))) for v in value)
        return crf_text(labels.get(str(value), str(value)))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) or (spec is not None and spec.datatype == "float"):
        return local_number(value)
    if spec is not None and spec.datatype == "date":
        return local_date(value)
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
        when = CONDITIONS.get(form, {}).get(spec.name)
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
                when=when,
                shown=when is None
                or when.holds(values) is True
                or spec.name in errors
                or spec.name in still_missing
                or other is not None
                or value_text(values.get(spec.name)) not in ("", ()),
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


# Where the sections of a long form begin (item -> heading), after CRF.md's grouping. Every
# item belongs to the section begun last before it, so an item added to a form is never lost.
_OUTCOME_SECTIONS = {
    "ASSESS_DATE": N_("Assessment"),
    "LBP_NOW": N_("Low back pain"),
    "LEG_NOW": N_("Leg pain"),
    "RMDQ_01": N_("Roland-Morris Disability Questionnaire"),
    "EQ5D_MO": N_("EQ-5D-3L"),
    "BOTHER": N_("Bothersomeness"),
    "GLOBAL_TRANSITION": N_("Global transition"),
    "SMOKER": N_("Baseline only, before randomisation"),
    "WORK_STATUS": N_("Work and pain medication"),
    "CO_INTERVENTION": N_("Since the last visit"),
}
SECTION_STARTS: dict[str, dict[str, str]] = {
    "screening": {
        "SCR_DATE": N_("Screening visit"),
        "AGE": N_("The person"),
        "LBP_DURATION_MONTHS": N_("Low back pain"),
        "SPEAKS_DANISH": N_("Inclusion"),
        "EXCL_DISORDER": N_("Exclusion"),
    },
    "mri": {
        "MRI_DATE": N_("MRI scan"),
        "MODIC_TYPE": N_("Modic changes"),
        level_item("LEVEL_MODIC_TYPE", MODIC_LEVEL_CODES[0][0]): N_(
            "Each level with Modic changes"
        ),
    },
    "baseline": _OUTCOME_SECTIONS,
    "week10": _OUTCOME_SECTIONS,
    "month12": _OUTCOME_SECTIONS,
    "adverse_event": {
        "AE_NO": N_("The event"),
        "AE_SEVERITY": N_("Severity and seriousness"),
        "AE_RELATED": N_("Relatedness, action and outcome"),
    },
}
# Yes/no statements drawn as one grid: the 23 Roland-Morris items.
GRID_ITEMS = frozenset(RMDQ_ITEMS)


@dataclass(frozen=True)
class Part:
    """A piece of a section: one field, or a run of yes/no statements drawn as one grid."""

    fields: tuple[Field, ...]
    grid: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str | None
    parts: tuple[Part, ...]


def sections(form: str, form_fields: Iterable[Field]) -> list[Section]:
    """The form's fields in its sections, in CRF order; a form without sections is one
    untitled section. The yes/no statements of a grid that follow each other are one part."""
    starts = SECTION_STARTS.get(form, {})
    grouped: list[tuple[str, str | None, list[Part]]] = []
    for f in form_fields:
        if not grouped or f.name in starts:
            grouped.append((f.name, starts.get(f.name), []))
        parts = grouped[-1][2]
        if f.name in GRID_ITEMS and parts and parts[-1].grid:
            parts[-1] = Part((*parts[-1].fields, f), grid=True)
        else:
            parts.append(Part((f,), grid=f.name in GRID_ITEMS))
    return [Section(key, title, tuple(parts)) for key, title, parts in grouped]
