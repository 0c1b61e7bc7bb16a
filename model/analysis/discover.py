"""``asean-sim discover``: the lever ranges of a sweep that lead to an outcome of interest.

Reads a sweep folder (``samples.parquet``: every sampled point's levers and its mean
outcomes over K replicates; ``manifest.json``: the levers and their ranges), labels a
point a *case* when at least ``threshold`` of its summits have the outcome, runs PRIM
(model/analysis/scenario_discovery.py) and writes, under the rule of
model/files/safe_output.py: ``figures/tradeoff.png`` (the coverage-density trade-off of
the peeling trajectory, and the chosen box's lever ranges), ``box.csv`` (the chosen
box), ``trajectory.csv`` (every step of the trajectory), ``report.md`` (in words) and
``manifest.json``.

The report leads with a sentence in words. A restriction whose quasi-p-value is above
0.05 is weak (it may be noise); the sentence leaves the weak ones out when the box
loses little density without them (SIMPLER_LOSS) and keeps them, saying so, when they
matter together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.scenario_discovery import (
    MASS_MIN,
    PEEL_ALPHA,
    QUASI_P,
    BoxStats,
    Discovery,
    box_stats,
    box_table,
    choose,
    condition,
    find_boxes,
    load_prim,
)
from model.vocabulary import InputError, UsageError

OUTCOMES = {
    "grave": ("grave_share", "grave concern (tone 4) at the summit", "grave concern"),
    "split_or_none": (
        "split_or_none_share",
        "a split or no text at the summit",
        "a split or no text",
    ),
    "welcoming": (
        "welcoming_share",
        "a text welcoming engagement (tone 0) at the summit",
        "a welcoming text",
    ),
}
"""``--outcome`` choice: (the sweep's column, what it is, a short name for sentences)."""
THRESHOLD = 0.5
MIN_DENSITY = 0.8
SIMPLER_LOSS = 0.05
"""The report leads with the box without its weak restrictions when that loses at most
this much density; otherwise the weak restrictions matter together and stay."""
FILES = ("box.csv", "trajectory.csv", "figures/tradeoff.png", "report.md", "manifest.json")


class DiscoverError(InputError):
    """A sweep folder or request discover cannot use."""


@dataclass(frozen=True)
class Sweep:
    """What discover reads from a sweep folder."""

    folder: Path
    manifest: dict[str, Any]
    samples: pd.DataFrame
    levers: dict[str, tuple[float, float]]


def read_sweep(folder: str | Path, column: str) -> Sweep:
    """The sweep folder's manifest and samples, or a DiscoverError naming the file and
    what was expected."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DiscoverError(
            f"{folder}: no such folder (expected a folder written by asean-sim sweep)"
        )
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DiscoverError(
            f"{manifest_path}: missing; expected the manifest of a folder "
            "written by asean-sim sweep"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DiscoverError(f"{manifest_path}: unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        kind = manifest.get("kind", "a run") if isinstance(manifest, dict) else "not a mapping"
        raise DiscoverError(
            f"{manifest_path}: key 'kind' is {kind!r}; expected 'sweep' (a "
            "folder written by asean-sim sweep)"
        )
    levers = manifest.get("levers")
    if not isinstance(levers, dict) or not levers:
        raise DiscoverError(
            f"{manifest_path}: key 'levers' missing or empty; expected each "
            "swept lever with its range"
        )
    samples_path = folder / "samples.parquet"
    try:
        samples = pd.read_parquet(samples_path)
    except FileNotFoundError:
        raise DiscoverError(f"{samples_path}: missing; the sweep folder is incomplete") from None
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise DiscoverError(f"{samples_path}: unreadable ({exc})") from exc
    missing = [c for c in [*levers, column] if c not in samples.columns]
    if missing:
        raise DiscoverError(
            f"{samples_path}: no column {', '.join(missing)}; the sweep was "
            "written by an older asean-sim: run asean-sim sweep again"
        )
    values = samples[column].to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        raise DiscoverError(f"{samples_path}: column {column} must be shares in [0, 1]")
    order = [c for c in samples.columns if c in levers]  # the sweep's order, not the JSON's
    return Sweep(
        folder, manifest, samples, {k: (float(levers[k][0]), float(levers[k][1])) for k in order}
    )


def default_out(folder: Path, outcome: str) -> Path:
    return Path("results") / f"{folder.resolve().name}-discover-{outcome}"


def _inside(a: Path, b: Path) -> bool:
    a, b = a.resolve(), b.resolve()
    return a == b or b in a.parents


def run_discover(
    sweep_folder: str | Path,
    outcome: str,
    *,
    threshold: float = THRESHOLD,
    min_density: float = MIN_DENSITY,
    box: int | None = None,
    out: str | Path | None = None,
) -> Path:
    """``asean-sim discover``: label the sweep's points, run PRIM, write the folder."""
    from model.files.safe_output import check_folder, replace_folder

    if outcome not in OUTCOMES:
        raise UsageError(f"--outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    if not 0 < threshold <= 1 or not 0 < min_density <= 1:
        raise UsageError("--threshold and --min-density are shares in (0, 1]")
    folder = Path(sweep_folder)
    destination = Path(out) if out is not None else default_out(folder, outcome)
    if folder.exists() and (_inside(destination, folder) or _inside(folder, destination)):
        raise UsageError(
            f"--out {destination}: would overwrite the sweep folder {folder}; choose another folder"
        )
    column, _, _ = OUTCOMES[outcome]
    data = read_sweep(folder, column)
    check_folder(destination)
    load_prim()  # the extra, before any writing
    cases = data.samples[column].to_numpy(dtype=float) >= threshold - 1e-12
    if not cases.any() or cases.all():
        seen = data.samples[column]
        which = "no" if not cases.any() else "every"
        raise DiscoverError(
            f"{folder / 'samples.parquet'}: {which} sampled point has {column} ≥ {threshold:g} "
            f"(it ranges from {seen.min():.2f} to {seen.max():.2f}), so there is nothing to "
            "tell apart; choose another --threshold"
        )
    x = data.samples[list(data.levers)]
    found = find_boxes(x, cases, data.levers)
    if box is not None and not 0 <= box < len(found.trajectory):
        raise UsageError(
            f"--box {box}: the peeling trajectory has boxes 0 to "
            f"{len(found.trajectory) - 1} (see trajectory.csv)"
        )
    step = choose(found, min_density) if box is None else box
    table = box_table(found, step)
    simple = box_stats(x, cases, table, "kept") if table["kept"].any() else None
    with replace_folder(destination) as staging:
        table.to_csv(staging / "box.csv", index=False, float_format="%.6g")
        found.trajectory.to_csv(staging / "trajectory.csv", index=False, float_format="%.6g")
        tradeoff_figure(
            found,
            step,
            table,
            staging / "figures" / "tradeoff.png",
            OUTCOMES[outcome][2],
            threshold,
            simple,
        )
        (staging / "report.md").write_text(
            discover_report(data, found, step, table, simple, outcome, threshold, min_density, box),
            encoding="utf-8",
        )
        manifest = discover_manifest(data, outcome, threshold, min_density, box, step)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return destination


# --- figure, report and manifest -----------------------------------------------------------
def tradeoff_figure(
    found: Discovery,
    step: int,
    table: pd.DataFrame,
    path: Path,
    what: str,
    threshold: float,
    simple: BoxStats | None = None,
) -> Path:
    """Left: every box of the peeling trajectory by coverage and density (colour: how
    many levers it restricts), the chosen one ringed and the box without its weak
    restrictions marked. Right: the chosen box's range of each lever within the sweep's
    range (dark: a clear restriction, light: a weak one, grey: free)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    from model.runs.plots import save_figure

    steps = found.trajectory
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.1, 1]}
    )
    top = max(1, int(steps["res_dim"].max()))
    cmap = plt.get_cmap("viridis", top + 1)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    dots = left.scatter(
        steps["coverage"],
        steps["density"],
        c=steps["res_dim"],
        cmap=cmap,
        norm=norm,
        s=28,
        edgecolor="0.2",
        linewidth=0.4,
        zorder=3,
    )
    chosen = steps.iloc[step]
    left.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=160,
        facecolor="none",
        edgecolor="#D55E00",
        linewidth=2,
        zorder=4,
        label=f"chosen box {step}",
    )
    if simple is not None and (simple.n, simple.k) != (int(chosen["n"]), int(chosen["k"])):
        left.scatter(
            [simple.coverage],
            [simple.density],
            marker="D",
            s=50,
            color="#D55E00",
            zorder=4,
            label="the same without its weak restrictions",
        )
    left.axhline(
        found.base_rate,
        color="0.4",
        ls=":",
        lw=1,
        label=f"share of cases among all points ({found.base_rate:.0%})",
    )
    shown: list[tuple[float, float]] = []  # label boxes at least 0.05 apart, not all
    for _, s in steps.iloc[::-1].iterrows():
        where = (float(s["coverage"]), float(s["density"]))
        if all(np.hypot(where[0] - a, where[1] - b) >= 0.05 for a, b in shown):
            shown.append(where)
            left.annotate(
                str(int(s["id"])),
                where,
                fontsize=7,
                xytext=(5, -3),
                textcoords="offset points",
                color="0.3",
            )
    left.set_xlim(-0.02, 1.05)
    left.set_ylim(0, 1.05)
    left.set_xlabel("coverage: share of all cases inside the box")
    left.set_ylabel("density: share of the box's points that are cases")
    left.set_title(
        f"Peeling trajectory (box id by the dots); case: {what} at ≥ {threshold:.0%} of summits",
        fontsize=9,
    )
    bar = fig.colorbar(dots, ax=left, ticks=range(top + 1), pad=0.02)
    bar.set_label("levers restricted")
    left.legend(fontsize=8, loc="lower left")
    left.grid(alpha=0.3)

    ypos = np.arange(len(table))
    span = (table["range_high"] - table["range_low"]).replace(0, 1.0)
    low = ((table["low"] - table["range_low"]) / span).clip(0, 1)
    high = ((table["high"] - table["range_low"]) / span).clip(0, 1)
    right.barh(ypos, 1.0, color="0.9", height=0.6, label="sweep range")
    colours = np.where(table["kept"], "#0072B2", np.where(table["restricted"], "#9ECAE9", "0.65"))
    right.barh(ypos, high - low, left=low, color=colours, height=0.6)
    for i, row in table.iterrows():
        label = "free" if not row["restricted"] else condition(row)
        if row["restricted"] and not row["kept"]:
            label += " (weak)"
        right.text(1.02, i, label, va="center", fontsize=8)
    right.set_yticks(
        ypos,
        [f"{r['lever']}\n[{r['range_low']:g}, {r['range_high']:g}]" for _, r in table.iterrows()],
        fontsize=8,
    )
    right.set_xlim(0, 1.0)
    right.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"], fontsize=8)
    right.set_xlabel("position in the lever's sweep range")
    right.invert_yaxis()
    simpler = ""
    if simple is not None and (simple.n, simple.k) != (int(chosen["n"]), int(chosen["k"])):
        simpler = f"\nwithout its weak restrictions: {simple.density:.0%}, {simple.coverage:.0%}"
    right.set_title(
        f"Box {step}: density {chosen['density']:.0%}, coverage "
        f"{chosen['coverage']:.0%}, {int(chosen['n'])} points{simpler}",
        fontsize=9,
    )
    for side in ("top", "right"):
        right.spines[side].set_visible(False)
    fig.tight_layout()
    return save_figure(fig, path)


def _p(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def discover_report(
    data: Sweep,
    found: Discovery,
    step: int,
    table: pd.DataFrame,
    simple: BoxStats | None,
    outcome: str,
    threshold: float,
    min_density: float,
    box: int | None,
) -> str:
    """report.md: the chosen box in words, its levers, the trade-off and the caveats."""
    column, what, short = OUTCOMES[outcome]
    m = data.manifest
    chosen = found.trajectory.iloc[step]
    restricted = table[table["restricted"]]
    conditions = [condition(r) for _, r in restricted.iterrows()]
    title = m.get("scenario", {}).get("title", m.get("scenario", {}).get("name", "the sweep"))
    k = m.get("replicates_per_point", 1)
    lines = [
        f"# Scenario discovery: {short} ({title})",
        "",
        f"Sweep `{data.folder}`: {found.points} sampled points (`{m.get('method')}`, N = "
        f"{m.get('n')}), each the mean of {k} replicate run(s). A point is a **case** when at "
        f"least {threshold:.0%} of its summits have {what} (column `{column}` ≥ "
        f"{threshold:g}): {found.cases} of {found.points} points ({found.base_rate:.0%}).",
        "",
    ]
    kept = table[table["kept"]]
    weak = [r["lever"] for _, r in restricted.iterrows() if not r["kept"]]
    lead = short[0].upper() + short[1:]
    full = BoxStats(
        int(chosen["n"]),
        int(chosen["k"]),
        float(chosen["density"]),
        float(chosen["coverage"]),
        float(chosen["mass"]),
    )
    simpler = simple is not None and simple.density >= full.density - SIMPLER_LOSS
    if simple is not None:
        lead_box, lead_rows = (simple, kept) if simpler else (full, restricted)
        lines += [
            f"**{lead} happens in {lead_box.density:.0%} of the sampled points where "
            f"{' and '.join(condition(r) for _, r in lead_rows.iterrows())}, and those points "
            f"hold {lead_box.coverage:.0%} of all such points.** They are {lead_box.n} points "
            f"({lead_box.mass:.0%} of the sample)"
            + (
                "; the other levers are free over their sweep ranges"
                if len(lead_rows) < len(table)
                else ""
            )
            + ". Outside these ranges, "
            f"{_share(_rate_outside(found, lead_box.n, lead_box.k))} of the points are cases.",
            "",
        ]
        them = "it" if len(weak) == 1 else "them"
        weak_text = " and ".join(condition(r) for _, r in restricted.iterrows() if not r["kept"])
        if weak and simpler:
            lines += [
                f"PRIM's box {step} also restricts {weak_text} (weak: quasi-p above {QUASI_P}, "
                f"see below); with {them} its density is {full.density:.0%} and its coverage "
                f"{full.coverage:.0%}, so the sentence above leaves {them} out.",
                "",
            ]
        elif weak:
            lines += [
                f"Of these, {weak_text} {'is' if len(weak) == 1 else 'are'} weak one by one "
                f"(quasi-p above {QUASI_P}), but without {them} the density falls to "
                f"{simple.density:.0%} (coverage {simple.coverage:.0%}): together they matter, "
                "so the sentence above keeps them.",
                "",
            ]
    elif conditions:
        lines += [
            f"PRIM's box {step} ({' and '.join(conditions)}) holds {lead.lower()} in "
            f"{chosen['density']:.0%} of its points and {chosen['coverage']:.0%} of all such "
            f"points, but none of its restrictions is clear of noise (every quasi-p is above "
            f"{QUASI_P}): no lever range reliably leads to {short}.",
            "",
        ]
    else:
        lines += [
            "PRIM found no box better than the whole sample: no lever range makes "
            f"{short} clearly more likely than its base rate.",
            "",
        ]
    if box is not None:
        how = f"as asked (`--box {box}`)"
    elif (found.trajectory["density"] >= min_density - 1e-12).any():
        how = f"the widest box (most coverage) whose density is at least {min_density:.0%}"
    else:
        how = f"the densest, as no box reaches a density of {min_density:.0%}"
    lines += [
        f"Chosen: box {step} of {len(found.trajectory)} on the peeling trajectory, {how}.",
        "",
    ]
    ceiling = found.cases / (MASS_MIN * found.points)
    if ceiling < min_density:
        lines += [
            f"Cases are rare ({_share(found.base_rate)} of the points) and PRIM stops at a box "
            f"of {MASS_MIN:.0%} of the points, so no box can be denser than about "
            f"{min(1.0, ceiling):.0%}: a lower `--threshold` asks a question the sample can "
            "answer with a denser box.",
            "",
        ]
    lines += ["| lever | sweep range | box | quasi-p |", "|---|---|---|---|"]
    for _, r in table.iterrows():
        rng_text = f"[{r['range_low']:g}, {r['range_high']:g}]"
        box_text = condition(r) if r["restricted"] else "free"
        lines.append(f"| `{r['lever']}` | {rng_text} | {box_text} | {_p(_quasi_p(r))} |")
    lines += [
        "",
        "The quasi-p-value of a restriction (Bryant and Lempert 2010) is a one-sided "
        "binomial test: how likely a box this dense would be if that restriction were "
        f"dropped. Above {QUASI_P} the restriction may be noise (`kept` is false in box.csv).",
    ]
    lines += [
        "",
        "## The trade-off",
        "",
        "Peeling the box tighter raises its density and loses coverage. Some steps of the "
        "trajectory (`trajectory.csv` lists all; choose one with `--box ID`):",
        "",
        "| box | density | coverage | points | levers restricted |",
        "|---|---|---|---|---|",
    ]
    picks = sorted(
        {
            0,
            step,
            len(found.trajectory) - 1,
            *range(0, len(found.trajectory), max(1, len(found.trajectory) // 5)),
        }
    )
    for i in picks:
        s = found.trajectory.iloc[i]
        mark = " (chosen)" if i == step else ""
        lines.append(
            f"| {i}{mark} | {s['density']:.0%} | {s['coverage']:.0%} | {int(s['n'])} | "
            f"{int(s['res_dim'])} |"
        )
    lines += [
        "",
        "![trade-off and chosen box](figures/tradeoff.png)",
        "",
        "## Reading it",
        "",
        f"- Each point's share is a mean over {k} replicate(s), so points near the "
        f"threshold are labelled partly by chance; the sweep's report gives the noise "
        "share of each outcome.",
        "- Density and coverage are measured on the very points PRIM peeled, so the last, "
        "smallest boxes of the trajectory flatter themselves; a box with fewer restrictions "
        "earlier on the trajectory is the safer reading.",
        "- The box's limits are the outermost sampled values inside it: the true edge "
        "lies between them and the nearest point outside.",
        f"- The points are the sweep's {m.get('method')} design (Sobol': every row of "
        "Saltelli's matrices, each spread over the lever space; Morris: trajectories on "
        "a grid of levels, so limits fall on grid values).",
        f"- PRIM settings: peel {PEEL_ALPHA:.0%} of the box per step, stop at a box of "
        f"{MASS_MIN:.0%} of the points (ema-workbench's PRIM, one box).",
    ]
    if m.get("warnings"):
        lines += ["- The sweep warned: " + "; ".join(m["warnings"])]
    return "\n".join([*lines, ""])


def _quasi_p(row: pd.Series) -> float:
    """The larger quasi-p of a lever's restricted sides (the weaker restriction)."""
    values = [v for v in (row["quasi_p_low"], row["quasi_p_high"]) if np.isfinite(v)]
    return max(values) if values else float("nan")


def _share(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return "< 1%" if 0 < value < 0.005 else f"{value:.0%}"


def _rate_outside(found: Discovery, n: int, k: int) -> float:
    outside = found.points - n
    return (found.cases - k) / outside if outside else float("nan")


def discover_manifest(
    data: Sweep, outcome: str, threshold: float, min_density: float, box: int | None, step: int
) -> dict[str, Any]:
    """What produced a discover folder (no timestamps: same inputs, same bytes)."""
    from importlib import metadata

    from model.files.manifest import header, provenance

    m = data.manifest
    return {
        **header("discover"),
        "sweep_folder": str(data.folder),
        "sweep": {
            k: m.get(k)
            for k in (
                "method",
                "n",
                "points",
                "replicates_per_point",
                "seed",
                "scenario_digest",
                "code_digest",
            )
        },
        "outcome": outcome,
        "column": OUTCOMES[outcome][0],
        "threshold": threshold,
        "min_density": min_density,
        "box_option": box,
        "chosen_box": step,
        "prim": {
            "peel_alpha": PEEL_ALPHA,
            "paste_alpha": PEEL_ALPHA,
            "mass_min": MASS_MIN,
            "ema_workbench": metadata.version("ema_workbench"),
        },
        **provenance(),
        "files": sorted(FILES),
    }
