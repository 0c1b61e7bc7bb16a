"""Blocks and spans: which replicates one batched model advances, with which parameters,
starting states and random numbers.

A *block* (``BLOCK`` replicates) is the unit of random streams: replicate ``r`` is row
``r % BLOCK`` of block ``r // BLOCK``, and block ``b`` draws every number from child
``b`` of ``SeedSequence(root_seed)`` (model/world/batched.py's module docstring). A
*span* is a run of consecutive blocks advanced as one model: each block's rows get the
numbers that block's own model would draw, so a span gives every replicate, bit for bit,
what running its block alone gives (tests/test_blocks.py), and the span can follow the
number of workers without changing a byte of output. A quarter costs the same few dozen
numpy calls for a span of a thousand replicates as for one block, which is why runs,
the backtest and sweeps (whose points are rows of one model: ``points_model``) go
through here. (Calibration batches its candidates in one model of its own.)
"""

from __future__ import annotations

import numpy as np

from model.world.batched import (
    BLOCK,
    BatchedModel,
    Streams,
    batched_from_scenario,
    block_seeds,
    block_streams,
    delegation_count,
    model_seed,
)
from model.world.parameters import Parameters, default_parameters
from model.world.replicate import ParameterDraw, PointDraw, ReplicateResult
from model.world.scenario import Scenario
from model.world.warmstart import starting_states_of


def n_blocks(n_replicates: int) -> int:
    """How many blocks an ensemble of ``n_replicates`` has."""
    return -(-n_replicates // BLOCK)


def block_range(block: int, n_replicates: int) -> range:
    """The replicates of block ``block`` in a run of ``n_replicates``."""
    first = block * BLOCK
    if not 0 <= first < n_replicates:
        raise ValueError(
            f"block {block} is outside a run of {n_replicates} replicates (blocks of {BLOCK})"
        )
    return range(first, min(first + BLOCK, n_replicates))


def span_parameters(
    scenario: Scenario, blocks: range, n_replicates: int, root_seed: int, draw: ParameterDraw
) -> tuple[range, list[Parameters], list[np.random.SeedSequence], list[int]]:
    """The span's replicates, their parameters (the scenario's overrides applied), and
    each block's model seed and number of rows. Replicate ``i`` draws its parameters
    from its own stream, row ``i % BLOCK`` of its block's parameter seeds."""
    first = block_range(blocks.start, n_replicates).start
    params: list[Parameters] = []
    replaced: dict[int, tuple[Parameters, Parameters]] = {}
    seeds, sizes = [], []
    point = isinstance(draw, PointDraw)  # ignores its stream: no generator per replicate
    for b in blocks:
        indices = block_range(b, n_replicates)
        if point:
            seed = model_seed(root_seed, b)
            drawn = [draw.params] * len(indices)
        else:
            param_seeds, seed = block_seeds(root_seed, b)
            drawn = [draw(i, np.random.default_rng(param_seeds[i - indices.start]))
                     for i in indices]  # fmt: skip
        seeds.append(seed)
        sizes.append(len(indices))
        for chosen in drawn:
            if scenario.parameters:  # a point draw repeats one object: replace it once
                key = id(chosen)
                if key not in replaced:
                    replaced[key] = (chosen, chosen.replace(**scenario.parameters))
                chosen = replaced[key][1]
            params.append(chosen)
    return range(first, first + len(params)), params, seeds, sizes


def span_model(
    scenario: Scenario,
    blocks: range,
    n_replicates: int,
    root_seed: int,
    draw: ParameterDraw | None = None,
    record_events: bool = False,
) -> tuple[range, BatchedModel]:
    """The replicates of blocks ``blocks`` and one model advancing them all, not yet run;
    each block's rows get exactly the numbers the block's own model would draw."""
    indices, params, seeds, sizes = span_parameters(
        scenario, blocks, n_replicates, root_seed, draw or PointDraw(default_parameters())
    )
    quarters = scenario.end - scenario.start + 1
    delegations = delegation_count(scenario.shocks)
    streams = Streams.side_by_side(
        [
            block_streams(seed, quarters, delegations, rows)
            for seed, rows in zip(seeds, sizes, strict=True)
        ]
    )
    model = batched_from_scenario(
        scenario,
        params,
        starting_states_of(scenario, params, list(indices)),
        rng=np.random.default_rng(seeds[0]),
        record_events=record_events,
        streams=streams,
    )
    return indices, model


def run_blocks(
    scenario: Scenario,
    blocks: range,
    n_replicates: int,
    root_seed: int,
    draw: ParameterDraw | None = None,
    record_events: bool = False,
) -> list[ReplicateResult]:
    """Run blocks ``blocks`` of an ensemble of ``n_replicates`` as one model and return
    their replicates' results in replicate order."""
    indices, model = span_model(scenario, blocks, n_replicates, root_seed, draw, record_events)
    model.run()
    return model.results(indices.start)


def run_block(
    scenario: Scenario,
    block: int,
    n_replicates: int,
    root_seed: int,
    draw: ParameterDraw | None = None,
    record_events: bool = False,
) -> list[ReplicateResult]:
    """Run block ``block`` alone (replicates ``block * BLOCK`` onwards)."""
    return run_blocks(
        scenario, range(block, block + 1), n_replicates, root_seed, draw, record_events
    )


def points_model(
    scenario: Scenario,
    levers: list[dict[str, float]],
    blocks: list[int],
    replicates: int,
    root_seed: int,
    draw: ParameterDraw | None = None,
) -> BatchedModel:
    """One model, not yet run, for several points of a sweep: point ``k`` is the first
    ``replicates`` rows of block ``blocks[k]`` (what a run of that block gives them:
    parameters, starting states and random numbers) under the scenario with
    ``levers[k]`` set on top. Rows come point by point, ``replicates`` each; each row is
    what running its point as its own scenario would give."""
    draw = draw or PointDraw(default_parameters())
    quarters = scenario.end - scenario.start + 1
    delegations = delegation_count(scenario.shocks)
    params: list[Parameters] = []
    replicate: list[int] = []
    parts: list[Streams] = []
    row_levers: list[dict[str, float]] = []
    drawn: dict[int, Streams] = {}
    for point, b in zip(levers, blocks, strict=True):
        n = b * BLOCK + replicates
        indices, chosen, [seed], [rows] = span_parameters(
            scenario, range(b, b + 1), n, root_seed, draw
        )
        params += chosen
        replicate += indices
        if b not in drawn:  # a base point's rows share one block: draw it once
            drawn[b] = block_streams(seed, quarters, delegations, BLOCK)
        parts.append(drawn[b].take(range(rows)))
        row_levers += [point] * rows
    return batched_from_scenario(
        scenario,
        params,
        starting_states_of(scenario, params, replicate),
        rng=np.random.default_rng(root_seed),
        record_events=False,
        streams=Streams.side_by_side(parts),
        row_levers=row_levers,
    )
