"""Write a calibration: the parameter file the model uses by default, and a fit report
(prior-versus-posterior plots, simulated-versus-observed summaries, leave-one-out)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

from model.analysis.abc import Population
from model.analysis.calibrate import WEIGHTS, LooRow, Setup, Summary, prior_for
from model.files.manifest import code_digest, git_commit, provenance
from model.files.manifest import header as manifest_header
from model.files.safe_output import YAML, YAML_HEADER, replace_folder, write_text
from model.runs.plots import save_figure
from model.vocabulary import MEMBERS, NAMES
from model.world.parameters import specs

SAMPLES = 200
"""Equally weighted posterior draws stored for `--parameters posterior`."""


def parameter_table(population: Population) -> dict[str, dict]:
    """Per fitted parameter: posterior median, 10th and 90th percentiles, prior range."""
    q = population.quantile([0.1, 0.5, 0.9])
    table = specs()
    return {
        name: {
            "median": round(float(q[1, j]), 6),
            "p10": round(float(q[0, j]), 6),
            "p90": round(float(q[2, j]), 6),
            "prior": [table[name].low, table[name].high],
            "meaning": table[name].meaning,
        }
        for j, name in enumerate(population.names)
    }


def write_parameter_file(
    path: Path, population: Population, setup: Setup, seed: int, particles: int, generations: int
) -> dict:
    """The calibrated parameter file (YAML), written atomically."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    samples = population.resample(rng, SAMPLES)
    content = {
        "method": "ABC-SMC (Beaumont et al. 2009), uniform priors on documented ranges",
        "scenario": setup.scenario.name,
        "seed": seed,
        "particles": particles,
        "generations": generations,
        "simulations": population.simulations,
        "epsilons": [round(e, 6) for e in population.epsilons],
        "distance_weights": WEIGHTS,
        "targets": {
            "tones": [list(t) for t in setup.targets.tones],
            "exchanges": {int(k): v for k, v in setup.targets.exchanges.items()},
            "goldstein_share": {
                m: round(float(v), 4)
                for m, v in zip(MEMBERS, setup.targets.goldstein_share, strict=True)
            },
        },
        "code_digest": code_digest(),
        "git_commit": git_commit(),
        "parameters": parameter_table(population),
        "samples": {
            "names": list(population.names),
            "values": [[round(float(v), 6) for v in row] for row in samples],
        },
    }
    header = (
        f"{YAML_HEADER.decode()}: the model's default parameters are the\n"
        "# posterior medians below; `--parameters posterior` draws from `samples`.\n"
    )
    write_text(path, header + yaml.safe_dump(content, sort_keys=False, width=100), YAML)
    return content


def _prior_posterior_figure(population: Population, path: Path) -> None:
    prior = prior_for(population.names)
    k = len(population.names)
    cols = min(4, k)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for j, (ax, name) in enumerate(zip(axes.flat, population.names, strict=False)):
        low, high = prior.low[j], prior.high[j]
        ax.hist(
            population.theta[:, j],
            bins=20,
            range=(low, high),
            weights=population.weights,
            density=True,
            color="#1f77b4",
            alpha=0.8,
            label="posterior",
        )
        ax.axhline(1.0 / (high - low), color="0.3", ls="--", label="prior")
        p10, med, p90 = population.quantile([0.1, 0.5, 0.9])[:, j]
        ax.axvline(med, color="#d62728")
        ax.axvspan(p10, p90, color="#d62728", alpha=0.12)
        ax.set_title(name, fontsize=9)
        ax.set_xlim(low, high)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(
        "Prior (dashed) and ABC posterior; red: median and 80% interval",
        x=0.01,
        ha="left",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, path)


def _fit_figure(setup: Setup, sims: list[Summary], path: Path) -> None:
    targets = setup.targets
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), gridspec_kw={"width_ratios": [3, 1.2, 3]})
    ax = axes[0]
    for i, (year, meeting, observed) in enumerate(targets.tones):
        values = [t for s in sims for t in s.tones.get((year, meeting), (None,))]
        counts = np.bincount([v for v in values if v is not None], minlength=5)[:5]
        share = counts / max(1, len(values))
        for tone in range(5):
            ax.scatter(i, tone, s=600 * share[tone], color="#1f77b4", alpha=0.5)
        ax.scatter(i, observed, marker="*", s=160, color="black", zorder=3)
    ax.set_xticks(
        range(len(targets.tones)), [f"{y}\n{m[:4]}" for y, m, _ in targets.tones], fontsize=8
    )
    ax.set_yticks(range(5))
    ax.set_ylim(-0.5, 4.5)
    ax.set_title(
        "Statement tone: simulated (circles, area = share) vs observed (stars)",
        fontsize=9,
        loc="left",
    )
    ax = axes[1]
    years = list(targets.exchanges)
    for i, year in enumerate(years):
        values = [s.exchanges[year] for s in sims]
        ax.boxplot(values, positions=[i], widths=0.5, showfliers=False)
        ax.scatter(i, targets.exchanges[year], marker="*", s=160, color="black", zorder=3)
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_title("DPRK exchanges", fontsize=9, loc="left")
    ax = axes[2]
    x = np.arange(len(MEMBERS))
    simulated = np.mean([s.goldstein_share for s in sims], axis=0)
    ax.bar(x - 0.2, simulated, width=0.4, label="simulated (mean)", color="#1f77b4")
    ax.bar(x + 0.2, targets.goldstein_share, width=0.4, label="record", color="0.2")
    ax.set_xticks(x, MEMBERS, fontsize=8)
    ax.legend(fontsize=8)
    ax.set_title("Share of cooperative Goldstein with the DPRK", fontsize=9, loc="left")
    fig.tight_layout()
    save_figure(fig, path)


