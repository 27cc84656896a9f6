"""The trail's words: every event type, reason code, form and visit is shown in words, from the
one mapping in edc/audit/rendering.py, never as a class name or a code."""

from __future__ import annotations

import re

import pytest

from domain.blinding import CLASSIFICATION
from domain.protocol import REASON_LABELS, ReasonCode
from domain.visit_records import MissedReason
from edc.audit.rendering import event_type_choices, event_words, reason_words, sheet_words


@pytest.mark.parametrize("cls", list(CLASSIFICATION), ids=lambda cls: cls.__qualname__)
def test_every_event_type_reads_in_words(cls: type) -> None:
    words = event_words(cls)
    assert words != cls.__qualname__ and not re.search(r"[a-z][A-Z]", words)  # no class name
    assert words[0].isupper() and "_" not in words and "." not in words


def test_the_event_filter_offers_each_wording_once_and_no_mixin() -> None:
    choices = event_type_choices(CLASSIFICATION)
    words = [w for _, w in choices]
    assert len(words) == len(set(words))
    assert not any("Mixin" in value for value, _ in choices)
    assert ("Participant.FormCorrected", "Form corrected") in choices


@pytest.mark.parametrize("code", [*ReasonCode, *MissedReason])
def test_every_reason_code_reads_in_words(code: str) -> None:
    words = reason_words({"code": code, "text": ""})
    assert words and words != code and "_" not in words


def test_reason_words_keep_the_text() -> None:
    assert reason_words({"code": "transcription_error", "text": "source says 7"}) == (
        f"{REASON_LABELS[ReasonCode.TRANSCRIPTION_ERROR]}: source says 7"
    )
    assert reason_words({"code": "other", "text": "the GP called"}) == "Other: the GP called"
    assert reason_words({"code": None, "text": "moved away"}) == "moved away"
    assert reason_words(None) == ""


def test_visit_and_form_in_words() -> None:
    assert sheet_words("baseline") == "Baseline"
    assert sheet_words("week10") == "Week 10 outcomes"
    assert sheet_words("adherence") == "Week 10 · Adherence to intervention"
    assert sheet_words("mri") == "Screening · MRI"
    assert sheet_words("weekly:03") == "Weekly reports · Weekly patient report, week 3"
    assert sheet_words("adverse_event:02") == "Any time after consent · Adverse event no. 2"
    assert sheet_words(None, "week10") == "Week 10"
    assert sheet_words(None) == ""
