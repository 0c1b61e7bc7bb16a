"""The model's ensemble beside the class's single path: what a few hundred replicates of
the same scenario, with the class's event cards and lever moves as dated shocks, say
about one year's ASEAN texts.

It runs on the batched engine (``model.world.spans.run_blocks``, the span of blocks the
ensemble API, model.runs.ensemble.iterate, runs by default): 256 replicates are four
blocks advanced as one model, a fraction of a second once history's warm starts are
cached (the first call in a process runs history for the warm-start pool, so the server
warms it at start).
The classroom sits beside model.runs and may not import it, so it calls the engine
directly, with the same seeds the ensemble would use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from model.vocabulary import MEETINGS, Quarter
from model.world.scenario import Scenario, ShockSpec
from model.world.spans import n_blocks, run_blocks

REPLICATES = 256
NO_TEXT = 5
"""Column of the tone counts for 'no agreed text' (tones are 0-4)."""


@dataclass(frozen=True)
class YearDistribution:
    """One year's texts across the ensemble: per meeting, how many replicates issued each
    tone (columns 0-4) or no text (column 5), and how many spoke by consensus."""

    year: int
    replicates: int
    counts: dict[str, tuple[int, ...]]
    consensus: dict[str, int]

    def share(self, meeting: str, tone: int | None) -> float:
        """Share of replicates whose text at ``meeting`` had ``tone`` (None: no text)."""
        return self.counts[meeting][NO_TEXT if tone is None else tone] / self.replicates

    def mean_tone(self, meeting: str) -> float | None:
        counts = np.asarray(self.counts[meeting][:NO_TEXT], dtype=float)
        return float((counts * np.arange(5)).sum() / counts.sum()) if counts.sum() else None

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "replicates": self.replicates,
            "counts": {m: list(c) for m, c in self.counts.items()},
            "consensus": dict(self.consensus),
        }

    @classmethod
    def from_json(cls, data: dict) -> YearDistribution:
        return cls(
            int(data["year"]),
            int(data["replicates"]),
            {m: tuple(int(x) for x in c) for m, c in data["counts"].items()},
            {m: int(x) for m, x in data["consensus"].items()},
        )


def class_scenario(spec: Scenario, played: Sequence[ShockSpec], year: int) -> Scenario:
    """The scenario with the class's moves as dated shocks, run to the end of ``year``."""
    end = min(spec.end, Quarter(year, 4))
    shocks = [s for s in (*spec.shocks, *played) if s.quarter <= end]
    return spec.with_changes(
        period={"start": spec.period.start, "end": str(end)},
        shocks=[s.model_dump(exclude_none=True) for s in shocks],
        replicates=REPLICATES,
    )


def year_distribution(
    spec: Scenario, played: Sequence[ShockSpec], year: int, replicates: int = REPLICATES
) -> YearDistribution:
    """Run the ensemble and count the year's texts."""
    scenario = class_scenario(spec, played, year)
    counts = {m: [0] * (NO_TEXT + 1) for m in MEETINGS}
    consensus = dict.fromkeys(MEETINGS, 0)
    for result in run_blocks(scenario, range(n_blocks(replicates)), replicates, scenario.seed):
        for y, meeting, _chair, tone, voice, *_ in result.statements:
            if y != year:
                continue
            counts[meeting][NO_TEXT if tone is None or voice == "none" else int(tone)] += 1
            consensus[meeting] += voice == "consensus"
    return YearDistribution(year, replicates, {m: tuple(c) for m, c in counts.items()}, consensus)


class Forecaster:
    """Runs ensembles one at a time on a background thread and keeps their answers, so a
    played card returns at once and the page shows the distribution when it is ready."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classroom-ensemble")
        self._lock = threading.Lock()
        self._jobs: dict[str, Future] = {}

    @staticmethod
    def key(spec: Scenario, played: Sequence[ShockSpec], year: int) -> str:
        return class_scenario(spec, played, year).digest()

    def request(self, spec: Scenario, played: Sequence[ShockSpec], year: int) -> str:
        """Start (or find) the ensemble for this year; returns its key."""
        key = self.key(spec, played, year)
        with self._lock:
            if key not in self._jobs:
                self._jobs[key] = self._pool.submit(year_distribution, spec, list(played), year)
        return key

    def result(self, key: str) -> YearDistribution | None:
        """The distribution if it is ready (None while it runs or if it failed)."""
        with self._lock:
            job = self._jobs.get(key)
        if job is None or not job.done() or job.exception() is not None:
            return None
        return job.result()

    def error(self, key: str) -> str | None:
        """Why the ensemble failed, if it did (shown instead of waiting forever)."""
        with self._lock:
            job = self._jobs.get(key)
        if job is None or not job.done() or job.cancelled() or job.exception() is None:
            return None
        return str(job.exception())

    def wait(self, key: str, timeout: float | None = None) -> YearDistribution | None:
        with self._lock:
            job = self._jobs.get(key)
        return None if job is None else job.result(timeout=timeout)

    def warm(self, spec: Scenario) -> None:
        """Fill history's warm-start cache in the background (the first run's cost)."""
        self.request(spec, (), spec.start.year)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