def write_report(
    folder: Path,
    population: Population,
    setup: Setup,
    thetas: np.ndarray,
    sims: list[Summary],
    content: dict,
    loo: list[LooRow] | None,
) -> None:
    """The fit report folder (atomic, under the rule of model/files/safe_output.py): report.md,
    figures, tables and a manifest."""
    with replace_folder(folder) as staging:
        pd.DataFrame(population.theta, columns=population.names).assign(
            weight=population.weights, distance=population.distances
        ).to_csv(staging / "posterior.csv", index=False, float_format="%.6g")
        _prior_posterior_figure(population, staging / "prior_posterior.png")
        _fit_figure(setup, sims, staging / "fit.png")
        lines = [
            "# Calibration report",
            "",
            f"ABC-SMC on `{setup.scenario.name}` ({setup.scenario.period.start}-"
            f"{setup.scenario.period.end}): {content['particles']} particles, "
            f"{content['generations']} generations, {content['simulations']} simulations; "
            "tolerance by generation: "
            + ", ".join(f"{e:.3f}" for e in population.epsilons)
            + f"; effective sample size {population.effective_size():.0f}.",
            "",
            "Targets (from the record only): the statement tones and voices of "
            "seeds/statements.csv, "
            "DPRK exchange counts in "
            + ", ".join(f"{y} ({v:g})" for y, v in setup.targets.exchanges.items())
            + ", and each member's share of cooperative Goldstein with the DPRK.",
            "",
            "## Posterior",
            "",
            "| parameter | median | 80% interval | prior | meaning |",
            "|---|---|---|---|---|",
        ]
        for name, row in content["parameters"].items():
            lines.append(
                f"| `{name}` | {row['median']:.3g} | {row['p10']:.3g}-{row['p90']:.3g} "
                f"| {row['prior'][0]:g}-{row['prior'][1]:g} | {row['meaning']} |"
            )
        lines += [
            "",
            "![prior vs posterior](prior_posterior.png)",
            "",
            f"## Simulated versus observed (posterior predictive, {len(sims)} draws)",
            "",
            "| year | meeting | observed tone | simulated mean | P(observed tone) |",
            "|---|---|---|---|---|",
        ]
        for year, meeting, observed in setup.targets.tones:
            values = np.array(
                [
                    np.nan if t is None else t
                    for s in sims
                    for t in s.tones.get((year, meeting), (None,))
                ],
                dtype=float,
            )
            lines.append(
                f"| {year} | {meeting} | {observed} | {np.nanmean(values):.2f} | "
                f"{np.mean(values == observed):.0%} |"
            )
        for year, observed in setup.targets.exchanges.items():
            values = np.array([s.exchanges[year] for s in sims])
            lines.append(
                f"\nExchanges {year}: observed {observed:g}, simulated median "
                f"{np.median(values):g} (10-90%: {np.percentile(values, 10):g}-"
                f"{np.percentile(values, 90):g})."
            )
        top = np.argsort(-setup.targets.goldstein_share)[:3]
        simulated = np.mean([s.goldstein_share for s in sims], axis=0)
        lines.append(
            "\nCooperative Goldstein share, record vs simulated: "
            + "; ".join(
                f"{NAMES[MEMBERS[i]]} {setup.targets.goldstein_share[i]:.0%} vs {simulated[i]:.0%}"
                for i in top
            )
            + "."
        )
        lines += ["", "![fit](fit.png)", ""]
        if loo:
            frame = pd.DataFrame([asdict(r) for r in loo])
            frame.to_csv(staging / "loo.csv", index=False, float_format="%.4g")
            lines += [
                "## Leave-one-out",
                "",
                "Each statement year refitted without it, then predicted:",
                "",
                "| year | meeting | observed | predicted mean | P(observed) | mode | "
                "mean abs. error |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in loo:
                lines.append(
                    f"| {r.year} | {r.meeting} | {r.observed} | "
                    f"{r.predicted_mean:.2f} | {r.p_observed:.0%} | {r.predicted_mode} "
                    f"| {r.abs_error:.2f} |"
                )
            lines.append(
                f"\nMean absolute error {frame['abs_error'].mean():.2f} tone levels; "
                f"the observed tone is the most likely prediction in "
                f"{int((frame['predicted_mode'] == frame['observed']).sum())} of "
                f"{len(frame)} years."
            )
        (staging / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        files = [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()]
        files.append("manifest.json")
        manifest = {
            **manifest_header("calibration"),
            "scenario": setup.scenario.name,
            "seed": content["seed"],
            "particles": content["particles"],
            "generations": content["generations"],
            **provenance(),
            "files": sorted(files),
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
