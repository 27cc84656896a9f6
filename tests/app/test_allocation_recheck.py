"""`edc allocation recheck` and its use case: every allocation decided again from its stored
decision record; agreeing on the demo, catching a planted mismatch, refused to blinded roles."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from cli.main import main
from domain.allocation import Allocation
from domain.errors import PermissionDenied
from domain.minimisation import minimise
from edc.application import SYSTEM, Trial
from edc.config import Settings
from edc.demo.build import build_demo
from tests import factories


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trial:
    monkeypatch.setenv("EDC_DATA_DIR", str(tmp_path / "var"))
    return build_demo(Settings(data_dir=tmp_path / "var"), 30, seed=5, progress=False)


def _plant_wrong_arm(trial: Trial) -> str:
    """An allocation whose stored arm is not what its own levels and draw give."""
    staff = trial.actor_for("sara")
    day = trial.local_date(trial.clock()).isoformat()
    pid = UUID(trial.screen(staff, factories.screening(SCR_DATE=day))["id"])
    trial.record_mri(staff, pid, factories.mri(MRI_DATE=day))
    trial.record_consent(staff, pid, factories.consent(CONSENT_DATE=day))
    participant = trial.load_participant(pid)
    allocation = trial.load_allocation()
    assert allocation is not None
    levels = {"sex": "F", "age": "40-60", "smoking": "no", "physical_load": "light"}
    levels["modic_type"] = "1 or 1/2"
    decision = minimise(allocation.counts, levels, 0.05).as_dict()
    decision["arm"] = "rest" if decision["arm"] == "exercise" else "exercise"
    allocation.trigger_event(
        Allocation.Allocated,
        participant_id=pid,
        screening_number=participant.screening_number,
        sequence_number=len(allocation.arms) + 1,
        decision=decision,
        actor=staff.as_dict(),
    )
    trial.save(allocation)
    return participant.screening_number


def test_every_allocation_of_the_demo_agrees_with_its_stored_decision(
    demo: Trial, capsys: pytest.CaptureFixture[str]
) -> None:
    result = demo.allocation_recheck()
    allocation = demo.load_allocation()
    assert allocation is not None
    assert result["allocations"] == len(allocation.arms) > 2
    assert result["agree"] == result["allocations"] and result["mismatches"] == []
    assert [c["randomisation_number"] for c in result["checks"]][:2] == ["R-001", "R-002"]
    demo.close()
    assert main(["allocation", "recheck"]) == 0
    out = capsys.readouterr().out
    assert f"{result['allocations']} of {result['allocations']} allocations agree" in out


def test_a_planted_mismatch_is_named(demo: Trial, capsys: pytest.CaptureFixture[str]) -> None:
    screening_number = _plant_wrong_arm(demo)
    result = demo.allocation_recheck()
    assert result["agree"] == result["allocations"] - 1
    (mismatch,) = result["mismatches"]
    assert mismatch["screening_number"] == screening_number and mismatch["agrees"] is False
    demo.close()
    assert main(["allocation", "recheck"]) == 1
    assert f"MISMATCH R-{result['allocations']:03d} {screening_number}" in capsys.readouterr().out


def test_only_unblinded_monitors_and_data_managers_may_recheck(demo: Trial) -> None:
    for role in ("monitor", "data_manager"):
        name = f"{role}-blind"
        demo.add_user(SYSTEM, name, role, "a long enough password")
        with pytest.raises(PermissionDenied, match="Blinded"):
            demo.recheck_allocations(demo.actor_for(name))
        demo.add_user(
            SYSTEM,
            f"{role}-open",
            role,
            "a long enough password",
            blinded=False,
            blinding_reason="Re-checks allocations",
        )
        result = demo.recheck_allocations(demo.actor_for(f"{role}-open"))
        assert result["agree"] == result["allocations"]
    with pytest.raises(PermissionDenied):
        demo.recheck_allocations(demo.actor_for("sara"))  # site staff (unblinded)
    demo.close()
