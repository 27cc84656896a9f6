"""Form pages as drawn by the server, without any script: sections, the Roland-Morris grid,
0-10 scale rows, conditional items shown or hidden by their condition, and the reason for
change beside the item it explains."""

from __future__ import annotations

import re

from tests import factories
from tests.web.conftest import Client, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post, version_of
from tests.web.test_pages import _labels_cover_inputs
from web.config import WebConfig


def _wrapper(html: str, item: str) -> str:
    match = re.search(rf'<div [^>]*id="wrap-{item}"[^>]*>', html)
    assert match, item
    return match.group(0)


async def test_the_baseline_page_has_sections_one_grid_and_scale_rows(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "site_staff")
    html = await (await client.get(f"/participants/{seeded.ready}/forms/baseline")).text()
    headings = re.findall(r'<h2 id="heading-[A-Z0-9_]+">([^<]+)</h2>', html)
    assert headings == [
        "Assessment",
        "Low back pain",
        "Leg pain",
        "Roland-Morris Disability Questionnaire",
        "EQ-5D-3L",
        "Bothersomeness",
        "Baseline only, before randomisation",
        "Work and pain medication",
    ]
    assert html.count('<fieldset class="grid"') == 1
    assert len(re.findall(r'class="item grid-row[^"]*" id="wrap-RMDQ_\d\d"', html)) == 23
    # Each 0-10 scale is a row of eleven radio choices; the stored value is the one chosen.
    for item in ("LBP_NOW", "LEG_TYPICAL_2W"):
        assert len(re.findall(rf'type="radio" id="item-{item}-\d+" name="{item}"', html)) == 11
    assert 'name="LBP_NOW" value="6" checked' in html
    _labels_cover_inputs(html)


async def test_a_scale_value_that_is_not_a_choice_keeps_its_text_box(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.ready}/forms/baseline"
    version = version_of(await (await client.get(path)).text())
    refused = await client.post(
        path,
        data=as_post(
            factories.outcomes(LBP_NOW="70"),
            csrf_token=token,
            expected_version=version,
            reason_code="transcription_error",
        ),
    )
    assert refused.status == 422
    html = await refused.text()
    assert 'id="item-LBP_NOW" name="LBP_NOW" value="70"' in html and 'id="err-LBP_NOW"' in html


async def test_a_conditional_item_is_hidden_until_its_condition_holds(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    fresh = await (await client.get(f"/participants/{seeded.screened}/forms/mri")).text()
    assert " hidden" in _wrapper(fresh, "MODIC_TYPE")
    assert 'data-when-item="MODIC_PRESENT" data-when-codes="Y"' in _wrapper(fresh, "MODIC_TYPE")
    # A level's row applies when the level is among those listed.
    row = _wrapper(fresh, "LEVEL_MODIC_TYPE_L4L5")
    assert " hidden" in row and 'data-when-item="MODIC_LEVELS" data-when-codes="L4/L5"' in row
    # The seeded baseline says "working": the days off work apply and are shown.
    path = f"/participants/{seeded.ready}/forms/baseline"
    html = await (await client.get(path)).text()
    assert " hidden" not in _wrapper(html, "SICK_LEAVE_DAYS_4W")
    retired = factories.outcomes(WORK_STATUS="retired", SICK_LEAVE_DAYS_4W="")
    saved = await client.post(
        path,
        data=as_post(
            retired,
            csrf_token=token,
            expected_version=version_of(html),
            reason_code="transcription_error",
        ),
    )
    assert saved.status == 200, await saved.text()
    assert " hidden" in _wrapper(await saved.text(), "SICK_LEAVE_DAYS_4W")
    # Chosen "working" again without the days: refused, and the item is shown with its message.
    working = factories.outcomes(SICK_LEAVE_DAYS_4W="")
    refused = await client.post(
        path,
        data=as_post(
            working,
            csrf_token=token,
            expected_version=version_of(await saved.text()),
            reason_code="transcription_error",
        ),
    )
    assert refused.status == 422
    html = await refused.text()
    assert " hidden" not in _wrapper(html, "SICK_LEAVE_DAYS_4W")
    assert 'id="err-SICK_LEAVE_DAYS_4W"' in html


async def test_a_refused_correction_puts_the_reason_after_the_item_it_explains(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.ready}/forms/baseline"
    html = await (await client.get(path)).text()
    changed = factories.outcomes(LBP_WORST_2W=9)
    refused = await client.post(
        path, data=as_post(changed, csrf_token=token, expected_version=version_of(html))
    )
    assert refused.status == 422
    html = await refused.text()
    wrap = html.index('id="wrap-LBP_WORST_2W"')
    reason = html.index('id="reason"')
    assert wrap < reason < html.index('id="wrap-LBP_TYPICAL_2W"')
    explains = re.search(r'<p class="explains" id="reason-explains">(.*?)</p>', html, re.S)
    assert explains and "LBP worst in the last 2 weeks" in explains.group(1)
    # An entered form not yet changed offers the reason after the last section.
    page = await (await client.get(path)).text()
    assert page.index('id="reason"') > page.index('id="wrap-PAIN_MEDICATION"')


async def test_screening_a_person_is_in_sections_too(client: Client, web_config: WebConfig) -> None:
    sign_in(client, web_config, "site_staff")
    html = await (await client.get("/participants/new")).text()
    headings = re.findall(r'<h2 id="heading-[A-Z0-9_]+">([^<]+)</h2>', html)
    assert headings == ["Screening visit", "The person", "Low back pain", "Inclusion", "Exclusion"]
    assert len(re.findall(r'type="radio" id="item-LBP_NOW_SCR-\d+"', html)) == 11
    _labels_cover_inputs(html)
