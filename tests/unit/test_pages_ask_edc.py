"""Who may do what is decided in `edc` (`edc.permissions`, the use cases), never restated by
the web layer: a page asks `allowed`, `may` or `site_scope` what to offer, so what it offers
is what the use case accepts, and a rule changed in `edc` changes every page (issue 13: "views
are thin and make no policy decisions"; the guide: "one rule lives in one place").

The check reads the web package's source: it fails on a page that reads an account's blind
(`actor.blinded`) or the role tables (which role enters which form, which roles are tied to
a site, which forms reveal the arm) to decide for itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from domain.actor import Actor
from edc.analysis_jobs import DEFAULT_DUMMY_SEED, dummy_allocation_seed
from edc.permissions import Action, allowed, asked_site, site_scope
from projections.exports import View

ROOT = Path(__file__).resolve().parents[2]
RULE_TABLES = {"SITE_ROLES", "FORM_WRITERS", "ROLE_ACTIONS", "ARM_REVEALING_FORMS"}


def policy_reads(source: str) -> list[str]:
    """Where a module decides on an account's blind or the role tables itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "blinded":
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "actor":
                found.append(f"line {node.lineno}: actor.blinded")
        if isinstance(node, ast.Name) and node.id in RULE_TABLES:
            found.append(f"line {node.lineno}: {node.id}")
        if isinstance(node, ast.alias) and node.name in RULE_TABLES:
            found.append(f"line {node.lineno}: imports {node.name}")
    return found


def test_no_web_module_restates_who_may_do_what() -> None:
    offenders = {
        str(path.relative_to(ROOT)): reads
        for path in sorted((ROOT / "web").rglob("*.py"))
        if (reads := policy_reads(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_finds_a_page_that_decides_for_itself() -> None:
    planted = (
        "from edc.permissions import FORM_WRITERS\n"
        "def offer(actor, form):\n"
        "    return not actor.blinded and actor.role in FORM_WRITERS[form]\n"
    )
    assert sorted(policy_reads(planted)) == [
        "line 1: imports FORM_WRITERS",
        "line 3: FORM_WRITERS",
        "line 3: actor.blinded",
    ]


ACTORS = [
    Actor("s", "site_staff", "RINGE", blinded=False),
    Actor("b", "site_staff", "RINGE", blinded=True),
    Actor("a", "assessor", "RINGE", blinded=True),
    Actor("i", "investigator", "RINGE", blinded=False),
    Actor("m", "monitor", None, blinded=True),
    Actor("d", "data_manager", None, blinded=True),
    Actor("x", "admin", None, blinded=True),
]


def test_a_blinded_account_is_never_offered_randomising() -> None:
    blinded_staff = Actor("b", "site_staff", "RINGE", blinded=True)
    assert not allowed(blinded_staff, Action.RANDOMISE, site="RINGE")
    assert allowed(Actor("s", "site_staff", "RINGE", blinded=False), Action.RANDOMISE, site="RINGE")


def test_the_site_a_request_covers() -> None:
    staff, monitor = ACTORS[0], ACTORS[4]
    assert site_scope(staff) == "RINGE" and site_scope(monitor) is None
    assert asked_site(staff, None) == "RINGE"
    # Named, it is kept, so that check_site refuses another site rather than narrowing it.
    assert asked_site(staff, "OTHER") == "OTHER"
    assert asked_site(monitor, None) is None
    assert asked_site(monitor, "RINGE") == "RINGE"


@pytest.mark.parametrize(
    ("view", "allocation", "seed", "runs_on"),
    [
        (View.BLINDED, "", None, DEFAULT_DUMMY_SEED),
        (View.BLINDED, "real", None, DEFAULT_DUMMY_SEED),  # a blinded snapshot holds no arms
        (View.BLINDED, "", 7, 7),
        (View.UNBLINDED, "", None, None),
        (View.UNBLINDED, "", 7, 7),
        (View.UNBLINDED, "dummy", None, DEFAULT_DUMMY_SEED),
        (View.UNBLINDED, "real", 7, None),
    ],
)
def test_the_allocation_an_analysis_runs_on(
    view: View, allocation: str, seed: int | None, runs_on: int | None
) -> None:
    assert dummy_allocation_seed(view, allocation, seed) == runs_on
