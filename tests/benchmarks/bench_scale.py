"""Benchmark: how the cost grows with replicates, quarters and agents; the time and peak
memory of 1,000- and 10,000-run Sobol sweeps of the baseline; a 3,000-replicate ``run``
end to end, split into simulation, formatting, writing, summary and figures; and a
1,000,000-replicate ensemble summarised without per-replicate rows (``run
--summary-only``). Everything is measured in one invocation, as ratios or medians,
because this shared 2-core machine is noisy: only ratios and orders of magnitude are
meaningful. Not part of the test suite.

- Replicates and quarters: the real baseline ensemble, in this process (one core).
  Linear cost means a ratio near 2.0 per doubling.
- Agents: the model's actor list is fixed by contract (model/vocabulary.py), so the 20-,
  50- and 100-actor worlds are a synthetic model built here from the same building
  blocks (model.world.dynamics.influence_matrix and fj_step, model.world.negotiation's
  draft_text, thin mesa.Agent subclasses and a mesa.Model with the same per-quarter
  structure: DPRK
  outreach, powers' lobbying, a Friedkin-Johnsen update with noise, statements in Q3
  and Q4, a recorded row per quarter). It measures how the per-quarter machinery scales
  with actors, not the real model's absolute speed.
- Sweeps: ``model.analysis.sweep.sweep`` on the baseline's seven levers (Sobol', no second
  order: N * 9 points, each the mean of the default replicates, N a power of two near
  1,000 / 9 and 10,000 / 9) with two local worker processes, each in a fresh child process
  whose whole process tree (the child, the forkserver and the workers) has its
  proportional set size (PSS) sampled every 20 ms; the peak of the sum is reported.
- Run: ``model.runs.runner.run_scenario`` on the baseline with 3,000 replicates and two
  workers, in a fresh child process (memory sampled as for sweeps), with the default
  event rule (no event log above 1,000 replicates) and with ``--events``. Simulation and
  formatting are CPU seconds summed over the workers, writing is the main process's CPU
  seconds, summary and figures (with the report) wall seconds; medians of the rounds.
- Summary: ``model.runs.runner.summarise_scenario`` (``run --summary-only``) on the
  baseline with 1,000,000 replicates and two workers, once, in a child process.

    .venv/bin/python tests/benchmarks/bench_scale.py [--quick] [--only PART ...]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import mesa
import numpy as np

from model.runs.ensemble import Plan, iterate
from model.world.dynamics import fj_step, influence_matrix
from model.world.negotiation import ChairProfile, Positions, draft_text
from model.world.parameters import default_parameters
from model.world.replicate import PointDraw
from model.world.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
POWERS = 5


# --- the synthetic world -------------------------------------------------------------------
class SynActor(mesa.Agent):
    """A thin agent: its stance lives in the model's arrays, at ``row``."""

    def __init__(self, model: SyntheticWorld, row: int):
        super().__init__(model)
        self.row = row


class SynDPRK(SynActor):
    def act(self) -> None:
        m = self.model
        warmth = 0.25 + m.stance[m.members, 1]
        visits = m.rng.poisson(0.15 * warmth)
        returns = m.rng.binomial(visits, 0.4 * m.stance[m.members, 1])
        m.exchanges += visits + returns
        m.stance[m.members, 1] = np.minimum(1.0, m.stance[m.members, 1] + 0.02 * visits)
        if m.rng.poisson(0.6):
            m.salience = min(1.0, m.salience + 0.3)
            m.stance[m.members, 0] = np.minimum(1.0, m.stance[m.members, 0] + 0.03)


class SynPower(SynActor):
    pass


