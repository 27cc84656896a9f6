"""The trial application: every use case of the EDC, composed from `edc.usecases`.

Each command reads the clock and makes random draws in the application (never in the domain),
checks the actor's permission, loads aggregates, calls the domain and saves all resulting
events in one atomic write. A lost race against another writer is retried from fresh state; a
stale `expected_version` from the user is a conflict the web layer turns into 409.
"""

from __future__ import annotations

from edc.base import SYSTEM, utc_now
from edc.usecases.accounts import AccountUseCases
from edc.usecases.allocation import AllocationUseCases
from edc.usecases.audit import AuditUseCases
from edc.usecases.casebooks import CasebookUseCases
from edc.usecases.database import DatabaseUseCases
from edc.usecases.enrolment import EnrolmentUseCases
from edc.usecases.patient_reports import PatientReportUseCases
from edc.usecases.queries import QueryUseCases
from edc.usecases.refusals import RefusalUseCases
from edc.usecases.review import ReviewUseCases
from edc.usecases.stale_saves import StaleSaveUseCases
from edc.usecases.unblinding import UnblindingUseCases
from edc.usecases.visits import VisitRecordUseCases

__all__ = ["SYSTEM", "Trial", "utc_now"]


class Trial(
    # First: it builds on the audit and database use cases below.
    CasebookUseCases,
    EnrolmentUseCases,
    AccountUseCases,
    RefusalUseCases,
    DatabaseUseCases,
    ReviewUseCases,
    QueryUseCases,
    UnblindingUseCases,
    AuditUseCases,
    PatientReportUseCases,
    AllocationUseCases,
    VisitRecordUseCases,
    StaleSaveUseCases,
):
    """The EDC for NCT00454792: screening to end of study, randomisation and accounts."""

    name = "trial"
