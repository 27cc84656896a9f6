"""CSV cells: a text met again is written as the rule writes it the first time, whether its
written form was remembered or not, and what is remembered stays bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.exports import cells
from projections.exports.cells import TEXT_MARK, csv_cell, csv_row

LEADS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "1", "a"])
TEXTS = st.builds(lambda lead, rest: lead + rest, LEADS, st.text(max_size=60))


@given(st.lists(TEXTS, max_size=8))
def test_a_row_is_the_rule_applied_to_each_cell_every_time(texts: list[str]) -> None:
    expected = [csv_cell(text) for text in texts]
    assert csv_row(texts) == expected
    assert csv_row(texts) == expected  # now from what was remembered


def test_a_formula_met_twice_is_marked_twice_and_a_number_never() -> None:
    row = ["=HYPERLINK(1)", "-0.5", "=HYPERLINK(1)", "-0.5", None, 7]
    assert csv_row(row) == [
        TEXT_MARK + "=HYPERLINK(1)",
        "-0.5",
        TEXT_MARK + "=HYPERLINK(1)",
        "-0.5",
        "",
        "7",
    ]


def test_what_is_remembered_is_bounded() -> None:
    for number in range(cells.KNOWN_CELLS + 100):
        csv_row([f"={number}x", f"text {number}"])
    assert len(cells._CELLS) <= cells.KNOWN_CELLS
    assert csv_row(["=late"]) == [TEXT_MARK + "=late"]
