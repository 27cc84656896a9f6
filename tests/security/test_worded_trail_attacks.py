"""Attacks on the audit trail worded at read time (edc/audit/detail_words.py), the refusal log
with its stored message ids and holes, and the work lists, by blinded accounts of every role,
another site's accounts and an anonymous client.

Every filter value the trail takes is tried, arm-revealing event types and forms included:
nothing a blinded reader gets may name an arm, a probability, an imbalance or adherence, and
the two participants of the two arms, whose blinded-safe histories are alike, must give the
same number of rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import pytest
from aiohttp.test_utils import TestClient

from domain.blinding import CLASSIFICATION
from domain.errors import EdcError
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, FORMS
from edc.application import SYSTEM
from edc.audit.rendering import event_type_name
from edc.refusals import flush_refusal_summaries
from tests import factories
from tests.app.conftest import PASSWORD
from tests.security.attacks import trial_of
from tests.security.blind_store import BLINDED, OTHER_SITE, UNBLINDED_STAFF, BlindStore, sign_in_as
from tests.web.conftest import csrf_of
from web.config import WebConfig

# Words only an arm, its allocation or its adherence data can put on a page.
_ARM = re.compile(
    r"exercise|REST_HOURS|EXERCISE_SESSIONS|ArmRevealed|Allocated|probabilit|imbalance"
    r"|minimis|\brest\b|tr[æa]ning|hvile",
    re.IGNORECASE,
)
# "rest" is an English word too; only the arm's code or its label counts here.
_HARMLESS = re.compile(
    r"\brest of\b|\bat rest\b|Rest versus exercise for low back pain", re.IGNORECASE
)
AUDIT_READERS = tuple(BLINDED[r] for r in ("monitor", "data_manager", "investigator"))
ITEMS = ("EXERCISE_SESSIONS", "REST_HOURS_PER_DAY", "AE_ONSET", "DISC_DATE", "arm", "decision")


def _no_arm(text: str, where: str, typed: Iterable[str] = ()) -> None:
    """No arm word, once what the readers typed is taken out: it is echoed back in links and
    fields, and in the refusal rows of the filters the trail refused (an event type's name is
    public: the trail names the types it refuses)."""
    for value in sorted({*typed, *_type_values()}, key=len, reverse=True):
        text = text.replace(value, "")
    cleaned = _HARMLESS.sub("", text)
    found = _ARM.search(cleaned)
    assert found is None, f"{where}: {cleaned[max(0, found.start() - 120) : found.end() + 120]}"


def _type_values() -> list[str]:
    return sorted({event_type_name(cls) for cls in CLASSIFICATION} | {"CommandRefused"})


def _filters(store: BlindStore) -> list[dict[str, str]]:
    tried: list[dict[str, str]] = [{}]
    tried += [{"type": value} for value in _type_values()]
    tried += [{"form": form} for form in sorted(FORMS)]
    tried += [{"item": item} for item in ITEMS]
    tried += [{"participant": pid} for pid in store.participants.values()]
    tried += [{"user": UNBLINDED_STAFF}, {"user": "system"}]
    tried += [{**f, "order": "newest"} for f in list(tried)]
    return tried


@pytest.mark.parametrize("name", AUDIT_READERS)
async def test_no_filter_of_the_trail_shows_a_blinded_reader_the_arm(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    _refusals_by_unblinded_staff(blind_client, blind_store)
    _unblinded_in_an_emergency(blind_client, blind_store)
    sign_in_as(blind_client, web_config, name)
    headers = {"Authorization": f"Bearer {blind_store.tokens[name]}"}
    tried = _filters(blind_store)
    typed = {value for query in tried for value in query.values()}
    for query in tried:
        page = await blind_client.get("/audit", params={**query, "limit": "200"})
        assert page.status in (200, 403, 422), (query, page.status)
        _no_arm(await page.text(), f"/audit {query}", typed)
        api = await blind_client.get(
            "/api/v1/audit", params={**query, "limit": "1000"}, headers=headers
        )
        assert api.status in (200, 403, 404, 422), (query, api.status)
        _no_arm(await api.text(), f"/api/v1/audit {query}", typed)


@pytest.mark.parametrize("name", AUDIT_READERS)
async def test_the_two_arms_give_a_blinded_reader_the_same_trail(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    headers = {"Authorization": f"Bearer {blind_store.tokens[name]}"}
    shapes = []
    # Both arms, with their arm-revealing forms, and one randomised alike without them.
    for pid in (blind_store.rest, blind_store.exercise, blind_store.without_forms):
        trail = await blind_client.get(f"/api/v1/participants/{pid}/audit", headers=headers)
        assert trail.status == 200
        text = await trail.text()
        _no_arm(text, f"participant trail {pid}")
        body = json.loads(text)
        rows = body["rows"] if isinstance(body, dict) else body
        filtered = await blind_client.get(
            "/api/v1/audit", params={"participant": pid, "limit": "1000"}, headers=headers
        )
        events = (await filtered.json())["events"]
        shapes.append(([row["type"] for row in rows], sorted(e["type"] for e in events)))
    assert shapes[0] == shapes[1] == shapes[2]
    sign_in_as(blind_client, web_config, name)
    for pid in (blind_store.rest, blind_store.exercise):
        page = await blind_client.get(f"/participants/{pid}/audit")
        assert page.status == 200
        _no_arm(await page.text(), f"/participants/{pid}/audit")


def _unblinded_in_an_emergency(client: TestClient, store: BlindStore) -> None:
    """The site's investigator breaks the blind of the rest participant."""
    trial = trial_of(client)
    investigator = trial.actor_for(BLINDED["investigator"])
    trial.unblind(investigator, UUID(store.rest), "Severe reaction, treatment must be known")


