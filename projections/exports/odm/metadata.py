"""The ODM Study element, generated from the protocol and the CRF item specifications.

Element order follows the ODM 1.3.2 schema: GlobalVariables, then in MetaDataVersion the
Protocol, StudyEventDefs, FormDefs, ItemGroupDefs, ItemDefs and CodeLists.
"""

from __future__ import annotations

from domain.crf import ItemSpec
from domain.protocol import STUDY_NAME, STUDY_OID
from projections.exports.dictionary import codes_text
from projections.exports.odm.forms import OdmForm, item_specs, odm_visits
from projections.exports.odm.names import (
    MDV_OID,
    codelist_oid,
    form_oid,
    group_oid,
    item_oid,
)
from projections.exports.odm.xml import XmlOut
from projections.exports.values import MULTI_CODE_SEPARATOR
from projections.exports.view import View

PROTOCOL_NAME = STUDY_OID.removeprefix("ST.")
# Visits every participant has (the others depend on how far they get).
MANDATORY_VISITS = frozenset({"screening"})
SHARED_CODELIST_NAMES = {"CL.YN": "Yes/No", "CL.YNNA": "Yes/No/Not applicable"}
DATATYPES = {"integer": "integer", "float": "float", "date": "date", "text": "text"}


def odm_datatype(spec: ItemSpec) -> str:
    if spec.datatype in ("code", "yesno"):
        return "integer" if spec.numeric_codes else "text"
    return DATATYPES.get(spec.datatype, "text")


def has_codelist(spec: ItemSpec) -> bool:
    # A multi-code item holds several codes in one value, which a CodeList cannot describe.
    return spec.datatype in ("code", "yesno")


def write_study(out: XmlOut, view: View) -> None:
    with out.element("Study", OID=STUDY_OID):
        with out.element("GlobalVariables"):
            out.leaf("StudyName", PROTOCOL_NAME)
            out.leaf("StudyDescription", STUDY_NAME)
            out.leaf("ProtocolName", PROTOCOL_NAME)
        name = f"{PROTOCOL_NAME} eCRF ({view} view)"
        with out.element("MetaDataVersion", OID=MDV_OID, Name=name):
            write_metadata(out, view)


def write_metadata(out: XmlOut, view: View) -> None:
    visits = odm_visits(view)
    with out.element("Protocol"):
        for order, (visit, _forms) in enumerate(visits, start=1):
            out.leaf(
                "StudyEventRef",
                StudyEventOID=visit.oid,
                OrderNumber=order,
                Mandatory="Yes" if visit.key in MANDATORY_VISITS else "No",
            )
    for visit, forms in visits:
        with out.element(
            "StudyEventDef",
            OID=visit.oid,
            Name=visit.label,
            Repeating="Yes" if visit.repeating else "No",
            Type="Scheduled" if visit.window or visit.key in MANDATORY_VISITS else "Common",
        ):
            for order, form in enumerate(forms, start=1):
                out.leaf("FormRef", FormOID=form_oid(form.key), OrderNumber=order, Mandatory="No")
    forms_in_order = [form for _visit, forms in visits for form in forms]
    for form in forms_in_order:
        with out.element("FormDef", OID=form_oid(form.key), Name=form.label, Repeating="No"):
            out.leaf("ItemGroupRef", ItemGroupOID=group_oid(form.key), Mandatory="Yes")
    for form in forms_in_order:
        write_item_group(out, form)
    specs = item_specs(view)
    derived = {spec.name for form in forms_in_order for spec in form.derived}
    for spec in specs.values():
        write_item_def(out, spec, derived=spec.name in derived)
    written: set[str] = set()
    for spec in specs.values():
        if has_codelist(spec) and codelist_oid(spec) not in written:
            written.add(codelist_oid(spec))
            write_codelist(out, spec)


def write_item_group(out: XmlOut, form: OdmForm) -> None:
    with out.element("ItemGroupDef", OID=group_oid(form.key), Name=form.key, Repeating="No"):
        for order, spec in enumerate(form.all_items, start=1):
            derived = spec in form.derived
            out.leaf(
                "ItemRef",
                ItemOID=item_oid(spec.name),
                OrderNumber=order,
                Mandatory="Yes" if spec.required and not derived else "No",
            )


def write_item_def(out: XmlOut, spec: ItemSpec, *, derived: bool) -> None:
    comment = spec.note or None
    if spec.datatype == "codes":
        comment = f"several codes separated by '{MULTI_CODE_SEPARATOR}' from: {codes_text(spec)}"
    with out.element(
        "ItemDef",
        OID=item_oid(spec.name),
        Name=spec.name,
        DataType=odm_datatype(spec),
        Origin="Derived" if derived else "CRF",
        Comment=comment,
    ):
        out.translated("Question", spec.label)
        if spec.min is not None:
            write_range_check(out, "GE", spec.min)
        if spec.max is not None:
            write_range_check(out, "LE", spec.max)
        if has_codelist(spec):
            out.leaf("CodeListRef", CodeListOID=codelist_oid(spec))


def write_range_check(out: XmlOut, comparator: str, limit: float) -> None:
    value = str(int(limit)) if float(limit).is_integer() else str(limit)
    with out.element("RangeCheck", Comparator=comparator, SoftHard="Hard"):
        out.leaf("CheckValue", value)


def write_codelist(out: XmlOut, spec: ItemSpec) -> None:
    name = SHARED_CODELIST_NAMES.get(codelist_oid(spec), spec.label)
    with out.element("CodeList", OID=codelist_oid(spec), Name=name, DataType=odm_datatype(spec)):
        for order, (code, label) in enumerate(spec.codes, start=1):
            with out.element("CodeListItem", CodedValue=code, OrderNumber=order):
                out.translated("Decode", label)
