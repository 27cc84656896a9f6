"""The NDJSON audit trail: every event of the view, in order, without hashes."""

from __future__ import annotations

import json
from typing import Any

from domain.blinding import is_blinded_safe
from projections.exports import ExportKind, View
from tests.exports.conftest import Built, export_bytes


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys(item)}
    return set()


def test_the_unblinded_stream_is_every_event_in_order_without_hashes(built: Built) -> None:
    data = export_bytes(built.reader, ExportKind.AUDIT, View.UNBLINDED)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    head = built.trial.recorder.max_notification_id()
    assert [line["position"] for line in lines] == list(range(1, (head or 0) + 1))
    assert not any(key.endswith("_hash") for line in lines for key in keys(line))
    assert b"argon2" not in data
    corrected = [line for line in lines if line["type"] == "Participant.FormCorrected"]
    assert corrected[-1]["data"]["changes"] == {"LBP_NOW": [3, 2]}
    assert corrected[-1]["data"]["reason"] == {
        "code": "transcription_error",
        "text": "LBP now misread",
    }
    assert corrected[-1]["actor"] == {"user": "anna", "role": "assessor", "site": "RINGE"}
    assert corrected[-1]["time"] == "2025-03-25T09:00:02+00:00"  # CRF.md: 1-year visit day 434


def test_the_blinded_stream_leaves_out_arm_revealing_events(built: Built) -> None:
    lines = [
        json.loads(line)
        for line in export_bytes(built.reader, ExportKind.AUDIT, View.BLINDED).decode().splitlines()
    ]
    safe = [
        n.id
        for n in built.trial.recorder.select_notifications(start=1, limit=10**6)
        if is_blinded_safe(n.topic)
    ]
    assert [line["position"] for line in lines] == safe
    types = {line["type"] for line in lines}
    assert not any(t.startswith("Allocation") or "Adherence" in t for t in types)
    assert "Participant.Randomised" in types  # the fact and date of randomisation are safe


def test_a_participants_path_reads_in_the_trials_words_in_the_stream(built: Built) -> None:
    """A monitor follows a participant from the stream's words alone, milestone by milestone."""
    lines = [
        json.loads(line)
        for line in export_bytes(built.reader, ExportKind.AUDIT, View.BLINDED).decode().splitlines()
    ]
    f, d = str(built.small.ids["F"]), str(built.small.ids["D"])
    assert [line["words"] for line in lines if line["aggregate_id"] == d] == [
        "Screened",
        "MRI confirmed Modic changes",
        "Study ended",
    ]
    assert [(line["type"], line["words"]) for line in lines if line["aggregate_id"] == f] == [
        ("Participant.Screened", "Screened"),
        ("Participant.ModicConfirmed", "MRI confirmed Modic changes"),
        ("Participant.Consented", "Informed consent obtained"),
        ("Participant.BaselineRecorded", "Baseline recorded"),
        ("Participant.Randomised", "Randomised"),
        ("Participant.WeeklyReportReceived", "Weekly report received"),
        ("Participant.WeeklyReportReceived", "Weekly report received"),
        ("Participant.OutcomeRecorded", "Follow-up outcome recorded"),
        ("Participant.OutcomeRecorded", "Follow-up outcome recorded"),
        ("Participant.FormCorrected", "Form corrected"),
    ]