def _refusals_by_unblinded_staff(client: TestClient, store: BlindStore) -> None:
    """Unblinded site staff get adherence refused with each arm's own items (the item names
    say the arm), and a baseline refused with markup and control characters in what it sent."""
    trial = trial_of(client)
    staff = trial.actor_for(UNBLINDED_STAFF)
    for pid, items in (
        (store.rest, {"REST_HOURS_PER_DAY": "lots <b>"}),
        (store.exercise, {"EXERCISE_SESSIONS": "-3"}),
    ):
        with pytest.raises(EdcError):
            trial.record_form(staff, UUID(pid), "adherence", items, expected_version=1)
        with pytest.raises(EdcError):
            trial.record_form(staff, UUID(pid), "adherence", items, expected_version=99)
    with pytest.raises(EdcError):
        trial.record_form(
            staff,
            UUID(store.without_forms),
            "baseline",
            factories.outcomes(
                "baseline", **{"<script>alert(1)</script>\x1b[31m": "<img src=x onerror=1>"}
            ),
            expected_version=0,
        )


@pytest.mark.parametrize("name", (BLINDED["monitor"], BLINDED["data_manager"]))
async def test_the_refusal_log_keeps_no_arm_and_no_markup_for_a_blinded_reader(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    _refusals_by_unblinded_staff(blind_client, blind_store)
    sign_in_as(blind_client, web_config, name)
    for path in ("/refusals", "/audit?type=CommandRefused&limit=200"):
        page = await blind_client.get(path)
        assert page.status == 200, path
        text = await page.text()
        assert "record_form" in text or "Baseline" in text, path  # the refusals are listed
        _no_arm(text, path)
        assert "<script>" not in text and "<img src=x" not in text, path
        assert "\x1b" not in text, path
    # The crafted item name reached the log, as text.
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in await (await blind_client.get("/refusals")).text()
    )


