"""Several blocks of the batched engine in one model, and what they produced as arrays.

A block (model/world/batched.py) is the unit of random streams: 64 replicates whose
every random number comes from the block's own seed. Run one model per block and a
quarter costs the same few dozen numpy calls for 64 replicates as the engine could spend
on a thousand. So a task runs a *span* of consecutive blocks as one BatchedModel and gives
each block's rows the numbers that block's own model would have drawn: the results are
the same, bit for bit, as running the blocks one by one (tests/test_blocks.py checks it
against ``run_block``), whatever the span, so the span can follow the number of workers
without changing a byte of output.

The model draws all its random numbers up front, in fixed shapes, when it is built
(batched.py's module docstring); :func:`span_model` builds the model and then replaces
those draws by the blocks' own. This reads three private arrays of BatchedModel and
repeats Mesa's one integer draw at model creation: if either changes, the equality test
fails rather than the results drifting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.vocabulary import MEETINGS, Quarter
from model.world import batched
from model.world.batched import (
    BLOCK,
    N_MEMBERS,
    NORMALS_PER_QUARTER,
    UNIFORMS_PER_QUARTER,
    BatchedModel,
    batched_from_scenario,
    block_range,
)
from model.world.initial import InitialState
from model.world.parameters import Parameters, default_parameters
from model.world.replicate import ParameterDraw, PointDraw
from model.world.scenario import Scenario
from model.world.warmstart import starting_states


def block_seeds(
    root_seed: int, block: int
) -> tuple[list[np.random.SeedSequence], np.random.SeedSequence]:
    """Block ``block``'s per-row parameter seeds and its model seed: the same as
    ``batched.block_seeds`` (child ``block`` of ``SeedSequence(root_seed)``), built from
    its spawn key in constant time instead of spawning ``block + 1`` children (which
    makes a million-replicate run quadratic)."""
    child = np.random.SeedSequence(root_seed, spawn_key=(block,))
    param_seed, model_seed = child.spawn(2)
    return param_seed.spawn(BLOCK), model_seed


def _parameters(
    scenario: Scenario, blocks: range, n_replicates: int, root_seed: int, draw: ParameterDraw
) -> tuple[range, list[Parameters], list[np.random.SeedSequence], list[int]]:
    """The span's replicates, their parameters (scenario overrides applied, as run_block
    does), and each block's model seed and number of rows."""
    first = block_range(blocks.start, n_replicates).start
    params: list[Parameters] = []
    replaced: dict[int, tuple[Parameters, Parameters]] = {}
    seeds, sizes = [], []
    point = isinstance(draw, PointDraw)  # ignores its stream: no generator per replicate
    for b in blocks:
        indices = block_range(b, n_replicates)
        if point:
            model_seed = np.random.SeedSequence(root_seed, spawn_key=(b, 1))
            drawn = [draw.params] * len(indices)
        else:
            param_seeds, model_seed = block_seeds(root_seed, b)
            drawn = [draw(i, np.random.default_rng(param_seeds[i - indices.start]))
                     for i in indices]  # fmt: skip
        seeds.append(model_seed)
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
    each block's rows draw exactly what ``run_block`` would give them (module docstring)."""
    indices, params, seeds, sizes = _parameters(
        scenario, blocks, n_replicates, root_seed, draw or PointDraw(default_parameters())
    )
    groups: dict[int, list[int]] = {}  # rows sharing one parameter object
    for row, p in enumerate(params):
        groups.setdefault(id(p), []).append(row)
    initial: list[InitialState] = [None] * len(params)  # type: ignore[list-item]
    for rows in groups.values():
        states = starting_states(params[rows[0]], scenario, [indices[r] for r in rows])
        for row, state in zip(rows, states, strict=True):
            initial[row] = state
    model = batched_from_scenario(
        scenario, params, initial, rng=np.random.default_rng(0), record_events=record_events
    )
    _use_block_streams(model, seeds, sizes)
    return indices, model


