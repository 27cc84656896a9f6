"""Steps a person takes in the browser: log in, fill a generated CRF form, open pages."""

from __future__ import annotations

from typing import Any

from domain import crf
from tests.app.conftest import NAMES, PASSWORD


def log_in(page: Any, base: str, role: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("User name").fill(NAMES[role])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def fill_form(page: Any, form: str, items: dict[str, Any]) -> None:
    """Fill the items the way a person would: typing, ticking boxes, choosing options."""
    specs = {spec.name: spec for spec in crf.ITEMS[form]}
    for name, value in items.items():
        spec = specs[name]
        wrap = page.locator(f"#wrap-{name}")
        if spec.datatype in ("yesno", "code") and len(spec.codes) <= 7:
            labels = {str(code): label for code, label in spec.codes}
            wrap.get_by_label(labels[str(value)], exact=False).first.check()
        elif spec.datatype == "code":
            wrap.locator("select").select_option(str(value))
        elif spec.datatype == "codes":
            for code in value:
                wrap.get_by_label(str(code), exact=False).first.check()
        elif wrap.locator(f"input[type=radio][name='{name}']").count():
            # A 0-10 scale drawn as a row of choices.
            wrap.locator(f"input[type=radio][name='{name}'][value='{value}']").check()
        else:
            page.locator(f"#item-{name}").fill(str(value))


def type_item(page: Any, name: str, value: Any) -> None:
    """Give one item a value: type it, or choose it where the item is a row of choices."""
    choice = page.locator(f"#wrap-{name} input[type=radio][name='{name}'][value='{value}']")
    if choice.count():
        choice.check()
    else:
        page.locator(f"#item-{name}").fill(str(value))


def item_value(page: Any, name: str) -> str:
    """The value an item shows: its text, or the choice checked in its row of choices."""
    chosen = page.locator(f"#wrap-{name} input[type=radio][name='{name}']:checked")
    if chosen.count():
        return str(chosen.get_attribute("value"))
    return str(page.locator(f"#item-{name}").input_value())
