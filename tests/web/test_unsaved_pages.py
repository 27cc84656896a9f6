"""What is typed on any page of the web UI survives the idle timeout, not only a CRF form: the
screening, a query's answer or raising, a deviation, a missed visit, a reason to sign or lock.
Each form is submitted as a browser would (every field of that form as the page rendered it,
with the person's typing on top), once the session has ended; after the next login the person
is back on that page with the typing filled in, "Not saved yet", and nothing in the store."""

from __future__ import annotations

import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet

import web
from edc.config import Settings
from tests import factories
from tests.app.conftest import NAMES
from tests.web.conftest import Client, FakeNow, MakeClient, login, sign_in
from tests.web.store import Seeded
from web.config import WebConfig
from web.keys import SETTINGS, TRIAL

IDLE = 31 * 60
NOTICE = 'id="unsaved-typing"'


class _Form(HTMLParser):
    """The fields a browser would post from the first post form to `action` on a page."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.found = action, False, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._chosen: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("action") == self.action and not self.found:
            self.inside = self.found = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type") or "text"
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._chosen = name, None
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._chosen is None:
                self._chosen = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._chosen or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.found, f"no post form to {action}"
    return parser.fields


def typed_into(html: str, action: str, **typed: str) -> list[tuple[str, str]]:
    fields = [(k, v) for k, v in form_fields(html, action) if k not in typed]
    return fields + list(typed.items())


def field(html: str, action: str, name: str) -> str | None:
    values = [v for k, v in form_fields(html, action) if k == name]
    return values[0] if values else None


def _head(settings: Settings) -> int:
    with sqlite3.connect(settings.data_dir / "trial.sqlite") as db:
        return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


async def _expired_submit(
    client: Client, now: FakeNow, page: str, action: str, **typed: str
) -> tuple[str, int]:
    """Open `page`, type, let the session end, submit: where the browser is sent, and the
    store's head before the submit."""
    html = await (await client.get(page)).text()
    head = _head(client.app[SETTINGS])  # type: ignore[index]
    now.value += IDLE
    response = await client.post(
        action, data=typed_into(html, action, **typed), allow_redirects=False
    )
    assert response.status == 303
    return response.headers["Location"], head


async def test_a_screening_typed_on_an_ended_session_is_back_after_the_login_unsaved(
    client: Client, now: FakeNow, web_settings: Settings
) -> None:
    await login(client, "site_staff")
    typed = {k: str(v) for k, v in factories.screening(AGE=52, LBP_DURATION_MONTHS=9).items()}
    location, head = await _expired_submit(
        client, now, "/participants/new", "/participants", **typed
    )
    assert location == "/login?expired=1&kept=1&next=/participants/new"
    assert "What you typed is kept" in await (await client.get(location)).text()
    assert _head(web_settings) == head
    await login(client, "site_staff")
    head = _head(web_settings)  # the login is recorded in the account
    html = await (await client.get("/participants/new")).text()
    assert NOTICE in html and "Not saved yet" in html
    assert field(html, "/participants", "AGE") == "52"
    assert field(html, "/participants", "LBP_DURATION_MONTHS") == "9"
    assert _head(web_settings) == head  # shown again, still not saved
    # Given back once; saving it is the person's own act.
    again = await (await client.get("/participants/new")).text()
    assert NOTICE not in again and field(again, "/participants", "AGE") == ""
    saved = await client.post("/participants", data=form_fields(html, "/participants"))
    assert "Screened as" in await saved.text() and _head(web_settings) > head


async def test_the_login_form_after_an_expired_screening_leads_back_to_the_screening_page(
    client: Client, now: FakeNow
) -> None:
    await login(client, "site_staff")
    location, _ = await _expired_submit(client, now, "/participants/new", "/participants", AGE="52")
    page = await (await client.get(location)).text()
    posted = typed_into(page, "/login", name=NAMES["site_staff"], password="x")
    assert ("next", "/participants/new") in posted


