"""Global sensitivity of a scenario's outcomes to its levers (``asean-sim sweep``).

The levers and their ranges come from the scenario's ``sweep:`` mapping when it has
one, else every lever over its documented range (model/world/levers.py). SALib draws the
samples (Saltelli's scheme for Sobol' indices, trajectories for Morris' elementary
effects); model/analysis/sensitivity.py computes the indices and says how far they can
be trusted. This module runs the points and writes the folder, figure and report.

Each sampled point is run ``replicates`` times on the batched engine
(model/world/batched.py: K replicates cost about as much as one) and its outcomes are
the replicates' means, so a point's value is not one run's luck. Points get common
random numbers by block: all points built from one base sample (Sobol': the rows A,
AB_1..AB_D, B of one base point; Morris: the points of one trajectory) are run as block
``b`` of an ensemble with the sweep's seed, so they share every random stream and the
differences the estimators take between them reflect only the levers. Blocks use
different streams, so noise still enters the outcome's variance: the report gives the
share of it that is replicate noise and how much the indices move with it.

Each run is reduced to a few scalar outcomes inside the worker (no events or
agent-level rows leave it), so a 10,000-point sweep holds only a (points x K x outcomes)
array.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.sensitivity import (
    METHODS,
    MIN_N,
    Problem,
    Reading,
    SweepError,
    analyze,
    block_size,
    check_n,
    fmt,
    index_noise,
    main_index,
    noise_share,
    point_means,
    read_indices,
    sample,
)
from model.analysis.sweep_outcomes import OUTCOMES, run_points
from model.runs.executors import run_ordered
from model.world.levers import LEVERS
from model.world.replicate import ParameterDraw
from model.world.scenario import Scenario

__all__ = [
    "METHODS",
    "OUTCOMES",
    "Problem",
    "SweepError",
    "analyze",
    "block_size",
    "lever_problem",
    "run_sweep",
    "sample",
    "sweep",
]

POINTS_PER_TASK = 64
"""Sampled points per task sent to a worker, run as the rows of one batched model
(64 points x 16 replicates: about a quarter of a second)."""
REPLICATES = 16
"""Default replicates per point: cheap as rows of a batched model, and enough to average
away most of a point's noise."""


def lever_problem(scenario: Scenario) -> Problem:
    """The scenario's ``sweep:`` ranges, or every lever over its documented range."""
    if scenario.sweep:
        names = tuple(scenario.sweep)
        return Problem(names, tuple(tuple(scenario.sweep[n]) for n in names))
    return Problem(tuple(LEVERS), tuple((lv.low, lv.high) for lv in LEVERS.values()))


def check_replicates(replicates: int) -> None:
    """A point's replicates must fit one batched block."""
    from model.world.batched import BLOCK

    if not 1 <= replicates <= BLOCK:
        raise SweepError(
            f"--replicates {replicates}: a sampled point runs as one batched "
            f"block, so it takes 1 to {BLOCK} replicates"
        )


