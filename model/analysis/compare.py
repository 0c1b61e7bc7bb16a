"""Set scenarios side by side (``asean-sim compare``): the output step.

The statistics (paired differences under common random numbers, Holm's correction and the
minimum meaningful difference of each outcome) live in model/analysis/differences.py;
this module finds or makes each scenario's results, then writes the figures, the tables,
the report and the manifest.

A complete results folder is reused only when its manifest matches exactly: format
version, scenario digest (which includes the seed and replicates), code digest and the
parameters (mode, and the values or the posterior they come from). Anything else is run
afresh into ``<out>/runs/<name>/``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.differences import (
    ALPHA,
    MEMBER_OUTCOMES,
    NOISE,
    OUTCOMES,
    REAL_AND_MEANINGFUL,
    REAL_BUT_SMALL,
    YEARLY,
    CompareError,
    Named,
    differences_table,
    member_differences,
    replicate_frame,
    yearly_table,
)
from model.analysis.differences import quiet as _quiet
from model.analysis.numbers import number, p_value, without_negative_zero
from model.runs.outcomes import Outcomes
from model.vocabulary import MEETING_QUARTER, MEMBERS, METRICS, NAMES, TONE_LABELS, Quarter
from model.world.scenario import Scenario, load_scenario

__all__ = ["Arm", "CompareError", "compare_scenarios", "load_scenarios", "matching"]


# --- finding or making each scenario's results ----------------------------------------------
def expected_parameters(scenario: Scenario, mode: str = "point") -> dict[str, Any]:
    """The manifest's ``parameters`` entry a fresh run of ``scenario`` in ``mode`` writes."""
    from model.runs.runner import parameter_draw

    _draw, info = parameter_draw(mode)
    if scenario.parameters:
        info = {**info, "scenario_overrides": dict(scenario.parameters)}
    return json.loads(json.dumps(info))


def matching(folder: Path, scenario: Scenario, code: str, mode: str = "point") -> bool:
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
        "parameters": expected_parameters(scenario, mode),
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
    mode: str = "point",
) -> Arm:
    """Reuse the first matching candidate folder, else run the scenario into ``destination``."""
    from model.files.manifest import code_digest
    from model.runs.runner import run_scenario

    code = code_digest()
    for folder in candidates:
        if matching(folder, scenario, code, mode):
            return Arm(scenario, folder, True, Outcomes.from_folder(folder))
    run_scenario(
        scenario,
        destination,
        workers=workers,
        scheduler=scheduler,
        parameters=mode,
        progress=progress,
    )
    # Read back what was written (numbers rounded as in the CSVs), so a comparison is the
    # same bytes whether its inputs were just run or reused.
    return Arm(scenario, destination, False, Outcomes.from_folder(destination))


def named(arms: Sequence[Arm]) -> list[Named]:
    """The arms as the statistics take them: (name, outcomes), the reference first."""
    return [(a.scenario.name, a.outcomes) for a in arms]


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
def _outcome(name: str):
    return OUTCOMES.get(name) or MEMBER_OUTCOMES[name]


def fmt_value(outcome: str, value: float) -> str:
    """A scenario's value of ``outcome`` as the report prints it."""
    unit = _outcome(outcome).unit
    if unit == "probability":
        return number(value, decimals=0, scale=100, suffix="%")
    if unit == "tone":
        return number(value, decimals=2)
    if unit == "stance":
        return number(value, decimals=3)
    return number(value)


def fmt_difference(outcome: str, value: float) -> str:
    """A difference in ``outcome`` (signed; percentage points for probabilities)."""
    unit = _outcome(outcome).unit
    if unit == "probability":
        return number(value, decimals=1, scale=100, signed=True, suffix=" pts")
    if unit == "tone":
        return number(value, decimals=2, signed=True)
    return number(value, signed=True)


def fmt_minimum(outcome: str, minimum: float) -> str:
    """A minimum meaningful difference, unsigned."""
    if _outcome(outcome).unit == "probability":
        return number(minimum, decimals=1, scale=100, suffix=" pts", trim=True)
    return number(minimum, trim=True)


def _sentence(r: pd.Series, name: str) -> str:
    o = r["outcome"]
    clears = (
        "the whole interval clears the minimum"
        if r["ci_clears_minimum"]
        else "the interval reaches below the minimum"
    )
    tail = f"; {clears}" if r["matters"] else ""
    return (
        f"- {o} ({r['period']}): {fmt_value(o, r['value'])} in `{name}` against "
        f"{fmt_value(o, r['reference_value'])}, difference "
        f"{fmt_difference(o, r['difference'])} (95% CI {fmt_difference(o, r['ci_low'])} "
        f"to {fmt_difference(o, r['ci_high'])}; minimum "
        f"{fmt_minimum(o, r['min_meaningful'])}{tail})."
    )


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    """Whole-period rows first, then year by year, in the outcomes' order."""
    order = {name: i for i, name in enumerate(OUTCOMES)}
    rows = rows.assign(
        _whole=~rows["period"].str.contains("-"), _outcome=rows["outcome"].map(order)
    )
    return rows.sort_values(["_whole", "period", "_outcome"], kind="stable")