async def test_another_account_on_the_same_browser_never_gets_the_screening(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow
) -> None:
    browser = await make_client()
    await login(browser, "site_staff")
    await _expired_submit(browser, now, "/participants/new", "/participants", AGE="52")
    await login(browser, "investigator")
    html = await (await browser.get("/participants/new")).text()
    assert NOTICE not in html and field(html, "/participants", "AGE") == ""
    await login(browser, "site_staff")
    html = await (await browser.get("/participants/new")).text()
    assert NOTICE in html and field(html, "/participants", "AGE") == "52"


async def test_a_deviation_typed_on_an_ended_session_comes_back(
    client: Client, now: FakeNow, seeded: Seeded
) -> None:
    await login(client, "site_staff")
    page = f"/participants/{seeded.randomised}/deviations"
    location, _ = await _expired_submit(
        client, now, page, page, kind="visit_schedule", description="Seen <3 days> late"
    )
    assert location.endswith("next=" + page)
    await login(client, "site_staff")
    html = await (await client.get(page)).text()
    assert NOTICE in html
    assert field(html, page, "description") == "Seen <3 days> late"
    assert "Seen &lt;3 days&gt; late" in html  # escaped, as any typed text
    assert field(html, page, "kind") == "visit_schedule"


async def test_a_missed_visit_reason_typed_on_an_ended_session_comes_back(
    client: Client, now: FakeNow, seeded: Seeded
) -> None:
    await login(client, "site_staff")
    html = await (await client.get(f"/participants/{seeded.randomised}")).text()
    page = re.search(r'href="(/participants/[^"]+/visits/[^"]+/missed)"', html).group(1)  # type: ignore[union-attr]
    await _expired_submit(client, now, page, page, text="Snowed in; phoned, comes next week")
    await login(client, "site_staff")
    html = await (await client.get(page)).text()
    assert NOTICE in html and field(html, page, "text") == "Snowed in; phoned, comes next week"


