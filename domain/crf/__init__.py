"""The eCRF: item specifications, validation, soft checks, derived scores and eligibility.

Pure domain code: no I/O, no clock, no randomness (today's date comes in a `FormContext`).
"""

from domain.crf.coercion import coerce_text_values
from domain.crf.context import FormContext
from domain.crf.derived_items import DERIVED
from domain.crf.eligibility import Eligibility, describe_criterion, inclusion, mri_eligibility
from domain.crf.items import ITEMS
from domain.crf.scoring import derive
from domain.crf.soft_checks import soft_warnings
from domain.crf.spec import ItemSpec
from domain.crf.validation import validate_form

__all__ = [
    "DERIVED",
    "ITEMS",
    "Eligibility",
    "FormContext",
    "ItemSpec",
    "coerce_text_values",
    "derive",
    "describe_criterion",
    "inclusion",
    "mri_eligibility",
    "soft_warnings",
    "validate_form",
]
