"""A synthetic trial run through the real use cases, in the order things would happen.

Each screened person gets a timeline (screening, MRI, consent, baseline, randomisation, weekly
reports, adherence, week 10, month 12, end of study) with screen failures, MRI exclusions,
declined consent, missed and out-of-window visits, corrections with reasons and withdrawals.
All timelines are merged and played in time order against a simulated clock, so event times
follow the event sequence. Everything random comes from one seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.protocol import LAST_REPORT_WEEK, SITES
from edc.application import Trial
from edc.demo import people
from edc.demo.clock import SimulatedClock
from edc.demo.planted import PlantedEffect
from edc.demo.users import demo_password

TRIAL_START = datetime(2007, 4, 2, 8, 0, tzinfo=UTC)
# Paths given to the n-th person randomised (the others take them by chance).
FORCED_PATHS = {
    2: "adverse event",
    3: "stops, followed up",
    4: "stops, not followed up",
    5: "late correction: factor",
    6: "late correction: eligibility",
    7: "primary outcome missing",
    8: "lost",
}
Step = Callable[["Person"], None]


class DemoTooEarly(Exception):
    """The shifted calendar would start before the trial could (dates before it are refused)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.start = start


@dataclass
class Person:
    """One synthetic person's state as the demo plays their timeline."""

    number: int
    rng: random.Random
    severity: float
    participant_id: UUID | None = None
    arm: str | None = None
    randomised_at: datetime | None = None
    stopped: bool = False
    versions: dict[str, int] = field(default_factory=dict)
    # Draws for the paths added later (harms, stopping, skipped answers, late corrections),
    # apart from `rng` so that they leave everyone's other answers as they were.
    paths: random.Random = field(default_factory=random.Random)
    skips_primary: bool = False
    modic_type: str | None = None
    forced: str | None = None
    # Adverse events planned and not yet reported (a locked form would refuse them).
    harms_pending: int = 0


# Days from an adverse event's report to its review by the unblinded investigator and monitor.
HARM_REVIEW_DAYS = 7


@dataclass(order=True)
class _Scheduled:
    at: datetime
    order: int
    person: Person = field(compare=False)
    step: Step = field(compare=False)


