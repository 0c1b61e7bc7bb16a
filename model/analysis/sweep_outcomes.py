"""What each run of a sweep is reduced to, and the worker task that runs sampled points.

Kept apart from model/analysis/sweep.py (sampling, indices, figures and the report) so
that a worker process imports numpy and the model, not pandas, SALib or matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.vocabulary import GRAVE, METRICS, VOICES
from model.world.batched import BatchedModel
from model.world.replicate import ParameterDraw
from model.world.scenario import Scenario
from model.world.spans import points_model

WELCOMING = 0


# --- outcomes: what each run is reduced to ---------------------------------------------
@dataclass(frozen=True)
class Runs:
    """What the outcomes read of R finished runs, as arrays (replicate first)."""

    tone: np.ndarray  # (R, summits) float, NaN where there was no text
    voice: np.ndarray  # (R, summits) codes into VOICES
    metrics: np.ndarray  # (R, quarters, len(METRICS))
    exchanges: np.ndarray  # (R,) delegations both ways over the period
    years: int  # simulated years (chaired years of the period)

    @classmethod
    def of(cls, model: BatchedModel) -> Runs:
        """A finished batched model's runs."""
        summits = [s for s in model.statements if s.meeting == "summit"]
        r = model.n
        tone = np.array([s.tone for s in summits], dtype=float).reshape(-1, r).T
        tone[tone < 0] = np.nan
        voice = np.array([s.voice for s in summits], dtype=np.int64).reshape(-1, r).T
        exchanges = model.exchange_history.sum(axis=(1, 2))
        return cls(tone, voice, model.metric_history(), exchanges, len(model.chairs))

    @property
    def summits(self) -> int:
        return self.tone.shape[1]


def mean_tone(runs: Runs) -> np.ndarray:
    """Mean tone (0 welcomes .. 4 grave concern) of the period's summit texts (NaN if none)."""
    texts = np.isfinite(runs.tone)
    total = np.where(texts, runs.tone, 0.0).sum(axis=1)
    count = texts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def grave_share(runs: Runs) -> np.ndarray:
    """Share of the period's summits whose statement has grave-concern language (tone 4)."""
    return (runs.tone == GRAVE).sum(axis=1) / max(1, runs.summits)


def split_or_none_share(runs: Runs) -> np.ndarray:
    """Share of summits where ASEAN could not speak by consensus (a split or no text)."""
    return (runs.voice != VOICES.index("consensus")).sum(axis=1) / max(1, runs.summits)


def welcoming_share(runs: Runs) -> np.ndarray:
    """Share of summits whose statement welcomes engagement or summits (tone 0)."""
    return (runs.tone == WELCOMING).sum(axis=1) / max(1, runs.summits)


def exchanges_per_year(runs: Runs) -> np.ndarray:
    """DPRK-member delegations (both ways) per simulated year."""
    return runs.exchanges / max(1, runs.years)


def provocations_per_year(runs: Runs) -> np.ndarray:
    """DPRK launches and tests per simulated year."""
    return runs.metrics[:, :, METRICS.index("provocations")].sum(axis=1) / max(1, runs.years)


def final_pressure(runs: Runs) -> np.ndarray:
    """Mean member pressure on the DPRK in the last quarter."""
    return runs.metrics[:, -1, METRICS.index("mean_pressure")]


def final_engagement(runs: Runs) -> np.ndarray:
    """Mean member engagement with the DPRK in the last quarter."""
    return runs.metrics[:, -1, METRICS.index("mean_engagement")]


OUTCOMES: dict[str, Callable[[Runs], np.ndarray]] = {
    f.__name__: f
    for f in (
        mean_tone,
        grave_share,
        split_or_none_share,
        welcoming_share,
        exchanges_per_year,
        provocations_per_year,
        final_pressure,
        final_engagement,
    )
}


def reduce_runs(runs: Runs) -> np.ndarray:
    """Every run's outcomes: an (R, len(OUTCOMES)) array, columns in OUTCOMES order."""
    return np.stack([f(runs).astype(float) for f in OUTCOMES.values()], axis=1)


def run_points(
    scenario: Scenario,
    names: tuple[str, ...],
    rows: np.ndarray,
    start: int,
    block: int,
    replicates: int,
    seed: int,
    draw: ParameterDraw | None,
) -> np.ndarray:
    """Run sample rows ``start, start+1, ...`` K times each and reduce every run to its
    outcomes (in a worker): a (rows, K, outcomes) array.

    Row r is block ``b = r // block`` of an ensemble seeded ``seed`` (replicates
    ``b * BLOCK`` to ``b * BLOCK + K - 1``): every row of a base sample shares its streams.
    """
    levers = [dict(zip(names, map(float, row), strict=True)) for row in rows]
    blocks = [(start + k) // block for k in range(len(rows))]
    model = points_model(scenario, levers, blocks, replicates, seed, draw).run()
    return reduce_runs(Runs.of(model)).reshape(len(rows), replicates, len(OUTCOMES))
