"""The web UI in Danish and English: Babel message catalogues read through jinja2's i18n extension.

Two catalogue domains live in `web/translations/<lang>/LC_MESSAGES/`: `messages` (templates and
the web layer's Python strings, keyed on the English text) and `crf` (the eCRF's item labels,
code labels and notes from `domain.crf`, keyed on the English label, so the domain stays free of
I/O and translations). The `.po` files are the source: they are read and compiled in memory when
a process first needs a language, so there is no `.mo` to forget to rebuild.

The language of a request (`language_of`): on the participant's own pages (the weekly report
link) the link's `?lang=` or else Danish; on every other page the `edc_lang` cookie set by the
language switch, or else English. A request's language is held in a context variable for the
request's task, so `gettext` in a view (flash messages) and in a template agree.
"""

from __future__ import annotations

import contextvars
import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_datetime, format_interval
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from domain.protocol import TIME_ZONE
from web.handler import Handler

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES: dict[str, str] = {"en": "English", "da": "Dansk"}
# Staff pages stay English until a user switches (the trial's documents and the existing
# training are in English); the participant's own page speaks Danish, an inclusion criterion.
STAFF_DEFAULT = "en"
PATIENT_DEFAULT = "da"
SOURCE_LANGUAGE = "en"
COOKIE = "edc_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Routes a participant opens from their personal link: language from the link, not a cookie.
PATIENT_ROUTES = frozenset({"weekly", "weekly_post"})
DOMAINS = ("messages", "crf")
ZONE = ZoneInfo(TIME_ZONE)
# English keeps the sortable ISO form with the zone's abbreviation that it always had (Babel's
# English `zzz` is an offset); Danish is written the Danish way, by Babel.
DATETIME_PATTERNS = {"da": "d. MMM y HH.mm zzz"}
DATE_PATTERNS = {"da": "d. MMM y"}
ISO_DATETIME = "%Y-%m-%d %H:%M %Z"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=STAFF_DEFAULT)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


# Each language named as a sentence names it ("opens in Danish", "åbner på dansk"), where the
# switch names it in its own words (LANGUAGES).
LANGUAGE_IN_TEXT: dict[str, str] = {"en": N_("English"), "da": N_("Danish")}


