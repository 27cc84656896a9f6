"""What a refusal record keeps: targets by an allow-list, item names, never values or the arm."""

from __future__ import annotations

from domain.errors import EdcError, FormInvalid, PermissionDenied
from domain.refusal_log import WITHHELD, refusal_fields


def test_only_allowed_arguments_are_kept_and_values_are_dropped() -> None:
    record = refusal_fields(
        "record_form",
        {"participant_id": "p-1", "form": "baseline", "items": {"LBP_NOW": 12},
         "password": "hunter2-secret", "reason": {"code": "other", "text": "free text"}},
        FormInvalid({"LBP_NOW": "Pain now must be a whole number from 0 to 10"}),
    )  # fmt: skip
    assert record == {
        "command": "record_form",
        "target": {"participant_id": "p-1", "form": "baseline"},
        "code": "invalid",
        "message": "Some items are not valid.",
        "items": ["LBP_NOW"],
    }


def test_adherence_refusals_keep_no_item_names() -> None:
    record = refusal_fields(
        "raise_query",
        {"form": "adherence", "item": "EXERCISE_SESSIONS"},
        PermissionDenied("Your role (monitor) may not raise query."),
    )
    assert record["target"] == {"form": "adherence"}
    assert record["items"] == []
    assert record["message"] == "Your role (monitor) may not raise query."
    invalid = refusal_fields(
        "record_form",
        {"form": "adherence", "items": {"BELT_USE": "daily"}},
        FormInvalid({"BELT_USE": "Leave empty"}),
    )
    assert invalid["items"] == [] and invalid["message"] == WITHHELD


def test_a_message_naming_an_arm_is_withheld_whatever_the_command() -> None:
    record = refusal_fields("unblind", {}, EdcError("Already unblinded: Exercise arm."))
    assert record["message"] == WITHHELD


def test_long_targets_and_many_items_are_cut_short() -> None:
    record = refusal_fields(
        "screen",
        {"name": "x" * 5000, "items": {f"ITEM_{n}": n for n in range(1000)}},
        EdcError("m" * 5000),
    )
    assert len(record["target"]["name"]) == 100
    assert len(record["items"]) == 200
    assert len(record["message"]) == 500
