"""The eCRF: item specifications, validation, soft checks, derived scores and eligibility.

Pure domain code: no I/O, no clock, no randomness (today's date comes in a `FormContext`).
"""

from domain.crf.coercion import coerce_text_values
from domain.crf.context import FormContext
from domain.crf.derived_items import DERIVED
from domain.crf.eligibility import Eligibility, describe_criterion, inclusion, mri_eligibility
from domain.crf.items import ITEMS
from domain.crf.missing import MISSING_CODE_ITEMS, MissingCode, companion, export_items
from domain.crf.readiness import form_readiness_problems
from domain.crf.repeats import with_assigned_key
from domain.crf.scoring import derive
from domain.crf.soft_checks import soft_warnings
from domain.crf.spec import ItemSpec
from domain.crf.validation import missing_items, validate_form

__all__ = [
    "DERIVED",
    "ITEMS",
    "MISSING_CODE_ITEMS",
    "Eligibility",
    "FormContext",
    "ItemSpec",
    "MissingCode",
    "coerce_text_values",
    "companion",
    "derive",
    "describe_criterion",
    "export_items",
    "form_readiness_problems",
    "inclusion",
    "missing_items",
    "mri_eligibility",
    "soft_warnings",
    "validate_form",
    "with_assigned_key",
]
