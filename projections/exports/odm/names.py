"""OIDs of everything the ODM files define or refer to, derived from the protocol."""

from __future__ import annotations

from domain.crf.spec import YES_NO, YES_NO_NA, ItemSpec
from domain.protocol import STUDY_OID

MDV_OID = f"MDV.{STUDY_OID.removeprefix('ST.')}.1"
TRIAL_LOCATION = "TRIAL"


def form_oid(form: str) -> str:
    return f"F.{form.upper()}"


def group_oid(form: str) -> str:
    return f"IG.{form.upper()}"


def item_oid(name: str) -> str:
    return f"I.{name}"


def codelist_oid(spec: ItemSpec) -> str:
    if spec.codes == YES_NO:
        return "CL.YN"
    if spec.codes == YES_NO_NA:
        return "CL.YNNA"
    return f"CL.{spec.name}"


def user_oid(name: str) -> str:
    return f"USR.{name}"


def location_oid(site: str | None) -> str:
    return f"LOC.{site or TRIAL_LOCATION}"


def signature_oid(meaning: str) -> str:
    return f"SD.{meaning.upper()}"
