"""The forms as ODM describes them: the CRF forms plus randomisation and allocation.

The fact and date of randomisation is blinded-safe and travels in its own form; the arm is an
item of the allocation form, which exists only in the unblinded view ("randomisation codes
are stored and audited as ItemData", ODM 1.3.2 section 2.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from domain.crf import DERIVED, ItemSpec, export_items
from domain.protocol import ARM_LABELS, ARM_REVEALING_FORMS, FORM_LABELS, VISITS, VisitDef
from projections.exports.view import View

RANDOMISATION = "randomisation"
ALLOCATION = "allocation"
RANDOMISED_ON = ItemSpec("RANDOMISED_ON", "Date of randomisation", "date")
ARM = ItemSpec(
    "ARM",
    "Allocated arm",
    "code",
    codes=tuple((arm.value, label) for arm, label in ARM_LABELS.items()),
    note="minimisation; unblinded view only",
)
ODM_ONLY_FORMS: dict[str, tuple[str, tuple[ItemSpec, ...]]] = {
    RANDOMISATION: ("Randomisation", (RANDOMISED_ON,)),
    ALLOCATION: ("Allocation (arm-revealing)", (ARM,)),
}
# The visit whose study event holds randomisation and allocation.
RANDOMISATION_VISIT = "baseline"


@dataclass(frozen=True)
class OdmForm:
    key: str
    label: str
    items: tuple[ItemSpec, ...]
    derived: tuple[ItemSpec, ...] = ()

    @cached_property
    def all_items(self) -> tuple[ItemSpec, ...]:
        return (*self.items, *self.derived)


def visit_forms(visit: VisitDef, view: View) -> tuple[OdmForm, ...]:
    forms = [
        OdmForm(form, FORM_LABELS[form], export_items(form), DERIVED[form])
        for form in visit.forms
        if not (view.blinded and form in ARM_REVEALING_FORMS)
    ]
    if visit.key == RANDOMISATION_VISIT:
        extra = (RANDOMISATION,) if view.blinded else (RANDOMISATION, ALLOCATION)
        forms.extend(OdmForm(key, *ODM_ONLY_FORMS[key]) for key in extra)
    return tuple(forms)


def odm_visits(view: View) -> tuple[tuple[VisitDef, tuple[OdmForm, ...]], ...]:
    """The visits with the forms the view shows; a visit left without forms (the blinded
    view's "any time" visit of adverse events) is left out, so its name reveals nothing."""
    visits = ((visit, visit_forms(visit, view)) for visit in VISITS)
    return tuple((visit, forms) for visit, forms in visits if forms)


def item_specs(view: View) -> dict[str, ItemSpec]:
    """Every item the view's forms use, once each (an item shared by forms is one ItemDef)."""
    specs: dict[str, ItemSpec] = {}
    for _visit, forms in odm_visits(view):
        for form in forms:
            for spec in form.all_items:
                known = specs.setdefault(spec.name, spec)
                if known != spec:
                    raise ValueError(f"Item {spec.name} is defined differently in two forms")
    return specs
