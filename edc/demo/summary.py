"""A plain-text summary of a trial: enrolment by status, arm counts and minimisation balance."""

from __future__ import annotations

from collections import Counter

from domain.minimisation import FACTOR_LEVELS, FACTORS
from domain.protocol import ARMS
from edc.application import Trial
from edc.query_lookup import arm_revealing_queries_of, queries_of


def review_summary(trial: Trial) -> str:
    """Counts of queries (by status), signatures (by validity) and source-verified forms."""
    queries: Counter[str] = Counter()
    signatures: Counter[str] = Counter()
    verified = 0
    for pid in trial.participant_ids():
        participant = trial.load_participant(pid)
        queries.update(query.status.value for query in queries_of(trial, pid))
        # The summary is the operator's (it shows arm counts): harms' queries count too.
        queries.update(query.status.value for query in arm_revealing_queries_of(trial, pid))
        signatures.update(
            "valid" if participant.signature_is_valid(s) else "invalidated"
            for s in participant.signatures
        )
        verified += len(participant.verified_forms)
    return (
        f"Queries: {sum(queries.values())} ("
        + ", ".join(f"{status} {queries[status]}" for status in ("open", "answered", "closed"))
        + f"); signatures: {signatures['valid']} valid, {signatures['invalidated']} invalidated;"
        f" source-verified forms: {verified}"
    )


def trial_summary(trial: Trial) -> str:
    statuses = Counter(trial.load_participant(pid).state.status for pid in trial.participant_ids())
    lines = [f"Participants screened: {sum(statuses.values())}"]
    lines += [f"  {status:<28} {count:>6}" for status, count in sorted(statuses.items())]
    lines.append(review_summary(trial))
    allocation = trial.load_allocation()
    if allocation is None:
        lines.append("No participant randomised yet.")
        return "\n".join(lines)
    per_arm = Counter(allocation.arms.values())
    lines.append("Randomised by arm: " + ", ".join(f"{arm} {per_arm[arm]}" for arm in ARMS))
    lines.append("Balance per minimisation factor (exercise / rest, difference):")
    counts = allocation.counts
    for factor in FACTORS:
        for level in FACTOR_LEVELS[factor]:
            a, b = (counts.count(factor, level, arm) for arm in ARMS)
            lines.append(f"  {factor:<14} {level:<10} {a:>5} / {b:<5} {a - b:+d}")
    return "\n".join(lines)
