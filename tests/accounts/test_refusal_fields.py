"""What a refusal record keeps: targets by an allow-list, item names, never values or the arm."""

from __future__ import annotations

from domain.errors import EdcError, FormInvalid, PermissionDenied
from domain.refusal_log import WITHHELD, refusal_fields
from domain.wording import Message, Word, message_from_record


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


def test_a_worded_refusal_keeps_its_message_id_and_holes_to_be_read_again() -> None:
    refused = PermissionDenied(
        Message(
            "Your role (%(role)s) may not %(action)s.", role=Word("site_staff"), action=Word("lock")
        )
    )
    record = refusal_fields("lock_form", {"form": "baseline"}, refused)
    assert record["message"] == "Your role (site_staff) may not lock."
    assert record["message_id"] == "Your role (%(role)s) may not %(action)s."
    again = message_from_record(record["message"], record["message_id"], record["message_params"])
    assert isinstance(again, Message) and again == record["message"]
    assert isinstance(again.params["role"], Word) and again.params["role"] == "site_staff"


def test_a_withheld_or_shortened_message_keeps_no_id_or_holes() -> None:
    # Blinding: a reader in another language must learn no more than the stored English says.
    withheld = refusal_fields(
        "record_form",
        {"form": "adherence", "items": {"BELT_USE": "daily"}},
        FormInvalid({"BELT_USE": "Leave empty"}, Message("Some items are not valid.")),
    )
    assert withheld["message"] == WITHHELD and "message_id" not in withheld
    arm = refusal_fields("unblind", {}, EdcError(Message("Arm: %(arm)s.", arm=Word("exercise"))))
    assert arm["message"] == WITHHELD and "message_id" not in arm
    long = refusal_fields("screen", {}, EdcError(Message("%(text)s", text="m" * 5000)))
    assert len(long["message"]) == 500 and "message_id" not in long


def test_a_record_without_an_id_or_whose_id_no_longer_fits_reads_as_stored() -> None:
    stored = "Your role (admin) may not view clinical data."
    assert type(message_from_record(stored, None, None)) is str
    changed = message_from_record(stored, "Your role (%(role)s) may not see it.", {})
    assert type(changed) is str and changed == stored
    broken = message_from_record(stored, "Your role (%(role)s) may not %(action)s.", {})
    assert type(broken) is str and broken == stored