async def test_a_query_raised_and_answered_on_ended_sessions_come_back(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    monitor, staff = await make_client(), await make_client()
    await login(monitor, "monitor")
    form = f"/participants/{seeded.ready}/forms/baseline"
    page, action = form + "?raise=LBP_NOW", form + "/queries"
    location, _ = await _expired_submit(monitor, now, page, action, text="Is 6 right?")
    assert parse_qs(urlsplit(location).query)["next"] == [page]
    await login(monitor, "monitor")
    html = await (await monitor.get(page)).text()
    assert NOTICE in html and field(html, action, "text") == "Is 6 right?"
    await monitor.post(action, data=form_fields(html, action))
    # The site answers, and its session ends before the answer is sent.
    await login(staff, "site_staff")
    inbox = await (await staff.get("/queries")).text()
    query = re.search(r'href="(/queries/[^"/]+)"', inbox).group(1)  # type: ignore[union-attr]
    await _expired_submit(staff, now, query, query + "/answer", text="Checked the source: 6")
    await login(staff, "site_staff")
    html = await (await staff.get(query)).text()
    assert NOTICE in html and field(html, query + "/answer", "text") == "Checked the source: 6"


async def test_a_sign_reason_comes_back_but_never_the_password(
    client: Client, web_config: WebConfig, web_settings: Settings, now: FakeNow, seeded: Seeded
) -> None:
    await login(client, "investigator")
    page = action = f"/participants/{seeded.ready}/sign"
    await _expired_submit(
        client, now, page, action, incomplete_reason="Visits not due yet", password="Secret-12345"
    )
    with sqlite3.connect(web_settings.data_dir / "unsaved.sqlite") as db:
        (sealed,) = db.execute("SELECT sealed FROM unsaved_typing").fetchone()
    kept = json.loads(Fernet(web_config.session_key).decrypt(sealed.encode()))["fields"]
    assert ["incomplete_reason", "Visits not due yet"] in kept
    assert not any("password" in name for name, _ in kept) and "Secret" not in str(kept)
    await login(client, "investigator")
    html = await (await client.get(page)).text()
    assert NOTICE in html and field(html, action, "incomplete_reason") == "Visits not due yet"
    assert field(html, action, "password") == "" and "Secret-12345" not in html


async def test_a_lock_reason_comes_back_on_the_form_page_and_not_into_the_form(
    client: Client, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    await login(client, "data_manager")
    page = f"/participants/{seeded.ready}/forms/baseline"
    await _expired_submit(client, now, page, page + "/lock", reason="Source verified by phone")
    await login(client, "data_manager")
    html = await (await client.get(page)).text()
    assert NOTICE in html and field(html, page + "/lock", "reason") == "Source verified by phone"
    # Put back into the lock form, just above it; not taken as the CRF form's own typing.
    notice = html.index(NOTICE)
    assert "is filled in below" in html[notice : html.index(page + "/lock")]


async def test_a_page_that_changed_meanwhile_shows_what_was_typed(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    sara = await make_client()
    await login(sara, "site_staff")
    page = f"/participants/{seeded.randomised}/deviations"
    html = await (await sara.get(page)).text()
    now.value += IDLE
    # The form that lost the typing is not on the page it names (a form that no longer is).
    lost = [(k, v) for k, v in typed_into(html, page, description="Late by a week")]
    lost = [
        (k, f"/participants/{seeded.randomised}") if k == "from_page" else (k, v) for k, v in lost
    ]
    await sara.post(page, data=lost, allow_redirects=False)
    await login(sara, "site_staff")
    shown = await (await sara.get(f"/participants/{seeded.randomised}")).text()
    assert NOTICE in shown and "could not be put back" in shown and "Late by a week" in shown


async def test_the_account_pages_are_never_kept(
    client: Client, web_config: WebConfig, web_settings: Settings, now: FakeNow
) -> None:
    await login(client, "site_staff")
    html = await (await client.get("/password")).text()
    now.value += IDLE
    posted = typed_into(html, "/password", current="Old-password-1", new="New-password-12")
    response = await client.post("/password", data=posted, allow_redirects=False)
    assert "kept=1" not in response.headers["Location"]
    with sqlite3.connect(web_settings.data_dir / "unsaved.sqlite") as db:
        assert db.execute("SELECT count(*) FROM unsaved_typing").fetchone()[0] == 0


async def test_a_blinded_account_logging_in_after_an_unblinded_one_gets_nothing(
    make_client: MakeClient, web_config: WebConfig, now: FakeNow, seeded: Seeded
) -> None:
    browser = await make_client()
    await login(browser, "site_staff")
    page = f"/participants/{seeded.randomised}/deviations"
    await _expired_submit(browser, now, page, page, description="Took the other arm's tablets")
    await login(browser, "assessor")
    html = await (await browser.get(page)).text()
    assert NOTICE not in html and "other arm" not in html
    sign_in(browser, web_config, "monitor")
    assert "other arm" not in await (await browser.get(page)).text()


def test_every_post_form_of_every_template_names_its_page() -> None:
    # A form with a bare CSRF field would lead its ended-session save back to the address it
    # posts to, not to the page it was on.
    templates = Path(web.__file__).parent / "templates"
    for template in sorted(templates.glob("*.html")):
        text = template.read_text()
        forms = len(re.findall(r'<form[^>]*method="post"', text))
        assert text.count("{{ form_tokens }}") >= forms, template.name
        assert 'name="csrf_token"' not in text, template.name


async def test_typing_from_before_the_account_was_blinded_is_never_given_back(
    client: Client, now: FakeNow, seeded: Seeded
) -> None:
    # Typed while unblinded; the account is blinded (every session ends) before the next login.
    await login(client, "site_staff")
    page = f"/participants/{seeded.randomised}/deviations"
    await _expired_submit(client, now, page, page, description="Seen at the exercise class")
    trial = client.app[TRIAL]  # type: ignore[index]
    trial.set_blinded(trial.actor_for(NAMES["admin"]), NAMES["site_staff"], True)
    await login(client, "site_staff")
    html = await (await client.get(page)).text()
    assert NOTICE not in html and "exercise class" not in html
    assert "exercise class" not in await (await client.get("/")).text()
