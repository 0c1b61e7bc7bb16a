"""What one replicate takes and gives back: how its parameters are drawn and the compact
arrays it produced. Both engines (diplomacy.py, batched.py) and the ensembles that run
them (model.runs) share these types, so they live with the world, below the runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.world.parameters import Parameters
from model.world.simevents import SimEvent


@dataclass(frozen=True)
class ReplicateResult:
    """Everything one replicate produced, as compact arrays and lists."""

    replicate: int
    parameters: dict[str, float]
    metrics: np.ndarray  # (quarters, len(METRICS))
    members: np.ndarray  # (quarters, members, 2) pressure and engagement; NaN when absent
    exchanges: np.ndarray  # (quarters, members) DPRK exchanges
    statements: list[tuple]  # (year, meeting, chair, tone, voice, target, support)
    events: list[SimEvent]
    chairs: dict[int, str]


ParameterDraw = Callable[[int, np.random.Generator], Parameters]
"""Chooses a replicate's parameters from its index and its own parameter stream."""


@dataclass(frozen=True)
class PointDraw:
    """Every replicate uses the same parameters (picklable, for process pools)."""

    params: Parameters

    def __call__(self, index: int, rng: np.random.Generator) -> Parameters:
        return self.params
