"""Every event type that changes a participant's casebook has a handler in a read model, or is
named as one that changes no table (`AUDIT_ROW_ONLY`), so a new one cannot be passed over without
anyone noticing (only its audit row would be kept)."""

from __future__ import annotations

from domain.blinding import CLASSIFICATION, Blinding
from domain.participant import Participant
from projections.arm_projector import ArmProjector
from projections.projector import Projector
from projections.review import AUDIT_ROW_ONLY
from projections.spec import blinded_view, unblinded_view


def test_every_participant_event_type_has_a_handler_in_the_model_that_reads_it() -> None:
    blinded = Projector(blinded_view()).handlers
    unblinded = ArmProjector(unblinded_view()).handlers
    participant_events = [
        cls
        for cls in CLASSIFICATION
        if issubclass(cls, Participant.Event) and cls.__qualname__.startswith("Participant.")
    ]
    assert len(participant_events) > 10
    for cls in participant_events:
        handlers = blinded if CLASSIFICATION[cls] is Blinding.BLINDED_SAFE else unblinded
        assert cls in handlers or cls in AUDIT_ROW_ONLY, f"no handler for {cls.__qualname__}"
    assert not AUDIT_ROW_ONLY & (set(blinded) | set(unblinded))
