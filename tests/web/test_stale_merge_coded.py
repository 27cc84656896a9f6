"""A stale save of coded items, merged per item, as a browser posts the page: radio codes, a
multi-select compared as a set, the Roland-Morris yes/no grid, dates, and a decimal comma on a
Danish page. For each: only the items a colleague changed are marked, naming who and when
(Copenhagen time with its zone), theirs or mine per item, and an untouched item never reverted."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_i18n_pages import english_left
from tests.web.test_unsaved_pages import form_fields
from web.config import WebConfig

CORRECTION = {"reason_code": "transcription_error", "reason_text": "paper form"}
# The seeded clock starts at 09:00 UTC on 1 February 2024: 10:00 in Copenhagen (winter time).
WHEN_EN = re.compile(r"2024-02-01 10:\d\d CET")
WHEN_DA = re.compile(r"1\. feb\.? 2024 10\.\d\d CET")


class Desk:
    """One person at the baseline form of the participant ready to randomise."""

    def __init__(self, client: Client, token: str, path: str) -> None:
        self.client, self.token, self.path = client, token, path
        self.html = ""

    async def open(self) -> str:
        self.html = await (await self.client.get(self.path)).text()
        return self.html

    async def save(self, status: int, keep: dict[str, str] | None = None, **typed: Any) -> str:
        """Post the page as shown, with `typed` changed (a list: the boxes ticked, in that
        order) and the choices of whose value to keep."""
        replaced = {*typed, *CORRECTION, "confirm_warnings"}
        fields = [(k, v) for k, v in form_fields(self.html, self.path) if k not in replaced]
        for name, value in typed.items():
            for one in value if isinstance(value, list) else [value]:
                fields.append((name, str(one)))
        fields += [(f"keep_{item}", choice) for item, choice in (keep or {}).items()]
        fields += [*CORRECTION.items(), ("confirm_warnings", "yes")]
        response = await self.client.post(self.path, data=fields)
        self.html = await response.text()
        assert response.status == status, self.html[:3000]
        return self.html


async def _desks(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded, lang: str | None = None
) -> tuple[Desk, Desk]:
    path = f"/participants/{seeded.ready}/forms/baseline"
    desks = []
    for role in ("site_staff", "investigator"):
        client = await make_client()
        token = sign_in(client, web_config, role)
        if lang:
            await client.post("/language", data={"csrf_token": token, "lang": lang})
        desk = Desk(client, token, path)
        await desk.open()
        desks.append(desk)
    return desks[0], desks[1]


def _marked(html: str) -> list[str]:
    """The items the page marks as changed by someone else meanwhile."""
    return re.findall(r'class="msg theirs merge" id="merge-([A-Z0-9_]+)"', html)


def _note(html: str, item: str) -> str:
    start = html.index(f'id="merge-{item}"')
    return html[start : html.index("\n</div>", start)]


def _checked(html: str, item: str) -> list[str]:
    return sorted(re.findall(rf'name="{item}" value="([^"]*)" checked', html))


async def _stored(desk: Desk, seeded: Seeded) -> dict[str, Any]:
    response = await desk.client.get(
        f"/api/v1/participants/{seeded.ready}", headers=bearer(seeded, "site_staff")
    )
    return dict((await response.json())["forms"]["baseline"]["items"])


async def test_radio_codes_only_the_colleagues_items_are_marked_and_kept_on_saving(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, PHYSICAL_LOAD="3", EQ5D_MO="2")
    stale = await sara.save(409, BOTHER="4")
    assert sorted(_marked(stale)) == ["EQ5D_MO", "PHYSICAL_LOAD"]
    note = _note(stale, "PHYSICAL_LOAD")
    assert "ivan (investigator)" in note and WHEN_EN.search(note), note
    assert "Light physical work → <strong>Moderate physical work</strong>" in note
    assert "their value is kept" in note and 'name="keep_' not in stale
    # The page holds Ivan's codes where Sara changed nothing, her own where she did.
    assert _checked(stale, "PHYSICAL_LOAD") == ["3"] and _checked(stale, "EQ5D_MO") == ["2"]
    assert _checked(stale, "BOTHER") == ["4"]
    await sara.save(200)
    stored = await _stored(sara, seeded)
    assert (stored["PHYSICAL_LOAD"], stored["EQ5D_MO"], stored["BOTHER"]) == (3, 2, 4)


async def test_radio_codes_both_changed_are_settled_theirs_or_mine_per_item(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, EQ5D_MO="2", BOTHER="5", WORK_STATUS="sick-listed")
    stale = await sara.save(409, EQ5D_MO="3", BOTHER="1", WORK_STATUS="sick-listed")
    assert sorted(_marked(stale)) == ["BOTHER", "EQ5D_MO", "WORK_STATUS"]
    for item in ("EQ5D_MO", "BOTHER"):
        assert f'name="conflict" value="{item}"' in stale
    assert "You changed it to the same value." in _note(stale, "WORK_STATUS")
    assert "Theirs: Extremely" in _note(stale, "BOTHER")
    assert "Mine: Not at all" in _note(stale, "BOTHER")
    await sara.save(200, keep={"EQ5D_MO": "theirs", "BOTHER": "mine"})
    stored = await _stored(sara, seeded)
    assert (stored["EQ5D_MO"], stored["BOTHER"], stored["WORK_STATUS"]) == (2, 1, "sick-listed")


async def test_a_multi_select_is_compared_as_a_set_whatever_the_order_of_ticks(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    # Ivan ticks two boxes (posted in the order he ticked them, not the page's order).
    await ivan.save(200, PAIN_MEDICATION=["nsaid", "paracetamol"])
    await sara.open()
    await ivan.open()
    # Ivan saves the same two in the other order with a change elsewhere: no change to them.
    await ivan.save(200, PAIN_MEDICATION=["paracetamol", "nsaid"], LBP_NOW="7")
    stale = await sara.save(409, PAIN_MEDICATION=["nsaid", "paracetamol"], LEG_NOW="5")
    assert _marked(stale) == ["LBP_NOW"]
    assert "PAIN_MEDICATION" not in stale[stale.index('id="merge-summary"') :][:800]
    assert _checked(stale, "PAIN_MEDICATION") == ["nsaid", "paracetamol"]
    await sara.save(200)
    stored = await _stored(sara, seeded)
    assert sorted(stored["PAIN_MEDICATION"]) == ["nsaid", "paracetamol"]
    assert (stored["LBP_NOW"], stored["LEG_NOW"]) == (7, 5)


async def test_a_multi_select_the_user_did_not_touch_keeps_the_colleagues_ticks(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, PAIN_MEDICATION=["opioid", "paracetamol"])
    stale = await sara.save(409, LEG_NOW="5")
    assert _marked(stale) == ["PAIN_MEDICATION"]
    note = _note(stale, "PAIN_MEDICATION")
    assert "None → <strong>Paracetamol, Opioid</strong>" in note and "their value" in note
    assert _checked(stale, "PAIN_MEDICATION") == ["opioid", "paracetamol"]
    await sara.save(200)
    assert sorted((await _stored(sara, seeded))["PAIN_MEDICATION"]) == ["opioid", "paracetamol"]


async def test_a_multi_select_both_changed_differently_is_a_choice(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, PAIN_MEDICATION=["nsaid"])
    stale = await sara.save(409, PAIN_MEDICATION=["other", "paracetamol"])
    assert 'name="conflict" value="PAIN_MEDICATION"' in stale
    await sara.save(200, keep={"PAIN_MEDICATION": "theirs"})
    assert (await _stored(sara, seeded))["PAIN_MEDICATION"] == ["nsaid"]


async def test_the_roland_morris_grid_marks_only_the_statements_the_colleague_changed(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, RMDQ_05="Y", RMDQ_07="Y", RMDQ_09="Y")
    stale = await sara.save(409, RMDQ_06="Y", RMDQ_07="Y", RMDQ_09="", RMDQ_09_NC="ND")
    assert sorted(_marked(stale)) == ["RMDQ_05", "RMDQ_07", "RMDQ_09"]
    assert "their value is kept" in _note(stale, "RMDQ_05")
    assert "You changed it to the same value." in _note(stale, "RMDQ_07")
    # A statement answered by one and coded "not done" by the other is a choice.
    assert 'name="conflict" value="RMDQ_09"' in stale
    for item, checked in (("RMDQ_05", ["Y"]), ("RMDQ_06", ["Y"]), ("RMDQ_08", ["N"])):
        assert _checked(stale, item) == checked, item
    await sara.save(200, keep={"RMDQ_09": "theirs"})
    stored = await _stored(sara, seeded)
    assert [stored[f"RMDQ_0{n}"] for n in (5, 6, 7, 8, 9)] == ["Y", "Y", "Y", "N", "Y"]
    assert stored.get("RMDQ_09_NC") is None


async def test_a_danish_page_merges_a_date_and_a_decimal_comma_in_danish(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded, lang="da")
    assert 'name="WEIGHT_KG" value="74,5"' in sara.html
    await ivan.save(200, WEIGHT_KG="75,5", ASSESS_DATE="2024-01-15", PHYSICAL_LOAD="3")
    # Sara retypes the weight as it was, with the comma: that is no change of hers.
    stale = await sara.save(409, WEIGHT_KG="74,5", HEIGHT_CM="173")
    assert sorted(_marked(stale)) == ["ASSESS_DATE", "PHYSICAL_LOAD", "WEIGHT_KG"]
    weight = _note(stale, "WEIGHT_KG")
    assert "74,5 → <strong>75,5</strong>" in weight, weight
    assert "ivan" in weight and WHEN_DA.search(weight), weight
    assert "14. jan. 2024 → <strong>15. jan. 2024</strong>" in _note(stale, "ASSESS_DATE")
    assert "Moderate physical work" not in _note(stale, "PHYSICAL_LOAD")
    assert 'name="WEIGHT_KG" value="75,5"' in stale
    assert 'name="ASSESS_DATE" value="2024-01-15"' in stale
    assert english_left(stale) == []
    await sara.save(200)
    stored = await _stored(sara, seeded)
    assert (stored["WEIGHT_KG"], stored["ASSESS_DATE"], stored["HEIGHT_CM"]) == (
        75.5,
        "2024-01-15",
        173,
    )


async def test_a_whole_weight_typed_as_it_was_stored_is_no_change(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, ivan = await _desks(make_client, web_config, seeded)
    await ivan.save(200, WEIGHT_KG="75")
    await sara.open()
    await ivan.open()
    await ivan.save(200, WEIGHT_KG="76")
    # Sara's page shows the 75 stored; she leaves it and changes the leg pain.
    stale = await sara.save(409, LEG_NOW="5")
    assert _marked(stale) == ["WEIGHT_KG"] and 'name="conflict"' not in stale
    await sara.save(200)
    assert (await _stored(sara, seeded))["WEIGHT_KG"] == 76
