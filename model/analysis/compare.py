"""Set scenarios side by side (``asean-sim compare``), with honest Monte Carlo uncertainty.

Every scenario is run with one common seed and replicate count, so replicate i of each
uses the same random streams (common random numbers). Differences are therefore taken
per replicate, against the first scenario, and their 95% confidence intervals are
paired-t intervals on those per-replicate differences: far narrower than comparing two
independent ensembles, and honest because the pairs are independent across replicates.
A difference is called larger than the noise when its paired test survives a Holm
correction for the number of differences in the table (so a long table does not
flag chance differences).

A complete results folder is reused only when its manifest matches exactly: format
version, scenario digest (which includes the seed and replicates), code digest and the
parameter values. Anything else is run afresh into ``<out>/runs/<name>/``.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from model.runs.outcomes import Outcomes
from model.vocabulary import (
    GRAVE,
    MEETING_QUARTER,
    MEETINGS,
    MEMBERS,
    METRICS,
    NAMES,
    TONE_LABELS,
    VOICES,
    InputError,
    Quarter,
)
from model.world.scenario import Scenario, load_scenario

ALPHA = 0.05
SUMMIT = MEETINGS.index("summit")
CONSENSUS = VOICES.index("consensus")


class CompareError(InputError):
    """The scenarios cannot be compared (too few, duplicate names, no common years)."""


# --- finding or making each scenario's results ----------------------------------------------
def expected_parameters(scenario: Scenario) -> dict[str, Any]:
    """The manifest's ``parameters`` entry a fresh point-parameter run would write."""
    from model.runs.runner import parameter_draw

    _draw, info = parameter_draw("point")
    if scenario.parameters:
        info = {**info, "scenario_overrides": dict(scenario.parameters)}
    return json.loads(json.dumps(info))


def matching(folder: Path, scenario: Scenario, code: str) -> bool:
    """Whether ``folder`` holds a complete run of exactly this scenario, code and parameters."""
    from model.files.manifest import FORMAT_VERSION

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = {
        "format_version": FORMAT_VERSION,
        "scenario_digest": scenario.digest(),
        "code_digest": code,
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "parameters": expected_parameters(scenario),
    }
    if any(manifest.get(key) != value for key, value in wanted.items()):
        return False
    return all((folder / name).is_file() for name in manifest.get("files", ["?"]))


@dataclass
class Arm:
    """One scenario of the comparison and where its results came from."""

    scenario: Scenario
    folder: Path
    reused: bool
    outcomes: Outcomes


def obtain(
    scenario: Scenario,
    candidates: Sequence[Path],
    destination: Path,
    workers: int,
    scheduler: str | None,
    progress: bool | None = None,
) -> Arm:
    """Reuse the first matching candidate folder, else run the scenario into ``destination``."""
    from model.files.manifest import code_digest
    from model.runs.runner import run_scenario

    code = code_digest()
    for folder in candidates:
        if matching(folder, scenario, code):
            return Arm(scenario, folder, True, Outcomes.from_folder(folder))
    run_scenario(scenario, destination, workers=workers, scheduler=scheduler, progress=progress)
    # Read back what was written (numbers rounded as in the CSVs), so a comparison is the
    # same bytes whether its inputs were just run or reused.
    return Arm(scenario, destination, False, Outcomes.from_folder(destination))


# --- per-replicate outcomes on the common calendar --------------------------------------------
def common_calendar(arms: Sequence[Arm]) -> tuple[list[int], list[str]]:
    """Years and quarters every scenario simulates (scenarios may cover different periods)."""
    years = sorted(set.intersection(*(set(a.outcomes.years) for a in arms)))
    quarters = [
        str(q)
        for q in arms[0].outcomes.quarters
        if all(str(q) in {str(p) for p in a.outcomes.quarters} for a in arms)
    ]
    if not years:
        raise CompareError("the scenarios share no simulated year")
    return years, quarters


