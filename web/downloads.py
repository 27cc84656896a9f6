"""Exports for the web: who may have which view, and streaming a file made in a worker thread.

The view rule composes the roles' permissions (DESIGN.md, "Roles"): exports need the export
permission; the unblinded view needs an unblinded account, or an analyst once the unblinded
data are released (at positions from the release on). Every unblinded cut taken for an export
is an event in the store (`take_cut`). A refusal is written to the refusal log like the use
cases' own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO, Any

from aiohttp import web

from domain.actor import Actor
from domain.errors import EdcError, PermissionDenied
from domain.roles import Role
from edc.application import Trial
from edc.exports import store_reader
from edc.permissions import Action, authorize
from edc.refusals import record_refusal
from projections.exports import Cut, View
from web.calls import run

CHUNK = 64 * 1024
# Exports are spooled in memory up to this size, then to a temporary file (memory stays flat).
SPOOL = 4 * 1024 * 1024


def export_view(trial: Trial, actor: Actor, requested: str) -> View:
    """The view the actor asked for, if they may have it (raises PermissionDenied)."""
    try:
        view = View(requested or View.BLINDED.value)
    except ValueError:
        raise EdcError(f"Unknown view {requested!r}; use blinded or unblinded.") from None
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


def unblinded_views_allowed(trial: Trial, actor: Actor) -> bool:
    """Unblinded accounts, and analysts while the unblinded data are released."""
    if not actor.blinded:
        return True
    return Role(actor.role) is Role.ANALYST and trial.unblinded_release_position() is not None


def make_cut(trial: Trial, view: View, as_of: int | None) -> Cut:
    return Cut.of(store_reader(trial), view, as_of)


def take_cut(
    trial: Trial, actor: Actor, view: View, as_of: int | None, what: str, channel: str
) -> Cut:
    """The cut to export; an unblinded one is checked against the release (analysts read from
    the release position on) and recorded as an event before anything is written."""
    cut = make_cut(trial, view, as_of)
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


Writer = Callable[[IO[bytes]], dict[str, Any]]


async def stream_file(
    request: web.Request,
    writer: Writer,
    file_name: str,
    content_type: str,
    *,
    attachment: bool = True,
) -> web.StreamResponse:
    """Write the export in a worker thread, then send it in chunks."""

    def produce() -> tuple[IO[bytes], dict[str, Any]]:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115
        try:
            manifest = writer(spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool, manifest

    spool, manifest = await run(produce)
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f"{'attachment' if attachment else 'inline'}; "
                f'filename="{file_name}"',
            }
        )
        if isinstance(manifest, dict):
            for key, header in (
                ("as_of", "X-EDC-As-Of"),
                ("chain_head", "X-EDC-Chain-Head"),
                ("view", "X-EDC-View"),
            ):
                if manifest.get(key) is not None:
                    response.headers[header] = str(manifest[key])
        await response.prepare(request)
        while chunk := await run(spool.read, CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        spool.close()


def report_view(trial: Trial, actor: Actor, requested: str) -> View:
    """Reports (CONSORT, enrolment, visits, missing data) are for everyone who reads clinical
    data; their unblinded view (counts per arm) only for those who may see the arm."""
    try:
        view = View(requested or View.BLINDED.value)
    except ValueError:
        raise EdcError(f"Unknown view {requested!r}; use blinded or unblinded.") from None
    try:
        authorize(actor, Action.VIEW_CLINICAL)
        if view is View.UNBLINDED and not unblinded_views_allowed(trial, actor):
            raise PermissionDenied("Counts per arm are only for those who may see the arm.")
    except PermissionDenied as error:
        record_refusal(trial, actor.as_dict(), "report", {"scope": view.value}, error)
        raise
    return view
