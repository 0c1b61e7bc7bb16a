"""Spans of blocks as a worker's tasks, and what a span produced as compact arrays.

A span (model/world/spans.py) is consecutive blocks advanced as one batched model, with
results that are the same, bit for bit, as running the blocks one by one. Here the spans
are chosen to keep a pool busy, and a finished span is turned into arrays (no Python
object per replicate) for the writers to take column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.vocabulary import MEETINGS, Quarter
from model.world import batched
from model.world.batched import BatchedModel
from model.world.replicate import ParameterDraw
from model.world.scenario import Scenario
from model.world.spans import n_blocks, span_model


def spans(n_replicates: int, workers: int, most: int = 16) -> list[range]:
    """Consecutive blocks grouped into tasks: at most ``most`` blocks (1,024 replicates)
    each, and at least about four tasks per worker so that a pool stays busy. Any
    grouping gives the same results."""
    n = n_blocks(n_replicates)
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