class SyntheticWorld(mesa.Model):
    """``n`` actors: ``n - 6`` members, one DPRK and five powers; quarterly structure as
    in model/world/diplomacy.py (see the module docstring)."""

    def __init__(self, *, n: int = 17, quarters: int = 28, rng: np.random.Generator | None = None):
        super().__init__(rng=rng)
        members = n - 1 - POWERS
        self.members = slice(0, members)
        self.powers = slice(members + 1, n)
        self.n, self.quarters = n, quarters
        self.stance = self.rng.uniform(0.2, 0.8, size=(n, 2))
        self.anchor = self.stance.copy()
        self.ties = self.rng.uniform(0.2, 1.0, size=(n, n))
        self.lam = np.zeros(n)
        self.lam[self.members] = 0.7
        self.active = np.ones(n)
        self.salience = 0.0
        self.exchanges = np.zeros(members, dtype=np.int64)
        self.last_tone: int | None = None
        self.member_agents = [SynActor(self, i) for i in range(members)]
        self.dprk = SynDPRK(self, members)
        self.power_agents = [SynPower(self, members + 1 + k) for k in range(POWERS)]
        self.history = np.zeros((quarters, members, 2))
        self.statements: list[tuple] = []
        self.quarter = 0

    def step(self) -> None:
        self.dprk.act()
        members = self.members
        distance = np.abs(self.stance[members, 0][:, None] - self.stance[self.powers, 0][None])
        lobby = 0.5 + distance
        weights = np.zeros((self.members.stop, self.n))
        weights[:, members] = 0.5
        weights[:, self.powers] = 0.5 * lobby
        weights[:, self.members.stop] = 0.5 * self.stance[members, 1]
        w = influence_matrix(self.ties[members], weights, self.active)
        updated = fj_step(self.stance, self.anchor[members], w, self.lam[members])
        updated += self.rng.normal(0.0, 0.02, size=updated.shape)
        self.stance[members] = np.minimum(np.maximum(updated, 0.0), 1.0)
        if self.quarter % 4 in (2, 3):
            preferred = 4.0 * self.stance[members, 0] * (0.5 + 0.5 * self.salience)
            positions = Positions(preferred, preferred - 0.8, preferred + 0.8,
                                  np.ones_like(preferred))  # fmt: skip
            chair = ChairProfile((self.quarter // 4) % self.members.stop, 0.3, 0.3)
            draft = draft_text(positions, chair, self.last_tone, 0.6)
            self.statements.append((self.quarter, draft.tone, draft.voice))
            if draft.tone is not None:
                self.last_tone = draft.tone
        self.history[self.quarter] = self.stance[members]
        self.salience *= 0.6
        self.quarter += 1

    def run(self) -> None:
        for _ in range(self.quarters):
            self.step()


def synthetic_ensemble(n: int, replicates: int, quarters: int = 28) -> float:
    t0 = time.perf_counter()
    for child in np.random.SeedSequence(1).spawn(replicates):
        SyntheticWorld(n=n, quarters=quarters, rng=np.random.default_rng(child)).run()
    return time.perf_counter() - t0


# --- the real model ---------------------------------------------------------------------------
def ensemble(replicates: int, end: str = "2030Q4") -> float:
    scenario = load_scenario(BASELINE).with_changes(period={"start": "2024Q1", "end": end})
    plan = Plan(scenario, replicates, 1, PointDraw(default_parameters()))
    t0 = time.perf_counter()
    for _ in iterate(plan, workers=1):
        pass
    return time.perf_counter() - t0


def best(measure, *args, rounds: int = 3) -> float:
    """Minimum of a few rounds: the least disturbed by other processes."""
    return min(measure(*args) for _ in range(rounds))


def ratios(label: str, sizes: list, times: list[float], unit: str) -> None:
    print(f"{label}:")
    for size, seconds in zip(sizes, times, strict=True):
        print(f"  {size:>6} {unit}: {seconds:8.3f} s")
    for (a, ta), (b, tb) in zip(
        zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False
    ):
        print(f"  cost ratio {b}/{a} {unit} = {tb / ta:.2f} (size ratio {b / a:.2f})")
    slope, intercept = np.polyfit(np.asarray(sizes, dtype=float), times, 1)
    print(
        f"  affine fit: {intercept:.3f} s fixed + {1e3 * slope:.3f} ms per {unit[:-1]} "
        f"(fixed part {100 * intercept / times[-1]:.0f}% at {sizes[-1]} {unit})"
    )


# --- sweeps in a child process, memory of the whole tree sampled -------------------------------
def child_sweep(n: int, workers: int) -> None:
    from model.analysis.sweep import sweep

    scenario = load_scenario(BASELINE)
    t0 = time.perf_counter()
    result = sweep(scenario, "sobol", n, workers=workers)
    elapsed = time.perf_counter() - t0
    print(f"{len(result.samples) * result.replicates} {elapsed:.3f}")  # runs: points x K


CPU = [0.0]
"""CPU seconds of the last measured child's process tree."""


def measured_child(*args: str) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak MB of the whole process tree) of this script run with
    ``args`` in a fresh child process; ``CPU[0]`` gets the tree's CPU seconds (as last
    sampled), the measure least disturbed by other processes on a shared machine."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    cpu: dict[int, float] = {}

    def tree_memory(root: psutil.Process) -> int:
        """Proportional set size (shared pages split between the processes that map
        them, so the forkserver's copy-on-write children are not counted twice)."""
        total = 0
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_full_info().pss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        return total

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], tree_memory(root))
            time.sleep(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    watcher.join()
    CPU[0] = sum(cpu.values())
    if proc.returncode:
        raise RuntimeError(f"child {args} failed with exit code {proc.returncode}")
    return out, wall, peak[0] / 2**20


def measured_sweep(n: int, workers: int) -> tuple[int, float, float, float]:
    """(runs, seconds inside the sweep, wall seconds of the child, peak MB of the tree)."""
    out, wall, peak = measured_child("--child-sweep", str(n), "--workers", str(workers))
    runs, seconds = out.split()
    return int(runs), float(seconds), wall, peak


# --- output: a run end to end, and a streamed summary -------------------------------------------
def child_run(replicates: int, workers: int, events: bool | None) -> None:
    import json
    import tempfile

    from model.runs.runner import run_scenario

    scenario = load_scenario(BASELINE).with_changes(replicates=replicates)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        run_scenario(
            scenario,
            Path(folder) / "out",
            workers=workers,
            progress=False,
            events=events,
            timings=timings,
        )
        timings["total"] = time.perf_counter() - t0
        sizes = {p.name: p.stat().st_size for p in (Path(folder) / "out").glob("*.*")}
    timings["megabytes"] = sum(sizes.values()) / 1e6
    print(json.dumps(timings))


def child_summary(replicates: int, workers: int) -> None:
    import tempfile

    from model.runs.runner import summarise_scenario

    scenario = load_scenario(BASELINE).with_changes(replicates=replicates)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        tally = summarise_scenario(scenario, Path(folder) / "out", workers=workers, progress=False)
        elapsed = time.perf_counter() - t0
    print(f"{tally.replicates} {elapsed:.3f}")


RUN_PARTS = ("simulation", "formatting", "writing", "summary", "figures", "total")


def run_section(replicates: int, workers: int, rounds: int) -> None:
    import json

    print(
        f"run of the baseline, {replicates} replicates, {workers} worker processes "
        f"(medians of {rounds}):"
    )
    for label, events in (("default rule: no event log", None), ("--events", True)):
        found = []
        for _ in range(rounds):
            out, wall, peak = measured_child(
                "--child-run",
                str(replicates),
                "--workers",
                str(workers),
                "--events",
                "default" if events is None else "on",
            )
            found.append({**json.loads(out), "wall": wall, "peak": peak, "cpu": CPU[0]})
        med = {k: float(np.median([f[k] for f in found])) for k in found[0]}
        parts = ", ".join(f"{k} {med[k]:.1f} s" for k in RUN_PARTS[:-1])
        print(
            f"  {label}: {med['total']:.1f} s in run_scenario ({med['wall']:.1f} s with "
            f"start-up): {parts}; {med['megabytes']:.0f} MB written; peak memory "
            f"{med['peak']:.0f} MB (all processes); {med['cpu']:.0f} CPU s in all processes"
        )
        per = 1e3 * (med["simulation"] + med["formatting"]) / replicates
        print(
            f"    per replicate: {1e3 * med['simulation'] / replicates:.3f} ms simulating, "
            f"{1e3 * med['formatting'] / replicates:.3f} ms formatting ({per:.3f} ms of "
            f"worker CPU in all)"
        )


def summary_section(replicates: int, workers: int) -> None:
    out, wall, peak = measured_child("--child-summary", str(replicates), "--workers", str(workers))
    n, seconds = out.split()
    cpu = CPU[0]
    print(
        f"summary only (run --summary-only), {int(n):,} replicates of the baseline, "
        f"{workers} worker processes, once:"
    )
    print(
        f"  {float(seconds):.1f} s ({wall:.1f} s with start-up; "
        f"{1e6 * float(seconds) / int(n):.0f} us per replicate); peak memory {peak:.0f} MB "
        f"(all processes); {cpu:.0f} CPU s in all processes "
        f"({1e6 * cpu / int(n):.0f} us per replicate)"
    )


PARTS = ("scaling", "sweep", "run", "summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=PARTS, help="measure only these parts"
    )
    parser.add_argument("--child-sweep", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-summary", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--events", choices=("default", "on"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_sweep:
        child_sweep(args.child_sweep, args.workers)
        return
    if args.child_run:
        child_run(args.child_run, args.workers, None if args.events == "default" else True)
        return
    if args.child_summary:
        child_summary(args.child_summary, args.workers)
        return
    rounds = 1 if args.quick else 3
    base = 50 if args.quick else 100
    if "scaling" in args.only:
        ensemble(5)  # warm caches (record, initial state, imports)
        sizes = [base, 2 * base, 4 * base]
        ratios(
            "replicates (baseline, 28 quarters, one process)",
            sizes,
            [best(ensemble, r, rounds=rounds) for r in sizes],
            "replicates",
        )
        ends = {8: "2025Q4", 16: "2027Q4", 32: "2031Q4"}
        ratios(
            f"quarters (baseline, {base} replicates, one process)",
            list(ends),
            [best(ensemble, base, end, rounds=rounds) for end in ends.values()],
            "quarters",
        )
        actors = [20, 50, 100]
        ratios(
            f"agents (synthetic world, {base} replicates x 28 quarters)",
            actors,
            [best(synthetic_ensemble, n, base, rounds=rounds) for n in actors],
            "actors",
        )
    if "sweep" in args.only:
        block = 9  # 7 levers + 2: rows per Sobol' base point without second order
        print(f"Sobol' sweeps of the baseline (7 levers, {args.workers} worker processes):")
        for target in (1_000, 10_000):
            # runs = N x 9 points x 16 replicates each; Sobol' takes powers of two only
            n = 1 << round(math.log2(target / (block * 16)))
            runs, seconds, wall, peak = measured_sweep(n, args.workers)
            print(
                f"  N={n:>5}: {runs:>6} runs in {seconds:6.1f} s "
                f"({1e3 * seconds / runs:.2f} ms/run; {wall:.1f} s with start-up); "
                f"peak memory {peak:.0f} MB (all processes)"
            )
    if "run" in args.only:
        run_section(300 if args.quick else 3_000, args.workers, rounds)
    if "summary" in args.only:
        summary_section(20_000 if args.quick else 1_000_000, args.workers)


if __name__ == "__main__":
    main()
