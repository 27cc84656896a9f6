"""The domain's messages (English, built in `domain.crf.messages`) in the page's language.

The domain writes each message once, in English, for the API and the command line as well; a
page shows it translated. Fixed messages are catalogue entries (marked here with `N_`); the
item messages built from an item's specification are built again here from the same
specification, in the page's language, so no message is parsed back into its parts except the
date bounds, whose day is the only variable part.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from babel.lists import format_list

from domain import crf
from domain.crf import messages
from domain.crf.missing import MISSING_CODE_HINT
from domain.crf.spec import ItemSpec
from domain.protocol import WINDOW_DEVIATION as WINDOW_DEVIATION_TEXT
from domain.wording import Label, Listing, Message, Moment, Word
from web.i18n import (
    N_,
    SOURCE_LANGUAGE,
    crf_text,
    current_language,
    gettext,
    local_date,
    local_time,
)

FIXED = (
    # The account fields a refusal names (domain.user, domain.text.field_problem).
    N_("Account name"),
    N_("Token label"),
    N_("Reason for unblinding the account"),
    N_("A reason for deactivating the account"),
    N_("Required"),
    N_("Unknown item"),
    N_("Must not be in the future"),
    N_("Not applicable is only allowed for male participants"),
    N_("Items must be given as item names with their values"),
    # A refused form's summary (domain.errors.FormInvalid), when its use case words no other.
    N_("Some items are not valid."),
    N_("the screening date"),
    N_("the consent date"),
    N_("the randomisation date"),
)
# Flash messages the views write in English (fixed ones are looked up as they are; the few with
# a form's name are matched here, the form's name translated through the `crf` domain).
FLASHES = (
    N_("Your new password is set."),
    N_("Your password is changed; your other sessions are ended."),
    N_("Your API tokens are revoked."),
    N_("Query raised."),
    N_("Query closed."),
    N_("Query re-opened."),
    N_("Answer saved. The value is unchanged."),
    N_("Participant locked."),
    N_("Participant unlocked."),
    N_("The database is locked and your signature recorded."),
    N_("The unblinded data are released to the analysts."),
    N_("The database is unlocked."),
    N_("Protocol deviation recorded."),
    # Refusals the use cases word once (edc/usecases/accounts.py) and pages show as they are.
    N_("Wrong user name or password."),
    N_("The password is wrong."),
    N_("The form has expired or did not come from this site; reload it and try again."),
)
_FORM_FLASHES = (
    (
        re.compile(r"^(?P<form>.+) saved as an incomplete draft\.$"),
        N_("%(form)s saved as an incomplete draft."),
    ),
    (re.compile(r"^(?P<form>.+) saved\.$"), N_("%(form)s saved.")),
    (re.compile(r"^(?P<form>.+) locked\.$"), N_("%(form)s locked.")),
    (re.compile(r"^(?P<form>.+) unlocked\.$"), N_("%(form)s unlocked.")),
    (
        re.compile(r"^(?P<form>.+) marked as source-verified\.$"),
        N_("%(form)s marked as source-verified."),
    ),
    (re.compile(r"^(?P<form>.+) recorded as missed\.$"), N_("%(form)s recorded as missed.")),
)
# The flash after signing: the meaning and what was signed (a form's name, or the casebook).
SIGNED_FLASH = N_("Signed (%(meaning)s): %(what)s.")
CASEBOOK = N_("casebook")
_SIGNED = re.compile(r"^Signed \((?P<meaning>\w+)\): (?P<what>.+)\.$")
# A visit outside its window (domain.protocol.window_status), as the deviation is recorded.
WINDOW_DEVIATION = N_(
    "%(visit)s on study day %(day)s is %(side)s: the window is day %(low)s to day %(high)s"
)
SIDES = (N_("early"), N_("late"))
_ON_OR_AFTER = re.compile(r"^Must be on or after (?P<what>.+) \((?P<day>\d{4}-\d{2}-\d{2})\)$")
_BEFORE_START = re.compile(r"^Must not be before the trial started \((?P<day>\d{4}-\d{2}-\d{2})\)$")


@cache
def _item_messages() -> dict[str, ItemSpec]:
    specs = (spec for form in crf.ITEMS.values() for spec in form)
    return {messages.item_message(spec): spec for spec in specs}


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _choices(spec: ItemSpec, style: str) -> str:
    parts = []
    for code, label in spec.codes:
        words = crf_text(label)
        parts.append(str(code) if str(code).lower() == label.lower() else f"{code} ({words})")
    return format_list(parts, style=style, locale=current_language())  # type: ignore[arg-type]


def _item_message(spec: ItemSpec) -> str:
    label = crf_text(spec.label)
    low, high = _number(spec.min), _number(spec.max)
    match spec.datatype:
        case "integer":
            text = gettext("%(label)s must be a whole number from %(low)s to %(high)s")
            return text % {"label": label, "low": low, "high": high}
        case "float":
            text = gettext("%(label)s must be a number from %(low)s to %(high)s")
            return text % {"label": label, "low": low, "high": high}
        case "date":
            return gettext("%(label)s must be a date written as YYYY-MM-DD") % {"label": label}
        case "text":
            text = gettext("%(label)s must be text of at most %(limit)s characters")
            return text % {"label": label, "limit": messages.text_limit(spec)}
        case "codes":
            text = gettext("%(label)s must be a list of %(choices)s, each at most once")
            return text % {"label": label, "choices": _choices(spec, "standard")}
        case _ if spec.numeric_codes:
            text = gettext("%(label)s must be one of the numbers %(choices)s")
            return text % {"label": label, "choices": _choices(spec, "or")}
        case _:
            text = gettext("%(label)s must be %(choices)s")
            return text % {"label": label, "choices": _choices(spec, "or")}


def _hole(value: Any) -> Any:
    """A hole's value in the page's language: wording and words translated, times local."""
    if isinstance(value, Message):
        return shown_message(value)
    if isinstance(value, Label):
        return crf_text(value)
    if isinstance(value, Word):
        return gettext(value.replace("_", " "))
    if isinstance(value, Moment):
        return local_time(value.at)
    if isinstance(value, Listing):
        return value.separator.join(_hole(part) for part in value.parts)
    return value


def shown_message(text: str | None) -> str:
    """A message of the domain (or of a refusal), as the page's language says it."""
    if not text or current_language() == SOURCE_LANGUAGE:
        return text or ""
    if isinstance(text, Listing):
        return str(_hole(text))
    if isinstance(text, Message) and (text.params or gettext(text.msgid) != text.msgid):
        holes = {name: _hole(value) for name, value in text.params.items()}
        return gettext(text.msgid) % holes if holes else gettext(text.msgid)
    hinted = text.endswith(MISSING_CODE_HINT)
    plain = text.removesuffix(MISSING_CODE_HINT)
    spec = _item_messages().get(plain)
    if spec is not None:
        hint = gettext(' (or a missing answer: {"missing": "ANS", "ND" or "UNK"})')
        return _item_message(spec) + (hint if hinted else "")
    if found := _ON_OR_AFTER.match(text):
        return gettext("Must be on or after %(what)s (%(day)s)") % {
            "what": gettext(found["what"]),
            "day": local_date(found["day"]),
        }
    if found := _BEFORE_START.match(text):
        return gettext("Must not be before the trial started (%(day)s)") % {
            "day": local_date(found["day"])
        }
    translated = gettext(text)
    if translated != text:
        return translated
    if found := WINDOW_DEVIATION_TEXT.match(text):
        holes = {**found.groupdict(), "visit": crf_text(found["visit"])}
        return gettext(WINDOW_DEVIATION) % {**holes, "side": gettext(found["side"])}
    if found := _SIGNED.match(text):
        what = gettext(CASEBOOK) if found["what"] == CASEBOOK else crf_text(found["what"])
        return gettext(SIGNED_FLASH) % {"meaning": gettext(found["meaning"]), "what": what}
    for pattern, message in _FORM_FLASHES:
        if found := pattern.match(text):
            return gettext(message) % {"form": crf_text(found["form"])}
    return text
