"""Replicates, seeds and executors.

One root ``SeedSequence(seed)`` spawns one child per replicate; each replicate's model
draws only from its child's generator, so a replicate's result depends on the seed and
its index alone, never on the number of workers or the executor. Results are yielded in
replicate order, in chunks, so callers can stream them to disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from model.executors import run_ordered
from model.parameters import Parameters, default_parameters
from model.scenario import Scenario
from model.simevents import SimEvent
from model.warmstart import starting_state
from model.world import DiplomacyModel, model_from_scenario

CHUNK = 16
"""Replicates per task sent to a worker: enough to amortise the transfer."""


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
class Plan:
    """What an ensemble runs: a scenario, its seeds and how parameters are drawn."""

    scenario: Scenario
    replicates: int
    seed: int
    draw: ParameterDraw | None = None

    def seeds(self) -> list[np.random.SeedSequence]:
        """One independent child stream per replicate."""
        return np.random.SeedSequence(self.seed).spawn(self.replicates)


@dataclass(frozen=True)
class PointDraw:
    """Every replicate uses the same parameters (picklable, for process pools)."""

    params: Parameters

    def __call__(self, index: int, rng: np.random.Generator) -> Parameters:
        return self.params


def run_replicate(scenario: Scenario, index: int, seed: np.random.SeedSequence,
                  draw: ParameterDraw | None = None, record_events: bool = True
                  ) -> ReplicateResult:
    """Run one replicate; its parameter and model streams are children of its seed."""
    param_seed, model_seed = seed.spawn(2)
    params = (draw or PointDraw(default_parameters()))(index, np.random.default_rng(param_seed))
    if scenario.parameters:
        params = params.replace(**scenario.parameters)
    model = model_from_scenario(scenario, params, rng=np.random.default_rng(model_seed),
                                initial=starting_state(params, scenario, index),
                                record_events=record_events)
    model.run()
    return _collect(index, model)


def _collect(index: int, model: DiplomacyModel) -> ReplicateResult:
    statements = [(s.year, s.meeting, s.chair, s.tone, s.voice, s.target, s.support)
                  for s in model.statements]
    return ReplicateResult(index, model.params.as_dict(), model.metric_history(),
                           model.member_history.astype(np.float32), model.exchange_history,
                           statements, model.events, dict(model.chairs))


def _run_chunk(scenario: Scenario, indices: Sequence[int],
               seeds: Sequence[np.random.SeedSequence],
               draw: ParameterDraw | None) -> list[ReplicateResult]:
    return [run_replicate(scenario, i, s, draw) for i, s in zip(indices, seeds, strict=True)]


def _chunks(n: int, size: int = CHUNK) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def iterate(plan: Plan, workers: int = 1, scheduler: str | None = None
            ) -> Iterator[ReplicateResult]:
    """Yield every replicate's result in replicate order.

    ``workers=1`` runs in this process; more use a local process pool; a
    ``scheduler`` address sends chunks to a Dask distributed cluster
    (model/executors.py; the same chunks and seeds, so the same results).
    """
    seeds = plan.seeds()
    chunks = _chunks(plan.replicates)
    if scheduler is not None:
        from model.distributed import iterate_dask

        yield from iterate_dask(plan, chunks, seeds, scheduler)
        return
    if workers <= 1 or len(chunks) == 1:
        for chunk in chunks:
            yield from _run_chunk(plan.scenario, chunk, [seeds[i] for i in chunk], plan.draw)
        return
    tasks = [(plan.scenario, chunk, [seeds[i] for i in chunk], plan.draw) for chunk in chunks]
    for results in run_ordered(_run_chunk, tasks, workers=workers):
        yield from results

