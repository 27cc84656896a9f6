"""A casebook's sheets by form (indexed once for the exports) are the participant's own
`sheets_of` for every form, in both views, the arm-revealing forms of the unblinded view
included."""

from __future__ import annotations

import pytest

from domain.crf import ITEMS
from domain.protocol import ARM_REVEALING_FORMS
from projections.exports import Cut, View
from projections.exports.casebook import casebooks
from tests.exports.conftest import Built


@pytest.mark.parametrize("view", list(View))
def test_sheets_by_form_are_the_participants_own(built: Built, view: View) -> None:
    forms = sorted({*ITEMS, *ARM_REVEALING_FORMS})
    seen = set()
    for casebook in casebooks(Cut.of(built.reader, view)):
        for form in forms:
            sheets = casebook.sheets_of(form)
            assert sheets == casebook.participant.sheets_of(form)
            assert list(sheets) == list(casebook.participant.sheets_of(form))
            if sheets:
                seen.add(form)
    assert "weekly" in seen
    if view.blinded:
        assert not seen & ARM_REVEALING_FORMS
    else:
        assert seen & ARM_REVEALING_FORMS