def _findings(table: pd.DataFrame, name: str, ref: str, shown: int = 8) -> list[str]:
    mine = table[table["scenario"] == name]
    big = _ordered(mine[mine["finding"] == REAL_AND_MEANINGFUL])
    small = _ordered(mine[mine["finding"] == REAL_BUT_SMALL])
    noise = mine[mine["finding"] == NOISE]
    open_ = noise[
        (noise["ci_low"] <= -noise["min_meaningful"])
        | (noise["ci_high"] >= noise["min_meaningful"])
    ]
    lines = [f"### `{name}` against `{ref}`", ""]
    if big.empty:
        lines.append(f"No difference from `{ref}` is both real and large enough to matter.")
    else:
        lines.append(
            f"**{len(big)} real and meaningful** (larger than the noise and at least "
            "the minimum meaningful difference):"
        )
        lines += ["", *[_sentence(r, name) for _, r in big.head(shown).iterrows()]]
        if len(big) > shown:
            lines.append(f"- {len(big) - shown} more in differences.csv.")
    lines.append("")
    if small.empty:
        lines.append("No difference is real but small.")
    else:
        lines.append(
            f"{len(small)} real but small: larger than the noise, but below the "
            "minimum meaningful difference, so not findings:"
        )
        lines += ["", *[_sentence(r, name) for _, r in small.head(shown).iterrows()]]
        if len(small) > shown:
            lines.append(f"- {len(small) - shown} more in differences.csv.")
    lines += [
        "",
        f"{len(noise)} cannot be told apart from chance with these replicates"
        + (
            f"; the intervals of {len(open_)} of them still reach the minimum meaningful "
            "difference, so more replicates could show an effect that matters."
            if len(open_)
            else ", and their intervals rule out an effect that matters."
        ),
        "",
    ]
    return lines


def _cell(r: pd.Series, outcome: str) -> tuple[str, str, str]:
    mark = {REAL_AND_MEANINGFUL: "**", REAL_BUT_SMALL: "*"}.get(r["finding"], "")
    diff = (
        f"{fmt_difference(outcome, r['difference'])} "
        f"[{fmt_difference(outcome, r['ci_low'])}, {fmt_difference(outcome, r['ci_high'])}]"
    )
    if mark and r["difference"] == r["difference"]:
        diff = f"{mark}{diff}{mark}"
    return (fmt_value(outcome, r["reference_value"]), fmt_value(outcome, r["value"]), diff)


