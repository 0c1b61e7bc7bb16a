"""Benchmark: the batched engine on the baseline scenario versus a batched bare-numpy
Friedkin-Johnsen loop of the same size, measured in one process.

The model runs the baseline's replicates as ``asean-sim run`` does on one worker: spans of
up to 16 blocks of 64 replicates, each span one batched model (model/world/spans.py),
without the event log; the floor is
the same number of replicates as one array axis, the same quarters and actors, with a
rebuilt row-stochastic W, the FJ update, noise and clipping each quarter. CPU time
(``time.process_time``) per replicate, medians over several rounds. Prints ``model_us``,
``floor_us`` (microseconds per replicate), ``events_us`` (the model with its event log
turned into SimEvent rows, as ``asean-sim run`` uses it; for information) and, last,
``ratio`` (model / floor, goal at most 5). Not part of the test suite: the machine may be
shared and noisy, so only medians and ratios are meaningful.

    .venv/bin/python tests/benchmarks/bench_run.py [--replicates N] [--rounds K]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from model.runs.blocks import spans
from model.vocabulary import AGENTS
from model.world.initial import initial_state
from model.world.parameters import default_parameters
from model.world.scenario import load_scenario
from model.world.spans import span_model

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def bare_fj(replicates: int, quarters: int, seed: int) -> None:
    """The floor: R replicates as a leading axis, a quarterly FJ update with a rebuilt
    row-stochastic W, noise and clipping, on the same number of actors."""
    params = default_parameters()
    state = initial_state(params, 2024)
    n = len(AGENTS)
    rng = np.random.default_rng(seed)
    ties = np.broadcast_to(state.ties, (replicates, n, n))
    lam = np.full((replicates, n, 1), params.susceptibility)
    anchor = np.broadcast_to(state.stance, (replicates, n, 2))
    x = anchor.copy()
    weights = np.ones((replicates, n, n))
    for _ in range(quarters):
        raw = ties * weights
        w = raw / raw.sum(axis=2, keepdims=True)
        x = lam * np.matmul(w, x) + (1.0 - lam) * anchor
        x += rng.normal(0.0, params.stance_noise, x.shape)
        np.clip(x, 0.0, 1.0, out=x)


def model_spans(scenario, replicates: int, seed: int, record_events: bool = False) -> None:
    """The batched engine on ``scenario``, span by span in this process, as ``run`` does."""
    for blocks in spans(replicates, workers=1):
        _, model = span_model(scenario, blocks, replicates, seed, record_events=record_events)
        model.run()
        if record_events:
            model.results()


def timed(func, *args) -> float:
    start = time.process_time()
    func(*args)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicates", type=int, default=None, help="default: the baseline scenario's replicates"
    )
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    scenario = load_scenario(BASELINE)
    replicates = args.replicates or scenario.replicates
    quarters = scenario.end - scenario.start + 1
    model_spans(scenario, replicates, 0, True)  # warm caches (record, warm starts, imports)
    model_times, floor_times, event_times = [], [], []
    for r in range(args.rounds):
        model_times.append(timed(model_spans, scenario, replicates, r) / replicates)
        floor_times.append(timed(bare_fj, replicates, quarters, r) / replicates)
        event_times.append(timed(model_spans, scenario, replicates, r, True) / replicates)
    print(
        f"baseline: {replicates} replicates x {quarters} quarters x {len(AGENTS)} agents, "
        f"{args.rounds} rounds (CPU-time medians)"
    )
    ratios = [m / f for m, f in zip(model_times, floor_times, strict=True)]
    print(f"model_us {statistics.median(model_times) * 1e6:.1f}")
    print(f"floor_us {statistics.median(floor_times) * 1e6:.1f}")
    print(f"events_us {statistics.median(event_times) * 1e6:.1f}")
    print(f"ratio {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
