"""The unblinded read model's signatures of the arm-revealing forms, built from pages of any
size: each participant's signature rows are read once per page and kept in step by hand
(`ArmProjector._signatures_of`), so a page holding a signature, entries that invalidate it and
a signature after them must number and invalidate exactly as pages of one event do. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from edc.application import SYSTEM, Trial
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.projections.conftest import projections as projections
from tests.projections.tables import dumps, rows

LATE = {"code": "late_source", "text": "hospital letter"}


def _harms_reviewed_within_one_page(trial: Trial, actors: dict[str, Actor]) -> None:
    trial.add_user(
        SYSTEM,
        "uffe",
        "investigator",
        PASSWORD,
        site="RINGE",
        blinded=False,
        blinding_reason="handles harms",
    )
    investigator = trial.actor_for("uffe")
    for _participant in range(2):
        pid, _arm = randomised(trial, actors["site_staff"])
        ae = factories.adverse_event
        trial.record_form(investigator, pid, "adverse_event", ae(), expected_version=0)
        trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
        trial.record_form(
            investigator, pid, "adverse_event", ae(AE_NO=2, AE_TERM="Headache"), expected_version=1
        )
        trial.sign(investigator, pid, PASSWORD, "review", form="adverse_event")
        trial.record_form(
            investigator,
            pid,
            "adverse_event",
            ae(AE_NO=1, AE_SEVERITY="severe"),
            expected_version=2,
            reason=LATE,
        )
        trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")


@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
def test_arm_revealing_signatures_are_the_same_from_pages_of_any_size(
    trial: Trial, actors: dict[str, Actor], projections: Projections, page_size: int
) -> None:
    _harms_reviewed_within_one_page(trial, actors)
    projections.rebuild()  # the whole store in one page
    whole = dumps(projections.db)
    signatures = rows(projections.db, "unblinded", "signatures")
    assert sorted((row["number"], row["valid"]) for row in signatures) == [
        (1, 0),
        (1, 0),
        (2, 0),
        (2, 0),
        (3, 1),
        (3, 1),
    ]
    for runner in projections.runners.values():
        runner.page_size = page_size
    projections.rebuild()
    assert dumps(projections.db) == whole
