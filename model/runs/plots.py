"""Figures a reader wants: statement tone over time with bands and chairs, member
stances, DPRK exchanges per member and year, and the record's timeline."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.record.targets import model_meeting
from model.runs.outcomes import Outcomes
from model.vocabulary import MEETINGS, NAMES, TONE_LABELS

TONE_COLORS = ["#4575b4", "#91bfdb", "#fee090", "#fc8d59", "#d73027"]
"""A diverging palette: cool for welcoming language, hot for condemnation."""
MEETING_STYLE = {"ministerial": ("#1f77b4", "Ministerial (Q3)"), "summit": ("#d62728",
                                                                         "Summit (Q4)")}
DPI = 110


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Write a PNG stamped Software=asean-sim (not matplotlib's versioned stamp: same bytes
    every run; the stamp is how a later write knows the file is ours) and free the figure."""
    from model.files.safe_output import PNG_SOFTWARE

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return path


def _shade_chairs(ax: plt.Axes, chairs: dict[int, str], years: list[int], top: float) -> None:
    for i, year in enumerate(years):
        if i % 2 == 0:
            ax.axvspan(year - 0.5, year + 0.5, color="0.93", zorder=0)
        ax.text(year, top, chairs.get(year, ""), ha="center", va="bottom",
                fontsize=8 if len(years) <= 12 else 6.5, color="0.3",
                rotation=0 if len(years) <= 12 else 90)


def tone_figure(out: Outcomes, path: Path, title: str,
                observed: pd.DataFrame | None = None) -> Path:
    """Statement tone per meeting and year (mean, 10-90% band), chairs marked, and the
    probability of grave-concern language and of a split or missing text."""
    years = np.array(out.years)
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1.4]})
    _shade_chairs(ax, out.chairs, out.years, 4.35)
    for k, meeting in enumerate(MEETINGS):
        color, label = MEETING_STYLE[meeting]
        tone = out.tone[:, :, k]
        with np.errstate(all="ignore"):
            mean = np.nanmean(tone, axis=0)
            lo, hi = np.nanpercentile(tone, [10, 90], axis=0)
        shift = -0.08 if k == 0 else 0.08
        ax.fill_between(years + shift, lo, hi, color=color, alpha=0.15, step="mid")
        ax.plot(years + shift, mean, "o-", color=color, label=f"{label}: mean, 10-90% band")
    if observed is not None and not observed.empty:
        ax.scatter(observed["year"], observed["tone"], marker="*", s=140, color="black",
                   zorder=5, label="Observed (seeds/statements.csv)")
    ax.set_ylim(-0.3, 4.7)
    ax.set_yticks(range(5), list(TONE_LABELS))
    ax.set_ylabel("Tone of ASEAN's statement")
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.text(1.0, 1.01, "chair of each year", transform=ax.transAxes, ha="right", va="bottom",
            fontsize=7, color="0.4")
    bottom = np.zeros(len(years))
    for level, color in enumerate(TONE_COLORS):
        share = out.prob_tone(level)
        bx.bar(years, share, bottom=bottom, width=0.7, color=color, label=TONE_LABELS[level])
        bottom += share
    bx.bar(years, out.prob_voice("none"), bottom=bottom, width=0.7, color="0.6",
           label="no agreed text")
    split = out.prob_voice("split")
    if split.any():
        bx.plot(years, split, "k^--", ms=5, lw=0.8, label="split (chair's text)")
    bx.set_ylim(0, 1)
    bx.set_ylabel("Summit: P(tone)")
    bx.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    bx.set_xticks(years, [str(y) for y in years], rotation=45 if len(years) > 12 else 0)
    return save_figure(fig, path)


