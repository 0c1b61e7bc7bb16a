"""Replicates, seeds and executors.

By default an ensemble runs on the batched engine (model/world/batched.py): blocks of
``BLOCK`` replicates, each block drawing from its own child of the root
``SeedSequence(seed)``. With ``engine="replicate"`` the root spawns one child per
replicate and each replicate's DiplomacyModel draws only from it. Either way a
replicate's result depends on the seed and its index alone, never on the number of
workers or the executor. Results are yielded in replicate order, block by block (or
chunk by chunk), so callers can stream them to disk. A results folder is written from
spans of blocks (:func:`iterate_spans`): each task simulates several blocks as one model
and returns its finished rows, not replicate objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.runs.executors import run_ordered
from model.world.diplomacy import DiplomacyModel, model_from_scenario
from model.world.parameters import default_parameters
from model.world.replicate import ParameterDraw, PointDraw, ReplicateResult
from model.world.scenario import Scenario
from model.world.warmstart import starting_state

CHUNK = 16
"""Replicates per task sent to a worker: enough to amortise the transfer."""


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


def run_replicate(
    scenario: Scenario,
    index: int,
    seed: np.random.SeedSequence,
    draw: ParameterDraw | None = None,
    record_events: bool = True,
) -> ReplicateResult:
    """Run one replicate; its parameter and model streams are children of its seed."""
    param_seed, model_seed = seed.spawn(2)
    params = (draw or PointDraw(default_parameters()))(index, np.random.default_rng(param_seed))
    if scenario.parameters:
        params = params.replace(**scenario.parameters)
    model = model_from_scenario(
        scenario,
        params,
        rng=np.random.default_rng(model_seed),
        initial=starting_state(params, scenario, index),
        record_events=record_events,
    )
    model.run()
    return _collect(index, model)


def _collect(index: int, model: DiplomacyModel) -> ReplicateResult:
    statements = [
        (s.year, s.meeting, s.chair, s.tone, s.voice, s.target, s.support) for s in model.statements
    ]
    return ReplicateResult(
        index,
        model.params.as_dict(),
        model.metric_history(),
        model.member_history.astype(np.float32),
        model.exchange_history,
        statements,
        model.events,
        dict(model.chairs),
    )


def _run_chunk(
    scenario: Scenario,
    indices: Sequence[int],
    seeds: Sequence[np.random.SeedSequence],
    draw: ParameterDraw | None,
) -> list[ReplicateResult]:
    return [run_replicate(scenario, i, s, draw) for i, s in zip(indices, seeds, strict=True)]


def _chunks(n: int, size: int = CHUNK) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


ENGINES = ("batched", "replicate")
"""``batched``: blocks of replicates advanced at once (model/world/batched.py), one random
stream per block; ``replicate``: one DiplomacyModel per replicate, one stream each. Both
give results that depend on the seed and the replicate index alone; they share the
model's rules and distribution, not the random numbers."""


def iterate(
    plan: Plan, workers: int = 1, scheduler: str | None = None, engine: str = "batched"
) -> Iterator[ReplicateResult]:
    """Yield every replicate's result in replicate order.

    ``workers=1`` runs in this process; more use a local process pool; a
    ``scheduler`` address sends tasks to a Dask distributed cluster
    (model/runs/executors.py). A task is a span of blocks of the batched engine
    (model/world/spans.py; or CHUNK replicates of the per-replicate one) with its own
    seeds, so every executor and grouping gives the same results.
    """
    if engine == "batched":
        from model.world.spans import run_blocks

        spanned = iterate_spans(plan, run_blocks, True, workers=workers, scheduler=scheduler)
        for results in spanned:
            yield from results
        return
    if engine != "replicate":
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    seeds = plan.seeds()
    tasks = [
        (plan.scenario, chunk, [seeds[i] for i in chunk], plan.draw)
        for chunk in _chunks(plan.replicates)
    ]
    for results in run_ordered(_run_chunk, tasks, workers=workers, scheduler=scheduler):
        yield from results


def iterate_spans[T](
    plan: Plan,
    task: Callable[..., T],
    *args: Any,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[T]:
    """Yield ``task(scenario, blocks, replicates, seed, draw, *args)`` for consecutive
    spans of blocks (model/runs/blocks.py), in replicate order.

    A span is run as one batched model in whichever process gets it; its results are
    the same bits as block by block, so the spans may follow the number of workers (a
    Dask cluster gets spans as if it had 16) while the outputs stay the same.
    """
    from model.runs.blocks import spans

    groups = spans(plan.replicates, workers if scheduler is None else 16)
    tasks = [(plan.scenario, g, plan.replicates, plan.seed, plan.draw, *args) for g in groups]
    yield from run_ordered(task, tasks, workers=workers, scheduler=scheduler)
