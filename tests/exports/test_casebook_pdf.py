"""Casebooks on paper: the PDF read back with pypdf holds every value, its history, the
signatures, the queries and the audit rows; a blinded reader's casebook holds nothing that
reveals the arm; the site archive is unblinded and refused to blinded accounts; the annotated
blank CRF lists every item with its OIDs and codes."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from cli.main import main
from domain.actor import Actor
from domain.crf import ITEMS
from domain.errors import PermissionDenied
from domain.protocol import ARM_LABELS, ARM_REVEALING_FORMS, FORM_LABELS, STUDY_NAME
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from projections.exports.casebook_pdf import casebook_pdf
from projections.exports.casebook_pdf_archive import BLANK_CRF, write_archive
from projections.exports.odm.names import item_oid
from projections.exports.values import as_text
from tests import factories
from tests.app.conftest import PASSWORD, Accounts, StepClock
from tests.exports.scenario import SmallTrial, build_small_trial

AE_TERM = "Ømhed i lænden efter træning → hvile"
QUERY_TEXT = "Please check LBP now against the source"
ANSWER_TEXT = "Checked against the paper form: correct"


@dataclass
class Casebooks:
    settings: Settings
    trial: Trial
    actors: Accounts
    small: SmallTrial
    uffe: Actor  # an unblinded investigator (signs adverse events)

    @property
    def f(self) -> UUID:
        return self.small.ids["F"]


@pytest.fixture(scope="module")
def casebooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Casebooks]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("casebooks") / "var")
    clock = StepClock(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))
    trial = build_trial(settings, clock=clock, draw=random.Random(7).random)
    actors = Accounts(trial)
    small = build_small_trial(trial, clock, actors)
    f = small.ids["F"]
    trial.record_form(
        actors["site_staff"],
        f,
        "adverse_event",
        factories.adverse_event(AE_TERM=AE_TERM),
        expected_version=0,
    )
    query = trial.raise_query(actors["monitor"], f, "week10", "LBP_NOW", QUERY_TEXT)
    trial.answer_query(actors["site_staff"], query["id"], ANSWER_TEXT)
    trial.sign(actors["investigator"], f, PASSWORD, "approval", form="baseline")
    trial.add_user(
        SYSTEM,
        "uffe",
        "investigator",
        PASSWORD,
        site="RINGE",
        blinded=False,
        blinding_reason="Signs adverse events",
        full_name="Uffe Ærø",
    )
    yield Casebooks(settings, trial, actors, small, trial.actor_for("uffe"))
    trial.close()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """The text with line breaks and runs of spaces as one space (table cells wrap)."""
    return re.sub(r"\s+", " ", text)


def values_of(view: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(form, item, value as text) of every value the reader's participant holds."""
    for form, state in view["forms"].items():
        items = state["items"]
        sheets = items.values() if form in ("weekly", "adverse_event") else [items]
        for sheet in sheets:
            for item, value in sheet.items():
                if value is not None and value != "":
                    yield form, item, as_text(value)


def test_the_pdf_holds_every_value_its_history_and_every_audit_row(casebooks: Casebooks) -> None:
    paper = casebooks.trial.casebook_paper(casebooks.uffe, casebooks.f)
    text = flat(pdf_text(casebook_pdf(paper)))
    found = list(values_of(dict(paper.participant)))
    assert any(form == "adverse_event" for form, _, _ in found)
    for form, item, value in found:
        assert item in text, (form, item)
        assert flat(value) in text, (form, item, value)
    # Every audit row is printed, by its position in the store, with who made it.
    assert paper.trail
    for row in paper.trail:
        assert f"Event {row['position']} ·" in text, row
        if row["user"]:
            assert row["user"] in text
    # The correction's history: old -> new, who, and the reason in words with its text.
    assert "3 → 2" in text
    assert "Transcription error: LBP now misread" in text
    # The query with its answer, the signature with its name and meaning.
    assert QUERY_TEXT in text and ANSWER_TEXT in text
    assert "approval" in text and "ivan" in text
    assert "queries: 1 (1 not closed) · signatures: 1 (0 no longer valid)" in text
    # Danish letters and arrows render in the shipped font (and extract as themselves).
    assert AE_TERM in text
    assert f"Arm: {casebooks.small.arms['F']}" in text