def stances_figure(out: Outcomes, path: Path, title: str) -> Path:
    """Each member's pressure and engagement over time (median, 10-90% band)."""
    labels = [str(q) for q in out.quarters]
    x = np.arange(len(labels))
    n = len(out.members)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.2 * rows), sharex=True, sharey=True)
    for i, (ax, member) in enumerate(zip(axes.flat, out.members, strict=False)):
        for c, (name, color) in enumerate((("pressure", "#d62728"), ("engagement", "#2ca02c"))):
            values = out.stances[:, :, i, c].astype(float)
            present = ~np.isnan(values).all(axis=0)  # e.g. Timor-Leste before accession
            if not present.any():
                continue
            lo, med, hi = np.full((3, values.shape[1]), np.nan)
            lo[present], med[present], hi[present] = np.nanpercentile(
                values[:, present], [10, 50, 90], axis=0)
            ax.fill_between(x, lo, hi, color=color, alpha=0.2)
            ax.plot(x, med, color=color, label=name,
                    marker="o" if present.sum() < 4 else None, markersize=3)
        ax.set_title(NAMES[member], fontsize=9)
        ax.set_ylim(0, 1)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    ticks = x[:: max(1, len(x) // 4)]
    for ax in axes[-1]:
        ax.set_xticks(ticks, [labels[t] for t in ticks], fontsize=7)
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{title}: member stances toward the DPRK (median, 10-90% band)",
                 x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def exchanges_figure(out: Outcomes, path: Path, title: str) -> Path:
    """Mean DPRK exchanges (delegations both ways) per member and year, as a heat map."""
    mean = out.exchanges.mean(axis=0).T  # members x years
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * len(out.years), 4.6))
    image = ax.imshow(mean, aspect="auto", cmap="Greens", vmin=0)
    ax.set_yticks(range(len(out.members)), [NAMES[m] for m in out.members], fontsize=8)
    ax.set_xticks(range(len(out.years)), [str(y) for y in out.years], fontsize=8,
                  rotation=45 if len(out.years) > 12 else 0)
    for (i, j), value in np.ndenumerate(mean):
        if value >= 0.05 and len(out.years) <= 14:
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7,
                    color="white" if value > mean.max() * 0.6 else "black")
    fig.colorbar(image, ax=ax, label="mean exchanges per year")
    ax.set_title(f"{title}: DPRK exchanges per member and year", loc="left", fontsize=11)
    return save_figure(fig, path)


def run_figures(out: Outcomes, folder: Path, title: str,
                observed: pd.DataFrame | None = None) -> list[Path]:
    """The three standard figures of a run, in ``folder``."""
    return [
        tone_figure(out, folder / "tone.png", title, observed),
        stances_figure(out, folder / "stances.png", title),
        exchanges_figure(out, folder / "exchanges.png", title),
    ]


def timeline_figure(events: pd.DataFrame, chairs: pd.DataFrame, path: Path,
                    title: str = "The event record") -> Path:
    """One lane per actor with events (as source or target); cooperation (Goldstein > 0)
    in green, conflict in red, marker size by |Goldstein|; ASEAN chairs shaded by year."""
    if events.empty:
        raise ValueError("no events to plot")
    dates = pd.to_datetime(events["date"])
    when = (dates.dt.year + (dates.dt.day_of_year - 1) / 365.25).to_numpy()
    lanes = sorted(set(events["source"]) | set(events["target"]),
                   key=lambda c: (-(events["source"].eq(c) | events["target"].eq(c)).sum(), c))
    lane = {code: i for i, code in enumerate(lanes)}
    fig, ax = plt.subplots(figsize=(12, 0.42 * len(lanes) + 1.8))
    # Events long before the chair history would squash the axis: draw them in a margin.
    horizon = int(chairs["year"].min()) if not chairs.empty else int(when.min())
    early = when < horizon
    if early.any():
        when = np.where(early, horizon - 1.0, when)
        ax.axvline(horizon - 0.5, color="0.6", lw=0.8, ls=":")
        ax.text(horizon - 1.0, -0.75, "before " + str(horizon), ha="center", fontsize=6,
                color="0.35")
        for x_year, y_code in zip(dates[early].dt.year, events.loc[early, "source"], strict=True):
            ax.text(horizon - 1.0, lane[y_code] + 0.35, str(x_year), ha="center", fontsize=6)
    first, last = int(np.floor(when.min())), int(when.max()) + 1
    for year, chair in zip(chairs["year"], chairs["chair"], strict=True):
        if first <= year <= last:
            if year % 2 == 0:
                ax.axvspan(year, year + 1, color="0.94", zorder=0)
            ax.text(year + 0.5, -0.75, chair, ha="center", fontsize=6, color="0.35",
                    rotation=90 if last - first > 30 else 0)
    weight = events["goldstein"].astype(float)
    color = np.where(weight > 0, "#2ca02c", np.where(weight < 0, "#d62728", "0.5"))
    size = 18 + 14 * weight.abs()
    for column, marker in (("source", "o"), ("target", "D")):
        y = events[column].map(lane)
        ax.scatter(when, y, s=size, c=color, marker=marker, alpha=0.75 if marker == "o" else 0.35,
                   edgecolors="none", zorder=3)
    for x, ys, yt in zip(when, events["source"].map(lane), events["target"].map(lane),
                         strict=True):
        ax.plot([x, x], [ys, yt], color="0.75", lw=0.5, zorder=2)
    ax.set_yticks(range(len(lanes)), [f"{NAMES.get(c, c)} ({c})" for c in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.3, -1.1)
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xlabel("year (shading alternates with the ASEAN chair named above each year)")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color="#2ca02c", label="cooperation (Goldstein > 0)"),
        plt.Line2D([], [], marker="o", ls="", color="#d62728", label="conflict (Goldstein < 0)"),
        plt.Line2D([], [], marker="o", ls="", color="0.4", label="source (circle)"),
        plt.Line2D([], [], marker="D", ls="", color="0.4", alpha=0.4, label="target (diamond)"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="lower left", ncol=4)
    ax.set_title(f"{title}: {len(events)} events; marker size = |Goldstein weight|", loc="left",
                 fontsize=11)
    return save_figure(fig, path)


