"""The ODM clinical data written as text has the bytes lxml's serialiser gives the same tree.

`projections.exports.odm.xml.TextOut` writes markup itself instead of building lxml trees. The
reference here builds each element with lxml the way the writer did before (every attribute
and text through `domain.text.for_export`) and serialises it; hypothesis draws values with
markup characters, quotes, white space, control characters, lone surrogates, non-BMP
characters, empty texts and missing-answer codes, and every byte must agree.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from domain.crf import export_items
from domain.crf.missing import MissingCode
from domain.text import for_export
from projections.exports.casebook import Change
from projections.exports.odm.admin import Directory
from projections.exports.odm.clinical import ClinicalOut, Signed, reason_text
from projections.exports.odm.names import form_oid, group_oid, item_oid
from projections.exports.odm.xml import TextOut
from projections.exports.values import as_text, is_missing

# Every code point, lone surrogates and the characters XML cannot hold included, with the
# ones that need escaping drawn often.
TEXTS = st.text(
    st.one_of(
        st.characters(codec=None, categories=None),
        st.sampled_from("&<>\"'\t\n\r\x00\x01\x1f\x7f\x85\u2028\ufffe\uffff\ud800\U0001f600æøå"),
    ),
    max_size=12,
)
MISSING_CODES = st.sampled_from([code.value for code in MissingCode])
VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.just([]),
    TEXTS,
    MISSING_CODES,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.one_of(TEXTS, MISSING_CODES), max_size=3),
    st.dates(),
)
FORM = "baseline"
SPECS = export_items(FORM)
NAMES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8) | TEXTS


def written(write: Any) -> bytes:
    target = io.BytesIO()
    out = TextOut(target)
    write(out)
    out.flush()
    return target.getvalue()


def lxml_bytes(node: etree._Element) -> bytes:
    return bytes(etree.tostring(node, encoding="UTF-8", xml_declaration=False))


def lxml_attrib(attrs: dict[str, Any]) -> dict[str, str]:
    return {name: for_export(str(value)) for name, value in attrs.items() if value is not None}


@settings(max_examples=300, deadline=None)
@given(attribute=TEXTS, text=st.none() | TEXTS, other=st.none() | TEXTS)
def test_an_element_with_any_attribute_and_text_is_written_as_lxml_writes_it(
    attribute: str, text: str | None, other: str | None
) -> None:
    def write(out: TextOut) -> None:
        with out.element("SubjectData", SubjectKey=attribute, TransactionType=other):
            out.leaf("ReasonForChange", text, Note=attribute)
            with out.element("Empty", A=attribute):
                pass
            out.markup("")

    root = etree.Element(
        "SubjectData", lxml_attrib({"SubjectKey": attribute, "TransactionType": other})
    )
    leaf = etree.SubElement(root, "ReasonForChange", lxml_attrib({"Note": attribute}))
    if text is not None:
        leaf.text = for_export(text)
    etree.SubElement(root, "Empty", lxml_attrib({"A": attribute}))
    assert written(write) == lxml_bytes(root)


def test_an_element_without_content_closes_itself_and_an_empty_text_does_not() -> None:
    def write(out: TextOut) -> None:
        with out.element("A"):
            with out.element("B"):
                out.markup("")
            out.leaf("C", "")
            out.leaf("D")
        out.newline()

    assert written(write) == b"<A><B/><C></C><D/></A>\n"


def lxml_form_data(
    directory: Directory,
    values: dict[str, Any],
    change: Change,
    transaction: str | None,
    signed: Signed | None = None,
) -> bytes:
    """A FormData with its AuditRecord, Signature and ItemData, as the lxml writer built it."""
    form = etree.Element(
        "FormData", lxml_attrib({"FormOID": form_oid(FORM), "TransactionType": transaction})
    )
    record = etree.SubElement(form, "AuditRecord")
    etree.SubElement(record, "UserRef", {"UserOID": for_export(directory.user(change.actor))})
    location = for_export(directory.location(change.actor))
    etree.SubElement(record, "LocationRef", {"LocationOID": location})
    etree.SubElement(record, "DateTimeStamp").text = change.at.isoformat()
    reason = reason_text(change.reason)
    if reason:
        etree.SubElement(record, "ReasonForChange").text = for_export(reason)
    etree.SubElement(record, "SourceID").text = change.event_id
    if signed is not None:
        signature = etree.SubElement(form, "Signature")
        user = for_export(directory.user(signed.actor))
        etree.SubElement(signature, "UserRef", {"UserOID": user})
        location = for_export(directory.location(signed.actor))
        etree.SubElement(signature, "LocationRef", {"LocationOID": location})
        meaning = for_export(directory.signature(signed.meaning))
        etree.SubElement(signature, "SignatureRef", {"SignatureOID": meaning})
        etree.SubElement(signature, "DateTimeStamp").text = signed.at.isoformat()
        crypto = etree.SubElement(signature, "CryptoBindingManifest")
        crypto.text = for_export(f"sha256:{signed.content_hash}")
    group = etree.SubElement(form, "ItemGroupData", {"ItemGroupOID": group_oid(FORM)})
    for spec in SPECS:
        value = values.get(spec.name)
        if not is_missing(value):
            attrib = {"ItemOID": item_oid(spec.name), "Value": for_export(as_text(value))}
            etree.SubElement(group, "ItemData", attrib)
    return lxml_bytes(form)


@settings(max_examples=200, deadline=None)
@given(
    drawn=st.lists(VALUES, min_size=len(SPECS), max_size=len(SPECS)),
    user=NAMES,
    site=st.none() | NAMES,
    code=TEXTS,
    words=TEXTS,
    transaction=st.sampled_from([None, "Insert"]),
    meaning=st.none() | TEXTS,
)
def test_a_form_with_any_values_actor_and_reason_is_written_as_lxml_writes_it(
    drawn: list[Any],
    user: str,
    site: str | None,
    code: str,
    words: str,
    transaction: str | None,
    meaning: str | None,
) -> None:
    values = {spec.name: value for spec, value in zip(SPECS, drawn, strict=True)}
    actor = {"user": user, "role": "investigator", "site": site}
    change = Change(
        "c0ffee00-0000-4000-8000-000000000000/7",
        datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
        actor,
        {"code": code, "text": words},
    )
    signed = None if meaning is None else Signed(meaning, actor, change.at, words)
    reference = Directory()
    expected = lxml_form_data(reference, values, change, transaction, signed)
    directory = Directory()
    clinical_bytes = written(
        lambda out: ClinicalOut(out, directory).form_data(
            FORM, SPECS, values, change, transaction, signed
        )
    )
    assert clinical_bytes == expected
    # The directory learnt the actor as the lxml writer's did, so AdminData defines them.
    assert (directory.accounts, directory.sites, directory.meanings) == (
        reference.accounts,
        reference.sites,
        reference.meanings,
    )


def test_the_same_actor_twice_is_written_the_same_and_a_date_value_as_iso() -> None:
    directory = Directory()
    change = Change("x/1", datetime(2026, 1, 1, tzinfo=UTC), {"user": "søren", "site": "RINGE"})
    values = {
        "BOTHER": 3,
        "BOTHER_NC": MissingCode.ANS.value,
        "LBP_NOW": "",
        "VISIT_DATE": date(2026, 1, 2),
    }

    def write(out: TextOut) -> None:
        clinical = ClinicalOut(out, directory)
        clinical.form_data(FORM, SPECS, values, change)
        clinical.form_data(FORM, SPECS, values, change)

    once = lxml_form_data(Directory(), values, change, None)
    assert written(write) == once + once
