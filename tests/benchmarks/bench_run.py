"""Benchmark: the baseline ensemble versus a bare numpy Friedkin-Johnsen loop of the same
size (same actors, quarters and replicates), measured in one process.

Prints the median time per replicate of each over several rounds and their ratio; the
last line is ``ratio N``. The goal is a ratio of at most 10 (the agents stay thin and
the arithmetic stays in numpy). Not part of the test suite: the machine is shared and
noisy, so only medians and ratios are meaningful.

    .venv/bin/python tests/benchmarks/bench_run.py [--replicates N] [--rounds K]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from model.codes import AGENTS
from model.ensemble import Plan, PointDraw, iterate
from model.initial import initial_state
from model.parameters import default_parameters
from model.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def bare_fj(replicates: int, quarters: int, seed: int) -> None:
    """The reference: per replicate, a seeded generator and a quarterly FJ update with a
    rebuilt row-stochastic W and noise, on the same number of actors."""
    params = default_parameters()
    state = initial_state(params, 2024)
    n = len(AGENTS)
    ties = state.ties
    lam = np.full(n, params.susceptibility)
    anchor = state.stance
    for child in np.random.SeedSequence(seed).spawn(replicates):
        rng = np.random.default_rng(child)
        x = anchor.copy()
        weights = np.ones((n, n))
        for _ in range(quarters):
            raw = ties * weights
            w = raw / raw.sum(axis=1, keepdims=True)
            x = lam[:, None] * (w @ x) + (1.0 - lam[:, None]) * anchor
            x += rng.normal(0.0, params.stance_noise, x.shape)
            np.clip(x, 0.0, 1.0, out=x)


def model_ensemble(replicates: int, seed: int) -> None:
    scenario = load_scenario(BASELINE)
    plan = Plan(scenario, replicates, seed, PointDraw(default_parameters()))
    for _ in iterate(plan, workers=1):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=None,
                        help="default: the baseline scenario's replicates")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scenario = load_scenario(BASELINE)
    replicates = args.replicates or scenario.replicates
    quarters = scenario.end - scenario.start + 1
    model_ensemble(5, 0)  # warm caches (record, initial state, imports)
    model_times, bare_times = [], []
    for r in range(args.rounds):
        t0 = time.perf_counter()
        model_ensemble(replicates, r)
        t1 = time.perf_counter()
        bare_fj(replicates, quarters, r)
        t2 = time.perf_counter()
        model_times.append((t1 - t0) / replicates)
        bare_times.append((t2 - t1) / replicates)
    model_ms = statistics.median(model_times) * 1e3
    bare_ms = statistics.median(bare_times) * 1e3
    print(f"baseline: {replicates} replicates x {quarters} quarters x {len(AGENTS)} agents, "
          f"{args.rounds} rounds (medians)")
    print(f"model per replicate   {model_ms:8.3f} ms")
    print(f"bare FJ per replicate {bare_ms:8.3f} ms")
    ratios = [m / b for m, b in zip(model_times, bare_times, strict=True)]
    print(f"ratio {statistics.median(ratios):.1f}")


if __name__ == "__main__":
    main()
