"""A task runs a span of blocks as one model (model/runs/blocks.py): every replicate gets,
bit for bit, what ``run_block`` gives it, whatever the span, with events, per-replicate
parameters and every kind of shock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from model.runs.blocks import run_span, spans
from model.vocabulary import VOICES, Quarter
from model.world.batched import BLOCK, block_seeds, model_seed
from model.world.parameters import Parameters, default_parameters
from model.world.scenario import Scenario, ShockSpec
from model.world.spans import n_blocks, run_block

SHOCKS = Scenario(
    name="shocks",
    title="t",
    description="shocks that change membership, relations, levers and the chair",
    period={"start": "2000Q1", "end": "2002Q4"},
    seed=5,
    levers={"sanctions_tightness": 0.3},
    actors={"MMR": {"veto": 0.9}, "USA": {"lobbying": 1.5}},
    parameters={"mood_noise": 0.4},
    shocks=(
        ShockSpec(at="2000Q2", type="us_dprk_summit", host="SGP"),
        ShockSpec(at="2000Q3", type="dprk_delegation", actor="LAO", magnitude=2),
        ShockSpec(at="2001Q1", type="dprk_delegation", actor="VNM", magnitude=1),
        ShockSpec(at="2001Q2", type="break_relations", actor="MYS"),
        ShockSpec(at="2001Q3", type="accession", actor="TLS"),
        ShockSpec(at="2001Q3", type="chair_change", actor="KHM"),
        ShockSpec(at="2001Q4", type="nuclear_test"),
        ShockSpec(at="2002Q3", type="restore_relations", actor="MYS"),
    ),
)


@dataclass(frozen=True)
class Jitter:
    """Each replicate its own susceptibility, from its own parameter stream."""

    params: Parameters

    def __call__(self, index: int, rng: np.random.Generator) -> Parameters:
        return self.params.replace(susceptibility=float(rng.uniform(0.4, 0.9)))


def _as_results(arrays):
    """Span arrays in ReplicateResult terms, replicate by replicate."""
    out = []
    for row, replicate in enumerate(arrays.indices):
        statements = [
            (y, m, c, None if arrays.tone[row, k] < 0 else int(arrays.tone[row, k]),
             VOICES[arrays.voice[row, k]], arrays.target[row, k], arrays.support[row, k])
            for k, (y, m, c) in enumerate(arrays.statements)
        ]  # fmt: skip
        mine = arrays.event_replicates == row
        events = [
            (Quarter.from_index(int(q)), *arrays.templates[t])
            for q, t in zip(arrays.event_quarters[mine], arrays.event_templates[mine], strict=True)
        ]
        out.append((replicate, arrays.metrics[row], arrays.members[row], arrays.exchanges[row],
                    statements, events))  # fmt: skip
    return out


def _reference(scenario, n, seed, draw, events):
    return [
        (r.replicate, r.metrics, r.members, r.exchanges, r.statements, [tuple(e) for e in r.events])
        for b in range(n_blocks(n))
        for r in run_block(scenario, b, n, seed, draw, record_events=events)
    ]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x[0] == y[0]
        assert x[4] == y[4]
        assert x[5] == y[5]
        for u, v in zip(x[1:4], y[1:4], strict=True):
            assert u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("draw", [None, Jitter(default_parameters())], ids=["point", "jitter"])
def test_a_span_gives_every_replicate_what_its_block_gives(draw):
    n = 2 * BLOCK + 6  # the last block is short
    reference = _reference(SHOCKS, n, 11, draw, True)
    for grouping in ([range(0, 3)], [range(0, 1), range(1, 3)], [range(0, 2), range(2, 3)]):
        spanned = [r for blocks in grouping for r in _as_results(
            run_span(SHOCKS, blocks, n, 11, draw, record_events=True))]  # fmt: skip
        _assert_same(spanned, reference)
    assert any(r[5] for r in reference) and len({r[4][0][3] for r in reference}) > 1


def test_without_events_the_results_are_the_same_and_no_event_is_kept():
    n = BLOCK + 3
    arrays = run_span(SHOCKS, range(0, 2), n, 4, record_events=False)
    assert len(arrays.event_replicates) == 0 and arrays.templates == []
    reference = [(*r[:5], []) for r in _reference(SHOCKS, n, 4, None, False)]
    _assert_same(_as_results(arrays), reference)


def test_block_seeds_are_child_block_of_the_root_in_constant_time():
    """Built from the spawn key, a block's seeds are what spawning ``block + 1``
    children of the root and taking the last would give."""
    for block in (0, 1, 7, 300):
        params, model = block_seeds(2024, block)
        their_params, their_model = np.random.SeedSequence(2024).spawn(block + 1)[block].spawn(2)
        their_params = their_params.spawn(BLOCK)
        assert model.entropy == their_model.entropy
        assert model.spawn_key == their_model.spawn_key
        assert [p.spawn_key for p in params] == [p.spawn_key for p in their_params]
        rng, theirs = np.random.default_rng(model), np.random.default_rng(their_model)
        assert rng.random() == theirs.random()
        # a point draw needs only the model seed: its spawn key, without the row seeds
        assert model_seed(2024, block).spawn_key == their_model.spawn_key


def test_spans_cover_every_block_once_in_order():
    for n, workers in ((1, 1), (64, 2), (3000, 1), (3000, 2), (100_000, 2), (65, 8)):
        found = [b for s in spans(n, workers) for b in s]
        assert found == list(range(n_blocks(n)))
        assert max(len(s) for s in spans(n, workers)) <= 16
    assert len(spans(3000, 2)) >= 8  # enough tasks to keep two workers busy


def test_a_worker_frees_each_span_model_at_once(monkeypatch):
    import gc
    import weakref

    from model.runs import blocks

    made = []
    real = blocks.span_model

    def spy(*args, **kwargs):
        indices, model = real(*args, **kwargs)
        made.append(weakref.ref(model))
        return indices, model

    monkeypatch.setattr(blocks, "span_model", spy)
    gc.disable()  # only reference counting may free it
    try:
        arrays = run_span(SHOCKS, range(0, 1), BLOCK, 4)
        assert made and made[0]() is None  # gone without a cyclic collection
    finally:
        gc.enable()
    assert arrays.metrics.shape[0] == BLOCK and np.isfinite(arrays.metrics).all()