def test_a_blinded_readers_casebook_has_no_arm_and_no_arm_revealing_form(
    casebooks: Casebooks,
) -> None:
    investigator = casebooks.actors["investigator"]  # blinded, as the role is by default
    paper = casebooks.trial.casebook_paper(investigator, casebooks.f)
    data = casebook_pdf(paper)
    text = flat(pdf_text(data))
    assert "Arm:" not in text
    for label in ARM_LABELS.values():
        assert label not in text
    for form in ARM_REVEALING_FORMS:
        assert FORM_LABELS[form] not in text
        for spec in ITEMS[form]:
            assert spec.name not in text, spec.name
    assert "Ømhed" not in text and "AE_TERM" not in text
    # Nor in what a reader sees beside the pages: the outline and the document's metadata.
    reader = PdfReader(io.BytesIO(data))
    beside = " ".join(
        [*(entry.title for entry in reader.outline), *(reader.metadata or {}).values()]
    )
    assert "Signatures" in beside and "Baseline" in beside
    for form in ARM_REVEALING_FORMS:
        assert FORM_LABELS[form] not in beside
    assert "AE_ONSET" not in text
    # Yet it is the same casebook otherwise: the blinded-safe values and the query are there.
    assert "LBP_NOW" in text and QUERY_TEXT in text
    # Its cut is a position the blinded view can see (never one landing on a hidden event).
    assert f"as of event {paper.as_of}" in text
    assert paper.view == "blinded"


def test_a_blinded_cut_never_lands_on_a_hidden_event(casebooks: Casebooks) -> None:
    trial = casebooks.trial
    unblinded = trial.casebook_paper(casebooks.uffe, casebooks.f)
    hidden = [
        row["position"]
        for row in unblinded.trail
        if row["type"].startswith("ArmRevealingRecord.") or row["type"] == "Allocation.Allocated"
    ]
    assert hidden
    for position in hidden:
        paper = trial.casebook_paper(casebooks.actors["monitor"], casebooks.f, as_of=position)
        assert paper.as_of < position
        assert all(row["position"] != position for row in paper.trail)


def test_the_same_cut_gives_the_same_bytes(casebooks: Casebooks) -> None:
    trial, reader = casebooks.trial, casebooks.actors["monitor"]
    first = casebook_pdf(trial.casebook_paper(reader, casebooks.f))
    again = casebook_pdf(trial.casebook_paper(reader, casebooks.f))
    assert first == again
    earlier = trial.casebook_paper(reader, casebooks.f, as_of=casebooks.small.after_randomisation)
    text = flat(pdf_text(casebook_pdf(earlier)))
    # Before the follow-up the week-10 form had not been entered.
    assert QUERY_TEXT not in text
    assert "Week 10: Week 10 outcomes Status: not started" in text


