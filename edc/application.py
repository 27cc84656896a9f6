"""The trial application: every use case of the EDC, with permissions and concurrency control.

Each command method reads the clock and makes random draws here (never in the domain), checks
the actor's permission, loads aggregates, calls the domain, and saves all resulting events in
one atomic write. A lost race against another writer is retried from fresh state; a stale
`expected_version` from the user is a conflict the web layer turns into 409.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic

from domain import crf
from domain.actor import Actor
from domain.allocation import ALLOCATION_ID, Allocation
from domain.errors import EdcError, NotFound
from domain.minimisation import factor_levels
from domain.participant import Participant
from domain.protocol import FORMS, TIME_ZONE
from domain.reasons import Reason
from domain.roles import BLINDED_BY_DEFAULT, SITE_ROLES, Role
from domain.site_register import SiteRegister, site_register_id
from domain.user import User, user_id
from edc.concurrency import retry_on_conflict
from edc.passwords import hash_password
from edc.permissions import Action, authorize, check_site
from edc.presenters import form_view, participant_view
from edc.transcodings import DateAsISO

SYSTEM = Actor(user="system", role="admin", site=None)


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class Trial(Application):
    """The EDC for NCT00454792: screening to end of study, randomisation and accounts."""

    name = "trial"
    env = {"AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        draw: Callable[[], float] | None = None,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.draw = draw or random.SystemRandom().random
        self.new_id = new_id
        self.zone = ZoneInfo(TIME_ZONE)

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    # ---- enrolment ------------------------------------------------------------------------

    @retry_on_conflict
    def screen(self, actor: Actor, items: Mapping[str, Any]) -> dict[str, Any]:
        """Screen a person for MRI: validate the screening form and issue a screening number."""
        at = self.clock()
        authorize(actor, Action.SCREEN)
        screening = crf.validate_form("screening", items, crf.FormContext(today=self.local_date(at)))
        authorize(actor, Action.SCREEN, site=screening["SITE"], form="screening")
        register = self._site_register(screening["SITE"], at)
        participant_id = self.new_id()
        number = register.issue_number(participant_id, actor.as_dict(), at)
        participant = Participant.screen(participant_id, number, screening, actor, at)
        self.save(register, participant)
        eligibility = participant.mri_eligibility
        return {
            "id": str(participant.id),
            "screening_number": number,
            "version": participant.form_version("screening"),
            "mri_eligible": eligibility.eligible,
            "failed_criteria": list(eligibility.failed_criteria),
        }

    @retry_on_conflict
    def record_form(
        self,
        actor: Actor,
        participant_id: UUID,
        form: str,
        items: Mapping[str, Any],
        *,
        expected_version: int | None,
        reason: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """First entry or correction of one form (a changed value needs a reason)."""
        at = self.clock()
        if form not in FORMS:
            raise NotFound(f"There is no form called {form!r}.")
        participant = self._participant(participant_id)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form=form)
        parsed_reason = Reason.parse(reason)
        context = crf.FormContext(
            today=self.local_date(at),
            screening_date=participant.screening_date,
            randomised_on=participant.randomised_on,
            arm=self._arm(participant_id) if form == "adherence" else None,
        )
        validated = crf.validate_form(form, items, context)
        participant.record_form(
            form, validated, expected_version=expected_version, reason=parsed_reason,
            actor=actor, at=at,
        )
        self.save(participant)
        view = form_view(participant, form)
        view["warnings"] = crf.soft_warnings(form, validated, context)
        return view

    def record_mri(self, actor: Actor, participant_id: UUID, items: Mapping[str, Any],
                   expected_version: int = 0) -> dict[str, Any]:
        return self.record_form(actor, participant_id, "mri", items,
                                expected_version=expected_version)

    def record_consent(self, actor: Actor, participant_id: UUID, items: Mapping[str, Any],
                       expected_version: int = 0) -> dict[str, Any]:
        return self.record_form(actor, participant_id, "consent", items,
                                expected_version=expected_version)

    def record_end_of_study(self, actor: Actor, participant_id: UUID,
                            items: Mapping[str, Any],
                            expected_version: int = 0) -> dict[str, Any]:
        return self.record_form(actor, participant_id, "end_of_study", items,
                                expected_version=expected_version)

    def correct_form(self, actor: Actor, participant_id: UUID, form: str,
                     items: Mapping[str, Any], *, expected_version: int,
                     reason: Mapping[str, Any]) -> dict[str, Any]:
        return self.record_form(actor, participant_id, form, items,
                                expected_version=expected_version, reason=reason)

    # ---- randomisation --------------------------------------------------------------------

    @retry_on_conflict
    def randomise(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        """Allocate an arm by minimisation; the fact goes to the participant, the arm apart."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.RANDOMISE, site=participant.site)
        participant.check_can_randomise()
        allocation = self._allocation(at)
        levels = factor_levels(
            participant.sheets["screening"], participant.sheets["mri"],
            participant.sheets["baseline"],
        )
        decision = allocation.allocate(
            participant.id, participant.screening_number, levels, self.draw(), actor, at
        )
        participant.mark_randomised(self.local_date(at), actor, at)
        self.save(allocation, participant)
        return {"arm": decision.arm, "allocation": decision.as_dict(),
                "randomised_on": participant.randomised_on.isoformat()
                if participant.randomised_on else None}

    # ---- accounts -------------------------------------------------------------------------

    @retry_on_conflict
    def add_user(
        self,
        actor: Actor,
        name: str,
        role: str,
        password: str,
        *,
        site: str | None = None,
        blinded: bool | None = None,
    ) -> dict[str, Any]:
        """Create an account (admins; the command line acts as the system)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        try:
            parsed_role = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise EdcError(f"Unknown role {role!r}; use one of: {allowed}.") from None
        if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise EdcError("A user name is letters, digits, dots, dashes and underscores.")
        if self._exists(user_id(name)):
            raise EdcError(f"A user called {name!r} already exists.")
        user = User.register(
            name, parsed_role, site,
            BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded,
            hash_password(password), actor, at,
        )
        self.save(user)
        return self.user_view(user)

    def get_user(self, name: str) -> User:
        try:
            user: User = self.repository.get(user_id(name))
        except AggregateNotFoundError:
            raise NotFound(f"No user called {name!r}.") from None
        return user

    @staticmethod
    def user_view(user: User) -> dict[str, Any]:
        return {"name": user.name, "role": user.role.value, "site": user.site,
                "blinded": user.blinded, "active": user.active}

    def list_users(self) -> list[dict[str, Any]]:
        users = [
            self.repository.get(n.originator_id)
            for n in self.recorder.select_notifications(
                start=1, limit=1_000_000, topics=[_topic(User.Registered)]
            )
        ]
        return sorted((self.user_view(u) for u in users), key=lambda u: u["name"])

    def actor_for(self, name: str) -> Actor:
        user = self.get_user(name)
        return Actor(user=user.name, role=user.role.value, site=user.site, blinded=user.blinded)

    # ---- queries --------------------------------------------------------------------------

    def get_participant(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_CLINICAL)
        check_site(actor, participant.site)
        arm = None if actor.blinded else self._arm(participant_id)
        return participant_view(participant, blinded=actor.blinded, arm=arm)

    def participant_ids(self, site: str | None = None) -> list[UUID]:
        """Participants in screening order (from the sites' screening logs)."""
        ids: list[UUID] = []
        for n in self.recorder.select_notifications(
            start=1, limit=10_000_000, topics=[_topic(SiteRegister.Opened)]
        ):
            register: SiteRegister = self.repository.get(n.originator_id)
            if site is None or register.site == site:
                ids.extend(register.participants)
        return ids

    def list_participants(self, actor: Actor, site: str | None = None) -> list[dict[str, Any]]:
        authorize(actor, Action.VIEW_CLINICAL)
        if Role(actor.role) in SITE_ROLES and site is None:
            site = actor.site
        check_site(actor, site)
        return [self.get_participant(actor, pid) for pid in self.participant_ids(site)]

    def load_participant(self, participant_id: UUID) -> Participant:
        return self._participant(participant_id)

    def load_allocation(self) -> Allocation | None:
        try:
            allocation: Allocation = self.repository.get(ALLOCATION_ID)
        except AggregateNotFoundError:
            return None
        return allocation

    # ---- internals ------------------------------------------------------------------------

    def _participant(self, participant_id: UUID) -> Participant:
        try:
            participant: Participant = self.repository.get(participant_id)
        except AggregateNotFoundError:
            raise NotFound("No such participant.") from None
        if not isinstance(participant, Participant):
            raise NotFound("No such participant.")
        return participant

    def _arm(self, participant_id: UUID) -> str | None:
        allocation = self.load_allocation()
        return allocation.arm_of(participant_id) if allocation else None

    def _allocation(self, at: datetime) -> Allocation:
        return self.load_allocation() or Allocation.start(at)

    def _site_register(self, site: str, at: datetime) -> SiteRegister:
        try:
            register: SiteRegister = self.repository.get(site_register_id(site))
        except AggregateNotFoundError:
            register = SiteRegister.open(site, at)
        return register

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))


def _topic(cls: type) -> str:
    return get_topic(cls)
