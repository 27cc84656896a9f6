"""Form pages generated from the eCRF: inline messages, kept values, reasons, conflicts,
soft checks, derived scores and escaping of everything typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import escape

from domain import crf
from tests import factories
from tests.app.conftest import StepClock
from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.store import Seeded
from tests.web.test_pages import _labels_cover_inputs
from web.config import WebConfig

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def as_post(items: dict[str, Any], **extra: str) -> list[tuple[str, str]]:
    """Items as a browser posts them (a list of codes as repeated fields)."""
    data: list[tuple[str, str]] = []
    for name, value in items.items():
        for one in value if isinstance(value, list) else [value]:
            data.append((name, str(one)))
    data += list(extra.items())
    return data


def version_of(html: str) -> str:
    match = re.search(r'name="expected_version" value="(\d+)"', html)
    assert match
    return match.group(1)


async def test_every_form_page_has_a_label_for_every_input(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "site_staff")
    for form in ("screening", "mri", "consent", "baseline", "adherence", "weekly", "end_of_study"):
        response = await client.get(f"/participants/{seeded.randomised}/forms/{form}")
        assert response.status == 200, form
        html = await response.text()
        _labels_cover_inputs(html)
        for spec in crf.ITEMS[form]:
            assert f'name="{spec.name}"' in html, (form, spec.name)


async def test_invalid_items_are_marked_inline_and_the_typed_values_kept(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.screened}/forms/mri"
    items = factories.mri(MRI_DATE="2024-13-45", MODIC_TYPE="", MODIC_LEVELS=["L4/L5", "L5/S1"])
    response = await client.post(path, data=as_post(items, csrf_token=token, expected_version="0"))
    assert response.status == 422
    html = await response.text()
    assert 'id="err-MRI_DATE"' in html and 'id="err-MODIC_TYPE"' in html
    assert 'id="err-MODIC_PRESENT"' not in html
    assert 'value="2024-13-45"' in html
    assert 'value="L5/S1" checked' in html and 'value="L4/L5" checked' in html
    unchanged = await (await client.get(path)).text()
    assert version_of(unchanged) == "0"


async def test_saving_then_correcting_with_a_reason(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.screened}/forms/mri"
    saved = await client.post(
        path, data=as_post(factories.mri(), csrf_token=token, expected_version="0")
    )
    assert saved.status == 200 and saved.url.query.get("saved") == "1"
    html = await saved.text()
    assert "MRI saved." in html and version_of(html) == "1"
    assert 'id="reason"' in html  # an entered form offers the reason for change
    changed = as_post(factories.mri(MODIC_TYPE="2"), csrf_token=token, expected_version="1")
    refused = await client.post(path, data=changed)
    assert refused.status == 422
    html = await refused.text()
    assert "needs a reason" in html and 'id="err-MODIC_TYPE"' in html
    assert 'value="2" checked' in html  # the correction the user typed is kept
    done = await client.post(
        path, data=[*changed, ("reason_code", "transcription_error"), ("reason_text", "typo")]
    )
    assert done.status == 200 and version_of(await done.text()) == "2"


async def test_a_stale_save_shows_the_other_persons_values_and_keeps_mine(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await make_client(), await make_client()
    sara_token = sign_in(sara, web_config, "site_staff")
    ivan_token = sign_in(ivan, web_config, "investigator")
    path = f"/participants/{seeded.screened}/forms/mri"
    await sara.post(
        path, data=as_post(factories.mri(), csrf_token=sara_token, expected_version="0")
    )
    # Both open version 1; Ivan saves first.
    ivan_saves = as_post(
        factories.mri(MODIC_TYPE="2"),
        csrf_token=ivan_token,
        expected_version="1",
        reason_code="transcription_error",
    )
    assert (await ivan.post(path, data=ivan_saves)).status == 200
    sara_saves = as_post(
        factories.mri(MODIC_TYPE="1/2"),
        csrf_token=sara_token,
        expected_version="1",
        reason_code="late_source",
    )
    stale = await sara.post(path, data=sara_saves)
    assert stale.status == 409
    html = await stale.text()
    assert "changed by someone else" in html
    assert 'Changed meanwhile by <span class="changed-by">ivan (investigator)' in html
    assert "→ <strong>Type 2</strong>" in html
    assert 'value="1/2" checked' in html
    assert version_of(html) == "2" and "Save the merged values" in html
    # Nothing was overwritten; saving again (having seen Ivan's value) is a correction.
    form = await (await sara.get(path)).text()
    assert 'value="2" checked' in form
    again = [(k, v if k != "expected_version" else "2") for k, v in sara_saves]
    assert (await sara.post(path, data=again)).status == 200
    assert 'value="1/2" checked' in await (await sara.get(path)).text()


async def test_a_visit_outside_its_window_asks_for_confirmation_first(
    client: Client, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    web_clock.current = datetime(2024, 4, 20, 9, 0, tzinfo=UTC)
    token = sign_in(client, web_config, "assessor")
    path = f"/participants/{seeded.randomised}/forms/week10"
    early = as_post(
        factories.outcomes("week10", ASSESS_DATE="2024-02-20"),
        csrf_token=token,
        expected_version="0",
    )
    asked = await client.post(path, data=early)
    assert asked.status == 200
    html = await asked.text()
    assert 'id="warn-ASSESS_DATE"' in html and 'name="confirm_warnings"' in html
    assert version_of(await (await client.get(path)).text()) == "0"  # nothing saved yet
    saved = await client.post(path, data=[*early, ("confirm_warnings", "yes")])
    html = await saved.text()
    assert saved.status == 200 and "Week 10 outcomes saved." in html
    assert "Protocol deviation" in html and "early" in html
    in_window = as_post(
        factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
        csrf_token=token,
        expected_version="1",
        reason_code="transcription_error",
    )
    corrected = await client.post(path, data=in_window)
    assert corrected.status == 200 and "saved." in await corrected.text()


async def test_derived_scores_are_shown_after_saving(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "investigator")
    html = await (await client.get(f"/participants/{seeded.ready}/forms/baseline")).text()
    assert 'id="derived-LBP_MEAN3">6.3<' in html
    assert 'id="derived-RMDQ_SCORE">0<' in html
    assert "Roland-Morris score" in html


async def test_weekly_reports_one_sheet_per_week(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.randomised}/forms/weekly"
    page = await (await client.get(path)).text()
    assert 'name="WEEK" value="1"' in page
    for week in (1, 2):
        html = await (await client.get(path)).text()
        response = await client.post(
            path,
            data={
                "csrf_token": token,
                "expected_version": version_of(html),
                "WEEK": str(week),
                "LBP_DAYS": "3",
                "SICK_LEAVE_DAYS": "0",
            },
        )
        assert response.status == 200 and response.url.query["week"] == str(week)
    html = await (await client.get(path + "?week=1")).text()
    assert 'name="LBP_DAYS" value="3"' in html and "Entered weeks:" in html


async def test_assessor_sees_outcomes_but_no_adherence(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "assessor")
    adherence = await client.get(f"/participants/{seeded.randomised}/forms/adherence")
    nothing = await client.get(f"/participants/{seeded.randomised}/forms/nothing")
    assert adherence.status == nothing.status == 404
    assert (await adherence.text()).replace("adherence", "nothing") == await nothing.text()
    mri = await (await client.get(f"/participants/{seeded.randomised}/forms/mri")).text()
    assert 'name="expected_version"' not in mri and "Modic changes present" in mri
    week10 = await (await client.get(f"/participants/{seeded.randomised}/forms/week10")).text()
    assert 'name="expected_version"' in week10


async def test_a_role_that_may_not_write_the_form_gets_403_on_post(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "monitor")
    response = await client.post(
        f"/participants/{seeded.screened}/forms/mri",
        data=as_post(factories.mri(), csrf_token=token, expected_version="0"),
    )
    assert response.status == 403


async def test_a_missing_version_is_400(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    response = await client.post(
        f"/participants/{seeded.screened}/forms/mri",
        data=as_post(factories.mri(), csrf_token=token, expected_version="x"),
    )
    assert response.status == 400


def _text_items() -> list[tuple[str, str]]:
    return [
        (form, spec.name)
        for form, specs in crf.ITEMS.items()
        for spec in specs
        if spec.datatype == "text"
    ]


@pytest.mark.parametrize(("form", "item"), _text_items())
async def test_free_text_is_rendered_escaped_everywhere(
    client: Client, web_config: WebConfig, seeded: Seeded, form: str, item: str
) -> None:
    writer = "assessor" if form in ("week10", "month12") else "site_staff"
    token = sign_in(client, web_config, writer)
    # The seeded participant was randomised on 2024-01-15; follow-ups are confirmed out of window.
    follow_up = {"ASSESS_DATE": "2024-01-20", "CO_INTERVENTION": "Y", "confirm_warnings": "yes"}
    items = {
        "consent": factories.consent(),
        "end_of_study": {"EOS_DATE": "2024-01-20", "EOS_STATUS": "withdrew consent"},
        "week10": factories.outcomes("week10", **follow_up),
        "month12": factories.outcomes("month12", **follow_up),
        "adverse_event": factories.adverse_event(AE_ONSET="2024-01-16", AE_END="2024-01-18"),
        "discontinuation": factories.discontinuation(
            DISC_DATE="2024-01-20", DISC_REASON_CODE="other"
        ),
    }[form]
    pid = {
        "end_of_study": seeded.ready,
        "consent": seeded.screened,
    }.get(form, seeded.randomised)
    if form == "consent":
        await client.post(
            f"/participants/{pid}/forms/mri",
            data=as_post(factories.mri(), csrf_token=token, expected_version="0"),
        )
    items[item] = XSS
    saved = await client.post(
        f"/participants/{pid}/forms/{form}",
        data=as_post(items, csrf_token=token, expected_version="0"),
    )
    assert saved.status == 200, await saved.text()
    page = f"/participants/{pid}/forms/{form}" + ("?week=1" if form == "adverse_event" else "")
    for path in (page, f"/participants/{pid}"):
        html = await (await client.get(path)).text()
        assert "<script>alert" not in html and "<img src=x" not in html
    html = await (await client.get(page)).text()
    assert str(escape(XSS)) in html


@pytest.mark.parametrize("form", sorted(crf.ITEMS))
async def test_markup_typed_into_any_item_is_echoed_escaped(
    client: Client, web_config: WebConfig, seeded: Seeded, form: str
) -> None:
    writer = "assessor" if form in ("week10", "month12") else "site_staff"
    token = sign_in(client, web_config, writer)
    data = [(spec.name, XSS) for spec in crf.ITEMS[form]]
    path = (
        f"/participants/{seeded.randomised}/forms/{form}"
        if form != "screening"
        else "/participants"
    )
    response = await client.post(
        path, data=[*data, ("csrf_token", token), ("expected_version", "0")]
    )
    assert response.status in (200, 409, 422)
    html = await response.text()
    assert "<script>alert" not in html and "<img src=x" not in html
