"""ODM item values: a value met again is escaped as the first time, whether its markup was
remembered or not, and what is remembered stays bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.crf import export_items
from projections.exports.odm import clinical
from projections.exports.odm.clinical import item_data
from projections.exports.odm.xml import attribute_text

SPECS = export_items("weekly")[:3]
NAMES = [spec.name for spec in SPECS]


@given(st.lists(st.text(max_size=50), min_size=3, max_size=3))
def test_item_values_are_escaped_the_same_every_time(texts: list[str]) -> None:
    values = dict(zip(NAMES, texts, strict=True))
    first = item_data(SPECS, values)
    assert item_data(SPECS, values) == first  # now from what was remembered
    for text in texts:
        if text:
            assert f'Value="{attribute_text(text)}"/>' in first


def test_markup_characters_are_escaped_when_met_again() -> None:
    values = {NAMES[0]: 'a<b&"c', NAMES[1]: 'a<b&"c', NAMES[2]: "\t"}
    for _ in range(2):
        markup = item_data(SPECS, values)
        assert markup.count('Value="a&lt;b&amp;&quot;c"/>') == 2
        assert 'Value="&#9;"/>' in markup


def test_what_is_remembered_is_bounded() -> None:
    for number in range(clinical.KNOWN_VALUES + 100):
        item_data(SPECS, {NAMES[0]: f"<{number}>"})
    assert len(clinical._VALUES) <= clinical.KNOWN_VALUES
    assert 'Value="&lt;late&gt;"/>' in item_data(SPECS, {NAMES[0]: "<late>"})