class DemoTrial:
    """Plays `participants` synthetic screenings through a Trial with the demo actors."""

    def __init__(
        self,
        trial: Trial,
        clock: SimulatedClock,
        actors: dict[str, Actor],
        seed: int,
        planted: PlantedEffect | None = None,
    ) -> None:
        self.trial, self.clock, self.actors = trial, clock, actors
        self.planted = planted
        self.seed = seed
        self.queue: list[_Scheduled] = []
        # The first adverse event of the demo is serious, so every demo shows one.
        self.serious_reported = False
        self.harm_reviews = 0
        self.harm_locked = False
        self.harm_queries = 0
        self.randomised_count = 0
        self.counter = itertools.count()

    def schedule(self, person: Person, at: datetime, step: Step) -> None:
        heapq.heappush(self.queue, _Scheduled(at, next(self.counter), person, step))

    def plan(self, participants: int, last_screening: datetime | None = None) -> datetime:
        """Schedule the screenings from TRIAL_START, or shifted so the last one falls on
        `last_screening` (a trial still recruiting on the demo's today); returns the first."""
        rng = random.Random(self.seed)
        arrivals: list[tuple[Person, timedelta]] = []
        offset = timedelta(0)
        for number in range(participants):
            person = Person(number, random.Random(rng.getrandbits(64)), rng.uniform(0.35, 0.8))
            person.paths = random.Random(f"paths:{self.seed}:{number}")
            arrivals.append((person, offset))
            offset += timedelta(hours=rng.uniform(4, 60))
        start = TRIAL_START
        if last_screening is not None and arrivals:
            start = last_screening - arrivals[-1][1]
            if start < TRIAL_START:
                raise DemoTooEarly(start)
        for person, at in arrivals:
            self.schedule(person, start + at, self.screen)
        return start

    def run(self, until: datetime | None = None) -> Iterator[None]:
        """Play the queue (up to `until`: what lies later has not happened yet); yields once
        per step so the caller can show progress."""
        while self.queue and (until is None or self.queue[0].at < until):
            item = heapq.heappop(self.queue)
            if item.person.stopped:
                continue
            self.clock.advance_to(item.at)
            item.step(item.person)
            yield None

    # ---- the steps of one timeline -----------------------------------------------------------

    def later(self, person: Person, days: float, step: Step) -> None:
        hours = person.rng.uniform(0, 6)
        self.schedule(person, self.clock() + timedelta(days=days, hours=hours), step)

    def today(self) -> Any:
        return self.trial.local_date(self.clock())

    def enter(
        self,
        person: Person,
        role: str,
        form: str,
        items: dict[str, Any],
        reason: dict[str, str] | None = None,
    ) -> None:
        assert person.participant_id is not None
        answer = self.trial.record_form(
            self.actors[role],
            person.participant_id,
            form,
            items,
            expected_version=person.versions.get(form, 0),
            reason=reason,
        )
        person.versions[form] = answer["version"]

    def screen(self, person: Person) -> None:
        items = people.screening_items(person.rng, self.today(), SITES[0])
        answer = self.trial.screen(self.actors["site_staff"], items)
        person.participant_id = UUID(answer["id"])
        person.versions["screening"] = answer["version"]
        if answer["mri_eligible"]:
            self.later(person, person.rng.uniform(5, 21), self.mri)

    def mri(self, person: Person) -> None:
        items = people.mri_items(person.rng, self.today())
        person.modic_type = items.get("MODIC_TYPE")
        self.enter(person, "site_staff", "mri", items)
        if items["MODIC_PRESENT"] == "Y":
            if person.rng.random() < 0.08:
                self.later(person, 3, self.decline)
            else:
                self.later(person, person.rng.uniform(1, 7), self.consent)

    def decline(self, person: Person) -> None:
        self.enter(
            person,
            "site_staff",
            "end_of_study",
            {
                "EOS_DATE": self.today().isoformat(),
                "EOS_STATUS": "withdrew consent",
                "EOS_REASON": "Declined to take part after the MRI result",
            },
        )

    def consent(self, person: Person) -> None:
        self.enter(person, "site_staff", "consent", people.consent_items(self.today()))
        self.later(person, person.rng.uniform(0, 3), self.baseline)

    def baseline(self, person: Person) -> None:
        items = people.outcome_items(person.rng, "baseline", self.today(), person.severity)
        self.enter(person, "site_staff", "baseline", items)
        if person.rng.random() < 0.12:
            self.correct(person, "site_staff", "baseline", items, "LBP_NOW")
        self.plan_review(person)
        self.randomise(person)

    def randomise(self, person: Person) -> None:
        assert person.participant_id is not None
        answer = self.trial.randomise(self.actors["site_staff"], person.participant_id)
        person.arm, person.randomised_at = answer["arm"], self.clock()
        withdraw_day = person.rng.uniform(10, 400) if person.rng.random() < 0.05 else None
        self.plan_paths(person)
        for week in range(1, LAST_REPORT_WEEK + 1):
            if person.rng.random() < 0.85:
                self.at_day(person, 7 * week + person.rng.uniform(0, 2), self.weekly(week))
        self.at_day(person, 70 + person.rng.uniform(-2, 3), self.adherence)
        # About one follow-up in ten is out of window and one in twelve is missed.
        week10_day = 70 + (
            person.rng.uniform(15, 25) if person.rng.random() < 0.1 else person.rng.uniform(-5, 10)
        )
        if person.rng.random() > 0.08:
            self.at_day(person, week10_day, self.follow_up("week10"))
        elif self.randomised_count % 2:
            # The site records half of its missed visits (VisitMissed) once the window closed;
            # the others stay "missed" by the calendar alone.
            self.at_day(person, 85, self.missed_visit("week10"))
        # A missed week 10 neither ends the study nor keeps anyone from the 1-year visit.
        if person.rng.random() > 0.05:
            month12_day = 434 + (
                person.rng.uniform(25, 45)
                if person.rng.random() < 0.08
                else person.rng.uniform(-18, 18)
            )
            self.at_day(person, month12_day, self.follow_up("month12"))
        self.at_day(person, 485, self.complete)
        if withdraw_day is not None:
            self.at_day(person, withdraw_day, self.withdraw)

    # ---- harms, stopping the intervention, late corrections ---------------------------------

    def plan_paths(self, person: Person) -> None:
        """Adverse events, discontinuations (with and without further follow-up) and
        corrections after randomisation that turn out to be protocol deviations."""
        paths = person.paths
        # The first few people randomised take one path each, so that every demo of some
        # size shows them all; after that the paths come by chance.
        self.randomised_count += 1
        forced = person.forced = FORCED_PATHS.get(self.randomised_count)
        for _ in range(2):
            if paths.random() < 0.15 or (forced == "adverse event" and _ == 0):
                person.harms_pending += 1
                self.at_day(person, paths.uniform(5, 120), self.adverse_event)
        chance = paths.random() < 0.07
        continues = paths.random() < 0.65
        if forced in ("stops, followed up", "stops, not followed up"):
            chance, continues = True, forced == "stops, followed up"
        if chance:
            self.at_day(person, paths.uniform(14, 60), self.discontinue(continues))
        if paths.random() < 0.04 or (forced or "").startswith("late correction"):
            self.at_day(person, paths.uniform(3, 30), self.late_correction)
        if forced == "lost":
            self.at_day(person, paths.uniform(150, 250), self.withdraw)
        person.skips_primary = forced == "primary outcome missing"

    def adverse_event(self, person: Person) -> None:
        paths, today = person.paths, self.today()
        serious = not self.serious_reported or paths.random() < 0.12
        self.serious_reported = True
        items = people.adverse_event_items(paths, today, serious)
        # Investigators report serious events; harms are reviewed by unblinded accounts only.
        reporter = "unblinded_investigator" if serious else "site_staff"
        self.enter(person, reporter, "adverse_event", items)
        person.harms_pending -= 1
        self.schedule(person, self.clock() + timedelta(days=HARM_REVIEW_DAYS), self.review_harm)

    def review_harm(self, person: Person) -> None:
        """A week after a report the unblinded investigator signs the adverse events (two
        reviews in three) and the unblinded monitor verifies them (every other review); the
        first participant whose events are all reported and reviewed has the form locked by
        the unblinded data manager. By count, not by chance: no random number is drawn, so the
        seeds' trials stay as they were. A later event invalidates the signature and clears
        the verification, and is reviewed in its turn."""
        assert person.participant_id is not None
        pid = person.participant_id
        self.harm_reviews += 1
        form = self.trial.get_participant(self.actors["unblinded_investigator"], pid)["forms"][
            "adverse_event"
        ]
        if form["locked"]:
            return
        signs, verifies = self.harm_reviews % 3 != 0, self.harm_reviews % 2 == 1
        if signs and not form["signed"]:
            investigator = self.actors["unblinded_investigator"]
            self.trial.sign(
                investigator, pid, demo_password(investigator.user), "review", "adverse_event"
            )
        if verifies and not form["verified"]:
            self.trial.verify_form(self.actors["unblinded_monitor"], pid, "adverse_event")
        if self.harm_reviews % 4 == 2:
            self.query_harm(person, max(int(number) for number in form["items"]))
        if signs and verifies and not person.harms_pending and not self.harm_locked:
            self.harm_locked = True
            self.trial.lock_form(
                self.actors["unblinded_data_manager"],
                pid,
                "adverse_event",
                "Adverse events reviewed: signed and verified",
            )

    def query_harm(self, person: Person, number: int) -> None:
        """Every fourth review the unblinded monitor queries the event's severity; the unblinded
        investigator answers three days later and every other such query is then closed (by
        count and at fixed delays: no random number is drawn)."""
        assert person.participant_id is not None
        query = self.trial.raise_query(
            self.actors["unblinded_monitor"],
            person.participant_id,
            "adverse_event",
            "AE_SEVERITY",
            "Please check the severity against the source document.",
            week=number,
        )
        self.harm_queries += 1
        closes = self.harm_queries % 2 == 1

        def answer(person: Person) -> None:
            self.trial.answer_query(
                self.actors["unblinded_investigator"],
                query["id"],
                "Checked: the severity matches the hospital's letter.",
            )
            if closes:
                self.schedule(person, self.clock() + timedelta(days=4), close)

        def close(person: Person) -> None:
            self.trial.close_query(self.actors["unblinded_monitor"], query["id"], "Resolved.")

        self.schedule(person, self.clock() + timedelta(days=3), answer)

    def discontinue(self, continues: bool) -> Step:
        def stop(person: Person) -> None:
            items = people.discontinuation_items(person.paths, self.today(), continues)
            self.enter(person, "site_staff", "discontinuation", items)
            if not continues:
                # Blinded-safe: assessors' lists of visits due stop without saying why.
                self.enter(
                    person,
                    "site_staff",
                    "end_of_study",
                    {
                        "EOS_DATE": self.today().isoformat(),
                        "EOS_STATUS": "withdrew consent",
                        "EOS_REASON": "No longer wishes to attend the study visits",
                    },
                )
                person.stopped = True

        return stop

    def late_correction(self, person: Person) -> None:
        """A source document read after randomisation corrects a value randomisation used."""
        assert person.participant_id is not None
        participant = self.trial.load_participant(person.participant_id)
        factor = person.paths.random() < 0.5
        if person.forced in ("late correction: factor", "late correction: eligibility"):
            factor = person.forced == "late correction: factor"
        value: Any
        if factor:
            form, item = "baseline", "SMOKER"
            value = "N" if participant.sheets[form][item] == "Y" else "Y"
            text = "Smoking status from the GP's record"
        else:
            form, item, value = "screening", "LBP_DURATION_MONTHS", 14
            text = "Duration of pain from the referral letter"
        self.trial.record_form(
            self.actors["site_staff"],
            person.participant_id,
            form,
            {**participant.sheets[form], item: value},
            expected_version=participant.form_version(form),
            reason={"code": "late_source", "text": text},
        )
        person.versions[form] = participant.form_version(form) + 1

    def at_day(self, person: Person, day: float, step: Step) -> None:
        assert person.randomised_at is not None
        self.schedule(person, person.randomised_at + timedelta(days=day), step)

    def weekly(self, week: int) -> Step:
        def report(person: Person) -> None:
            self.enter(
                person,
                "site_staff",
                "weekly",
                people.weekly_items(person.rng, week, person.severity),
            )

        return report

    def adherence(self, person: Person) -> None:
        assert person.arm is not None
        items = people.adherence_items(person.rng, person.arm)
        self.enter(person, "site_staff", "adherence", items)

    def follow_up(self, form: str) -> Step:
        def assess(person: Person) -> None:
            person.severity = max(0.05, person.severity - person.rng.uniform(0, 0.3))
            items = people.outcome_items(person.rng, form, self.today(), person.severity)
            if self.planted and self.planted.applies(form, person.arm, person.modic_type):
                self.planted.plant(person.rng, items, person.severity)
            items |= people.skipped_answers(person.paths, person.skips_primary)
            person.skips_primary = False
            self.enter(person, "assessor", form, items)
            if person.rng.random() < 0.1:
                self.correct(person, "assessor", form, items, "BOTHER")

        return assess

    def missed_visit(self, visit: str) -> Step:
        def record(person: Person) -> None:
            assert person.participant_id is not None
            reason = {"reason": "unreachable", "text": "No answer to calls or letters"}
            self.trial.record_visit_missed(
                self.actors["site_staff"], person.participant_id, visit, reason
            )

        return record

    def correct(
        self, person: Person, role: str, form: str, items: dict[str, Any], item: str
    ) -> None:
        corrected = dict(items)
        corrected[item] = items[item] - 1 if items[item] > 1 else items[item] + 1
        self.enter(
            person,
            role,
            form,
            corrected,
            reason={"code": "transcription_error", "text": f"{item} misread from the paper form"},
        )

    def complete(self, person: Person) -> None:
        self.enter(
            person,
            "site_staff",
            "end_of_study",
            {"EOS_DATE": self.today().isoformat(), "EOS_STATUS": "completed"},
        )
        if person.rng.random() < 0.25:
            self.sign(person, None)
        person.stopped = True

    # ---- monitoring: queries, source data verification, signatures -------------------------

    def plan_review(self, person: Person) -> None:
        """Some baselines get a monitor's query, source data verification or a signature."""
        if person.rng.random() < 0.3:
            self.later(person, person.rng.uniform(5, 20), self.raise_query)
        if person.rng.random() < 0.5:
            self.later(person, person.rng.uniform(10, 40), self.verify)
        if person.rng.random() < 0.2:
            self.later(person, person.rng.uniform(2, 30), lambda p: self.sign(p, "baseline"))

    def raise_query(self, person: Person) -> None:
        assert person.participant_id is not None
        item = person.rng.choice(["LBP_NOW", "LEG_NOW", "EQ5D_VAS"])
        query = self.trial.raise_query(
            self.actors["monitor"],
            person.participant_id,
            "baseline",
            item,
            f"Please check {item} against the source document.",
        )
        # Some queries are still waiting for the site when the demo ends.
        if person.rng.random() < 0.85:
            self.later(person, person.rng.uniform(1, 10), self.answer_query(query["id"], item))

    def answer_query(self, query_id: str, item: str) -> Step:
        def answer(person: Person) -> None:
            assert person.participant_id is not None
            staff = self.actors["site_staff"]
            value = self.trial.load_participant(person.participant_id).sheets["baseline"][item]
            if isinstance(value, int) and person.rng.random() < 0.4:
                corrected = value - 1 if value > 0 else value + 1
                self.trial.answer_query(
                    staff, query_id, "Corrected from the source document.", {item: corrected}
                )
                person.versions["baseline"] = self.trial.load_participant(
                    person.participant_id
                ).form_version("baseline")
            else:
                self.trial.answer_query(staff, query_id, "Checked: the value matches the source.")
            if person.rng.random() < 0.8:
                self.later(person, person.rng.uniform(1, 7), self.close_query(query_id))

        return answer

    def close_query(self, query_id: str) -> Step:
        def close(person: Person) -> None:
            self.trial.close_query(self.actors["monitor"], query_id, "Resolved.")

        return close

    def verify(self, person: Person) -> None:
        assert person.participant_id is not None
        for form in ("consent", "baseline"):
            self.trial.verify_form(self.actors["monitor"], person.participant_id, form)

    def sign(self, person: Person, form: str | None) -> None:
        """The investigator signs the baseline form, or the whole casebook (form None)."""
        assert person.participant_id is not None
        investigator = self.actors["investigator"]
        self.trial.sign(
            investigator,
            person.participant_id,
            demo_password(investigator.user),
            "approval",
            form=form,
            # A demo casebook may miss a visit: signed anyway, saying so.
            incomplete_reason="Demo: signed as it stands, missed visits included",
        )

    def withdraw(self, person: Person) -> None:
        status = person.rng.choice(["withdrew consent", "lost to follow-up"])
        if person.forced == "lost":
            status = "lost to follow-up"
        self.enter(
            person,
            "site_staff",
            "end_of_study",
            {
                "EOS_DATE": self.today().isoformat(),
                "EOS_STATUS": status,
                "EOS_REASON": "No longer wishes to take part"
                if status == "withdrew consent"
                else "Does not answer letters or calls",
            },
        )
        person.stopped = True
