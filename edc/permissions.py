"""Who may do what (DESIGN.md, "Roles"), checked in the application layer for every command."""

from __future__ import annotations

from enum import StrEnum

from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS
from domain.roles import SITE_ROLES, Role
from domain.wording import Label, Message, Word


class Action(StrEnum):
    SCREEN = "screen"
    ENTER_FORM = "enter form"
    RANDOMISE = "randomise"
    VIEW_CLINICAL = "view clinical data"
    VIEW_AUDIT = "view audit trail"
    SIGN = "sign"
    UNBLIND = "emergency unblind"
    RAISE_QUERY = "raise query"
    ANSWER_QUERY = "answer query"
    CLOSE_QUERY = "close query"
    VERIFY = "verify source data"
    LOCK = "lock"
    LOCK_DATABASE = "lock database"
    EXPORT = "export"
    MANAGE_USERS = "manage users"
    VIEW_REFUSALS = "view refused actions"
    LIST_UNBLINDINGS = "list emergency unblindings"
    RECHECK_ALLOCATIONS = "re-check allocations"
    RECORD_MISSED_VISIT = "record a missed visit"
    RECORD_DEVIATION = "record a protocol deviation"


_SITE_ENTRY = {
    Action.SCREEN,
    Action.ENTER_FORM,
    Action.VIEW_CLINICAL,
    Action.ANSWER_QUERY,
    Action.RECORD_MISSED_VISIT,
    Action.RECORD_DEVIATION,
}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.SITE_STAFF: frozenset(_SITE_ENTRY | {Action.RANDOMISE}),
    Role.ASSESSOR: frozenset({Action.ENTER_FORM, Action.VIEW_CLINICAL, Action.RECORD_MISSED_VISIT}),
    Role.INVESTIGATOR: frozenset(_SITE_ENTRY | {Action.SIGN, Action.UNBLIND, Action.VIEW_AUDIT}),
    Role.MONITOR: frozenset(
        {
            Action.VIEW_CLINICAL,
            Action.VIEW_AUDIT,
            Action.RAISE_QUERY,
            Action.CLOSE_QUERY,
            Action.VERIFY,
            Action.VIEW_REFUSALS,
            Action.LIST_UNBLINDINGS,
            Action.RECHECK_ALLOCATIONS,
        }
    ),
    Role.DATA_MANAGER: frozenset(
        {
            Action.VIEW_CLINICAL,
            Action.VIEW_AUDIT,
            Action.RAISE_QUERY,
            Action.CLOSE_QUERY,
            Action.LOCK,
            Action.LOCK_DATABASE,
            Action.EXPORT,
            Action.VIEW_REFUSALS,
            Action.LIST_UNBLINDINGS,
            Action.RECHECK_ALLOCATIONS,
        }
    ),
    Role.ANALYST: frozenset({Action.VIEW_CLINICAL, Action.EXPORT}),
    Role.ADMIN: frozenset({Action.MANAGE_USERS}),
}

# Which roles enter which form. Outcomes are entered only by blinded assessors; adherence
# reveals the arm, and so do adverse events and discontinuation, so only unblinded site staff
# enter them.
_SITE_FORMS = ("screening", "mri", "consent", "baseline", "weekly", "end_of_study")
FORM_WRITERS: dict[str, frozenset[Role]] = {
    **{form: frozenset({Role.SITE_STAFF, Role.INVESTIGATOR}) for form in _SITE_FORMS},
    "week10": frozenset({Role.ASSESSOR}),
    "month12": frozenset({Role.ASSESSOR}),
    "adherence": frozenset({Role.SITE_STAFF}),
    # Investigators report harms (DESIGN.md, Roles): only unblinded ones reach this form.
    "adverse_event": frozenset({Role.SITE_STAFF, Role.INVESTIGATOR}),
    "discontinuation": frozenset({Role.SITE_STAFF}),
}


def may(actor: Actor, action: Action) -> bool:
    try:
        role = Role(actor.role)
    except ValueError:
        return False
    return action in ROLE_ACTIONS[role]


def authorize(
    actor: Actor, action: Action, *, site: str | None = None, form: str | None = None
) -> None:
    """Raise PermissionDenied unless the actor's role, site and blinding allow the action."""
    check_blind(actor, form)
    if not may(actor, action):
        raise PermissionDenied(role_may_not(actor, action))
    if action is Action.RANDOMISE and actor.blinded:
        raise PermissionDenied(
            Message("Blinded users may not randomise: the answer reveals the arm.")
        )
    if action is Action.RECHECK_ALLOCATIONS and actor.blinded:
        raise PermissionDenied(
            Message(
                "Blinded accounts may not re-check allocations: the decision records reveal "
                "the arm."
            )
        )
    if form is not None:
        writers = FORM_WRITERS.get(form, frozenset())
        if Role(actor.role) not in writers:
            raise PermissionDenied(
                Message(
                    "Your role (%(role)s) may not enter the %(form)s form.",
                    role=Word(actor.role),
                    form=Label(FORM_LABELS.get(form, form)),
                )
            )
    check_site(actor, site)


def allowed(
    actor: Actor, action: Action, *, site: str | None = None, form: str | None = None
) -> bool:
    """Whether `authorize` lets the actor do the action: what a page asks before it offers a
    button or a form, so that what it offers is exactly what the use case accepts."""
    try:
        authorize(actor, action, site=site, form=form)
    except PermissionDenied:
        return False
    return True


def role_may_not(actor: Actor, action: Action | str) -> Message:
    """The refusal of an action the actor's role does not allow, in words (`action` is an
    `Action` or the words of a page's own action, marked for the catalogue by the caller)."""
    words = action.value if isinstance(action, Action) else action
    return Message(
        "Your role (%(role)s) may not %(action)s.", role=Word(actor.role), action=Word(words)
    )


def check_blind(actor: Actor, form: str | None, *, as_missing: bool = False) -> None:
    """The blind is the account's: a blinded account, whatever its role, is refused anything
    on an arm-revealing form (entry, view, validation, review, history).

    Use cases call this first, before the participant, the form or the arm is read, so the
    refusal is the same for every participant: with the form, without it, in either arm,
    or none at all. Pages that show a form (`as_missing`) answer as for a form that does
    not exist, as the blinded casebook has no such form.
    """
    if actor.blinded and form in ARM_REVEALING_FORMS:
        if as_missing:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        raise PermissionDenied(
            Message(
                "Blinded accounts may not see or work with the %(form)s form: it reveals the arm.",
                form=Label(FORM_LABELS[form]),
            )
        )


def sees_arm_revealing_forms(actor: Actor) -> bool:
    """Whether the blind (`check_blind`) lets the account see arm-revealing forms: asked before
    anything arm-revealing is read, so that lists and counts of a blinded reader never load it."""
    try:
        for form in sorted(ARM_REVEALING_FORMS):
            check_blind(actor, form)
    except PermissionDenied:
        return False
    return True


def site_scope(actor: Actor) -> str | None:
    """The site whose participants an account reads: its own for site roles, None (every
    site) for trial-wide roles. Lists and reports scope by this."""
    return actor.site if Role(actor.role) in SITE_ROLES else None


def asked_site(actor: Actor, site: str | None) -> str | None:
    """The site a request covers: the one it names, else the account's scope (`site_scope`).
    A site role naming another site is refused afterwards by `check_site`."""
    return site if site is not None else site_scope(actor)


def check_site(actor: Actor, site: str | None) -> None:
    """Site roles work only with their own site's participants."""
    if site is not None and Role(actor.role) in SITE_ROLES and actor.site != site:
        raise PermissionDenied(Message("You may only work with participants of your own site."))
