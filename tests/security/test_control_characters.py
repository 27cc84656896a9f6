"""Control characters, lone surrogates and bidi overrides: refused at entry in every free text
(with a message, changing nothing), and never able to break an export when already stored."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError
from domain.protocol import ReasonCode
from domain.reasons import Reason
from domain.text import for_export
from edc.application import SYSTEM, Trial
from projections.exports import ExportKind, View
from projections.exports.odm.checks import check_odm
from projections.exports.odm.xml import q
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.exports.conftest import Built, export_bytes
from tests.web.conftest import Client, bearer
from tests.web.store import Seeded
from web.errors import status_of

API = "/api/v1"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters no free text may hold anywhere (TAB and LF are allowed in multi-line texts only).
ALWAYS_REFUSED = [
    *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
    "\x7f",
    "\x85",
    "\x9b",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]


PRINTABLE = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"))


@st.composite
def with_a_refused_character(draw: st.DrawFn) -> str:
    """Any printable text with at least one refused character somewhere in it."""
    before = draw(st.text(PRINTABLE, max_size=20))
    after = draw(st.text(PRINTABLE, max_size=20))
    return before + draw(st.sampled_from(ALWAYS_REFUSED)) + after


def _refused(call: Callable[[], Any]) -> EdcError:
    with pytest.raises(EdcError) as raised:
        call()
    assert status_of(raised.value) == 422, raised.value
    assert raised.value.message
    return raised.value


TEXT_ITEMS = [
    (form, spec.name)
    for form, specs in crf.ITEMS.items()
    for spec in specs
    if spec.datatype == "text"
]


@pytest.mark.parametrize(("form", "item"), TEXT_ITEMS)
@hypothesis_settings(max_examples=40, deadline=None)
@given(text=with_a_refused_character())
def test_every_crf_text_item_refuses_control_characters(form: str, item: str, text: str) -> None:
    context = crf.FormContext(today=date(2025, 6, 1))
    with pytest.raises(EdcError) as raised:
        crf.validate_form(form, {item: text}, context)
    assert item in raised.value.fields  # type: ignore[attr-defined]
    assert "U+" in raised.value.fields[item]  # type: ignore[attr-defined]


def test_every_free_text_use_case_refuses_control_characters_and_saves_nothing(
    trial: Trial,
) -> None:
    people = _setup(trial)
    staff, monitor, manager = people["staff"], people["monitor"], people["manager"]
    pid, qid = people["pid"], people["qid"]

    @hypothesis_settings(max_examples=10, deadline=None)
    @given(text=with_a_refused_character())
    def check(text: str) -> None:
        head = trial.recorder.max_notification_id()
        consent = factories.consent(CONSENT_VERSION=text)
        _refused(lambda: trial.record_form(staff, pid, "consent", consent, expected_version=1))
        _refused(
            lambda: trial.correct_form(
                staff,
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=1),
                expected_version=1,
                reason={"code": "other", "text": text},
            )
        )
        _refused(lambda: trial.raise_query(monitor, pid, "baseline", "LBP_NOW", text))
        _refused(lambda: trial.answer_query(staff, qid, text))
        _refused(lambda: trial.close_query(monitor, qid, text))
        _refused(lambda: trial.unlock_form(manager, pid, "mri", "x" + text))
        _refused(lambda: trial.unlock_participant(manager, pid, "x" + text))
        _refused(lambda: trial.set_full_name(SYSTEM, "sara", "Sara " + text))
        _refused(lambda: trial.add_user(SYSTEM, "newcomer", "site_staff", PASSWORD, site=text))
        _refused(lambda: trial.issue_token(SYSTEM, "sara", "label " + text))
        _refused(lambda: trial.deactivate_user(SYSTEM, "mona", "left " + text))
        # Nothing but the refusals themselves (the refusal log) was stored.
        new = trial.recorder.select_notifications(start=head + 1, limit=100)
        assert {n.topic.endswith("CommandRefused") for n in new} == {True}

    check()


def _setup(trial: Trial) -> dict[str, Any]:
    for name, role in (("sara", "site_staff"), ("mona", "monitor"), ("dana", "data_manager")):
        site = "RINGE" if role == "site_staff" else None
        trial.add_user(SYSTEM, name, role, PASSWORD, site=site)
    staff, monitor = trial.actor_for("sara"), trial.actor_for("mona")
    manager = trial.actor_for("dana")
    pid, _arm = randomised(trial, staff)
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "ok?")
    trial.lock_form(manager, pid, "mri")
    return {"staff": staff, "monitor": monitor, "manager": manager, "pid": pid, "qid": query["id"]}


def test_texts_that_follow_the_rule_are_kept_as_typed(trial: Trial) -> None:
    people = _setup(trial)
    staff, monitor = people["staff"], people["monitor"]
    query = trial.raise_query(monitor, people["pid"], "baseline", "LEG_NOW", "Två\tlinjer\r\nok ✓")
    assert query["text"] == "Två\tlinjer\nok ✓"
    items = {
        "EOS_DATE": "2024-01-15",
        "EOS_STATUS": "withdrew consent",
        "EOS_REASON": "Flyttet til Århus, عربى",
    }
    saved = trial.record_form(staff, people["pid"], "end_of_study", items, expected_version=0)
    assert saved["items"]["EOS_REASON"] == "Flyttet til Århus, عربى"


# ---- over HTTP: 422 with the field named, nothing saved ---------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b[31m", "\u202egnp.exe", "\\ud800"])
async def test_the_api_refuses_control_characters_with_422_naming_the_field(
    client: Client,
    seeded: Seeded,
    bad: str,
) -> None:
    text = json.dumps("Check " + bad).replace("\\\\ud800", "\\ud800")
    form = f"/participants/{seeded.ready}/forms/baseline"
    headers = {**bearer(seeded, "monitor"), "Content-Type": "application/json"}
    response = await client.post(
        API + form + "/queries", data=f'{{"item": "LBP_NOW", "text": {text}}}', headers=headers
    )
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invalid" and "text" in body["fields"]
    listed = await client.get(API + "/queries", headers=bearer(seeded, "monitor"))
    assert await listed.json() == []
    consent = factories.consent()
    response = await client.put(
        API + f"/participants/{seeded.screened}/forms/mri",
        data=json.dumps({"items": factories.mri(), "expected_version": 0}),
        headers={**bearer(seeded, "site_staff"), "Content-Type": "application/json"},
    )
    assert response.status == 200
    body_text = json.dumps(
        {"items": {**consent, "CONSENT_VERSION": "2.1 " + bad}, "expected_version": 0}
    ).replace("\\\\ud800", "\\ud800")
    response = await client.put(
        API + f"/participants/{seeded.screened}/forms/consent",
        data=body_text,
        headers={**bearer(seeded, "site_staff"), "Content-Type": "application/json"},
    )
    assert response.status == 422
    assert "CONSENT_VERSION" in (await response.json())["fields"]


# ---- stored before the rule: every export still works --------------------------------------


STORABLE_BAD = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from([c for c in ALWAYS_REFUSED if not 0xD800 <= ord(c) <= 0xDFFF]),
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n"]),
    ),
    min_size=1,
    max_size=30,
)


def _write_around_the_rule(built: Built, text: str) -> UUID:
    """Store `text` in free-text items, a reason, a name and a site as an older version or
    another path could have: straight into the aggregates, without the entry checks."""
    trial, small = built.trial, built.small
    pid = small.ids["F"]
    participant = trial.repository.get(pid)
    eve = Actor(user="eve\x01", role="site_staff", site="RINGE\x1b")
    at = built.clock()
    items = {"EOS_DATE": "2025-01-15", "EOS_STATUS": "withdrew consent", "EOS_REASON": text}
    version = participant.form_version("end_of_study")
    participant.record_form(
        "end_of_study",
        items,
        expected_version=version,
        reason=Reason(ReasonCode.OTHER, text) if version else None,
        actor=eve,
        at=at,
    )
    consent = dict(participant.sheets["consent"])
    participant.record_form(
        "consent",
        {**consent, "CONSENT_VERSION": text},
        expected_version=participant.form_version("consent"),
        reason=Reason(ReasonCode.OTHER, text),
        actor=built.actors["site_staff"],
        at=built.clock(),
    )
    trial.save(participant)
    user = trial.repository.get(_user_id("sara"))
    user.trigger_event(
        user.FullNameChanged, timestamp=built.clock(), full_name=text, actor=eve.as_dict()
    )
    trial.save(user)
    return pid


def _user_id(name: str) -> UUID:
    from domain.user import user_id

    return user_id(name)


@hypothesis_settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=STORABLE_BAD)
def test_any_stored_text_exports_as_valid_odm_csv_and_ndjson(
    fresh: Built,
    odm_schema: etree.XMLSchema,
    text: str,
) -> None:
    pid = _write_around_the_rule(fresh, text)
    number = fresh.trial.repository.get(pid).screening_number
    expected = for_export(text)
    for kind in (ExportKind.ODM, ExportKind.ODM_SNAPSHOT):
        for view in View:
            data = export_bytes(fresh.reader, kind, view)
            root = etree.fromstring(data)
            assert odm_schema.validate(root), odm_schema.error_log
            assert check_odm(io.BytesIO(data)).problems == []
            if view is View.UNBLINDED:
                values = [
                    e.get("Value")
                    for subject in root.iter(q("SubjectData"))
                    if subject.get("SubjectKey") == number
                    for e in subject.iter(q("ItemData"))
                    if e.get("ItemOID") == "I.EOS_REASON"
                ]
                assert values[-1] == expected
    zipped = export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED)
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    for name in archive.namelist():
        archive.read(name).decode("utf-8")  # every file is UTF-8
    eos = archive.read("end_of_study.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(eos, newline="")))
    (cell,) = [row["EOS_REASON"] for row in rows if row["participant_id"] == str(pid)]
    assert cell in (expected, "'" + expected)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or NUMBER.fullmatch(cell)
    for line in export_bytes(fresh.reader, ExportKind.AUDIT, View.UNBLINDED).splitlines():
        json.loads(line)


def test_a_control_character_stored_before_the_rule_no_longer_breaks_either_odm_file(
    fresh: Built,
    odm_schema: etree.XMLSchema,
) -> None:
    _write_around_the_rule(fresh, "Moved\x00 away\x1b[0m")
    for kind in (ExportKind.ODM, ExportKind.ODM_SNAPSHOT):
        data = export_bytes(fresh.reader, kind, View.UNBLINDED)
        assert odm_schema.validate(etree.fromstring(data)), odm_schema.error_log
        assert "Moved\ufffd away\ufffd[0m".encode() in data
