"""Casebooks on paper: one participant's casebook as its reader may see it, a site's casebooks
for the investigator's archive, and the annotated blank CRF.

Everything is read from the event store up to a position (`as_of`), through the reader's view:
a blinded account reads blinded-safe events only, chosen by topic before anything is decoded
(the audit trail's reading), so its casebook has no arm and no arm-revealing form to print.
The archive holds adverse events and adherence, so only an unblinded account makes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord, arm_revealing_record_id
from domain.arm_revealing_query import ArmRevealingQuery
from domain.errors import EdcError, NotFound, PermissionDenied
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, SITES
from domain.query import Query
from domain.wording import Message
from edc.audit.rendering import render_event
from edc.data_kinds import authorize_read
from edc.exports import store_reader
from edc.permissions import Action, asked_site, authorize, check_site, may
from edc.presenters import participant_view
from edc.refusals import logs_refusals
from edc.review_presenters import query_view, signature_view
from edc.usecases.audit import AuditUseCases
from edc.usecases.database import DatabaseUseCases
from projections.exports import ExportKind
from projections.exports.casebook_paper import CasebookPaper
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.source import Cut
from projections.exports.view import View

# Queries, and (in an unblinded reader's events only) queries on arm-revealing forms.
QUERY_TOPIC_PREFIXES = (get_topic(Query) + ".", get_topic(ArmRevealingQuery) + ".")
ARCHIVE_KIND = "casebook archive"


@dataclass(frozen=True)
class SiteArchive:
    """A site's casebooks at a cut, for the investigator's archive."""

    site: str
    cut: Cut
    papers: Iterator[CasebookPaper]  # made one at a time, as the archive is written
    count: int

    @property
    def file_name(self) -> str:
        return f"casebooks-{self.site}-{self.cut.as_of}.zip"


def view_for(actor: Actor) -> View:
    """The account's blind chooses the view, whatever its role."""
    return View.BLINDED if actor.blinded else View.UNBLINDED


def authorize_casebook(actor: Actor, site: str | None) -> None:
    """A casebook carries the data and their history: readers of both, of the site."""
    authorize(actor, Action.VIEW_CLINICAL)
    authorize(actor, Action.VIEW_AUDIT, site=site)


def may_read_casebooks(actor: Actor) -> bool:
    """Whether the account may have casebooks at all (pages offer them only then)."""
    return may(actor, Action.VIEW_CLINICAL) and may(actor, Action.VIEW_AUDIT)


def may_make_archive(actor: Actor) -> bool:
    return may_read_casebooks(actor) and not actor.blinded


def archive_site(actor: Actor, site: str | None) -> str:
    """The site whose archive an account makes (its own for site roles), or refuses."""
    authorize_casebook(actor, site)
    if actor.blinded:
        raise PermissionDenied(
            "The site archive holds adverse events and adherence, which reveal the arm: "
            "it is made by an unblinded account."
        )
    chosen = asked_site(actor, site)
    if chosen is None:
        raise EdcError(
            Message(
                "Say whose casebooks to archive: one of the sites %(sites)s.",
                sites=", ".join(SITES),
            )
        )
    if chosen not in SITES:
        raise NotFound(
            Message(
                "There is no site %(site)s; the sites are %(sites)s.",
                site=repr(chosen),
                sites=", ".join(SITES),
            )
        )
    check_site(actor, chosen)
    return chosen