def yearly_outcomes(out: Outcomes, years: list[int]) -> dict[str, np.ndarray]:
    """(R, years) per outcome: the summit's grave concern and discord, and DPRK exchanges."""
    cols = [out.years.index(y) for y in years]
    return {
        "P(grave concern, summit)": (out.tone[:, cols, SUMMIT] == GRAVE).astype(float),
        "P(split or no text, summit)": (out.voice[:, cols, SUMMIT] != CONSENSUS).astype(float),
        "DPRK exchanges": out.exchanges[:, cols, :].sum(axis=2).astype(float),
    }


def period_outcomes(out: Outcomes, years: list[int], quarters: list[str]) -> dict[str, np.ndarray]:
    """(R,) per outcome over the common period."""
    cols = [out.years.index(y) for y in years]
    qcols = [[str(q) for q in out.quarters].index(q) for q in quarters]
    yearly = yearly_outcomes(out, years)
    with np.errstate(all="ignore"):
        tone = np.nanmean(out.tone[:, cols, SUMMIT], axis=1)
    return {
        "P(grave concern, summit)": yearly["P(grave concern, summit)"].mean(axis=1),
        "P(split or no text, summit)": yearly["P(split or no text, summit)"].mean(axis=1),
        "mean summit tone (with text)": tone,
        "DPRK exchanges": yearly["DPRK exchanges"].sum(axis=1),
        "DPRK launches and tests": out.metrics[:, qcols, METRICS.index("provocations")].sum(1),
        "mean member pressure": out.metrics[:, qcols, METRICS.index("mean_pressure")].mean(1),
        "mean member engagement": out.metrics[:, qcols, METRICS.index("mean_engagement")].mean(1),
    }


def member_outcomes(out: Outcomes, years: list[int], quarters: list[str]) -> dict[str, np.ndarray]:
    """(R, members): each member's mean pressure and engagement, and its DPRK exchanges."""
    cols = [out.years.index(y) for y in years]
    qcols = [[str(q) for q in out.quarters].index(q) for q in quarters]
    stances = out.stances[:, qcols].astype(float)
    with np.errstate(all="ignore"), _quiet():
        return {
            "pressure": np.nanmean(stances[..., 0], axis=1),
            "engagement": np.nanmean(stances[..., 1], axis=1),
            "DPRK exchanges": out.exchanges[:, cols, :].sum(axis=1).astype(float),
        }


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's mean-of-empty warnings (a member absent all period is NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# --- paired statistics -------------------------------------------------------------------
@dataclass(frozen=True)
class Paired:
    """A paired difference (scenario minus reference) over replicates, with a 95% CI."""

    reference: float
    value: float
    difference: float
    low: float
    high: float
    p_value: float
    pairs: int


def paired(a: np.ndarray, b: np.ndarray) -> Paired:
    """Paired-t interval of mean(b - a); replicates where either is NaN are left out.

    With no spread in the differences the interval collapses to the point, and the
    p-value is 0 for a non-zero difference (every pair differs alike) and 1 for none.
    """
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = len(a)
    if n == 0:
        return Paired(np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 0)
    d = b - a
    mean = float(d.mean())
    if n < 2:
        return Paired(float(a.mean()), float(b.mean()), mean, np.nan, np.nan, np.nan, n)
    se = float(d.std(ddof=1)) / np.sqrt(n)
    if se == 0:
        p = 0.0 if mean != 0 else 1.0
        half = 0.0
    else:
        p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
        half = float(stats.t.ppf(0.975, n - 1)) * se
    return Paired(float(a.mean()), float(b.mean()), mean, mean - half, mean + half, p, n)


