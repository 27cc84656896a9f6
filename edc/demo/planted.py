"""A known treatment effect the demo can plant, so the analysis can be checked against it.

Planted: at week 10, participants allocated to rest with Modic type 1 (or 1/2) have their
current low back pain drawn `shift` points lower than they otherwise would; nobody else is
touched and nothing is planted at the 1-year follow-up. The analysis should then find an
effect within that subgroup, an arm x Modic type interaction, and no other interaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

PAIN_SPREAD = 1.5


@dataclass(frozen=True)
class PlantedEffect:
    shift: float = -1.5
    visit: str = "week10"
    arm: str = "rest"
    modic_types: frozenset[str] = frozenset({"1", "1/2"})

    def applies(self, form: str, arm: str | None, modic_type: str | None) -> bool:
        return form == self.visit and arm == self.arm and modic_type in self.modic_types

    def plant(self, rng: random.Random, items: dict[str, Any], severity: float) -> None:
        """Draw LBP_NOW again with the shift, on the same scale as the demo's answers."""
        items["LBP_NOW"] = min(
            10, max(0, round(rng.gauss(10 * severity + self.shift, PAIN_SPREAD)))
        )
