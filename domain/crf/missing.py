"""Missing answers: the codes ANS, ND and UNK for questionnaire items, and form completeness.

A questionnaire item holds either a value or one missing code, never both. In a sheet the code
lives beside the item in its companion `<ITEM>_NC`, so every typed reader of the item (scores,
exports, minimisation) sees "no value" and the code travels apart (CRF.md, "Missing answers").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from domain.crf.items import ITEMS, OUTCOME_FORMS
from domain.crf.spec import ItemSpec
from domain.wording import Listing, Message

NC_SUFFIX = "_NC"
# The API's shape for a missing answer: {"RMDQ_05": {"missing": "ANS"}}.
MISSING_KEY = "missing"


class MissingCode(StrEnum):
    ANS = "ANS"
    ND = "ND"
    UNK = "UNK"


MISSING_CODE_LABELS: dict[MissingCode, str] = {
    MissingCode.ANS: "Asked, not answered by the participant",
    MissingCode.ND: "Not done (the question was not asked)",
    MissingCode.UNK: "Unknown (source lost or illegible)",
}
_QUESTIONNAIRE_PREFIXES = ("LBP_", "LEG_", "RMDQ_", "EQ5D_")
_QUESTIONNAIRE_NAMES = frozenset({"BOTHER", "GLOBAL_TRANSITION"})


def _is_questionnaire_item(name: str) -> bool:
    return name.startswith(_QUESTIONNAIRE_PREFIXES) or name in _QUESTIONNAIRE_NAMES


# Per form, the items that may hold a missing code, in CRF order.
MISSING_CODE_ITEMS: dict[str, tuple[str, ...]] = {
    form: tuple(spec.name for spec in specs if _is_questionnaire_item(spec.name))
    if form in OUTCOME_FORMS
    else ()
    for form, specs in ITEMS.items()
}


def companion(name: str) -> str:
    """The name of the item that carries `name`'s missing code."""
    return name + NC_SUFFIX


def missing_code_of(sheet: Mapping[str, Any], name: str) -> str | None:
    code = sheet.get(companion(name))
    return code if isinstance(code, str) else None


def split_missing_codes(
    form: str, items: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Separate missing answers from values.

    A missing answer is `{"missing": CODE}` as the item's value or, equivalently, the code in
    the companion `<ITEM>_NC` (how sheets and exports carry it). Returns the items without
    coded answers and companions, the codes by item, and messages for companions that are not
    a code or come with a value. A malformed `{"missing": ...}` stays a value, for the item's
    own check to refuse.
    """
    allowed = MISSING_CODE_ITEMS.get(form, ())
    companions = {companion(name): name for name in allowed}
    values: dict[str, Any] = {}
    codes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in items.items():
        code = _code_of(value) if name in allowed else None
        if name in companions:
            continue
        if code is None:
            values[name] = value
        else:
            codes[name] = code
    for nc_name, name in companions.items():
        code = items.get(nc_name)
        if code is None:
            continue
        if not isinstance(code, str) or code not in tuple(MissingCode):
            errors[nc_name] = "A missing code must be ANS, ND or UNK"
        elif values.get(name) is not None or codes.get(name, code) != code:
            errors[name] = "Give a value or a missing code, not both"
        else:
            codes[name] = code
    return values, codes, errors


def _code_of(value: Any) -> str | None:
    if not isinstance(value, Mapping) or set(value) != {MISSING_KEY}:
        return None
    code = value[MISSING_KEY]
    return code if isinstance(code, str) and code in tuple(MissingCode) else None


MISSING_CODE_HINT = ' (or a missing answer: {"missing": "ANS", "ND" or "UNK"})'


MISSING_CODE_VALUES: tuple[tuple[str | int, str], ...] = tuple(
    (code.value, label) for code, label in MISSING_CODE_LABELS.items()
)


def companion_spec(spec: ItemSpec) -> ItemSpec:
    """The companion item carrying `spec`'s missing code, as exports describe it: its label and
    note are worded around the item's name (English in the files, the reader's language on the
    data dictionary's page)."""
    return ItemSpec(
        companion(spec.name),
        Message("Missing-answer code of %(item)s", item=spec.name),
        "code",
        codes=MISSING_CODE_VALUES,
        required=False,
        note=Listing(
            (Message("empty when %(item)s has a value", item=spec.name), Message("never both"))
        ),
    )


@cache
def export_items(form: str) -> tuple[ItemSpec, ...]:
    """The items of `form` as exports list them: each questionnaire item followed by its
    missing-code companion, so a numeric item stays numeric and the code travels beside it.
    Worked out once per form: exports ask for every sheet they write."""
    coded = set(MISSING_CODE_ITEMS[form])
    result: list[ItemSpec] = []
    for spec in ITEMS[form]:
        result.append(spec)
        if spec.name in coded:
            result.append(companion_spec(spec))
    return tuple(result)
