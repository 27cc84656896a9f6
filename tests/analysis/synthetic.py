"""A snapshot zip of a synthetic randomised trial with a known effect, for the analysis tests.

Only the columns the analysis reads are written. The planted effect: rest lowers LBP now at
week 10 by `effect` points in participants with Modic type 1 (or 1/2), and nowhere else.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from dataclasses import dataclass

OUTCOME_ITEMS = ("LBP_NOW", "RMDQ_SCORE", "EQ5D_INDEX_DK", "BOTHER", "GLOBAL_TRANSITION")


@dataclass(frozen=True)
class Planted:
    effect: float = -1.5
    randomised: int = 400
    seed: int = 1
    missing_share: float = 0.1

    def true_overall(self, type1_share: float) -> float:
        return self.effect * type1_share


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def synthetic_snapshot(plan: Planted, with_arm: bool = True) -> tuple[bytes, float]:
    """The zip, and the share of Modic type 1 among the randomised."""
    rng = random.Random(plan.seed)
    participants, screening, mri, baseline = [], [], [], []
    follow = {"week10": [], "month12": []}
    type1 = 0
    for number in range(plan.randomised):
        pid = f"00000000-0000-0000-0000-{number:012d}"
        arm = "rest" if number % 2 else "exercise"
        sex = rng.choice("FM")
        age = rng.randint(18, 60)
        smoker = "Y" if rng.random() < 0.3 else "N"
        load = rng.randint(1, 4)
        modic = rng.choice(["1", "2", "1/2", "2/3"])
        is_type1 = modic in ("1", "1/2")
        type1 += is_type1
        base = rng.randint(3, 9)
        levels = [
            sex,
            "18-39" if age < 40 else "40-60",
            "yes" if smoker == "Y" else "no",
            "light" if load <= 2 else "heavy",
            "1 or 1/2" if is_type1 else "other",
        ]
        participants.append(
            [pid, f"RINGE-{number:04d}", "RINGE", "completed", "2008-01-01", *levels]
            + ([arm] if with_arm else [])
        )
        screening.append([pid, age, sex])
        mri.append([pid, modic])
        baseline.append([pid, base, 12, 0.6, 3, "", smoker, load])
        for visit in follow:
            if rng.random() < plan.missing_share:
                follow[visit].append([pid, "", "", "", "", ""])
                continue
            mean = 0.6 * base + 1.0
            if visit == "week10" and arm == "rest" and is_type1:
                mean += plan.effect
            lbp = mean + rng.gauss(0, 1.5)
            follow[visit].append(
                [
                    pid,
                    lbp,
                    rng.randint(0, 23),
                    round(rng.uniform(0, 1), 3),
                    rng.randint(1, 5),
                    rng.randint(1, 7),
                ]
            )
    header_p = ["participant_id", "screening_number", "site", "status", "randomised_on"]
    header_p += ["RAND_SEX", "RAND_AGE", "RAND_SMOKING", "RAND_PHYSICAL_LOAD", "RAND_MODIC_TYPE"]
    files = {
        "participants.csv": _csv(header_p + (["ARM"] if with_arm else []), participants),
        "screening.csv": _csv(["participant_id", "AGE", "SEX"], screening),
        "mri.csv": _csv(["participant_id", "MODIC_TYPE"], mri),
        "baseline.csv": _csv(
            ["participant_id", *OUTCOME_ITEMS, "SMOKER", "PHYSICAL_LOAD"], baseline
        ),
        "week10.csv": _csv(["participant_id", *OUTCOME_ITEMS], follow["week10"]),
        "month12.csv": _csv(["participant_id", *OUTCOME_ITEMS], follow["month12"]),
        "manifest.json": json.dumps(
            {
                "as_of": 1,
                "as_of_time": "2009-01-01T00:00:00+00:00",
                "chain_head": "1:x",
                "view": "unblinded" if with_arm else "blinded",
            }
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return out.getvalue(), type1 / plan.randomised