def _yearly(table: pd.DataFrame, arm: Arm, ref: Arm) -> list[str]:
    wide = yearly_table(table, arm.scenario.name)
    lines = [
        f"### `{arm.scenario.name}` against `{ref.scenario.name}`",
        "",
        "| year | chair | "
        + " | ".join(f"{o}: ref | scenario | difference [95% CI]" for o in YEARLY)
        + " |",
        "|---|---|" + "---|---|---|" * len(YEARLY),
    ]
    for year, row in wide.iterrows():
        chairs = ref.outcomes.chairs.get(year, "?"), arm.outcomes.chairs.get(year, "?")
        chair = chairs[0] if chairs[0] == chairs[1] else f"{chairs[0]} / {chairs[1]}"
        cells = []
        for outcome in YEARLY:
            cells += _cell(row[outcome], outcome)
        lines.append(f"| {year} | {chair} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_report(
    arms: Sequence[Arm],
    table: pd.DataFrame,
    figures: list[str],
    parameters: dict[str, Any] | None = None,
) -> str:
    """report.md: the differences that are real and matter, in words; then the real but
    small ones; the per-year table; the minimum meaningful differences; every row."""
    from model.world.posterior import MODES

    ref = arms[0].scenario
    mode = (parameters or {}).get("mode", "point")
    lines = [
        f"# Comparison against `{ref.name}`",
        "",
        f"{len(arms)} scenarios, {ref.replicates} replicates each, common seed {ref.seed} "
        "(replicate i of every scenario uses the same random streams and the same "
        "parameter draw).",
        "",
        f"Parameters: **{mode}**: {MODES[mode]}.",
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
    real = int(table["larger_than_noise"].sum())
    lines += [
        "",
        "## What differs, and whether it matters",
        "",
        "Each difference answers two questions. Is it **real**: larger than the Monte "
        "Carlo noise, by a paired test Holm-corrected at 5% over all "
        f"{len(table)} differences in the table? And does it **matter**: is it at least "
        "the outcome's minimum meaningful difference (listed below)? Differences that "
        "are both come first; real differences below the minimum are listed apart and "
        f"are not findings. Here {real} of {len(table)} are real and "
        f"{int(table['matters'].sum())} of those matter.",
        "",
    ]
    for name in [a.scenario.name for a in arms[1:]]:
        lines += _findings(table, name, ref.name)
    lines += [
        "## Year by year (summit text)",
        "",
        "Mean tone of the year-end summit statement (0-4, over replicates with a text), "
        "the probability of grave concern (tone 4) and of a split or no text, with the "
        "paired difference and its 95% interval. **Bold**: real and meaningful; "
        "*italic*: real but small.",
        "",
    ]
    for arm in arms[1:]:
        lines += _yearly(table, arm, arms[0])
    lines += [
        "## Minimum meaningful differences",
        "",
        "| outcome | minimum | why |",
        "|---|---|---|",
    ]
    for o in OUTCOMES.values():
        per = " a year (times the years of a whole-period total)" if o.per_year else ""
        lines.append(f"| {o.name} | {fmt_minimum(o.name, o.minimum)}{per} | {o.reason} |")
    lines += [
        "",
        "## Every difference",
        "",
        "| scenario | outcome | period | reference | scenario value | difference | "
        "95% CI | Holm p | finding |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        o = r["outcome"]
        lines.append(
            f"| `{r['scenario']}` | {o} | {r['period']} | {fmt_value(o, r['reference_value'])} "
            f"| {fmt_value(o, r['value'])} | {fmt_difference(o, r['difference'])} | "
            f"{fmt_difference(o, r['ci_low'])} to {fmt_difference(o, r['ci_high'])} | "
            f"{p_value(r['p_holm'])} | {r['finding']} |"
        )
    lines += [
        "",
        "## Figures",
        "",
        *[f"![{f}]({f})" for f in figures],
        "",
        "Method: differences are means of per-replicate differences (scenario minus "
        f"`{ref.name}`) with paired-t 95% intervals; real = Holm-adjusted p <= "
        f"{number(ALPHA, decimals=2)}; see model/analysis/differences.py.",
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
    parameters: str | None = None,
    results_root: str | Path = "results",
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """``asean-sim compare``: obtain every scenario's results, then write the comparison.

    ``parameters`` is ``point`` or ``posterior``; None means the default, the calibrated
    posterior when there is one. Reuses ``<results_root>/<name>/`` (where ``asean-sim
    run`` writes) or ``<out>/runs/<name>/`` when their manifest matches; otherwise runs
    the scenario into ``<out>/runs/<name>/``. Writes into ``out``: ``scenarios.png``,
    ``members.png``, ``differences.csv``, ``member_differences.csv``,
    ``replicates.parquet``, ``report.md``, ``report.html`` and ``manifest.json``. Returns
    ``out``.
    """
    from model.files.safe_output import replace_folder
    from model.runs.runner import default_parameter_mode, parameter_draw

    scenarios = load_scenarios(paths, seed, replicates)
    mode = default_parameter_mode() if parameters is None else parameters
    _draw, info = parameter_draw(mode)  # NotCalibrated before anything is written
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
                mode,
            )
            if log is not None:
                log(f"{s.name}: {'reused' if arm.reused else 'ran'} {arm.folder}")
            arms.append(arm)
        table = without_negative_zero(differences_table(named(arms)))
        members = without_negative_zero(member_differences(named(arms)))
        figures = ["figures/scenarios.png", "figures/members.png"]
        scenarios_figure(arms, staging / figures[0])
        members_figure(arms, members, staging / figures[1])
        table.to_csv(staging / "differences.csv", index=False, float_format="%.6g")
        members.to_csv(staging / "member_differences.csv", index=False, float_format="%.6g")
        replicate_frame(named(arms)).to_parquet(staging / "replicates.parquet", index=False)
        (staging / "report.md").write_text(
            render_report(arms, table, figures, info), encoding="utf-8"
        )
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
            json.dumps(_manifest(arms, files, info), indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    return out


def _manifest(arms: Sequence[Arm], files: list[str], parameters: dict[str, Any]) -> dict[str, Any]:
    from model.files.manifest import header, provenance

    return {
        **header("compare"),
        "reference": arms[0].scenario.name,
        "seed": arms[0].scenario.seed,
        "replicates": arms[0].scenario.replicates,
        "parameters": parameters,
        "scenarios": [
            {
                "name": a.scenario.name,
                "scenario_digest": a.scenario.digest(),
                "results": str(a.folder),
                "reused": a.reused,
            }
            for a in arms
        ],
        "statistics": "paired-t 95% CI of per-replicate differences (common random numbers "
        "and parameter draws); larger_than_noise = Holm-adjusted p (p_holm) <= "
        "0.05 over the table; matters = larger_than_noise and |difference| >= "
        "min_meaningful (per outcome, model/analysis/differences.py OUTCOMES)",
        "minimum_meaningful": {
            o.name: {"minimum": o.minimum, "per_year": o.per_year, "reason": o.reason}
            for o in OUTCOMES.values()
        },
        **provenance(),
        "files": sorted(files),
    }
