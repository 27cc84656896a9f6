"""The participant's own weekly report: a personal link (no login) and SMS replies.

The link's token and the phone number are secrets held outside the store: a link is found by
the sha256 of its token, a phone number by a slow keyed hash (scrypt with a secret the
deployment keeps, `pepper`), so the store alone does not reveal either. One link and one phone
are live per participant (`ReportAccess`): a new one replaces the old, and site staff revoke
either. Reports are entered with the form's own
validation as the participant ("participant RINGE-0001"), without an expected version (the
channel has none); a week already reported is not changed this way: the site corrects it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import crf
from domain.actor import Actor
from domain.errors import FormInvalid, NotFound, StateConflict
from domain.participant import Participant
from domain.report_access import NOTHING_TO_REVOKE, ReportAccess, report_access_id
from domain.report_link import (
    ReportLink,
    parse_sms_reply,
    report_link_id,
    report_week,
    report_week_days,
)
from domain.wording import Message
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize
from edc.refusals import logs_refusals, logs_refusals_as

PATIENT_ROLE = "participant"
NOT_VALID = "This report link is not valid. Please ask your trial site for a new one."
_PHONE = re.compile(r"\+?[0-9]{8,15}")  # ASCII digits: `\d` would take "٣" too
# scrypt (RFC 7914) keyed with the deployment's phone key: a phone number has few enough
# possible values that a fast hash of a leaked store could be reversed by trying them all.
PHONE_HASH = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def phone_number(phone: str) -> str:
    """The number as digits (spaces, dashes, brackets and a leading + dropped)."""
    number = re.sub(r"[\s\-()]", "", phone or "")
    if not _PHONE.fullmatch(number):
        message = Message("A phone number is 8 to 15 digits, optionally starting with +.")
        raise FormInvalid({"phone": message}, message)
    return number.lstrip("+")


def phone_digest(phone: str, pepper: bytes) -> str:
    """The slow keyed hash a phone number is found by (the lookup stays by hash, no scan)."""
    return hashlib.scrypt(phone_number(phone).encode(), salt=pepper, **PHONE_HASH).hex()


def legacy_phone_digest(phone: str, pepper: bytes) -> str:
    """The HMAC numbers registered before the slow hash were stored by: still found."""
    return hmac.new(pepper, phone_number(phone).encode(), hashlib.sha256).hexdigest()


class PatientReportUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def issue_report_link(self, actor: Actor, participant_id: UUID) -> str:
        """A new personal weekly-report link token (shown once); the previous link stops."""
        at = self.clock()
        participant = self._reporting_participant(actor, participant_id)
        participant.check_form_allowed("weekly")
        token = secrets.token_urlsafe(32)
        link = ReportLink.issue("link", token_digest(token), participant.id, actor, at)
        access = self._access(participant.id, at)
        replaced = self._revoked(access.grant("link", link.id, actor, at), actor, at)
        self.save(link, access, *replaced)
        return token

    @logs_refusals
    @retry_on_conflict
    def revoke_report_link(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        """Site staff stop the participant's live link (lost, shared, or no longer used)."""
        return self._withdraw(actor, participant_id, "link")

    @logs_refusals
    @retry_on_conflict
    def register_report_phone(
        self, actor: Actor, participant_id: UUID, phone: str, pepper: bytes
    ) -> None:
        """Accept SMS replies from this number; a number registered before is replaced."""
        at = self.clock()
        participant = self._reporting_participant(actor, participant_id)
        participant.check_form_allowed("weekly")
        digest = phone_digest(phone, pepper)
        if self._live_link("sms", legacy_phone_digest(phone, pepper)) is not None:
            raise StateConflict("This phone number is already registered for weekly reports.")
        link = self._link(report_link_id("sms", digest))
        if link is None:
            link = ReportLink.issue("sms", digest, participant.id, actor, at)
        elif self._is_live(link) or (link.active and link.participant_id != participant.id):
            raise StateConflict("This phone number is already registered for weekly reports.")
        elif not link.active:
            link.reinstate(participant.id, actor, at)
        access = self._access(participant.id, at)
        replaced = self._revoked(access.grant("sms", link.id, actor, at), actor, at)
        self.save(link, access, *replaced)

    @logs_refusals
    @retry_on_conflict
    def remove_report_phone(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        """No more SMS replies from the registered number."""
        return self._withdraw(actor, participant_id, "sms")

    @logs_refusals
    def report_access(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        """The live link and phone of a participant: when and by whom each was given."""
        participant = self._reporting_participant(actor, participant_id)
        access = self._load_access(participant.id)
        return access.summary() if access else {"link": None, "sms": None}

    @logs_refusals_as("participant (report link)")
    def report_link_status(self, token: str) -> dict[str, Any]:
        """What the participant's report page shows: the week asked about and whether done."""
        participant = self._participant_of("link", token_digest(token))
        week = self._week(participant)
        first, last = report_week_days(self._randomised_on(participant), week)
        return {
            "week": week,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "reported": f"weekly:{week:02d}" in participant.sheets,
        }

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
        unknown = NotFound("This phone number is not registered for weekly reports.")
        try:
            digests = (phone_digest(phone, pepper), legacy_phone_digest(phone, pepper))
        except FormInvalid:
            raise unknown from None
        link = next(filter(None, (self._live_link("sms", d) for d in digests)), None)
        if link is None:
            raise unknown
        participant = self._participant(link.participant_id)
        lbp_days, sick_days = parse_sms_reply(text)
        return self._enter_patient_report(
            participant, {"LBP_DAYS": lbp_days, "SICK_LEAVE_DAYS": sick_days}
        )

    # ---- internals ------------------------------------------------------------------------

    def _participant_of(self, channel: str, digest: str) -> Participant:
        link = self._live_link(channel, digest)
        if link is None:
            raise NotFound(NOT_VALID)
        return self._participant(link.participant_id)

    def _reporting_participant(self, actor: Actor, participant_id: UUID) -> Participant:
        participant = self._participant(participant_id)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form="weekly")
        return participant

    def _link(self, link_id: UUID) -> ReportLink | None:
        try:
            link: object = self.repository.get(link_id)
        except AggregateNotFoundError:
            return None
        return link if isinstance(link, ReportLink) else None

    def _live_link(self, channel: str, digest: str) -> ReportLink | None:
        link = self._link(report_link_id(channel, digest))
        return link if link is not None and self._is_live(link) else None

    def _is_live(self, link: ReportLink) -> bool:
        """Active, and the participant's current one (links made before the one-link rule
        count while the participant has no access record yet)."""
        if not link.active:
            return False
        access = self._load_access(link.participant_id)
        return access is None or access.live(link.channel) == link.id

    def _load_access(self, participant_id: UUID) -> ReportAccess | None:
        try:
            access: object = self.repository.get(report_access_id(participant_id))
        except AggregateNotFoundError:
            return None
        return access if isinstance(access, ReportAccess) else None

    def _access(self, participant_id: UUID, at: datetime) -> ReportAccess:
        return self._load_access(participant_id) or ReportAccess.open(participant_id, at)

    def _revoked(self, link_id: UUID | None, actor: Actor, at: datetime) -> list[ReportLink]:
        """The replaced link, revoked (nothing when there was none or it is already off)."""
        link = self._link(link_id) if link_id is not None else None
        if link is None or not link.active:
            return []
        link.revoke(actor, at)
        return [link]

    def _withdraw(self, actor: Actor, participant_id: UUID, channel: str) -> dict[str, Any]:
        at = self.clock()
        participant = self._reporting_participant(actor, participant_id)
        access = self._load_access(participant.id)
        if access is None:
            raise StateConflict(NOTHING_TO_REVOKE[channel])
        revoked = self._revoked(access.withdraw(channel, actor, at), actor, at)
        self.save(access, *revoked)
        return access.summary()

    def _week(self, participant: Participant) -> int:
        return report_week(self._randomised_on(participant), self.local_date(self.clock()))

    def _randomised_on(self, participant: Participant) -> date:
        if participant.randomised_on is None:
            raise NotFound(NOT_VALID)
        return participant.randomised_on

    def _enter_patient_report(
        self, participant: Participant, items: Mapping[str, Any]
    ) -> dict[str, Any]:
        at = self.clock()
        # A locked database is frozen for the analysis, whoever the change comes from.
        self.check_database_open()
        week = self._week(participant)
        if f"weekly:{week:02d}" in participant.sheets:
            raise StateConflict(Message("Week %(week)s is already reported. Thank you!", week=week))
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