def holm(p_values: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Which tests Holm's step-down procedure rejects at family-wise level ``alpha``."""
    p = np.where(np.isnan(p_values), 1.0, p_values)
    order = np.argsort(p, kind="stable")
    reject = np.zeros(len(p), dtype=bool)
    for rank, i in enumerate(order):
        if p[i] > alpha / (len(p) - rank):
            break
        reject[i] = True
    return reject


def differences_table(arms: Sequence[Arm]) -> pd.DataFrame:
    """Every scenario against the first: per year and over the years both simulate."""
    rows = []
    for arm in arms[1:]:
        pair = (arms[0], arm)
        years, quarters = common_calendar(pair)
        ref = arms[0].outcomes
        ref_year, ref_period = yearly_outcomes(ref, years), period_outcomes(ref, years, quarters)
        for name, values in yearly_outcomes(arm.outcomes, years).items():
            for j, year in enumerate(years):
                rows.append(
                    (arm.scenario.name, name, str(year), paired(ref_year[name][:, j], values[:, j]))
                )
        for name, values in period_outcomes(arm.outcomes, years, quarters).items():
            rows.append(
                (
                    arm.scenario.name,
                    name,
                    f"{years[0]}-{years[-1]}",
                    paired(ref_period[name], values),
                )
            )
    frame = pd.DataFrame(
        [
            (
                s,
                arms[0].scenario.name,
                o,
                per,
                r.reference,
                r.value,
                r.difference,
                r.low,
                r.high,
                r.p_value,
                r.pairs,
            )
            for s, o, per, r in rows
        ],
        columns=[
            "scenario",
            "reference",
            "outcome",
            "period",
            "reference_value",
            "value",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
            "pairs",
        ],
    )
    frame["larger_than_noise"] = holm(frame["p_value"].to_numpy(dtype=float))
    return frame


def member_differences(arms: Sequence[Arm]) -> pd.DataFrame:
    """Per member, every scenario against the first: mean stances and DPRK exchanges."""
    rows = []
    for arm in arms[1:]:
        years, quarters = common_calendar((arms[0], arm))
        ref = member_outcomes(arms[0].outcomes, years, quarters)
        other = member_outcomes(arm.outcomes, years, quarters)
        for name in ref:
            for i, member in enumerate(MEMBERS):
                r = paired(ref[name][:, i], other[name][:, i])
                rows.append(
                    (
                        arm.scenario.name,
                        member,
                        name,
                        r.reference,
                        r.value,
                        r.difference,
                        r.low,
                        r.high,
                        r.p_value,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "member",
            "outcome",
            "reference_value",
            "value",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
        ],
    )


def replicate_frame(arms: Sequence[Arm]) -> pd.DataFrame:
    """Long table of every replicate's outcomes per year and over each scenario's whole
    period (written as Parquet: it grows with the replicates)."""
    parts = []
    for arm in arms:
        out = arm.outcomes
        years, quarters = out.years, [str(q) for q in out.quarters]
        reps = np.arange(out.replicates)
        for name, values in yearly_outcomes(out, years).items():
            for j, year in enumerate(years):
                parts.append(
                    pd.DataFrame(
                        {
                            "scenario": arm.scenario.name,
                            "replicate": reps,
                            "outcome": name,
                            "period": str(year),
                            "value": values[:, j],
                        }
                    )
                )
        for name, values in period_outcomes(out, years, quarters).items():
            parts.append(
                pd.DataFrame(
                    {
                        "scenario": arm.scenario.name,
                        "replicate": reps,
                        "outcome": name,
                        "period": f"{years[0]}-{years[-1]}",
                        "value": values,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


# --- figures ----------------------------------------------------------------------------------
COLORS = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
"""Okabe and Ito's colour-blind-safe palette."""


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _band(ax, x: np.ndarray, values: np.ndarray, color: str, label: str) -> None:
    with np.errstate(all="ignore"), _quiet():
        mean = np.nanmean(values, axis=0)
        lo, hi = np.nanpercentile(values, [10, 90], axis=0)
    ax.fill_between(x, lo, hi, color=color, alpha=0.15)
    ax.plot(x, mean, "-", color=color, label=label, lw=1.6)


def scenarios_figure(arms: Sequence[Arm], path: Path) -> Path:
    """Each scenario's summit tone, mean member pressure and engagement over time
    (tone: mean and the 10-90% interval of the mean; stances: mean, 10-90% band across
    replicates)."""
    plt = _plt()
    from model.runs.plots import mean_tone_interval, quarter_x

    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for k, arm in enumerate(arms):
        out, color = arm.outcomes, COLORS[k % len(COLORS)]
        label = f"{arm.scenario.name}"
        summits = np.array([quarter_x(Quarter(y, MEETING_QUARTER["summit"])) for y in out.years])
        mean, lo, hi = mean_tone_interval(out, "summit")  # tone is an integer: no band of it
        axes[0].fill_between(summits, lo, hi, color=color, alpha=0.25, lw=0)
        axes[0].plot(summits, mean, "o-", color=color, label=label, lw=1.6, ms=3)
        when = np.array([quarter_x(q) for q in out.quarters])
        for ax, metric in zip(axes[1:], ("mean_pressure", "mean_engagement"), strict=True):
            _band(ax, when, out.metrics[:, :, METRICS.index(metric)], color, label)
    axes[0].set_ylim(-0.2, 4.2)
    axes[0].set_yticks(range(5), list(TONE_LABELS))
    axes[0].set_ylabel("summit tone (0-4 scale)")
    axes[1].set_ylabel("mean member pressure (0-1)")
    axes[2].set_ylabel("mean member engagement (0-1)")
    axes[2].set_xlabel("year")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.suptitle(
        f"{len(arms)} scenarios, {arms[0].scenario.replicates} replicates each "
        f"(common random numbers, seed {arms[0].scenario.seed})\nmean with the 10-90% "
        "interval of the mean (tone) or of the replicates (stances)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    fig.tight_layout()
    from model.runs.plots import save_figure  # matplotlib only when a figure is drawn

    return save_figure(fig, path)


MEMBER_UNITS = {
    "pressure": "scenario − reference\n(pressure, 0-1 scale)",
    "engagement": "scenario − reference\n(engagement, 0-1 scale)",
    "DPRK exchanges": "scenario − reference\n(delegations over the period)",
}


def members_figure(arms: Sequence[Arm], table: pd.DataFrame, path: Path) -> Path:
    """Per member, each scenario's paired difference from the first (95% CI)."""
    plt = _plt()
    from matplotlib.ticker import MaxNLocator

    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.6 * len(outcomes), 5.2), sharey=True)
    y = np.arange(len(MEMBERS))
    others = arms[1:]
    for ax, outcome in zip(np.atleast_1d(axes), outcomes, strict=True):
        for k, arm in enumerate(others):
            rows = (
                table[(table["scenario"] == arm.scenario.name) & (table["outcome"] == outcome)]
                .set_index("member")
                .loc[list(MEMBERS)]
            )
            shift = (k - (len(others) - 1) / 2) * 0.8 / max(1, len(others))
            err = np.vstack(
                [rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]]
            )
            ax.errorbar(
                rows["difference"],
                y + shift,
                xerr=err,
                fmt="o",
                ms=4,
                capsize=2,
                color=COLORS[(k + 1) % len(COLORS)],
                label=arm.scenario.name,
            )
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_title(f"{outcome}: difference", fontsize=10)
        ax.set_xlabel(MEMBER_UNITS.get(outcome, "difference"))
        ax.xaxis.set_major_locator(MaxNLocator(5))  # tick labels that do not run together
        ax.set_yticks(y, [NAMES[m] for m in MEMBERS], fontsize=8)
    first = np.atleast_1d(axes)[0]
    first.invert_yaxis()
    handles, labels = first.get_legend_handles_labels()  # beside the title, over no point
    fig.legend(
        handles,
        labels,
        loc="upper right",
        bbox_to_anchor=(0.995, 1.0),
        fontsize=9,
        ncol=min(3, len(labels)),
        frameon=False,
    )
    fig.suptitle(
        f"Per-member differences against {arms[0].scenario.name} over the common "
        "period (paired mean, 95% CI)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    fig.tight_layout()
    from model.runs.plots import save_figure  # matplotlib only when a figure is drawn

    return save_figure(fig, path)


# --- report -----------------------------------------------------------------------------------
def _fmt(outcome: str, value: float) -> str:
    if np.isnan(value):
        return "n/a"
    if outcome.startswith("P("):
        return f"{100 * value:.0f}%"
    return f"{value:.3g}"


def _diff(outcome: str, value: float) -> str:
    if np.isnan(value):
        return "n/a"
    if outcome.startswith("P("):
        return f"{100 * value:+.0f} pts"
    return f"{value:+.3g}"


def render_report(arms: Sequence[Arm], table: pd.DataFrame, figures: list[str]) -> str:
    """report.md: which differences are larger than the noise, in words, then the table."""
    ref = arms[0].scenario
    lines = [
        f"# Comparison against `{ref.name}`",
        "",
        f"{len(arms)} scenarios, {ref.replicates} replicates each, common seed {ref.seed} "
        "(replicate i of every scenario uses the same random streams).",
        "",
        "| scenario | title | period | results |",
        "|---|---|---|---|",
    ]
    for arm in arms:
        s = arm.scenario
        how = "reused" if arm.reused else "ran"
        lines.append(
            f"| `{s.name}` | {s.title} | {s.period.start}-{s.period.end} | {how}: `{arm.folder}` |"
        )
    flagged = table[table["larger_than_noise"]].copy()
    lines += [
        "",
        "## Differences larger than the noise",
        "",
        f"{len(flagged)} of {len(table)} differences in the table are larger than the "
        "Monte Carlo noise (paired test, Holm-corrected at 5% over the whole table); "
        "the others cannot be told apart from chance with these replicates.",
        "",
    ]
    for name in [a.scenario.name for a in arms[1:]]:
        mine = flagged[flagged["scenario"] == name]
        if mine.empty:
            lines.append(f"- `{name}`: no difference from `{ref.name}` is larger than the noise.")
            continue
        whole = mine["period"].str.contains("-")  # whole-period rows first, then by year
        mine = pd.concat([mine[whole], mine[~whole].sort_values(["period", "outcome"])])
        for _, r in mine.head(8).iterrows():
            lines.append(
                f"- `{name}`, {r['outcome']} ({r['period']}): {_fmt(r['outcome'], r['value'])} "
                f"vs {_fmt(r['outcome'], r['reference_value'])}, difference "
                f"{_diff(r['outcome'], r['difference'])} (95% CI "
                f"{_diff(r['outcome'], r['ci_low'])} to {_diff(r['outcome'], r['ci_high'])})."
            )
        if len(mine) > 8:
            lines.append(f"- `{name}`: {len(mine) - 8} more in differences.csv.")
    lines += [
        "",
        "## Every difference",
        "",
        "| scenario | outcome | period | reference | scenario value | difference | "
        "95% CI | larger than noise |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        o = r["outcome"]
        lines.append(
            f"| `{r['scenario']}` | {o} | {r['period']} | {_fmt(o, r['reference_value'])} | "
            f"{_fmt(o, r['value'])} | {_diff(o, r['difference'])} | "
            f"{_diff(o, r['ci_low'])} to {_diff(o, r['ci_high'])} | "
            f"{'yes' if r['larger_than_noise'] else 'no'} |"
        )
    lines += [
        "",
        "## Figures",
        "",
        *[f"![{f}]({f})" for f in figures],
        "",
        "Method: differences are means of per-replicate differences (scenario minus "
        f"`{ref.name}`) with paired-t 95% intervals; see model/analysis/compare.py.",
        "",
    ]
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------
def default_out(names: Sequence[str]) -> Path:
    """results/compare-<a>-vs-<b>[-vs-...] (shortened with a hash when very long)."""
    label = "-vs-".join(names)
    if len(label) > 80:
        label = label[:60] + "-" + hashlib.sha256(label.encode()).hexdigest()[:10]
    return Path("results") / f"compare-{label}"


def load_scenarios(
    paths: Sequence[str | Path], seed: int | None = None, replicates: int | None = None
) -> list[Scenario]:
    """Load the scenarios and force one seed and replicate count on all (the first's,
    unless given), which is what makes their replicates pair up."""
    if len(paths) < 2:
        raise CompareError("compare needs at least two scenario files")
    scenarios = [load_scenario(p) for p in paths]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise CompareError(
            "two scenarios share a name: "
            + ", ".join(sorted({n for n in names if names.count(n) > 1}))
        )
    seed = scenarios[0].seed if seed is None else seed
    replicates = scenarios[0].replicates if replicates is None else replicates
    return [s.with_changes(seed=seed, replicates=replicates) for s in scenarios]


def compare_scenarios(
    paths: Sequence[str | Path],
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    *,
    seed: int | None = None,
    replicates: int | None = None,
    results_root: str | Path = "results",
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """``asean-sim compare``: obtain every scenario's results, then write the comparison.

    Reuses ``<results_root>/<name>/`` (where ``asean-sim run`` writes) or
    ``<out>/runs/<name>/`` when their manifest matches; otherwise runs the scenario into
    ``<out>/runs/<name>/``. Writes into ``out``: ``scenarios.png``, ``members.png``,
    ``differences.csv``, ``member_differences.csv``, ``replicates.parquet``,
    ``report.md``, ``report.html`` and ``manifest.json``. Returns ``out``.
    """
    from model.files.safe_output import replace_folder

    scenarios = load_scenarios(paths, seed, replicates)
    out = Path(out) if out is not None else default_out([s.name for s in scenarios])
    # The previous comparison stays whole until the new one is complete; its runs/ (our
    # results folders, reused when they match) are carried over.
    with replace_folder(out, keep=("runs",)) as staging:
        arms = []
        for s in scenarios:
            arm = obtain(
                s,
                [Path(results_root) / s.name, out / "runs" / s.name],
                out / "runs" / s.name,
                workers,
                scheduler,
                progress,
            )
            if log is not None:
                log(f"{s.name}: {'reused' if arm.reused else 'ran'} {arm.folder}")
            arms.append(arm)
        table = differences_table(arms)
        members = member_differences(arms)
        figures = ["figures/scenarios.png", "figures/members.png"]
        scenarios_figure(arms, staging / figures[0])
        members_figure(arms, members, staging / figures[1])
        table.to_csv(staging / "differences.csv", index=False, float_format="%.6g")
        members.to_csv(staging / "member_differences.csv", index=False, float_format="%.6g")
        replicate_frame(arms).to_parquet(staging / "replicates.parquet", index=False)
        (staging / "report.md").write_text(render_report(arms, table, figures), encoding="utf-8")
        from model.runs.html import write_html_report

        files = [
            *figures,
            "differences.csv",
            "member_differences.csv",
            "replicates.parquet",
            "report.md",
            write_html_report(staging),
            "manifest.json",
        ]
        (staging / "manifest.json").write_text(
            json.dumps(_manifest(arms, files), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return out


def _manifest(arms: Sequence[Arm], files: list[str]) -> dict[str, Any]:
    from model.files.manifest import header, provenance

    return {
        **header("compare"),
        "reference": arms[0].scenario.name,
        "seed": arms[0].scenario.seed,
        "replicates": arms[0].scenario.replicates,
        "scenarios": [
            {
                "name": a.scenario.name,
                "scenario_digest": a.scenario.digest(),
                "results": str(a.folder),
                "reused": a.reused,
            }
            for a in arms
        ],
        "statistics": "paired-t 95% CI of per-replicate differences; larger_than_noise = "
        "Holm-corrected paired test at 5% over the table",
        **provenance(),
        "files": sorted(files),
    }