def backtest_figure(out: Outcomes, occasions: list[dict], record: pd.DataFrame,
                    path: Path) -> Path:
    """Observed against simulated statements, 2000-2025: for each meeting a heat strip of
    the probability of each tone per year, the validation record's texts (circles,
    hollow when a split chairman's statement) and the calibration record's (stars), and
    the simulated probability of a split or missing text below."""
    years = np.array(out.years)
    fig, axes = plt.subplots(3, 1, figsize=(12, 9), sharex=True,
                             gridspec_kw={"height_ratios": [3, 3, 1.3]})
    fig.subplots_adjust(top=0.9, hspace=0.25)
    for k, meeting in enumerate(MEETINGS):
        ax = axes[k]
        tone = out.tone[:, :, k]
        with np.errstate(all="ignore"):
            texts = np.isfinite(tone).sum(axis=0)
            probs = np.array([[np.sum(tone[:, j] == level) / max(1, texts[j])
                               for j in range(len(years))] for level in range(5)])
        image = ax.imshow(probs, origin="lower", aspect="auto", cmap="Blues", vmin=0, vmax=1,
                          extent=(years[0] - 0.5, years[-1] + 0.5, -0.5, 4.5))
        for o in (o for o in occasions if o["meeting"] == meeting):
            if o["observed_tone"] is None:
                ax.text(o["year"], 2, "no\ntext", ha="center", va="center", fontsize=8,
                        color="#b2182b", fontweight="bold")
                continue
            hollow = o["observed_voice"] == "split"
            ax.scatter(o["year"], o["observed_tone"], s=90, zorder=3,
                       facecolor="none" if hollow else "#b2182b", edgecolor="#b2182b",
                       linewidth=2)
        seen = record[[model_meeting(m) == meeting for m in record["meeting"]]]
        ax.scatter(seen["year"], seen["tone"], marker="*", s=170, color="#fdb863",
                   edgecolor="black", linewidth=0.8, zorder=4)
        ax.set_yticks(range(5), list(TONE_LABELS))
        ax.set_ylabel(f"{MEETING_STYLE[meeting][1]}\ntone")
        for year in years:
            ax.text(year, 4.6, out.chairs.get(year, ""), ha="center", va="bottom",
                    fontsize=7, color="0.3")
        ax.set_ylim(-0.5, 5.1)
    cbar = fig.colorbar(image, ax=axes[:2], fraction=0.025, pad=0.01)
    cbar.set_label("simulated P(tone | a text)")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color="#b2182b", ms=9,
                   label="validation record (consensus text)"),
        plt.Line2D([], [], marker="o", ls="", mfc="none", mec="#b2182b", mew=2, ms=9,
                   label="validation record (chairman's statement, split)"),
        plt.Line2D([], [], marker="*", ls="", color="#fdb863", mec="black", ms=13,
                   label="calibration record (seeds/statements.csv)"),
    ]
    fig.suptitle("ASEAN's statements on the DPRK, 2000-2025: simulated tone distribution "
                 "(blue) against the real texts", x=0.06, ha="left", y=0.995, fontsize=12)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.06, 0.965), ncol=3,
               fontsize=9, frameon=False)
    bx = axes[2]
    for k, meeting in enumerate(MEETINGS):
        color, label = MEETING_STYLE[meeting]
        not_consensus = np.mean(out.voice[:, :, k] != 0, axis=0)
        bx.plot(years, not_consensus, "o-", color=color, ms=3, label=label)
    bx.set_ylim(-0.04, 1)  # a series at 0 stays visible above the axis
    bx.set_ylabel("P(split or\nno text)")
    bx.set_xlabel("year")
    bx.legend(fontsize=8, loc="upper left", frameon=False)
    bx.set_xticks(years[::2] if len(years) > 14 else years)
    return save_figure(fig, path)

