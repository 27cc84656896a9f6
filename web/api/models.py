"""Request and response bodies of the JSON API as pydantic models; the OpenAPI document is
generated from them. Requests are strict (no type coercion, no unknown fields): item values are
checked by the domain, which names every bad item in `fields`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from domain.protocol import LAST_REPORT_WEEK, ReasonCode

Items = dict[str, Any]


class Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Response(BaseModel):
    # Answers may grow new fields (signatures, locks, queries) without breaking clients.
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every refusal: a code, a sentence for people, and a message per item when items failed."""

    model_config = ConfigDict(extra="forbid")
    error: str = Field(examples=["invalid"])
    message: str
    fields: dict[str, str]


class ScreenRequest(Request):
    items: Items = Field(description="Screening items by CRF name (CRF.md)")


class Screened(Response):
    id: str
    screening_number: str
    version: int
    mri_eligible: bool
    failed_criteria: list[str]


class ReasonBody(Request):
    # Checked by the domain (its message lists the codes); the enum documents them.
    code: str = Field(json_schema_extra={"enum": [c.value for c in ReasonCode]})
    text: str = Field(default="", max_length=500)


class FormRequest(Request):
    items: Items
    expected_version: int = Field(ge=0, description="The version of this form last seen")
    reason: ReasonBody | None = Field(
        default=None, description="Required when an existing value changes"
    )
    complete: bool = Field(
        default=True,
        description=(
            "false saves a draft: required items may stay empty and the answer lists them in "
            '`missing`. A skipped question is given as {"missing": "ANS" | "ND" | "UNK"} '
            "(or the code in the item's companion <ITEM>_NC)"
        ),
    )


class FormState(Response):
    version: int
    status: str
    complete: bool = False
    missing: list[str] = Field(default_factory=list)
    items: Items
    derived: dict[str, Any]
    deviation: str | None = None


class FormSaved(Response):
    version: int
    complete: bool = True
    missing: list[str] = Field(default_factory=list)
    items: Items
    derived: dict[str, Any]


class Participant(Response):
    id: str
    screening_number: str
    site: str
    status: str
    mri_eligible: bool
    failed_criteria: list[str]
    included: bool
    randomised_on: str | None
    forms: dict[str, FormState]


class ParticipantList(RootModel[list[Participant]]):
    """Participants in screening order, as the caller's role may see them."""


class Randomised(Response):
    """The arm, the date and the randomisation number; never how minimisation decided."""

    model_config = ConfigDict(extra="forbid")
    arm: str
    randomised_on: str
    randomisation_number: str = Field(examples=["R-007"])


class UnblindRequest(Request):
    reason: str = Field(min_length=1, max_length=500)


class Unblinded(Response):
    arm: str


class QueryRequest(Request):
    item: str = Field(max_length=100)
    text: str = Field(min_length=1, max_length=2000)
    week: int | None = Field(
        default=None, ge=1, le=LAST_REPORT_WEEK, description="For the weekly report"
    )


class AnswerRequest(Request):
    text: str = Field(min_length=1, max_length=2000)
    items: Items | None = Field(default=None, description="A correction made with the answer")
    expected_version: int | None = Field(default=None, ge=0)


class CloseRequest(Request):
    text: str = Field(default="", max_length=2000)


class SignRequest(Request):
    password: str = Field(max_length=1000)
    meaning: Literal["approval", "review", "authorship"]
    incomplete_reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why the content is signed although incomplete (required then)",
    )


class LockRequest(Request):
    reason: str | None = Field(
        default=None, max_length=500, description="Why, shown on the locked form's page"
    )


class UnlockRequest(Request):
    reason: str = Field(min_length=1, max_length=500)


class Empty(Request):
    pass


class SnapshotJson(Response):
    """The snapshot as JSON: its manifest and every CSV file of the zip as rows."""

    manifest: dict[str, Any]
    files: dict[str, list[dict[str, str]]]


class QueryOut(Response):
    id: str
    participant_id: str
    screening_number: str
    form: str
    week: int | None
    item: str
    text: str
    status: str
    raised_by: str
    raised_at: str | None
    history: list[dict[str, Any]]


class QueryList(RootModel[list[QueryOut]]):
    """Queries not yet closed, in screening order."""


class Signature(Response):
    participant_id: str
    form: str | None
    meaning: str
    printed_name: str
    user: str
    signed_at: str | None
    content_hash: str
    status: str


class LockState(Response):
    participant_id: str
    form: str | None
    locked: bool
    locked_by: str | None
    locked_at: str | None


class Verification(Response):
    participant_id: str
    form: str
    verified: bool
    verified_by: str | None
    verified_at: str | None


class AuditChange(Response):
    form: str | None = None
    item: str | None = None
    old: Any = None
    new: Any = None


class AuditRow(Response):
    position: int
    time: str
    type: str
    user: str | None
    role: str | None
    site: str | None
    reason: dict[str, Any] | None
    changes: list[AuditChange]
    summary: str


class AuditTrail(RootModel[list[AuditRow]]):
    """A participant's events in the order they were stored."""


class AuditPage(Response):
    events: list[AuditRow]
    next: int | None