def test_readers_without_the_audit_trail_and_other_sites_are_refused(
    casebooks: Casebooks,
) -> None:
    trial = casebooks.trial
    for role in ("site_staff", "assessor", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            trial.casebook_paper(casebooks.actors[role], casebooks.f)
    elsewhere = Actor(user="olga", role="investigator", site="ODENSE", blinded=False)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.casebook_paper(elsewhere, casebooks.f)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.site_archive(elsewhere, "RINGE")


@pytest.mark.parametrize("role", ["investigator", "monitor", "data_manager"])
def test_the_archive_is_refused_to_blinded_accounts_and_the_refusal_is_logged(
    casebooks: Casebooks, role: str
) -> None:
    trial, actor = casebooks.trial, casebooks.actors[role]
    with pytest.raises(PermissionDenied, match="unblinded account"):
        trial.site_archive(actor, "RINGE")
    refusals = trial.list_refusals(casebooks.actors["monitor"], limit=1000)
    assert any(r["user"] == actor.user and r["command"] == "site_archive" for r in refusals)


def test_the_archive_holds_every_casebook_unblinded_and_a_manifest(casebooks: Casebooks) -> None:
    trial = casebooks.trial
    archive = trial.site_archive(casebooks.uffe)
    out = io.BytesIO()
    manifest = write_archive(archive.cut, archive.site, archive.papers, out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        names = z.namelist()
        numbers = {
            trial.get_participant(casebooks.uffe, pid)["screening_number"]
            for pid in casebooks.small.ids.values()
        }
        assert {f"RINGE/{n}.pdf" for n in numbers} <= set(names)
        assert BLANK_CRF in names and names[-1] == "manifest.json"
        stored = json.loads(z.read("manifest.json"))
        f_number = trial.get_participant(casebooks.uffe, casebooks.f)["screening_number"]
        f_text = flat(pdf_text(z.read(f"RINGE/{f_number}.pdf")))
    assert stored == json.loads(json.dumps(manifest))
    assert stored["view"] == "unblinded" and stored["site"] == "RINGE"
    assert set(stored["files"]) == set(names) - {"manifest.json"}
    assert AE_TERM in f_text
    assert "EXERCISE_SESSIONS" in f_text or "REST_HOURS_PER_DAY" in f_text
    # Making the archive is an unblinded export, recorded in the trail.
    trail = trial.global_trail(casebooks.uffe, limit=1000)["events"]
    assert any("casebook archive RINGE" in json.dumps(row) for row in trail)


def test_the_annotated_blank_crf_lists_every_item_with_its_oids_and_codes(
    casebooks: Casebooks,
) -> None:
    trial = casebooks.trial
    _, unblinded = trial.annotated_crf(SYSTEM_READER)
    text = flat(pdf_text(unblinded))
    # Long code lists wrap inside their cell, at a space or after a hyphen.
    packed = re.sub(r"\s+", "", text)
    for form, specs in ITEMS.items():
        assert FORM_LABELS[form] in text
        for spec in specs:
            assert item_oid(spec.name) in text, spec.name
            for code, label in spec.codes:
                assert re.sub(r"\s+", "", f"{code}={label}") in packed, (spec.name, code)
    _, blinded = trial.annotated_crf(casebooks.actors["data_manager"])
    blinded_text = flat(pdf_text(blinded))
    for form in ARM_REVEALING_FORMS:
        assert FORM_LABELS[form] not in blinded_text
    with pytest.raises(PermissionDenied):
        trial.annotated_crf(casebooks.actors["investigator"])


SYSTEM_READER = Actor(user="ulla", role="data_manager", site=None, blinded=False)


def run_edc(
    casebooks: Casebooks,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    monkeypatch.setenv("EDC_DATA_DIR", str(casebooks.settings.data_dir))
    monkeypatch.delenv("EDC_DATABASE_URL", raising=False)
    code = main(["casebook", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_edc_casebook_writes_the_readers_pdf_and_prints_its_manifest(
    casebooks: Casebooks,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = casebooks.trial.get_participant(casebooks.uffe, casebooks.f)["screening_number"]
    outputs = []
    for attempt in ("first", "again"):
        out = tmp_path / f"{attempt}.pdf"
        code, printed, _ = run_edc(
            casebooks, monkeypatch, capsys, "participant", number.lower(), "--user", "ivan",
            "--as-of", "40", "--out", str(out),
        )  # fmt: skip
        assert code == 0
        manifest = json.loads(printed)
        assert manifest["view"] == "blinded" and manifest["participant"] == number
        assert manifest["files"][out.name]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    text = flat(pdf_text(outputs[0]))
    assert f"Casebook of participant {number}" in text and "Arm:" not in text


def test_edc_casebook_archive_is_for_unblinded_accounts(
    casebooks: Casebooks,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "archive.zip"
    code, _, err = run_edc(
        casebooks, monkeypatch, capsys, "archive", "--user", "ivan", "--out", str(out)
    )
    assert code == 2 and "unblinded account" in err and not out.exists()
    code, printed, _ = run_edc(
        casebooks, monkeypatch, capsys, "archive", "--user", "uffe", "--out", str(out)
    )
    assert code == 0
    manifest = json.loads(printed)
    assert manifest["view"] == "unblinded" and manifest["kind"] == "casebook archive"
    with zipfile.ZipFile(out) as archive:
        assert set(manifest["files"]) == set(archive.namelist()) - {"manifest.json"}
    # The trail records who took the unblinded archive, and that it went to the command line.
    trail = casebooks.trial.global_trail(casebooks.uffe, limit=1000)["events"]
    taken = [json.dumps(row) for row in trail if "casebook archive RINGE" in json.dumps(row)]
    assert any("command line" in row and "uffe" in row for row in taken)


def test_edc_casebook_blank_crf(
    casebooks: Casebooks,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "crf.pdf"
    data_manager = casebooks.actors["data_manager"].user
    code, printed, _ = run_edc(
        casebooks, monkeypatch, capsys, "blank-crf", "--user", data_manager, "--out", str(out)
    )
    assert code == 0 and json.loads(printed)["view"] == "blinded"
    assert "I.LBP_NOW" in flat(pdf_text(out.read_bytes()))
    code, _, err = run_edc(
        casebooks, monkeypatch, capsys, "blank-crf", "--user", "ivan", "--out", str(out)
    )
    assert code == 2 and "may not read" in err


def test_a_danish_readers_casebook_is_in_danish(casebooks: Casebooks) -> None:
    from tests.web.test_i18n_pages import english_only
    from web.i18n import PageWords, translations

    danish = PageWords("da")
    paper = casebooks.trial.casebook_paper(casebooks.uffe, casebooks.f)
    text = flat(pdf_text(casebook_pdf(paper, danish)))
    # Headings and the trial's wording (forms, visits, items, codes) from the catalogues.
    assert "Casebog for deltager" in text and "Underskrifter" in text
    crf = translations("da")
    for english in ("Week 10 outcomes", "LBP now", "Transcription error"):
        assert crf.dgettext("crf", english) != english
        assert crf.dgettext("crf", english) in text, english
    # Times as a Dane writes them, in Copenhagen time with the zone.
    assert re.search(r"Hændelse \d+ · \d{1,2}\. [a-z]{3}\. \d{4} \d\d\.\d\d CET", text)
    # Still every value and every audit row.
    for form, item, _value in values_of(dict(paper.participant)):
        assert item in text, (form, item)
    for row in paper.trail:
        assert f"Hændelse {row['position']} ·" in text, row
    # No English phrase the catalogues translate is left on the paper, but what people typed
    # (reasons, queries) and the trial's registered title.
    typed = [STUDY_NAME, QUERY_TEXT, ANSWER_TEXT]
    typed += [str(row["reason"].get("text")) for row in paper.trail if row.get("reason")]
    for words in typed:
        text = text.replace(flat(words), "")
    assert [phrase for phrase in english_only() if phrase in text] == []
    blank = flat(
        pdf_text(casebooks.trial.annotated_crf(casebooks.actors["data_manager"], words=danish)[1])
    )
    assert "Annoteret tomt CRF" in blank
    assert "I.LBP_NOW" in blank
    assert [phrase for phrase in english_only() if phrase in blank.replace(STUDY_NAME, "")] == []


def test_the_history_shows_values_as_the_value_column_does(casebooks: Casebooks) -> None:
    """A history line writes a coded value with its label and a date as the language writes it,
    as the value beside it does, not the stored code or ISO date."""
    from web.i18n import PageWords

    paper = casebooks.trial.casebook_paper(casebooks.uffe, casebooks.f)
    english = flat(pdf_text(casebook_pdf(paper)))
    assert "(empty) → Y = Yes" in english
    danish = flat(pdf_text(casebook_pdf(paper, PageWords("da"))))
    assert "(tom) → Y = Ja" in danish
    assert not re.search(r"→ Y(?! =)", danish)
    assert not re.search(r"→ \d{4}-\d\d-\d\d", danish)
    assert re.search(r"\(tom\) → \d{1,2}\. [a-z]{3}\. \d{4}", danish)
