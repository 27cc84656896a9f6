"""The templates' words: jinja2's i18n callables and the filters that write in the page's
language, put together from `web.i18n` (catalogues, dates, numbers) and `web.i18n_messages`
(the domain's messages), which builds on `web.i18n` and so cannot be installed from it."""

from __future__ import annotations

import jinja2

from web.i18n import (
    crf_text,
    gettext,
    local_date,
    local_date_range,
    local_number,
    local_time,
    ngettext,
    npgettext,
    pgettext,
    words,
)
from web.i18n_messages import shown_message


def install_i18n(env: jinja2.Environment) -> None:
    """Templates translate with `_()`, `{% trans %}` and the `crf` filter, in the request's
    language, and write dates and numbers with the `localtime`, `localdate`, `number` filters."""
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    env.filters["crf"] = crf_text
    env.filters["msg"] = shown_message
    env.filters["words"] = words
    env.filters["localtime"] = local_time
    env.filters["localdate"] = local_date
    env.globals["date_range"] = local_date_range
    env.filters["number"] = local_number
