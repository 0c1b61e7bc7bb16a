"""Global sensitivity of a scenario's outcomes to its levers (``asean-sim sweep``).

The levers and their ranges come from the scenario's ``sweep:`` mapping when it has
one, else every lever over its documented range (model/world/levers.py). SALib draws the
samples (Saltelli's scheme for Sobol' indices, trajectories for Morris' elementary
effects) and computes the indices with bootstrap confidence intervals.

The model is stochastic, so each run's noise would otherwise leak into every lever's
index. Runs are therefore given common random numbers by block: all runs built from
one base sample (Sobol': the rows A, AB_1..AB_D, B of one base point; Morris: the
points of one trajectory) share one seed, so the differences the estimators take
between them reflect only the levers. Blocks use different seeds, so noise still
enters the outcome's total variance: the indices are shares of all the variance, and
``1 - sum(ST)`` bounds what the noise and the levers' interactions with it explain.

Each run is reduced to a few scalar outcomes inside the worker (no events or
agent-level rows leave it), so a 10,000-run sweep holds only a (runs x outcomes) array.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.runs.ensemble import run_replicate
from model.runs.executors import run_ordered
from model.vocabulary import GRAVE, METRICS, InputError
from model.world.levers import LEVERS
from model.world.replicate import ParameterDraw, ReplicateResult
from model.world.scenario import Scenario

METHODS = ("sobol", "morris")
RUNS_PER_TASK = 64
"""Sweep runs per task sent to a worker (each run is a few milliseconds)."""
MORRIS_LEVELS = 4
CONF_LEVEL = 0.95
RESAMPLES = 200


class SweepError(InputError):
    """A sweep request that cannot be run (unknown method, too few samples)."""


# --- outcomes: what each run is reduced to ---------------------------------------------
def _summits(result: ReplicateResult) -> list[tuple]:
    return [s for s in result.statements if s[1] == "summit"]


def grave_share(result: ReplicateResult) -> float:
    """Share of the period's summit statements with grave-concern language (tone 4)."""
    summits = _summits(result)
    return sum(s[3] == GRAVE for s in summits) / max(1, len(summits))


def discord_share(result: ReplicateResult) -> float:
    """Share of summits where ASEAN could not speak by consensus (split or no text)."""
    summits = _summits(result)
    return sum(s[4] != "consensus" for s in summits) / max(1, len(summits))


def _per_year(result: ReplicateResult, total: float) -> float:
    return float(total) / max(1, len(result.chairs))


def exchanges_per_year(result: ReplicateResult) -> float:
    """DPRK-member delegations (both ways) per simulated year."""
    return _per_year(result, result.exchanges.sum())


def provocations_per_year(result: ReplicateResult) -> float:
    """DPRK launches and tests per simulated year."""
    return _per_year(result, result.metrics[:, METRICS.index("provocations")].sum())


def final_pressure(result: ReplicateResult) -> float:
    """Mean member pressure on the DPRK in the last quarter."""
    return float(result.metrics[-1, METRICS.index("mean_pressure")])


def final_engagement(result: ReplicateResult) -> float:
    """Mean member engagement with the DPRK in the last quarter."""
    return float(result.metrics[-1, METRICS.index("mean_engagement")])


OUTCOMES: dict[str, Callable[[ReplicateResult], float]] = {
    f.__name__: f for f in (grave_share, discord_share, exchanges_per_year,
                            provocations_per_year, final_pressure, final_engagement)
}


def reduce_result(result: ReplicateResult) -> np.ndarray:
    """One run's outcomes, in OUTCOMES order."""
    return np.array([f(result) for f in OUTCOMES.values()])


# --- the problem and SALib ---------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """The levers swept and their ranges, in SALib's terms."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict:
        return {"num_vars": len(self.names), "names": list(self.names),
                "bounds": [list(b) for b in self.bounds]}


def lever_problem(scenario: Scenario) -> Problem:
    """The scenario's ``sweep:`` ranges, or every lever over its documented range."""
    if scenario.sweep:
        names = tuple(scenario.sweep)
        return Problem(names, tuple(tuple(scenario.sweep[n]) for n in names))
    return Problem(tuple(LEVERS), tuple((lv.low, lv.high) for lv in LEVERS.values()))