def evaluate(
    scenario: Scenario,
    problem: Problem,
    x: np.ndarray,
    block: int,
    replicates: int,
    seed: int,
    draw: ParameterDraw | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[np.ndarray]:
    """Yield the (rows, K, outcomes) outcomes of the sample rows, a task at a time, in order."""
    tasks = [
        (scenario, problem.names, x[i : i + POINTS_PER_TASK], i, block, replicates, seed, draw)
        for i in range(0, len(x), POINTS_PER_TASK)
    ]
    yield from run_ordered(run_points, tasks, workers=workers, scheduler=scheduler)


@dataclass
class SweepResult:
    """A finished sweep: the samples, every point's outcomes, the indices per outcome and
    what they can be trusted for."""

    method: str
    problem: Problem
    n: int
    replicates: int
    samples: pd.DataFrame  # one row per point: sample, block, levers..., outcome means...
    indices: pd.DataFrame  # one row per outcome and lever
    readings: list[Reading]  # one per outcome, in OUTCOMES order
    warnings: list[str]  # about the whole sweep and each outcome


def sweep(
    scenario: Scenario,
    method: str,
    n: int,
    *,
    replicates: int = REPLICATES,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    draw: ParameterDraw | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Sample the scenario's levers, run every point ``replicates`` times and compute the
    indices of the points' mean outcomes, with their noise checks."""
    general = check_n(method, n)
    check_replicates(replicates)
    seed = scenario.seed if seed is None else seed
    problem = lever_problem(scenario)
    x = sample(problem, method, n, seed)
    block = block_size(method, len(problem.names))
    y = np.empty((len(x), replicates, len(OUTCOMES)))
    done = 0
    for part in evaluate(scenario, problem, x, block, replicates, seed, draw, workers, scheduler):
        y[done : done + len(part)] = part
        done += len(part)
        if progress is not None:
            progress(len(part))
    means = np.stack([point_means(y[:, :, k]) for k in range(len(OUTCOMES))], axis=1)
    samples = pd.DataFrame(x, columns=list(problem.names))
    samples.insert(0, "block", np.arange(len(x)) // block)
    samples.insert(0, "sample", np.arange(len(x)))
    samples = samples.join(pd.DataFrame(means, columns=list(OUTCOMES)))
    parts, readings = [], []
    for k, name in enumerate(OUTCOMES):
        found = analyze(problem, method, x, means[:, k], seed)
        parts.append(found.assign(outcome=name))
        undefined = int((~np.isfinite(means[:, k])).sum())
        noise = index_noise(problem, method, x, y[:, :, k], seed) if not undefined else np.nan
        readings.append(
            read_indices(method, n, name, found, noise_share(y[:, :, k]), noise, undefined)
        )
    indices = pd.concat(parts, ignore_index=True)
    indices = indices[["outcome", *[c for c in indices.columns if c != "outcome"]]]
    found_warnings = general + [w for r in readings for w in r.warnings]
    return SweepResult(method, problem, n, replicates, samples, indices, readings, found_warnings)


# --- the command: files on disk ------------------------------------------------------------
def default_out(scenario: Scenario, method: str) -> Path:
    return Path("results") / f"{scenario.name}-sweep-{method}"


def _stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run_sweep(
    path: str | Path,
    method: str,
    n: int,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int | None = None,
    progress: bool | None = None,
    replicates: int | None = None,
    warn: Callable[[str], None] = _stderr,
) -> Path:
    """``asean-sim sweep``: run the sweep and write its folder atomically (under the rule
    of model/files/safe_output.py); return it. A bad N or replicate count is refused
    before anything is written; warnings about the indices go to ``warn`` and the report.

    Writes ``samples.csv`` and ``samples.parquet`` (every point's levers and mean
    outcomes: what ``asean-sim discover`` reads), ``indices.csv``, ``noise.csv``,
    ``figures/indices.png``, ``report.md`` and ``manifest.json``.
    """
    from tqdm import tqdm

    from model.files.safe_output import replace_folder
    from model.runs.runner import parameter_draw
    from model.world.scenario import load_scenario

    replicates = REPLICATES if replicates is None else replicates
    check_n(method, n)  # refused before the scenario is read or a folder is touched
    check_replicates(replicates)
    scenario = load_scenario(path)
    seed = scenario.seed if seed is None else seed
    draw, info = parameter_draw("point")
    destination = Path(out) if out is not None else default_out(scenario, method)
    problem = lever_problem(scenario)
    points = n * block_size(method, len(problem.names))
    with replace_folder(destination) as staging:  # refused or locked before the runs start
        with tqdm(
            total=points,
            desc=f"{scenario.name} {method}",
            unit="point",
            leave=False,
            disable=None if progress is None else not progress,
        ) as bar:
            result = sweep(
                scenario,
                method,
                n,
                replicates=replicates,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                draw=draw,
                progress=bar.update,
            )
        result.samples.to_csv(staging / "samples.csv", index=False, float_format="%.6g")
        result.samples.to_parquet(staging / "samples.parquet", index=False)
        result.indices.to_csv(staging / "indices.csv", index=False, float_format="%.4g")
        noise_frame(result).to_csv(staging / "noise.csv", index=False, float_format="%.4g")
        indices_figure(result, staging / "figures" / "indices.png", scenario.title)
        (staging / "report.md").write_text(sweep_report(scenario, result, seed), encoding="utf-8")
        files = sorted(
            [
                "samples.csv",
                "samples.parquet",
                "indices.csv",
                "noise.csv",
                "figures/indices.png",
                "report.md",
                "manifest.json",
            ]
        )
        manifest = sweep_manifest(scenario, result, seed, info, files, str(path))
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    for message in result.warnings:
        warn(message)
    return destination


# --- figure, report and manifest -------------------------------------------------------------
def noise_frame(result: SweepResult) -> pd.DataFrame:
    """noise.csv: per outcome, the noise share, the index noise and the widest interval."""
    _, conf = main_index(result.method)
    return pd.DataFrame(
        [
            (r.outcome, r.noise_share, r.index_noise, r.widest_conf, r.undefined)
            for r in result.readings
        ],
        columns=["outcome", "noise_share", "index_noise", f"widest_{conf}", "undefined_points"],
    )


OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "grey": "0.85"}


def indices_figure(result: SweepResult, path: Path, title: str) -> Path:
    """One panel per outcome: Sobol' first-order and total indices (bars, with their
    confidence intervals), or Morris' mu* (bars, CI) and sigma (dots); the grey band is
    twice the index noise (replicate noise), below which an index cannot be told from 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.problem.names)
    y = np.arange(len(names))
    outcomes = list(OUTCOMES)
    readings = {r.outcome: r for r in result.readings}
    cols = 4
    rows = int(np.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(14, 1.0 + rows * (0.45 * len(names) + 1.3)), sharey=True, squeeze=False
    )
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows_of = result.indices[result.indices["outcome"] == outcome].set_index("lever")
        rows_of = rows_of.loc[names]
        floor = 2 * readings[outcome].index_noise
        if np.isfinite(floor) and floor > 0:
            ax.axvspan(0, floor, color=OKABE_ITO["grey"], zorder=0, label="replicate-noise floor")
        if result.method == "sobol":
            ax.barh(
                y - 0.2,
                rows_of["S1"],
                0.38,
                xerr=rows_of["S1_conf"],
                color=OKABE_ITO["blue"],
                label="first order S1",
                capsize=2,
            )
            ax.barh(
                y + 0.2,
                rows_of["ST"],
                0.38,
                xerr=rows_of["ST_conf"],
                color=OKABE_ITO["orange"],
                label="total ST",
                capsize=2,
            )
            ax.axvline(0, color="0.3", lw=0.8)
            low = (rows_of["S1"] - rows_of["S1_conf"]).to_numpy()
            ax.set_xlim(min(-0.05, float(np.nanmin(low, initial=0))), 1.0)
            ax.set_xlabel("share of variance")
        else:
            ax.barh(
                y,
                rows_of["mu_star"],
                0.6,
                xerr=rows_of["mu_star_conf"],
                color=OKABE_ITO["green"],
                label="mu* (mean |effect|)",
                capsize=2,
            )
            ax.plot(rows_of["sigma"], y, "ko", ms=4, label="sigma (interactions)")
            ax.set_xlabel("outcome units per lever range")
        if rows_of.drop(columns="outcome").isna().all().all():
            ax.text(0.5, 0.5, "no variation", transform=ax.transAxes, ha="center")
        ax.set_title(outcome.replace("_", " "), fontsize=10)
        ax.set_yticks(y, names, fontsize=8)
    axes.flat[0].invert_yaxis()  # once: the panels share the axis (first lever on top)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1 : len(outcomes)]:  # the first panel may lack the floor band
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(
        handles,
        labels,
        fontsize=8,
        loc="lower center",
        ncol=len(labels),
        bbox_to_anchor=(0.5, -0.02),
        frameon=False,
    )
    what = (
        "Sobol' indices, 95% CI"
        if result.method == "sobol"
        else "Morris elementary effects, 95% CI"
    )
    fig.suptitle(
        f"{title}: sensitivity of outcomes to levers ({what}; "
        f"{len(result.samples)} points × {result.replicates} replicates)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    from model.runs.plots import save_figure

    return save_figure(fig, path)


def _ranking(result: SweepResult, outcome: str) -> str:
    rows = result.indices[result.indices["outcome"] == outcome]
    key, conf = main_index(result.method)
    if rows[key].isna().all():
        reading = next(r for r in result.readings if r.outcome == outcome)
        why = (
            f"undefined at {reading.undefined} point(s)"
            if reading.undefined
            else "does not vary in this sweep"
        )
        return f"- **{outcome}**: {why}."
    rows = rows.sort_values(key, ascending=False)
    parts = []
    for _, r in rows.iterrows():
        clear = r[key] - r[conf] > 0
        parts.append(f"{r['lever']} {fmt(r[key])} ± {fmt(r[conf])}" + ("" if clear else " (≈0)"))
    return f"- **{outcome}**: " + "; ".join(parts)


def _pct(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return "< 1%" if 0 < value < 0.005 else f"{value:.0%}"


def _num(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.3f}"


def noise_section(result: SweepResult) -> list[str]:
    """The report's Monte Carlo noise floor, in words and one table."""
    key, _ = main_index(result.method)
    k = result.replicates
    lines = [
        "## Monte Carlo noise floor",
        "",
        f"Each point is the mean of {k} replicate run(s) at the same levers. Three numbers "
        "per outcome say how much of what you see is noise:",
        "",
        "- **noise share**: the part of the outcome's variance between points that is "
        "replicate noise (runs at the same levers differ only by their random draws), from "
        "the spread within points. The levers together cannot explain more than 1 minus it; "
        "its noise part falls as 1/K (K = --replicates).",
        f"- **index noise**: how much {key} would move if the replicates were drawn "
        "again: the indices are computed on two independent halves of the replicates and "
        "this is half their rms difference. An index below about twice it (the grey band "
        "in the figure) cannot be told from zero.",
        f"- **widest ±**: the widest 95% bootstrap half-width of {key} over the levers, the "
        f"sampling error from the N = {result.n} points; it falls as 1/√N.",
        "",
    ]
    if k < 2:
        lines += [
            "With one replicate per point the noise share and index noise cannot be "
            "estimated (n/a below); use --replicates 2 or more.",
            "",
        ]
    lines += ["| outcome | noise share | index noise | widest ± |", "|---|---|---|---|"]
    for r in result.readings:
        lines.append(
            f"| {r.outcome} | {_pct(r.noise_share)} | {_num(r.index_noise)} | "
            f"{_num(r.widest_conf)} |"
        )
    return [*lines, ""]


def sweep_report(scenario: Scenario, result: SweepResult, seed: int) -> str:
    """report.md of a sweep: which levers move which outcome, with the CIs, and whether
    the indices are meaningful at this N and K."""
    n = result.n
    index = (
        "total Sobol' index ST (share of the outcome's variance the lever explains, "
        "alone or with others)"
        if result.method == "sobol"
        else "Morris mu* (mean absolute elementary effect over the lever's range)"
    )
    lines = [
        f"# Sensitivity: {scenario.title}",
        "",
        f"Method `{result.method}`, N = {n} "
        f"({'base points' if result.method == 'sobol' else 'trajectories'}), "
        f"{len(result.samples)} points × {result.replicates} replicates = "
        f"{len(result.samples) * result.replicates} runs, seed {seed}. Levers and ranges:",
        "",
    ]
    lines += [
        f"- `{name}`: [{lo:g}, {hi:g}]"
        for name, (lo, hi) in zip(result.problem.names, result.problem.bounds, strict=True)
    ]
    lines += [""]
    if result.warnings:
        lines += ["## Warnings", "", "These indices should not be read as they stand:", ""]
        lines += [f"- {w}" for w in result.warnings]
        lines += [""]
    lines += [
        "## Indices",
        "",
        f"Per outcome, levers ranked by {index}, ± its 95% confidence half-width; "
        "(≈0) marks an index whose interval reaches zero.",
        "",
    ]
    lines += [_ranking(result, outcome) for outcome in OUTCOMES]
    notes = [note for r in result.readings for note in r.notes]
    if notes:
        lines += ["", "Negative first-order indices:", ""]
        lines += [f"- {note}" for note in notes]
    lines += [""]
    lines += noise_section(result)
    lines += [
        "Outcomes (each a point's mean over its replicates): "
        + "; ".join(f"`{k}`: {(f.__doc__ or '').strip().rstrip('.')}" for k, f in OUTCOMES.items()),
        "",
        f"Points of one base sample share their random streams (common random numbers), "
        f"so the indices compare levers, not luck; see model/analysis/sweep.py. Below "
        f"N = {MIN_N[result.method]} the report warns that the indices are not "
        "meaningful. `samples.parquet` holds every point's levers and mean outcomes: "
        "`asean-sim discover` finds the lever ranges that lead to an outcome from it.",
        "",
        "![indices](figures/indices.png)",
        "",
    ]
    return "\n".join(lines)


def sweep_manifest(
    scenario: Scenario,
    result: SweepResult,
    seed: int,
    parameters: dict[str, Any],
    files: list[str],
    scenario_file: str,
) -> dict[str, Any]:
    """What produced a sweep folder (no timestamps: same inputs, same bytes)."""
    from model.files.manifest import header, provenance

    return {
        **header("sweep"),
        "method": result.method,
        "n": result.n,
        "points": len(result.samples),
        "replicates_per_point": result.replicates,
        "runs": len(result.samples) * result.replicates,
        "seed": seed,
        "seeding": "point r runs as block b = r // (D+2) (sobol) or r // (D+1) (morris) of "
        "a batched ensemble seeded `seed` (replicates b*64 .. b*64+K-1): the points "
        "of one base sample share every random stream",
        "levers": {
            name: list(b)
            for name, b in zip(result.problem.names, result.problem.bounds, strict=True)
        },
        "outcomes": list(OUTCOMES),
        "warnings": result.warnings,
        "scenario": scenario.resolved(),
        "scenario_digest": scenario.digest(),
        "scenario_file": scenario_file,
        "parameters": parameters,
        **provenance(),
        "files": files,
    }