def _use_block_streams(
    model: BatchedModel, seeds: list[np.random.SeedSequence], sizes: list[int]
) -> None:
    """Give each block's rows the numbers its own model would draw when built: Mesa's
    integer for its stdlib generator, then the uniforms, normals and delegation uniforms
    in BLOCK-row shapes, cut to the block's rows."""
    nq, delegations = len(model.quarters), len(model._shock_uniforms)
    uniforms, normals, shocks = [], [], []
    for seed, rows in zip(seeds, sizes, strict=True):
        rng = np.random.default_rng(seed)
        rng.integers(np.iinfo(np.int32).max)  # mesa.Model seeds its random.Random so
        uniforms.append(rng.random((nq, BLOCK, UNIFORMS_PER_QUARTER))[:, :rows])
        normals.append(rng.standard_normal((nq, BLOCK, NORMALS_PER_QUARTER))[:, :rows])
        shocks.append(rng.random((delegations, BLOCK, N_MEMBERS))[:, :rows])
    model._uniforms = np.concatenate(uniforms, axis=1)
    model._normals = np.concatenate(normals, axis=1)
    model._shock_uniforms = list(np.concatenate(shocks, axis=1))


def spans(n_replicates: int, workers: int, most: int = 16) -> list[range]:
    """Consecutive blocks grouped into tasks: at most ``most`` blocks (1,024 replicates)
    each, and at least about four tasks per worker so that a pool stays busy. Any
    grouping gives the same results."""
    n = batched.n_blocks(n_replicates)
    size = max(1, min(most, -(-n // (4 * max(1, workers))) if workers > 1 else most))
    return [range(b, min(b + size, n)) for b in range(0, n, size)]


@dataclass(frozen=True)
class SpanArrays:
    """What a run of replicates ``indices`` produced, as arrays (replicate first)."""

    indices: range
    quarters: list[Quarter]
    chairs: dict[int, str]
    metrics: np.ndarray  # (R, Q, len(METRICS)) float64
    members: np.ndarray  # (R, Q, members, 2) float32, NaN when not a member
    exchanges: np.ndarray  # (R, Q, members) int32
    statements: list[tuple[int, str, str]]  # (year, meeting, chair) of each meeting held
    tone: np.ndarray  # (R, S) int64, -1 for no text
    voice: np.ndarray  # (R, S) int8 codes into VOICES
    target: np.ndarray  # (R, S) float64
    support: np.ndarray  # (R, S) float64
    event_replicates: np.ndarray  # (E,) rows into indices, sorted
    event_quarters: np.ndarray  # (E,) absolute quarter index (Quarter.from_index)
    event_templates: np.ndarray  # (E,) rows into ``templates``
    templates: list[tuple[str, str, str, str]]  # (source, target, cameo, summary)


def span_arrays(indices: range, model: BatchedModel) -> SpanArrays:
    """A run model's results as arrays; template ids, which are numbered per process,
    are renumbered into the span's own table."""
    reps, quarters, ids = model.event_arrays()
    used, local = np.unique(ids, return_inverse=True)
    table = batched._TEMPLATES
    statements = model.statements
    S, R = len(statements), model.n

    def stacked(name: str, dtype) -> np.ndarray:
        if not S:
            return np.zeros((R, 0), dtype=dtype)
        return np.stack([getattr(s, name) for s in statements], axis=1).astype(dtype)

    return SpanArrays(
        indices=indices,
        quarters=list(model.quarters),
        chairs=dict(model.chairs),
        metrics=model.metric_history(),
        members=model.member_history.astype(np.float32),
        exchanges=model.exchange_history,
        statements=[(s.year, s.meeting, s.chair) for s in statements],
        tone=stacked("tone", np.int64),
        voice=stacked("voice", np.int8),
        target=stacked("target", np.float64),
        support=stacked("support", np.float64),
        event_replicates=reps,
        event_quarters=quarters,
        event_templates=local.reshape(-1),
        templates=[table[t] for t in used.tolist()],
    )


def run_span(
    scenario: Scenario,
    blocks: range,
    n_replicates: int,
    root_seed: int,
    draw: ParameterDraw | None = None,
    record_events: bool = False,
) -> SpanArrays:
    """Run blocks ``blocks`` of an ensemble as one model and return their arrays."""
    indices, model = span_model(scenario, blocks, n_replicates, root_seed, draw, record_events)
    try:
        model.run()
        return span_arrays(indices, model)  # copies: nothing in it refers to the model
    finally:
        release(model)


def release(model: BatchedModel) -> None:
    """Free a finished model's arrays now. Its Mesa agents refer back to it, so without
    this it waits for the cyclic garbage collector, which counts objects, not bytes: a
    worker running span after span then holds gigabytes of dead models."""
    model.__dict__.clear()


def meeting_slots(statements: list[tuple[int, str, str]], years: list[int]) -> list[tuple]:
    """(year row, meeting column) of each statement in the (years, MEETINGS) grid."""
    row = {y: i for i, y in enumerate(years)}
    return [(row[y], MEETINGS.index(m)) for y, m, _ in statements]