def po_path(lang: str, domain: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogues of `lang` (every domain), read once per process."""
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return NullTranslations()
    result: Translations | None = None
    for domain in DOMAINS:
        with po_path(lang, domain).open("rb") as po:
            catalog = read_po(po, locale=lang, domain=domain)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # fuzzy entries are left out, as gettext does
        compiled.seek(0)
        loaded = Translations(compiled, domain=domain)
        if result is None:
            result = loaded
        else:
            result.add(loaded, merge=False)
    assert result is not None
    return result


def current_language() -> str:
    return _language.get()


def use_language(lang: str) -> contextvars.Token[str]:
    return _language.set(lang if lang in LANGUAGES else STAFF_DEFAULT)


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return str(translations(current_language()).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_language()).npgettext(context, singular, plural, n)


def crf_text(message: str) -> str:
    """An eCRF label, code label or note (English, from `domain.crf`) in the page's language."""
    if not message:
        return message
    return translations(current_language()).dgettext("crf", message)


_ = gettext

# Codes that pages show as words (roles, statuses): marked here, translated by the `words` filter.
CODE_WORDS = (
    N_("site staff"),
    N_("assessor"),
    N_("investigator"),
    N_("monitor"),
    N_("data manager"),
    N_("analyst"),
    N_("admin"),
    # participant statuses (domain/participant.py)
    N_("screen failure"),
    N_("awaiting MRI"),
    N_("excluded at MRI"),
    N_("awaiting consent"),
    N_("awaiting baseline"),
    N_("ready to randomise"),
    N_("randomised"),
    N_("completed"),
    N_("end of study"),
    # ended otherwise than completed (domain/participant_state.py: "ended: " and the EosStatus)
    N_("ended: withdrew consent"),
    N_("ended: lost to follow-up"),
    N_("ended: excluded after randomisation"),
    N_("ended: died"),
    N_("ended: other"),
    # visit statuses (projections/visits.py)
    N_("not due"),
    N_("due"),
    N_("overdue"),
    N_("done"),
    N_("done out of window"),
    N_("missed"),
    N_("recorded as missed"),
    N_("cancelled"),
    # query statuses and the steps of a query's history (domain/query.py)
    N_("open"),
    N_("answered"),
    N_("closed"),
    N_("raised"),
    N_("reopened"),
    # form states (edc/presenters.py)
    N_("entered"),
    N_("not started"),
    # signatures: meanings (domain/signing.py) and states (edc/review_presenters.py)
    N_("approval"),
    N_("review"),
    N_("authorship"),
    N_("valid"),
    N_("invalidated"),
    # views of the data
    N_("blinded"),
    N_("unblinded"),
    # the arms (domain/crf/items.py ARM_ITEMS), as messages about arm items name them
    N_("exercise"),
    N_("rest"),
)


def words(code: Any) -> str:
    """A code such as `site_staff` as words in the page's language ("site staff")."""
    if code is None:
        return ""
    return gettext(str(code).replace("_", " "))


def language_of(request: web.Request) -> str:
    route = request.match_info.route.name if request.match_info.route else None
    if route in PATIENT_ROUTES:
        asked = request.query.get("lang", "")
        return asked if asked in LANGUAGES else PATIENT_DEFAULT
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else STAFF_DEFAULT


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = use_language(language_of(request))
    try:
        return await handler(request)
    finally:
        _language.reset(token)


def choose_language(response: web.StreamResponse, lang: str, secure: bool) -> None:
    """The language switch: a long-lived cookie, so a user's choice outlives their sessions."""
    response.set_cookie(
        COOKIE,
        lang,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
    )


# Dates, times and numbers as the page's language writes them.


def local_time(value: Any) -> str:
    """A UTC time as the site reads it, in Copenhagen time with its zone (DESIGN.md)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    lang = current_language()
    if lang not in DATETIME_PATTERNS:
        return value.astimezone(ZONE).strftime(ISO_DATETIME)
    return format_datetime(value, DATETIME_PATTERNS[lang], tzinfo=ZONE, locale=lang)


def local_date(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(ZONE).date()
    if not isinstance(value, date):
        return "" if value is None else str(value)
    lang = current_language()
    if lang not in DATE_PATTERNS:
        return value.isoformat()
    return format_date(value, DATE_PATTERNS[lang], locale=lang)


def local_date_range(first: Any, last: Any) -> str:
    """The days from `first` to `last` as the page's language writes a span of days (in Danish
    "7.\u201313. dec. 2026", with an en dash)."""
    try:
        start, end = date.fromisoformat(str(first)), date.fromisoformat(str(last))
    except ValueError:
        return f"{first} \u2013 {last}"
    return format_interval(start, end, "yMMMd", locale=current_language())


def local_number(value: Any) -> str:
    """A number with the language's decimal mark and no grouping (values, not amounts)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return "" if value is None else str(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
    text = str(value)
    decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0
    return format_decimal(
        value,
        format="0." + "#" * decimals if decimals else "0",
        locale=current_language(),
        group_separator=False,
    )


class PageWords:
    """The reader's language for a document the web hands out (the casebook PDFs): the
    catalogues and date patterns of the language the request is in when it is made."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang if lang in LANGUAGES else current_language()

    def _in_language(self, fn: Any, *args: Any) -> Any:
        token = _language.set(self.lang)
        try:
            return fn(*args)
        finally:
            _language.reset(token)

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def crf(self, message: str) -> str:
        return str(self._in_language(crf_text, message))

    def word(self, code: Any) -> str:
        return str(self._in_language(words, code))

    def time(self, moment: datetime | str | None) -> str:
        return str(self._in_language(local_time, moment))

    def date(self, day: date | str | None) -> str:
        return str(self._in_language(local_date, day))
