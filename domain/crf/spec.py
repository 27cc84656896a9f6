"""`ItemSpec`: one CRF item described as data, plus small constructors for each datatype.

The web form, the ODM metadata, the data dictionary and validation are all generated from these
specifications, so a change to an item is made here once.
"""

from __future__ import annotations

from dataclasses import dataclass

Code = str | int

DATATYPES = ("integer", "float", "date", "text", "yesno", "code", "codes")

YES_NO: tuple[tuple[Code, str], ...] = (("Y", "Yes"), ("N", "No"))
YES_NO_NA: tuple[tuple[Code, str], ...] = (*YES_NO, ("NA", "Not applicable"))


@dataclass(frozen=True)
class ItemSpec:
    """One CRF item: its stable name, label, datatype, allowed codes or range and requirement."""

    name: str
    label: str
    datatype: str
    codes: tuple[tuple[Code, str], ...] = ()
    min: float | None = None
    max: float | None = None
    required: bool = True
    required_when: str | None = None
    note: str = ""
    # Decimals a page shows; stores and exports keep full precision (LBP_MEAN3).
    shown_decimals: int | None = None

    def __post_init__(self) -> None:
        if self.datatype not in DATATYPES:
            raise ValueError(f"{self.name}: unknown datatype {self.datatype!r}")
        if self.datatype in ("yesno", "code", "codes") and not self.codes:
            raise ValueError(f"{self.name}: a {self.datatype} item needs codes")

    @property
    def code_values(self) -> tuple[Code, ...]:
        return tuple(code for code, _ in self.codes)

    @property
    def numeric_codes(self) -> bool:
        """True when the stored codes are numbers (EQ-5D levels, BOTHER, ...)."""
        return any(isinstance(code, int) for code in self.code_values)


# Constructors. `when` states a conditional requirement, so the item is not statically required;
# `optional` marks an item that may always be left empty.


def integer(
    name: str,
    label: str,
    low: int,
    high: int,
    *,
    optional: bool = False,
    when: str | None = None,
    note: str = "",
) -> ItemSpec:
    return _spec(name, label, "integer", optional, when, note, min=low, max=high)


def decimal(
    name: str, label: str, low: float, high: float, *, when: str | None = None, note: str = ""
) -> ItemSpec:
    return _spec(name, label, "float", False, when, note, min=low, max=high)


def date_item(name: str, label: str, *, when: str | None = None, note: str = "") -> ItemSpec:
    return _spec(name, label, "date", False, when, note)


def text(
    name: str,
    label: str,
    *,
    when: str | None = None,
    note: str = "",
    max_length: int | None = None,
) -> ItemSpec:
    """A text item; `max_length` (characters) is kept in `max`, else the general limit holds."""
    return _spec(name, label, "text", False, when, note, max=max_length)


def yes_no(
    name: str,
    label: str,
    *,
    allow_na: bool = False,
    optional: bool = False,
    when: str | None = None,
    note: str = "",
) -> ItemSpec:
    values = YES_NO_NA if allow_na else YES_NO
    return _spec(name, label, "yesno", optional, when, note, codes=values)


def code(
    name: str,
    label: str,
    values: tuple[tuple[Code, str], ...],
    *,
    optional: bool = False,
    when: str | None = None,
    note: str = "",
) -> ItemSpec:
    return _spec(name, label, "code", optional, when, note, codes=values)


def codes(
    name: str,
    label: str,
    values: tuple[tuple[Code, str], ...],
    *,
    when: str | None = None,
    note: str = "",
) -> ItemSpec:
    return _spec(name, label, "codes", False, when, note, codes=values)


def _spec(
    name: str,
    label: str,
    datatype: str,
    optional: bool,
    when: str | None,
    note: str,
    *,
    codes: tuple[tuple[Code, str], ...] = (),
    min: float | None = None,
    max: float | None = None,
) -> ItemSpec:
    return ItemSpec(
        name,
        label,
        datatype,
        codes=codes,
        min=min,
        max=max,
        required=not optional and when is None,
        required_when=when,
        note=note,
    )