def block_size(method: str, levers: int) -> int:
    """Rows that share a base sample (and so a seed): D+2 for Sobol', D+1 for Morris."""
    return levers + 2 if method == "sobol" else levers + 1


def sample(problem: Problem, method: str, n: int, seed: int) -> np.ndarray:
    """SALib's sample matrix: ``n`` base points (Sobol', first and total order only:
    ``n * (D + 2)`` rows) or ``n`` trajectories (Morris: ``n * (D + 1)`` rows)."""
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():  # scipy's note when n is not a power of two
            warnings.simplefilter("ignore", UserWarning)
            return sobol.sample(problem.salib(), n, calc_second_order=False, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)
    raise SweepError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def analyze(problem: Problem, method: str, x: np.ndarray, y: np.ndarray, seed: int
            ) -> pd.DataFrame:
    """Indices of one outcome ``y`` per lever, with bootstrap confidence intervals.

    An outcome that never varies has no variance to apportion: its indices are NaN.
    """
    columns = (["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol"
               else ["mu", "mu_star", "mu_star_conf", "sigma"])
    frame = pd.DataFrame({"lever": list(problem.names)})
    if not np.isfinite(y).all() or np.ptp(y) == 0:
        return frame.assign(**dict.fromkeys(columns, np.nan))
    if method == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():  # a block of identical runs is fine (a null lever)
            warnings.filterwarnings("ignore", "Constant values encountered")
            found = sobol.analyze(problem.salib(), y, calc_second_order=False,
                                  num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=seed)
    else:
        from SALib.analyze import morris

        found = morris.analyze(problem.salib(), x, y, num_resamples=RESAMPLES,
                               conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed)
    return frame.assign(**{c: np.asarray(found[c], dtype=float) for c in columns})


# --- running the samples -----------------------------------------------------------------
def _run_samples(scenario: Scenario, names: tuple[str, ...], rows: np.ndarray, start: int,
                 block: int, seed: int, draw: ParameterDraw | None) -> np.ndarray:
    """Run sample rows ``start, start+1, ...`` and reduce each to its outcomes (in a worker).

    Row r's seed is child ``r // block`` of ``SeedSequence(seed)``, built afresh for each
    run (``spawn`` is stateful, so a shared SeedSequence would give each run new streams).
    """
    out = np.empty((len(rows), len(OUTCOMES)))
    for k, row in enumerate(rows):
        index = start + k
        variant = scenario.model_copy(
            update={"levers": {**scenario.levers, **dict(zip(names, map(float, row),
                                                                strict=True))}})
        child = np.random.SeedSequence(seed, spawn_key=(index // block,))
        result = run_replicate(variant, index // block, child, draw, record_events=False)
        out[k] = reduce_result(result)
    return out


def evaluate(scenario: Scenario, problem: Problem, x: np.ndarray, block: int, seed: int,
             draw: ParameterDraw | None = None, workers: int = 1, scheduler: str | None = None
             ) -> Iterator[np.ndarray]:
    """Yield the outcomes of the sample rows, a task's worth at a time, in row order."""
    tasks = [(scenario, problem.names, x[i:i + RUNS_PER_TASK], i, block, seed, draw)
             for i in range(0, len(x), RUNS_PER_TASK)]
    yield from run_ordered(_run_samples, tasks, workers=workers, scheduler=scheduler)


@dataclass
class SweepResult:
    """A finished sweep: the samples, every run's outcomes and the indices per outcome."""

    method: str
    problem: Problem
    samples: pd.DataFrame  # one row per run: sample, block, levers..., outcomes...
    indices: pd.DataFrame  # one row per outcome and lever


def sweep(scenario: Scenario, method: str, n: int, *, seed: int | None = None,
          workers: int = 1, scheduler: str | None = None,
          draw: ParameterDraw | None = None, progress: Callable[[int], None] | None = None
          ) -> SweepResult:
    """Sample the scenario's levers, run every sample once and compute the indices."""
    if method not in METHODS:
        raise SweepError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if n < 2:
        raise SweepError(f"--n must be at least 2, got {n}")
    seed = scenario.seed if seed is None else seed
    problem = lever_problem(scenario)
    x = sample(problem, method, n, seed)
    block = block_size(method, len(problem.names))
    y = np.empty((len(x), len(OUTCOMES)))
    done = 0
    for part in evaluate(scenario, problem, x, block, seed, draw, workers, scheduler):
        y[done:done + len(part)] = part
        done += len(part)
        if progress is not None:
            progress(len(part))
    samples = pd.DataFrame(x, columns=list(problem.names))
    samples.insert(0, "block", np.arange(len(x)) // block)
    samples.insert(0, "sample", np.arange(len(x)))
    samples = samples.join(pd.DataFrame(y, columns=list(OUTCOMES)))
    indices = pd.concat([analyze(problem, method, x, y[:, k], seed).assign(outcome=name)
                         for k, name in enumerate(OUTCOMES)], ignore_index=True)
    indices = indices[["outcome", *[c for c in indices.columns if c != "outcome"]]]
    return SweepResult(method, problem, samples, indices)


# --- the command: files on disk ------------------------------------------------------------
def default_out(scenario: Scenario, method: str) -> Path:
    return Path("results") / f"{scenario.name}-sweep-{method}"


def run_sweep(path: str | Path, method: str, n: int, out: str | Path | None = None,
              workers: int = 1, scheduler: str | None = None, seed: int | None = None,
              progress: bool | None = None) -> Path:
    """``asean-sim sweep``: run the sweep and write its folder atomically (under the rule
    of model/files/safe_output.py); return it.

    Writes ``samples.csv`` and ``samples.parquet`` (every run's levers and outcomes),
    ``indices.csv``, ``figures/indices.png``, ``report.md`` and ``manifest.json``.
    """
    from tqdm import tqdm

    from model.files.safe_output import replace_folder
    from model.runs.runner import parameter_draw
    from model.world.scenario import load_scenario

    scenario = load_scenario(path)
    seed = scenario.seed if seed is None else seed
    draw, info = parameter_draw("point")
    destination = Path(out) if out is not None else default_out(scenario, method)
    problem = lever_problem(scenario)
    runs = n * block_size(method, len(problem.names))
    with replace_folder(destination) as staging:  # refused or locked before the runs start
        with tqdm(total=runs, desc=f"{scenario.name} {method}", unit="run", leave=False,
                  disable=None if progress is None else not progress) as bar:
            result = sweep(scenario, method, n, seed=seed, workers=workers,
                           scheduler=scheduler, draw=draw, progress=bar.update)
        result.samples.to_csv(staging / "samples.csv", index=False, float_format="%.6g")
        result.samples.to_parquet(staging / "samples.parquet", index=False)
        result.indices.to_csv(staging / "indices.csv", index=False, float_format="%.4g")
        indices_figure(result, staging / "figures" / "indices.png", scenario.title)
        (staging / "report.md").write_text(sweep_report(scenario, result, n, seed),
                                           encoding="utf-8")
        files = sorted(["samples.csv", "samples.parquet", "indices.csv", "figures/indices.png",
                        "report.md", "manifest.json"])
        manifest = sweep_manifest(scenario, result, n, seed, info, files, str(path))
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True)
                                               + "\n", encoding="utf-8")
    return destination


# --- figure, report and manifest -------------------------------------------------------------
def indices_figure(result: SweepResult, path: Path, title: str) -> Path:
    """One panel per outcome: Sobol' first-order and total indices (bars, with their
    confidence intervals), or Morris' mu* (bars, CI) and sigma (dots)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.problem.names)
    y = np.arange(len(names))
    outcomes = list(OUTCOMES)
    cols = 3
    rows = int(np.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 1.0 + rows * (0.45 * len(names) + 1.2)),
                             sharey=True, squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows_of = result.indices[result.indices["outcome"] == outcome].set_index("lever")
        rows_of = rows_of.loc[names]
        if result.method == "sobol":
            ax.barh(y - 0.2, rows_of["S1"], 0.38, xerr=rows_of["S1_conf"], color="#1f77b4",
                    label="first order S1", capsize=2)
            ax.barh(y + 0.2, rows_of["ST"], 0.38, xerr=rows_of["ST_conf"], color="#ff7f0e",
                    label="total ST", capsize=2)
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_xlim(min(-0.05, float(np.nanmin((rows_of["S1"] - rows_of["S1_conf"]).to_numpy(),
                                                   initial=0))), 1.0)
        else:
            ax.barh(y, rows_of["mu_star"], 0.6, xerr=rows_of["mu_star_conf"], color="#2ca02c",
                    label="mu* (mean |effect|)", capsize=2)
            ax.plot(rows_of["sigma"], y, "ko", ms=4, label="sigma (interactions)")
        if rows_of.drop(columns="outcome").isna().all().all():
            ax.text(0.5, 0.5, "no variation", transform=ax.transAxes, ha="center")
        ax.set_title(outcome.replace("_", " "), fontsize=10)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="lower right")
    what = ("Sobol' indices, 95% CI" if result.method == "sobol"
            else "Morris elementary effects, 95% CI")
    fig.suptitle(f"{title}: sensitivity of outcomes to levers ({what}; "
                 f"{len(result.samples)} runs)", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    from model.runs.plots import save_figure

    return save_figure(fig, path)


def _ranking(result: SweepResult, outcome: str) -> str:
    rows = result.indices[result.indices["outcome"] == outcome]
    key, conf = ("ST", "ST_conf") if result.method == "sobol" else ("mu_star", "mu_star_conf")
    if rows[key].isna().all():
        return f"- **{outcome}**: does not vary in this sweep."
    rows = rows.sort_values(key, ascending=False)
    parts = []
    for _, r in rows.iterrows():
        clear = r[key] - r[conf] > 0
        parts.append(f"{r['lever']} {r[key]:.2f} ± {r[conf]:.2f}" + ("" if clear else " (≈0)"))
    return f"- **{outcome}**: " + "; ".join(parts)


def sweep_report(scenario: Scenario, result: SweepResult, n: int, seed: int) -> str:
    """report.md of a sweep: which levers move which outcome, with the CIs."""
    index = ("total Sobol' index ST (share of the outcome's variance the lever explains, "
             "alone or with others)" if result.method == "sobol"
             else "Morris mu* (mean absolute elementary effect over the lever's range)")
    lines = [
        f"# Sensitivity: {scenario.title}", "",
        f"Method `{result.method}`, N = {n} "
        f"({'base points' if result.method == 'sobol' else 'trajectories'}), "
        f"{len(result.samples)} runs, seed {seed}. Levers and ranges:", "",
    ]
    lines += [f"- `{name}`: [{lo:g}, {hi:g}]"
              for name, (lo, hi) in zip(result.problem.names, result.problem.bounds,
                                        strict=True)]
    lines += ["", f"Per outcome, levers ranked by {index}, ± its 95% confidence half-width; "
              "(≈0) marks an index whose interval reaches zero.", ""]
    lines += [_ranking(result, outcome) for outcome in OUTCOMES]
    lines += ["", "Outcomes: " + "; ".join(f"`{k}`: {(f.__doc__ or '').strip().rstrip('.')}"
                                           for k, f in OUTCOMES.items()), "",
              "Runs of one base point share a seed (common random numbers), so the indices "
              "compare levers, not luck; see model/analysis/sweep.py.", "",
              "![indices](figures/indices.png)", ""]
    return "\n".join(lines)


def sweep_manifest(scenario: Scenario, result: SweepResult, n: int, seed: int,
                   parameters: dict[str, Any], files: list[str], scenario_file: str
                   ) -> dict[str, Any]:
    """What produced a sweep folder (no timestamps: same inputs, same bytes)."""
    from model.files.manifest import header, provenance

    return {
        **header("sweep"),
        "method": result.method,
        "n": n,
        "runs": len(result.samples),
        "seed": seed,
        "seeding": "run r uses SeedSequence(seed, spawn_key=(r // block,)); block = D+2 "
                   "(sobol) or D+1 (morris) rows built from one base point",
        "levers": {name: list(b) for name, b in zip(result.problem.names, result.problem.bounds,
                                                     strict=True)},
        "outcomes": list(OUTCOMES),
        "scenario": scenario.resolved(),
        "scenario_digest": scenario.digest(),
        "scenario_file": scenario_file,
        "parameters": parameters,
        **provenance(),
        "files": files,
    }
