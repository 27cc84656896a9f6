"""CDISC ODM 1.3.2 exports: valid against the official schema, and our own checks on top."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from lxml import etree

from projections.exports import ExportKind, View
from projections.exports.casebook import RECORD_TOPIC_PREFIX, is_participant_topic
from projections.exports.odm.checks import check_odm
from projections.exports.odm.xml import q
from tests import factories
from tests.app.conftest import PASSWORD
from tests.exports.conftest import Built, export_bytes

ODM_KINDS = (ExportKind.ODM, ExportKind.ODM_SNAPSHOT)
# Participant events that are not clinical data (deviation flags) are not ODM transactions.
ARM_REVEALING_DATA = ("AdherenceRecorded", "ItemsCorrected")
NOT_ODM = ("VisitOutOfWindow", "Locked", "Unlocked", "Verified", "VerificationCleared", "Signed")


@pytest.mark.parametrize("view", list(View))
@pytest.mark.parametrize("kind", ODM_KINDS)
def test_every_odm_export_is_valid_and_passes_our_checks(
    built: Built, odm_schema: etree.XMLSchema, view: View, kind: ExportKind
) -> None:
    data = export_bytes(built.reader, kind, view)
    assert odm_schema.validate(etree.fromstring(data)), odm_schema.error_log
    check = check_odm(io.BytesIO(data))
    assert check.problems == []
    assert check.audit_records > 0


def test_each_data_event_is_one_audited_transaction_with_the_event_id(built: Built) -> None:
    small, trial = built.small, built.trial
    root = etree.fromstring(export_bytes(built.reader, ExportKind.ODM, View.UNBLINDED))
    data_events = {
        f"{n.originator_id}/{n.originator_version}"
        for n in trial.recorder.select_notifications(start=1, limit=100_000)
        if (is_participant_topic(n.topic) and not n.topic.endswith(NOT_ODM))
        or n.topic.endswith("Allocation.Allocated")
        # Arm-revealing forms, kept in the participant's record of their own.
        or (n.topic.startswith(RECORD_TOPIC_PREFIX) and n.topic.endswith(ARM_REVEALING_DATA))
    }
    source_ids = {element.text for element in root.iter(q("SourceID"))}
    assert source_ids == data_events
    assert root.get("FileType") == "Transactional" and root.get("Archival") == "Yes"

    updates = [e for e in root.iter(q("ItemData")) if e.get("TransactionType") == "Update"]
    assert [(e.get("ItemOID"), e.get("Value")) for e in updates] == [("I.LBP_NOW", "2")]
    audit = updates[0].find(q("AuditRecord"))
    assert audit is not None
    assert audit.findtext(q("ReasonForChange")) == "transcription_error: LBP now misread"
    assert audit.find(q("UserRef")).get("UserOID") == "USR.anna"  # type: ignore[union-attr]
    assert audit.find(q("LocationRef")).get("LocationOID") == "LOC.RINGE"  # type: ignore[union-attr]
    arms = [e.get("Value") for e in root.iter(q("ItemData")) if e.get("ItemOID") == "I.ARM"]
    assert sorted(arms) == sorted(small.arms.values())


def test_the_blinded_transactional_file_is_not_called_an_archive_and_has_no_arm(
    built: Built,
) -> None:
    root = etree.fromstring(export_bytes(built.reader, ExportKind.ODM, View.BLINDED))
    # Arm-revealing transactions are left out, so the file is not a complete archive.
    assert root.get("Archival") is None
    oids = {e.get("ItemOID") for e in root.iter(q("ItemData"))}
    assert "I.ARM" not in oids and "I.EXERCISE_SESSIONS" not in oids
    assert "F.ADHERENCE" not in {e.get("OID") for e in root.iter(q("FormDef"))}


def test_admin_data_lists_users_and_sites_but_never_a_password_hash(built: Built) -> None:
    data = export_bytes(built.reader, ExportKind.ODM, View.UNBLINDED)
    root = etree.fromstring(data)
    assert {e.findtext(q("LoginName")) for e in root.iter(q("User"))} == {"sara", "anna"}
    assert {e.get("OID") for e in root.iter(q("Location"))} == {"LOC.RINGE", "LOC.TRIAL"}
    assert {e.findtext(q("Meaning")) for e in root.iter(q("SignatureDef"))} == {
        "approval",
        "review",
        "authorship",
    }
    assert b"argon2" not in data and b"hash" not in data.lower().replace(b"sha256:", b"")


def test_the_snapshot_holds_current_values_as_inserts_with_the_last_change(built: Built) -> None:
    root = etree.fromstring(export_bytes(built.reader, ExportKind.ODM_SNAPSHOT, View.BLINDED))
    assert root.get("FileType") == "Snapshot"
    types = {e.get("TransactionType") for e in root.iter() if e.get("TransactionType")}
    assert types == {"Insert"}
    subject = next(e for e in root.iter(q("SubjectData")) if e.get("SubjectKey") == "RINGE-0006")
    month12 = next(e for e in subject.iter(q("FormData")) if e.get("FormOID") == "F.MONTH12")
    values = {e.get("ItemOID"): e.get("Value") for e in month12.iter(q("ItemData"))}
    assert values["I.LBP_NOW"] == "2"  # the corrected value, not the first one
    assert values["I.LBP_MEAN3"] == "5.0"  # derived scores are included
    assert month12.find(q("AuditRecord")).findtext(q("ReasonForChange")) == (  # type: ignore[union-attr]
        "transcription_error: LBP now misread"
    )
    weeks = [
        e.get("StudyEventRepeatKey")
        for e in subject.iter(q("StudyEventData"))
        if e.get("StudyEventOID") == "SE.WEEKLY"
    ]
    assert weeks == ["1", "2"]


Plant = Callable[[etree._Element], None]


def _first(root: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return next(
        e for e in root.iter(q(tag)) if all(e.get(name) == value for name, value in attrs.items())
    )


def _drop(element: etree._Element | None) -> None:
    assert element is not None
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


PLANTS: dict[str, tuple[Plant, str]] = {
    "update without audit record": (
        lambda root: _drop(
            _first(root, "ItemData", TransactionType="Update").find(q("AuditRecord"))
        ),
        "sets Update without AuditRecord",
    ),
    "update without reason": (
        lambda root: _drop(
            _first(root, "ItemData", TransactionType="Update").find(
                f"{q('AuditRecord')}/{q('ReasonForChange')}"
            )
        ),
        "Update without ReasonForChange",
    ),
    "unknown item": (
        lambda root: _first(root, "ItemData", ItemOID="I.AGE").set("ItemOID", "I.NO_SUCH_ITEM"),
        "refers to no ItemDef",
    ),
    "unknown user": (
        lambda root: _first(root, "UserRef").set("UserOID", "USR.nobody"),
        "refers to no User",
    ),
    "item in the wrong form": (
        lambda root: _first(root, "ItemData", ItemOID="I.AGE").set("ItemOID", "I.LBP_NOW"),
        "is not part of ItemGroupData",
    ),
    "value outside the code list": (
        lambda root: _first(root, "ItemData", ItemOID="I.SEX").set("Value", "X"),
        "is not in code list",
    ),
    "audit record out of time order": (
        lambda root: _first(root, "DateTimeStamp").__setattr__("text", "2030-01-01T00:00:00+00:00"),
        "after CreationDateTime",
    ),
}


@pytest.mark.parametrize("plant", list(PLANTS))
def test_our_checks_catch_what_the_schema_cannot(
    built: Built, odm_schema: etree.XMLSchema, plant: str
) -> None:
    root = etree.fromstring(export_bytes(built.reader, ExportKind.ODM, View.UNBLINDED))
    damage, expected = PLANTS[plant]
    damage(root)
    assert odm_schema.validate(root), "the schema alone would have caught this"
    problems = check_odm(io.BytesIO(etree.tostring(root))).problems
    assert any(expected in problem for problem in problems), problems


def test_signatures_appear_where_signed_and_only_valid_ones_in_the_snapshot(
    fresh: Built, odm_schema: etree.XMLSchema
) -> None:
    trial, ids = fresh.trial, fresh.small.ids
    investigator = fresh.actors["investigator"]
    trial.sign(investigator, ids["F"], PASSWORD, "approval", form="baseline")
    trial.sign(investigator, ids["F"], PASSWORD, "review", form="weekly")
    # A later correction invalidates the baseline signature (21 CFR 11.70).
    trial.correct_form(
        fresh.actors["site_staff"],
        ids["F"],
        "baseline",
        factories.outcomes(LBP_NOW=5),
        expected_version=1,
        reason={"code": "late_source", "text": "from the source notes"},
    )
    for kind in ODM_KINDS:
        data = export_bytes(fresh.reader, kind, View.BLINDED)
        assert odm_schema.validate(etree.fromstring(data)), odm_schema.error_log
        assert check_odm(io.BytesIO(data)).problems == []
    transactional = etree.fromstring(export_bytes(fresh.reader, ExportKind.ODM, View.BLINDED))
    signed = [
        (
            form.get("FormOID"),
            form.getparent().get("StudyEventRepeatKey"),  # type: ignore[union-attr]
            form.find(f"{q('Signature')}/{q('SignatureRef')}").get("SignatureOID"),
        )  # type: ignore[union-attr]
        for form in transactional.iter(q("FormData"))
        if form.find(q("Signature")) is not None
    ]
    assert signed == [
        ("F.BASELINE", None, "SD.APPROVAL"),
        ("F.WEEKLY", "1", "SD.REVIEW"),
        ("F.WEEKLY", "2", "SD.REVIEW"),
    ]
    signature = transactional.find(f".//{q('Signature')}")
    assert signature.find(q("UserRef")).get("UserOID") == "USR.ivan"  # type: ignore[union-attr]
    assert signature.findtext(q("CryptoBindingManifest")).startswith("sha256:")  # type: ignore[union-attr]
    snapshot = etree.fromstring(export_bytes(fresh.reader, ExportKind.ODM_SNAPSHOT, View.BLINDED))
    still_signed = [
        form.get("FormOID")
        for form in snapshot.iter(q("FormData"))
        if form.find(q("Signature")) is not None
    ]
    assert still_signed == ["F.WEEKLY", "F.WEEKLY"]
