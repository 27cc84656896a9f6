"""Exports, reports and casebooks as files, for the web and the command line: who may have
which view, the cut at a position (`as_of`) they are read from, the site a report covers and
the file's name, decided here; the callers only send or write the file.

The view rule composes the roles' permissions (DESIGN.md, "Roles"): exports need the export
permission; the unblinded view needs an unblinded account, or an analyst once the unblinded
data are released (at positions from the release on). Every unblinded cut taken for a file is
an event in the store (`take_cut`). A refusal is written to the refusal log like the use
cases' own.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from uuid import UUID

from domain.actor import Actor
from domain.errors import EdcError, NotFound, PermissionDenied
from domain.roles import Role
from domain.wording import Message
from edc.application import Trial
from edc.data_kinds import authorize_read
from edc.exports import store_reader
from edc.operator import operator_actor
from edc.permissions import Action, authorize, site_scope
from edc.refusals import record_refusal
from projections.exports import Cut, ExportKind, View, default_file_name, export
from projections.exports.casebook_paper import CasebookPaper
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.dictionary_page import wording
from projections.reports.output import SUFFIXES, ReportKind, write_report

# The kinds of file, for the pages and commands that offer them.
__all__ = [
    "SUFFIXES",
    "Cut",
    "Download",
    "ExportKind",
    "ReportKind",
    "View",
    "annotated_crf_download",
    "archive_download",
    "casebook_download",
    "export_download",
    "export_view",
    "operator_cut",
    "report_download",
    "report_of",
    "take_cut",
    "unblinded_views_allowed",
]

Writer = Callable[[IO[bytes]], dict[str, Any]]
# Writes a file of a cut under a name (the name's ending chooses a format), returns its manifest.
CutWriter = Callable[[Cut, IO[bytes], str], dict[str, Any]]


@dataclass(frozen=True)
class Download:
    """A file to send: its name, the cut it is read from, and how to write it (returning its
    manifest); written in a worker thread, after every check has passed."""

    file_name: str
    cut: Cut
    writer: CutWriter

    def write(self, out: IO[bytes]) -> dict[str, Any]:
        return self.writer(self.cut, out, self.file_name)


def export_view(trial: Trial, actor: Actor, requested: str) -> View:
    """The view the actor asked for, if they may have it (raises PermissionDenied)."""
    view = _view(requested)
    try:
        authorize(actor, Action.EXPORT)
        if view is View.UNBLINDED and not unblinded_views_allowed(trial, actor):
            raise PermissionDenied(
                "The unblinded view is for unblinded accounts, and for analysts once the "
                "unblinded data are released after the database lock."
            )
    except PermissionDenied as error:
        record_refusal(trial, actor.as_dict(), "export", {"scope": view.value}, error)
        raise
    return view


def report_view(trial: Trial, actor: Actor, requested: str) -> View:
    """Reports (CONSORT, enrolment, visits, missing data) are for everyone who reads clinical
    data; their unblinded view (counts per arm) only for those who may see the arm."""
    view = _view(requested)
    try:
        authorize(actor, Action.VIEW_CLINICAL)
        if view is View.UNBLINDED and not unblinded_views_allowed(trial, actor):
            raise PermissionDenied("Counts per arm are only for those who may see the arm.")
    except PermissionDenied as error:
        record_refusal(trial, actor.as_dict(), "report", {"scope": view.value}, error)
        raise
    return view


def _view(requested: str) -> View:
    try:
        return View(requested or View.BLINDED.value)
    except ValueError:
        raise EdcError(
            Message("Unknown view %(view)s; use blinded or unblinded.", view=repr(requested))
        ) from None


def unblinded_views_allowed(trial: Trial, actor: Actor) -> bool:
    """Unblinded accounts, and analysts while the unblinded data are released."""
    if not actor.blinded:
        return True
    return Role(actor.role) is Role.ANALYST and trial.unblinded_release_position() is not None


def take_cut(
    trial: Trial, actor: Actor, view: View, as_of: int | None, what: str, channel: str
) -> Cut:
    """The cut to read; an unblinded one is checked against the release (analysts read from
    the release position on) and recorded as an event before anything is written."""
    cut = Cut.of(store_reader(trial), view, as_of)
    if view.blinded:
        return cut
    try:
        trial.check_unblinded_access(actor, cut.as_of)
    except PermissionDenied as error:
        details = {"scope": view.value, "as_of": cut.as_of}
        record_refusal(trial, actor.as_dict(), "export", details, error)
        raise
    trial.record_unblinded_export(actor, what, cut.as_of, channel)
    return cut


def operator_cut(trial: Trial, requested_view: str, as_of: int | None, what: str) -> Cut:
    """The cut the operator reads from the command line: the operator holds the store's files,
    so may read either view; the trail still says who took an unblinded one."""
    view = _view(requested_view)
    cut = Cut.of(store_reader(trial), view, as_of)
    if not view.blinded:
        trial.record_unblinded_export(operator_actor(), what, cut.as_of, "command line")
    return cut


def export_download(
    trial: Trial,
    actor: Actor,
    kind: ExportKind,
    requested_view: str,
    as_of: int | None,
    channel: str,
    *,
    what: str | None = None,
    html: bool = False,
    words: Words = ENGLISH,
) -> Download:
    """An export the actor may read, in the view they asked for (`what`: how the record of an
    unblinded one names it; `html`: the data dictionary as a page)."""
    authorize_read(trial, actor, kind)
    view = export_view(trial, actor, requested_view)
    cut = take_cut(trial, actor, view, as_of, what or kind.value, channel)
    # Only trial-wide roles export today; a site role would get its own site's participants.
    cut = dataclasses.replace(cut, site=site_scope(actor))
    name = default_file_name(kind, cut)
    if html and kind is ExportKind.DICTIONARY:
        name = name.removesuffix(".csv") + ".html"
    return Download(name, cut, functools.partial(export, kind, w=words))


def dictionary_wording() -> list[tuple[str, str]]:
    """The parts the data dictionary's page says in the reader's language (domain.wording's
    labels, messages and words), with the column each is from (for the translation
    catalogues)."""
    return list(wording())


def report_of(name: str) -> tuple[ReportKind, str]:
    """The report a file name asks for (`consort.svg`), and its suffix; NotFound if none."""
    stem, dot, suffix = name.partition(".")
    try:
        kind = ReportKind(stem)
    except ValueError:
        raise NotFound(Message("There is no report called %(name)s.", name=repr(name))) from None
    if not dot or f".{suffix}" not in SUFFIXES[kind]:
        raise NotFound(Message("There is no report called %(name)s.", name=repr(name)))
    return kind, f".{suffix}"


def report_download(
    trial: Trial,
    actor: Actor,
    kind: ReportKind,
    suffix: str,
    requested_view: str,
    as_of: int | None,
    channel: str,
    words: Words = ENGLISH,
) -> Download:
    """A report in the view asked for, of the participants the actor reads: site roles see
    their own site's, as in every other read; pages for people in the reader's language."""
    view = report_view(trial, actor, requested_view)
    cut = take_cut(trial, actor, view, as_of, f"report {kind.value}", channel)
    cut = dataclasses.replace(cut, site=site_scope(actor))
    name = f"{kind.value}-{view.value}-{cut.as_of}{suffix}"
    return Download(name, cut, lambda cut, out, name: write_report(kind, cut, out, name, words))


def casebook_download(
    trial: Trial,
    actor: Actor,
    participant_id: UUID,
    as_of: int | None,
    channel: str,
    words: Words = ENGLISH,
) -> tuple[CasebookPaper, bytes]:
    """One participant's casebook as PDF, as this account may see it (the use case decides),
    in the reader's language."""
    # The PDF modules are imported where a casebook is printed: the PDF library is slow to
    # load, and every `edc` command loads this module.
    from projections.exports.casebook_pdf import casebook_pdf

    paper = trial.casebook_paper(actor, participant_id, as_of, channel)
    return paper, casebook_pdf(paper, words)


def annotated_crf_download(
    trial: Trial, actor: Actor, as_of: int | None, words: Words = ENGLISH
) -> tuple[Cut, bytes]:
    """The annotated blank CRF as PDF, in the account's view at a cut (the use case decides),
    in the reader's language."""
    return trial.annotated_crf(actor, as_of, words)


def archive_download(
    trial: Trial,
    actor: Actor,
    site: str | None,
    as_of: int | None,
    channel: str,
    words: Words = ENGLISH,
) -> Download:
    """A site's casebooks as a zip for the investigator's archive (the use case decides)."""
    from projections.exports.casebook_pdf_archive import write_archive

    archive = trial.site_archive(actor, site, as_of, channel)
    return Download(
        archive.file_name,
        archive.cut,
        lambda cut, out, name: write_archive(cut, archive.site, archive.papers, out, w=words),
    )