async def test_a_blinded_account_and_another_site_get_no_arm_and_no_foreign_row_at_work(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    trial = trial_of(blind_client)
    staff = trial.actor_for(UNBLINDED_STAFF)
    numbers = [
        str(trial.get_participant(staff, UUID(pid))["screening_number"])
        for pid in blind_store.participants.values()
    ]
    for name in BLINDED.values():
        sign_in_as(blind_client, web_config, name)
        page = await blind_client.get("/work")
        assert page.status in (200, 403), name
        text = await page.text()
        _no_arm(text, f"/work of {name}")
        if name == BLINDED["monitor"]:  # forms to verify are listed, none arm-revealing
            assert FORM_LABELS["baseline"] in text
        for form in sorted(ARM_REVEALING_FORMS):
            assert f"/forms/{form}" not in text and FORM_LABELS[form] not in text, (name, form)
    for name in OTHER_SITE.values():
        sign_in_as(blind_client, web_config, name)
        page = await blind_client.get("/work")
        text = await page.text()
        assert not [n for n in numbers if n in text], name
        assert not [pid for pid in blind_store.participants.values() if pid in text], name


async def test_an_anonymous_client_reads_no_trail_refusal_or_work_list(
    blind_client: TestClient, blind_store: BlindStore
) -> None:
    for path in ("/audit", "/refusals", "/work", f"/participants/{blind_store.rest}/audit"):
        response = await blind_client.get(path, allow_redirects=False)
        assert response.status in (303, 401, 403), path
    for path in ("/api/v1/audit", f"/api/v1/participants/{blind_store.rest}/audit"):
        assert (await blind_client.get(path)).status == 401, path


async def test_another_sites_investigator_reads_no_event_of_this_site_in_the_trail(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    _refusals_by_unblinded_staff(blind_client, blind_store)
    _unblinded_in_an_emergency(blind_client, blind_store)
    trial = trial_of(blind_client)
    staff = trial.actor_for(UNBLINDED_STAFF)
    pids = list(blind_store.participants.values())
    numbers = [str(trial.get_participant(staff, UUID(pid))["screening_number"]) for pid in pids]
    name = OTHER_SITE["investigator"]
    sign_in_as(blind_client, web_config, name)
    headers = {"Authorization": f"Bearer {blind_store.tokens[name]}"}
    queries: list[dict[str, str]] = [{}, {"user": UNBLINDED_STAFF}, {"form": "baseline"}]
    queries += [{"participant": value} for value in [*pids, *numbers]]
    queries += [{"type": "CommandRefused"}, {"item": "LBP_NOW"}]
    for query in queries:
        for path, extra in (("/audit", {}), ("/api/v1/audit", headers)):
            response = await blind_client.get(path, params={**query, "limit": "200"}, headers=extra)
            text = await response.text()
            for value in query.values():
                text = text.replace(value, "")
            assert not [n for n in numbers if n in text], (path, query)
            assert not [p for p in pids if p in text], (path, query)
            assert UNBLINDED_STAFF not in text.replace("user=sara", ""), (path, query)
    for pid in pids:
        assert (await blind_client.get(f"/participants/{pid}/audit")).status in (403, 404)
        api = await blind_client.get(f"/api/v1/participants/{pid}/audit", headers=headers)
        assert api.status in (403, 404)


@pytest.mark.parametrize("name", (BLINDED["monitor"], BLINDED["data_manager"]))
async def test_the_audit_downloads_of_a_blinded_reader_hold_no_arm(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    _refusals_by_unblinded_staff(blind_client, blind_store)
    sign_in_as(blind_client, web_config, name)
    for kind in ("audit", "odm"):
        for view in ("", "blinded", "unblinded"):
            response = await blind_client.get(f"/exports/{kind}", params={"view": view})
            assert response.status in (200, 403, 422), (kind, view, response.status)
            text = (await response.read()).decode("utf-8", "replace")
            if response.status == 200:
                assert len(text) > 1000, (kind, view)
            _no_arm(text, f"/exports/{kind}?view={view}")


async def test_an_anonymous_login_with_markup_in_its_name_shows_as_text_in_the_log(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    crafted = "<script>alert(2)</script>\x07\u202e"
    token = await csrf_of(blind_client)
    response = await blind_client.post(
        "/login",
        data={"csrf_token": token, "name": crafted, "password": "wrong"},
        allow_redirects=False,
    )
    assert response.status in (200, 303, 401, 422, 429)
    flush_refusal_summaries(trial_of(blind_client), everything=True)
    sign_in_as(blind_client, web_config, BLINDED["monitor"])
    for path in ("/refusals", "/audit?type=CommandRefused&limit=200&order=newest"):
        text = await (await blind_client.get(path)).text()
        assert "alert(2)" in text, path  # the attempt is listed
        for raw in ("<script>alert(2)", "\x07", "\u202e"):
            assert raw not in text, (path, raw, re.findall(r".{0,80}alert\(2\).{0,80}", text))


async def test_another_sites_refused_attempts_tell_it_nothing_of_this_sites_participant(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    trial = trial_of(blind_client)
    staff = trial.actor_for(UNBLINDED_STAFF)
    pid = blind_store.rest
    number = str(trial.get_participant(staff, UUID(pid))["screening_number"])
    sign_in_as(blind_client, web_config, OTHER_SITE["site_staff"])
    paths = [f"/participants/{pid}", f"/participants/{number}", f"/participants/{pid}/audit"]
    paths += [f"/participants/{pid}/forms/{form}" for form in ("baseline", "adherence")]
    paths += [f"/participants/{pid}/as-of?position=1", "/work", "/refusals"]
    for path in paths:
        response = await blind_client.get(path)
        foreign = path.startswith("/participants/")
        assert response.status in ((403, 404) if foreign else (200, 403)), (path, response.status)
        text = (await response.text()).replace(pid, "")
        if number not in path:  # a number typed is echoed back in the page's links
            assert number not in text, path
        _no_arm(text, path)


@pytest.mark.parametrize("day", ("2024-03-20", "2024-05-01", "2025-03-01"))
async def test_overdue_rows_after_a_window_closed_are_alike_for_both_arms_and_stay_at_home(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, day: str
) -> None:
    """Once a visit's window has closed, its row is the same whatever arm-revealing forms the
    participant has; another site's accounts never get it."""
    trial = trial_of(blind_client)
    staff = trial.actor_for(UNBLINDED_STAFF)
    numbers = {
        key: str(trial.get_participant(staff, UUID(pid))["screening_number"])
        for key, pid in blind_store.participants.items()
    }
    trial.clock.current = datetime.fromisoformat(f"{day}T09:00:00+00:00")  # type: ignore[attr-defined]
    for name in BLINDED.values():
        sign_in_as(blind_client, web_config, name)
        text = await (await blind_client.get("/work")).text()
        _no_arm(text, f"/work of {name} on {day}")
        counts = {key: text.count(number) for key, number in numbers.items()}
        assert len(set(counts.values())) == 1, (name, day, counts)
    for name in OTHER_SITE.values():
        sign_in_as(blind_client, web_config, name)
        text = await (await blind_client.get("/work")).text()
        assert not [n for n in numbers.values() if n in text], (name, day)


async def test_an_administrator_reads_no_trail_refusal_log_or_work_list(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    trial = trial_of(blind_client)
    trial.add_user(SYSTEM, "adam", "admin", PASSWORD)
    token = trial.issue_token(SYSTEM, "adam", "tests")
    sign_in_as(blind_client, web_config, "adam")
    paths = ["/audit", "/audit?type=CommandRefused", "/refusals", "/work", "/exports/audit"]
    paths += [f"/participants/{blind_store.rest}/audit"]
    for path in paths:
        response = await blind_client.get(path)
        assert response.status == 403, (path, response.status)
        _no_arm(await response.text(), path)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/audit", f"/api/v1/participants/{blind_store.rest}/audit"):
        assert (await blind_client.get(path, headers=headers)).status == 403, path


@pytest.mark.parametrize("lang", ("en", "da"))
async def test_crafted_paging_and_filters_get_a_page_never_a_500(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, lang: str
) -> None:
    _refusals_by_unblinded_staff(blind_client, blind_store)
    sign_in_as(blind_client, web_config, BLINDED["monitor"])
    blind_client.session.cookie_jar.update_cookies({"lang": lang}, blind_client.make_url("/"))
    crafted = ["-1", "abc", "9" * 40, "%(x)s", "<b>", "\x00", "1e9", "٣"]
    for value in crafted:
        for path, key in (
            ("/refusals", "since"),
            ("/audit", "since"),
            ("/audit", "before"),
            ("/audit", "limit"),
            ("/audit", "from"),
            ("/audit", "participant"),
            ("/audit", "type"),
            ("/audit", "item"),
        ):
            params = {key: value, "order": "newest"} if key == "before" else {key: value}
            response = await blind_client.get(path, params=params)
            assert response.status in (200, 403, 404, 422), (path, key, value, response.status)
            text = await response.text()
            assert "\x00" not in text