class CasebookUseCases(DatabaseUseCases, AuditUseCases):
    @logs_refusals
    def casebook_paper(
        self, actor: Actor, participant_id: UUID, as_of: int | None = None, channel: str = "web"
    ) -> CasebookPaper:
        """One participant's casebook as this account may see it, up to `as_of` (`channel`:
        where it goes, for the record an unblinded one leaves)."""
        participant = self._participant(participant_id)
        authorize_casebook(actor, participant.site)
        cut = self.casebook_cut(actor, as_of)
        paper = self._paper(actor, participant_id, cut)
        if paper is None:
            raise NotFound("The participant had not been screened yet at that point.")
        if not cut.view.blinded:
            self.record_unblinded_export(actor, "casebook", cut.as_of, channel)
        return paper

    @logs_refusals
    def site_archive(
        self, actor: Actor, site: str | None = None, as_of: int | None = None, channel: str = "web"
    ) -> SiteArchive:
        """Every casebook of a site, unblinded, for the investigator's archive."""
        chosen = archive_site(actor, site)
        cut = self.casebook_cut(actor, as_of)
        ids = list(self.participant_ids(chosen))
        papers = (paper for pid in ids if (paper := self._paper(actor, pid, cut)) is not None)
        self.record_unblinded_export(actor, f"{ARCHIVE_KIND} {chosen}", cut.as_of, channel)
        return SiteArchive(chosen, cut, papers, len(ids))

    def annotated_crf(
        self, actor: Actor, as_of: int | None = None, words: Words = ENGLISH
    ) -> tuple[Cut, bytes]:
        """The annotated blank CRF in the account's view (read as the data dictionary is), in
        the reader's language."""
        # Here, not at the top: the PDF library is slow to load, and every `edc` command and
        # server loads this module, most never printing.
        from projections.exports.casebook_pdf_blank import annotated_crf_pdf

        authorize_read(self, actor, ExportKind.DICTIONARY)
        cut = self.casebook_cut(actor, as_of)
        return cut, annotated_crf_pdf(cut.view, cut.last_event_time(), cut.as_of, words)

    def casebook_cut(self, actor: Actor, as_of: int | None) -> Cut:
        """The store up to `as_of` as the account's view sees it."""
        view = view_for(actor)
        if not view.blinded:
            self.check_unblinded_access(actor, as_of)
        return Cut.of(store_reader(self), view, as_of)

    # ---- internals ------------------------------------------------------------------------

    def _paper(self, actor: Actor, participant_id: UUID, cut: Cut) -> CasebookPaper | None:
        """The casebook from the participant's events up to the cut; None if not yet screened."""
        events = [
            (n, event, context)
            for n, event, context in self._participant_events(actor, participant_id)
            if n.id <= cut.as_of
        ]
        last = _last_versions([n for n, _, _ in events])
        if participant_id not in last:
            return None
        then: Participant = self.repository.get(participant_id, version=last[participant_id])
        arm: str | None = None
        record: Any = None
        if not actor.blinded:
            record_id = arm_revealing_record_id(participant_id)
            if record_id in last:
                record = self.repository.get(record_id, version=last[record_id])
            arm = next(
                (e.decision["arm"] for _, e, _ in events if isinstance(e, Allocation.Allocated)),
                None,
            )
        trail = [
            render_event(event, n.id, context)
            for n, event, context in events
            if actor_may_see(actor, {**context, **vars(event)})
        ]
        queries = [
            query_view(self.repository.get(query_id, version=last[query_id]))
            for query_id in _aggregates(events, QUERY_TOPIC_PREFIXES)
        ]
        return CasebookPaper(
            participant=participant_view(
                then, blinded=actor.blinded, arm=arm, arm_revealing=_record(record)
            ),
            signatures=[signature_view(then, s) for s in then.signatures],
            queries=[q for q in queries if actor_may_see(actor, q)],
            trail=trail,
            reader=f"{actor.user} ({actor.role}, {actor.site or 'all sites'})",
            view=cut.view.value,
            as_of=cut.as_of,
            as_of_time=cut.last_event_time(),
            chain_head=cut.chain_head(),
        )


def actor_may_see(actor: Actor, about: dict[str, Any]) -> bool:
    """A blinded reader gets nothing about an arm-revealing form (a query on an adverse
    event, say), even when the event itself is blinded-safe."""
    form = str(about.get("form") or about.get("key") or "").split(":")[0]
    return not (actor.blinded and form in ARM_REVEALING_FORMS)


def _last_versions(notifications: Sequence[Notification]) -> dict[UUID, int]:
    last: dict[UUID, int] = {}
    for n in notifications:
        assert isinstance(n.originator_id, UUID)
        last[n.originator_id] = n.originator_version
    return last


def _aggregates(
    events: Sequence[tuple[Notification, Any, Any]], prefixes: tuple[str, ...]
) -> list[UUID]:
    """The aggregates whose topics start with one of `prefixes`, in the order they first
    appear."""
    seen: dict[UUID, None] = {}
    for n, _, _ in events:
        if n.topic.startswith(prefixes) and isinstance(n.originator_id, UUID):
            seen.setdefault(n.originator_id, None)
    return list(seen)


def _record(record: Any) -> ArmRevealingRecord | None:
    return record if isinstance(record, ArmRevealingRecord) else None
