"""The participant's own weekly report: a personal link (no login) and SMS replies.

The link's token and the phone number are secrets held outside the store: a link is found by
the sha256 of its token, a phone number by an HMAC keyed with a secret the deployment keeps
(`pepper`), so the store alone does not reveal either. Reports are entered with the form's own
validation as the participant ("participant RINGE-0001"), without an expected version (the
channel has none); a week already reported is not changed this way: the site corrects it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError, FormInvalid, NotFound, StateConflict
from domain.participant import Participant
from domain.report_link import ReportLink, parse_sms_reply, report_link_id, report_week
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize
from edc.refusals import logs_refusals, logs_refusals_as

PATIENT_ROLE = "participant"
NOT_VALID = "This report link is not valid. Please ask your trial site for a new one."
_PHONE = re.compile(r"\+?\d{8,15}")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def phone_digest(phone: str, pepper: bytes) -> str:
    number = re.sub(r"[\s\-()]", "", phone or "")
    if not _PHONE.fullmatch(number):
        message = "A phone number is 8 to 15 digits, optionally starting with +."
        raise FormInvalid({"phone": message}, message)
    return hmac.new(pepper, number.lstrip("+").encode(), hashlib.sha256).hexdigest()


class PatientReportUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def issue_report_link(self, actor: Actor, participant_id: UUID) -> str:
        """A new personal weekly-report link token for a randomised participant (shown once)."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form="weekly")
        participant.check_form_allowed("weekly")
        token = secrets.token_urlsafe(32)
        self.save(ReportLink.issue("link", token_digest(token), participant.id, actor, at))
        return token

    @logs_refusals
    @retry_on_conflict
    def register_report_phone(
        self, actor: Actor, participant_id: UUID, phone: str, pepper: bytes
    ) -> None:
        """Accept SMS replies from this phone number for the participant's weekly report."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form="weekly")
        participant.check_form_allowed("weekly")
        digest = phone_digest(phone, pepper)
        if self._exists(report_link_id("sms", digest)):
            raise StateConflict("This phone number is already registered for weekly reports.")
        self.save(ReportLink.issue("sms", digest, participant.id, actor, at))

    @logs_refusals_as("participant (report link)")
    def report_link_status(self, token: str) -> dict[str, Any]:
        """What the participant's report page shows: the week asked about and whether done."""
        participant = self._participant_of("link", token_digest(token))
        week = self._week(participant)
        return {"week": week, "reported": f"weekly:{week:02d}" in participant.sheets}

    @logs_refusals_as("participant (report link)")
    @retry_on_conflict
    def record_patient_report(self, token: str, items: Mapping[str, Any]) -> dict[str, Any]:
        """The participant's answers through their link (LBP_DAYS, SICK_LEAVE_DAYS)."""
        participant = self._participant_of("link", token_digest(token))
        return self._enter_patient_report(participant, items)

    @logs_refusals_as("participant (SMS)")
    @retry_on_conflict
    def record_sms_report(self, phone: str, text: str, pepper: bytes) -> dict[str, Any]:
        """An SMS reply of two numbers from a registered phone."""
        try:
            participant = self._participant_of("sms", phone_digest(phone, pepper))
        except FormInvalid:
            raise NotFound("This phone number is not registered for weekly reports.") from None
        lbp_days, sick_days = parse_sms_reply(text)
        return self._enter_patient_report(
            participant, {"LBP_DAYS": lbp_days, "SICK_LEAVE_DAYS": sick_days}
        )

    # ---- internals ------------------------------------------------------------------------

    def _participant_of(self, channel: str, digest: str) -> Participant:
        try:
            link: ReportLink = self.repository.get(report_link_id(channel, digest))
        except AggregateNotFoundError:
            raise NotFound(NOT_VALID) from None
        if not isinstance(link, ReportLink) or not link.active:
            raise NotFound(NOT_VALID)
        return self._participant(link.participant_id)

    def _week(self, participant: Participant) -> int:
        if participant.randomised_on is None:
            raise NotFound(NOT_VALID)
        return report_week(participant.randomised_on, self.local_date(self.clock()))

    def _enter_patient_report(
        self, participant: Participant, items: Mapping[str, Any]
    ) -> dict[str, Any]:
        at = self.clock()
        week = self._week(participant)
        if f"weekly:{week:02d}" in participant.sheets:
            raise EdcError(f"Week {week} is already reported. Thank you!")
        answers = {k: v for k, v in items.items() if k in ("LBP_DAYS", "SICK_LEAVE_DAYS")}
        context = crf.FormContext(
            today=self.local_date(at),
            screening_date=participant.screening_date,
            randomised_on=participant.randomised_on,
        )
        validated = crf.validate_form("weekly", {**answers, "WEEK": week}, context)
        patient = Actor(
            user=f"participant {participant.screening_number}",
            role=PATIENT_ROLE,
            site=participant.site,
        )
        participant.record_form(
            "weekly", validated, expected_version=None, reason=None, actor=patient, at=at
        )
        self.save(participant)
        return {"week": week}
