"""Figures a reader wants: statement tone per year (the probability of each tone and voice,
the mean with its interval, the real texts beside them), member stances, DPRK exchanges
per member and year, and the record's timeline.

Each run figure is built by a function that returns the matplotlib Figure (so tests can
read what is drawn) and is saved by :func:`save_figure`. Quarters sit at their true dates
(:func:`quarter_x`); palettes are colour-blind safe (Okabe-Ito, viridis, YlGnBu)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.record.targets import model_meeting
from model.runs.outcomes import Outcomes
from model.vocabulary import MEETINGS, NAMES, TONE_LABELS, VOICES, Quarter

TONE_WORDS = (
    "welcomes engagement",
    "urges restraint",
    "concern",
    "serious concern",
    "grave concern, condemns",
)
"""The README's words for each tone, short enough for a legend."""

OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermilion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
"""Okabe and Ito's palette, told apart under every common colour-vision deficiency."""
TONE_COLORS = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487"]
"""Tone 0 (welcomes) to 4 (grave), light to dark: viridis, a sequential palette readable
under colour-vision deficiencies and in greyscale."""
NO_TEXT_COLOR = "0.85"
VOICE_COLORS = {
    "consensus": OKABE_ITO["green"],
    "split": OKABE_ITO["orange"],
    "none": NO_TEXT_COLOR,
}
VOICE_LABELS = {
    "consensus": "consensus (as one)",
    "split": "split (chairman's text)",
    "none": "no agreed text",
}
MEETING_STYLE = {
    "ministerial": (OKABE_ITO["blue"], "Ministerial (Q3)"),
    "summit": (OKABE_ITO["vermilion"], "Summit (Q4)"),
}
STANCE_STYLE = {
    "pressure": (OKABE_ITO["vermilion"], "pressure"),
    "engagement": (OKABE_ITO["blue"], "engagement"),
}
STANCE_LINES = {"pressure": "-", "engagement": (0, (3, 1.5))}
Z_80 = 1.2815515655446004
"""The normal quantile of 0.9: mean ± Z_80·SE is the 10-90% interval of a mean."""
DPI = 110


def quarter_x(quarter: Quarter) -> float:
    """Where a quarter sits on a time axis in years: the middle of its three months
    (2024Q1 spans 2024.0-2024.25 and is drawn at 2024.125). Every figure uses this."""
    return quarter.year + (quarter.q - 1) / 4 + 0.125


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a PNG stamped Software=asean-sim (not matplotlib's versioned stamp: same bytes
    every run; the stamp is how a later write knows the file is ours) and free the figure."""
    from model.files.safe_output import PNG_SOFTWARE

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return path


def _year_ticks(ax: plt.Axes, first: int, last: int, most: int = 9) -> None:
    """Year ticks at each 1 January, every year or every few so at most ``most`` labels."""
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (last - first) // s + 1 <= most)
    years = [y for y in range(first, last + 1) if y % step == 0 or step == 1]
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xticks([y for y in range(first, last + 2)], minor=True)


def _chair_labels(ax: plt.Axes, chairs: dict[int, str], years: list[int]) -> None:
    for i, year in enumerate(years):
        if i % 2 == 0:
            ax.axvspan(year - 0.5, year + 0.5, color="0.94", zorder=0)
        ax.text(
            year,
            1.01,
            chairs.get(year, ""),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=8.5 if len(years) <= 14 else 7,
            color="0.25",
            rotation=0 if len(years) <= 14 else 90,
        )


def observed_statements(first: int, last: int) -> pd.DataFrame:
    """The real texts of ``first``-``last`` to set beside simulated ones: the calibration
    record (seeds/statements.csv) and the independent validation record
    (seeds/validation/statements.csv, one text per year and meeting, chosen as the
    backtest chooses it). Columns: year, meeting (simulated), tone (NaN: no text), voice,
    record ("calibration" or "validation")."""
    from model.record.occasions import validation_occasions
    from model.record.validation import load_validation_statements
    from model.world.initial import cached_record, recorded_chairs

    st = cached_record().statements
    st = st[(st["year"] >= first) & (st["year"] <= last)]
    rows = [
        (int(y), model_meeting(m), float(t), str(v), "calibration")
        for y, m, t, v in zip(st["year"], st["meeting"], st["tone"], st["voice"], strict=True)
    ]
    rows += [
        (o.year, o.meeting, np.nan if o.tone is None else float(o.tone), o.voice, "validation")
        for o in validation_occasions(load_validation_statements(chairs=recorded_chairs()))
        if first <= o.year <= last
    ]
    return pd.DataFrame(rows, columns=["year", "meeting", "tone", "voice", "record"])


def tone_probabilities(out: Outcomes, meeting: str) -> np.ndarray:
    """(6, years): the share of replicates whose text at ``meeting`` has tone 0..4, and
    (last row) the share with no agreed text; each column sums to 1."""
    tone = out.tone[:, :, MEETINGS.index(meeting)]
    probs = [(tone == level).mean(axis=0) for level in range(len(TONE_LABELS))]
    return np.vstack([*probs, np.isnan(tone).mean(axis=0)])


def voice_probabilities(out: Outcomes, meeting: str) -> np.ndarray:
    """(3, years): P(consensus), P(split), P(none) at ``meeting``; columns sum to 1."""
    return np.vstack([out.prob_voice(v, meeting) for v in VOICES])


def mean_tone_interval(out: Outcomes, meeting: str) -> tuple[np.ndarray, ...]:
    """Per year: the mean tone of the texts at ``meeting`` and the 10-90% normal interval
    of that mean (its Monte Carlo uncertainty, not the spread of the integer tones)."""
    tone = out.tone[:, :, MEETINGS.index(meeting)]
    n = np.isfinite(tone).sum(axis=0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(tone, axis=0)
        se = np.nanstd(tone, axis=0, ddof=1) / np.sqrt(n)
    se = np.where(n > 1, se, np.nan)
    return mean, mean - Z_80 * se, mean + Z_80 * se


def _observed_markers(
    ax: plt.Axes,
    seen: pd.DataFrame,
    meeting: str,
    color: str,
    y: Callable[[pd.Series], np.ndarray] | None = None,
) -> None:
    """Real texts at one meeting: stars (calibration record), diamonds (validation record;
    hollow for a split chairman's text), a cross where there was no text."""
    seen = seen[seen["meeting"] == meeting]
    for record, marker, size in (("calibration", "*", 190), ("validation", "D", 50)):
        rows = seen[(seen["record"] == record) & seen["tone"].notna()]
        if rows.empty:
            continue
        hollow = (rows["voice"] == "split").to_numpy()
        where = rows["tone"].to_numpy() if y is None else y(rows)
        for mask, face in ((~hollow, color), (hollow, "white")):
            if mask.any():
                ax.scatter(
                    rows["year"].to_numpy()[mask],
                    where[mask],
                    marker=marker,
                    s=size,
                    facecolor=face,
                    edgecolor="black",
                    linewidth=1.0,
                    zorder=6,
                    clip_on=False,
                )
    missing = seen[seen["tone"].isna()]
    if not missing.empty:
        ax.scatter(
            missing["year"],
            np.full(len(missing), -0.15) if y is None else y(missing),
            marker="x",
            s=60,
            color="black",
            zorder=6,
            clip_on=False,
        )


def tone_figure(out: Outcomes, title: str, observed: pd.DataFrame | None = None) -> Figure:
    """Statement tone per year: the mean tone at each meeting with the 10-90% interval of
    the mean, the probability of each tone level and of each voice, chairs named above,
    and the real texts where the record has them."""
    years = np.array(out.years)
    seen = (
        observed
        if observed is not None
        else pd.DataFrame(columns=["year", "meeting", "tone", "voice", "record"])
    )
    many = len(years) > 14
    fig, axes = plt.subplots(
        4,
        1,
        figsize=(11.5 if many else 9.5, 12),
        sharex=True,
        gridspec_kw={"height_ratios": [2.6, 1.5, 1.5, 1.3], "hspace": 0.3},
    )
    ax = axes[0]
    _chair_labels(ax, out.chairs, out.years)
    for k, meeting in enumerate(MEETINGS):
        color, label = MEETING_STYLE[meeting]
        mean, lo, hi = mean_tone_interval(out, meeting)
        shift = -0.1 if k == 0 else 0.1
        ax.fill_between(years + shift, lo, hi, color=color, alpha=0.25, lw=0)
        ax.plot(
            years + shift,
            mean,
            "o-",
            color=color,
            ms=3,
            lw=1.8,
            label=f"{label}: simulated mean, band: 10-90% interval of the mean",
        )
        _observed_markers(ax, seen.assign(year=seen["year"] + shift), meeting, color)
    ax.set_ylim(-0.3, 4.3)
    ax.set_yticks(range(len(TONE_LABELS)), list(TONE_LABELS))
    ax.set_ylabel("tone (0-4 scale)")
    handles, _labels = ax.get_legend_handles_labels()
    if (seen["record"] == "calibration").any():
        handles.append(
            plt.Line2D(
                [],
                [],
                marker="*",
                ls="",
                mfc="0.5",
                mec="black",
                ms=12,
                label="real text: calibration record",
            )
        )
    if (seen["record"] == "validation").any():
        handles.append(
            plt.Line2D(
                [],
                [],
                marker="D",
                ls="",
                mfc="0.5",
                mec="black",
                ms=6,
                label="real text: validation record",
            )
        )
    if (seen["voice"] == "split").any():
        handles.append(
            plt.Line2D(
                [],
                [],
                marker="D",
                ls="",
                mfc="white",
                mec="black",
                ms=6,
                label="hollow: a split chairman's text",
            )
        )
    if seen["tone"].isna().any():
        handles.append(
            plt.Line2D(
                [], [], marker="x", ls="", color="black", ms=7, label="real meeting, no text"
            )
        )
    # legends sit above their panels, inside the figure's width: the figure is seen at
    # about its own size in report.html
    ax.legend(
        handles=handles,
        fontsize=8.5,
        loc="lower left",
        bbox_to_anchor=(-0.01, 1.05 if not many else 1.09),
        ncol=2,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.2,
    )
    rows = -(-len(handles) // 2)  # the title clears the chairs and the legend's rows
    ax.set_title(title, loc="left", fontsize=11.5, pad=(30 if not many else 40) + 13 * rows)
    ax.text(
        -0.005,
        1.01,
        "chair",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color="0.4",
    )
    for bx, meeting in zip(axes[1:3], MEETINGS, strict=True):
        probs = tone_probabilities(out, meeting)
        bottom = np.zeros(len(years))
        for level, share in enumerate(probs):
            last = level == len(probs) - 1
            bx.bar(
                years,
                share,
                bottom=bottom,
                width=0.8,
                lw=0.4,
                color=NO_TEXT_COLOR if last else TONE_COLORS[level],
                hatch="//" if last else None,
                edgecolor="0.5" if last else "white",
                label="no agreed text" if last else f"{level} {TONE_WORDS[level]}",
            )
            bottom += share
        cumulative = np.vstack([np.zeros(len(years)), np.cumsum(probs, axis=0)])
        centre = {y: (cumulative[:-1, j] + cumulative[1:, j]) / 2 for j, y in enumerate(years)}

        def middle(rows: pd.DataFrame, centre=centre) -> np.ndarray:
            return np.array(
                [
                    centre[y][-1 if pd.isna(t) else int(t)]  # -1: no text
                    for y, t in zip(rows["year"], rows["tone"], strict=True)
                ]
            )

        _observed_markers(bx, seen[seen["year"].isin(years)], meeting, "white", y=middle)
        bx.set_ylim(0, 1)
        bx.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
        bx.set_ylabel(f"{MEETING_STYLE[meeting][1].split()[0]}\nP(tone)")
        if meeting == MEETINGS[0]:
            bx.legend(
                fontsize=8.5,
                loc="lower left",
                bbox_to_anchor=(-0.01, 0.99),
                ncol=6,
                frameon=False,
                handlelength=1.2,
                handletextpad=0.4,
                columnspacing=0.9,
            )
    cx = axes[3]
    width = 0.38
    for k, meeting in enumerate(MEETINGS):
        bottom = np.zeros(len(years))
        for voice, share in zip(VOICES, voice_probabilities(out, meeting), strict=True):
            cx.bar(
                years + (k - 0.5) * width,
                share,
                bottom=bottom,
                width=width,
                color=VOICE_COLORS[voice],
                edgecolor="0.5" if voice == "none" else "white",
                hatch="//" if voice == "none" else None,
                lw=0.4,
                label=VOICE_LABELS[voice] if k == 0 else None,
            )
            bottom += share
        # the real text's voice, marked in the middle of its segment
        cumulative = np.vstack(
            [np.zeros(len(years)), np.cumsum(voice_probabilities(out, meeting), axis=0)]
        )
        for _, row in seen[(seen["meeting"] == meeting) & seen["year"].isin(years)].iterrows():
            j, v = list(years).index(row["year"]), VOICES.index(row["voice"])
            cx.scatter(
                row["year"] + (k - 0.5) * width,
                cumulative[v : v + 2, j].mean(),
                marker="*" if row["record"] == "calibration" else "D",
                s=120 if row["record"] == "calibration" else 35,
                facecolor="white",
                edgecolor="black",
                zorder=6,
                clip_on=False,
            )
    cx.set_ylim(0, 1)
    cx.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    cx.set_ylabel("P(voice)")
    handles, _labels = cx.get_legend_handles_labels()
    note = plt.Line2D([], [], ls="", label="(left bar: ministerial, right bar: summit)")
    cx.legend(
        handles=[*handles, note],
        fontsize=8.5,
        loc="lower left",
        bbox_to_anchor=(-0.01, 0.99),
        ncol=4,
        frameon=False,
        handlelength=1.2,
        handletextpad=0.4,
        columnspacing=0.9,
    )
    cx.set_xlabel("year")
    cx.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    for each in axes:
        each.tick_params(labelsize=9.5)
    shown = years if not many else years[years % 2 == 0]
    cx.set_xticks(shown, [str(y) for y in shown])
    return fig


def stances_figure(out: Outcomes, title: str) -> Figure:
    """Each member's pressure and engagement over time (median and 10-90% of replicates),
    one small panel per member on a shared 0-1 scale, quarters at their true dates."""
    x = np.array([quarter_x(q) for q in out.quarters])
    n = len(out.members)
    cols = 4
    rows = int(np.ceil((n + 1) / cols))  # one spare panel holds the legend
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.3 * rows + 0.6), sharex=True, sharey=True)
    first, last = out.years[0], out.years[-1]
    for i, (ax, member) in enumerate(zip(axes.flat, out.members, strict=False)):
        for c, name in enumerate(STANCE_STYLE):
            color, label = STANCE_STYLE[name]
            values = out.stances[:, :, i, c].astype(float)
            present = ~np.isnan(values).all(axis=0)  # e.g. Timor-Leste before accession
            if not present.any():
                continue
            lo, med, hi = np.full((3, values.shape[1]), np.nan)
            lo[present], med[present], hi[present] = np.nanpercentile(
                values[:, present], [10, 50, 90], axis=0
            )
            ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)
            # clip_on=False and a y-range a little wider than 0-1: a stance at 0 or 1 is
            # drawn in full above the axis line, never hidden by it
            # engagement dashed, on top: where the two coincide both stay visible
            ax.plot(
                x,
                med,
                color=color,
                lw=2.0,
                label=label,
                clip_on=False,
                zorder=4 + c,
                ls=STANCE_LINES[name],
                marker="o" if present.sum() < 4 else None,
                markersize=3,
            )
        ax.set_title(NAMES[member], fontsize=10, pad=3)
        ax.set_ylim(-0.06, 1.06)
        ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
        ax.grid(axis="y", color="0.9", lw=0.6)
        ax.set_xlim(first, last + 1)
        _year_ticks(ax, first, last, most=5)
        ax.tick_params(labelsize=9)
    spare = list(axes.flat)[n:]
    for ax in spare:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], color=c, lw=2.5, ls=STANCE_LINES[name], label=f"{label} (median)")
        for name, (c, label) in STANCE_STYLE.items()
    ]
    handles.append(
        plt.Rectangle((0, 0), 1, 1, color="0.5", alpha=0.3, label="10-90% of replicates")
    )
    spare[0].legend(
        handles=handles,
        loc="center",
        fontsize=10,
        frameon=False,
        title="stance toward the DPRK",
        title_fontsize=10,
    )
    for ax in axes[:, 0]:
        ax.set_ylabel("stance (0-1)", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("year", fontsize=9)
    for ax in axes.flat:  # a panel above an empty one still shows its years
        ax.xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(
        f"{title}: member stances toward the DPRK per quarter, on the model's 0-1 scale",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def membership(out: Outcomes) -> np.ndarray:
    """(years, members): whether each member belonged to ASEAN in any quarter of the year
    (its stances are missing before it joined: Timor-Leste before 2025Q4)."""
    present = ~np.isnan(out.stances[:, :, :, 0].astype(float)).all(axis=0)  # (Q, members)
    year_of = np.array([out.years.index(q.year) for q in out.quarters])
    return np.vstack([present[year_of == j].any(axis=0) for j in range(len(out.years))])


def exchanges_figure(out: Outcomes, title: str) -> Figure:
    """Mean DPRK exchanges (delegations both ways) per member and year, as a heat map;
    years before a member joined are hatched grey, apart from a true zero."""
    member = membership(out).T  # members x years
    mean = np.ma.masked_array(out.exchanges.mean(axis=0).T, mask=~member)
    many = len(out.years) > 14
    fig, ax = plt.subplots(figsize=(max(8.0, 2.8 + 0.55 * len(out.years)), 5.2))
    cmap = plt.get_cmap("YlGnBu").with_extremes(bad=NO_TEXT_COLOR)
    top = max(1.0, float(mean.max()) if mean.count() else 1.0)
    image = ax.imshow(mean, aspect="auto", cmap=cmap, vmin=0, vmax=top)
    for i, j in zip(*np.nonzero(~member), strict=True):
        ax.add_patch(
            plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.55", lw=0)
        )
    for (i, j), value in np.ndenumerate(mean.filled(np.nan)):
        if np.isfinite(value) and (not many or value == 0):  # a true zero is always marked
            ax.text(
                j,
                i,
                "0" if value == 0 else f"{value:.1f}",
                ha="center",
                va="center",
                fontsize=8.5,
                color="white" if value > top * 0.55 else "black",
            )
    ax.set_yticks(range(len(out.members)), [NAMES[m] for m in out.members], fontsize=9.5)
    shown = [j for j, y in enumerate(out.years) if not many or y % 2 == 0]
    ax.set_xticks(shown, [str(out.years[j]) for j in shown], fontsize=9.5)
    ax.set_xlabel("year")
    ax.set_ylabel("ASEAN member")
    fig.colorbar(image, ax=ax, label="mean exchanges per year (delegations, both ways)")
    handles = [
        plt.Rectangle(
            (0, 0),
            1,
            1,
            facecolor=NO_TEXT_COLOR,
            hatch="///",
            edgecolor="0.55",
            label="not yet a member",
        )
    ]
    if (~member).any():
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(0, -0.1), fontsize=8, frameon=False
        )
    ax.set_title(
        f"{title}\nDPRK exchanges per member and year (mean over replicates)",
        loc="left",
        fontsize=11,
    )
    return fig


def run_figures(
    out: Outcomes, folder: Path, title: str, observed: pd.DataFrame | None = None
) -> list[Path]:
    """The three standard figures of a run, in ``folder``."""
    return [
        save_figure(tone_figure(out, title, observed), folder / "tone.png"),
        save_figure(stances_figure(out, title), folder / "stances.png"),
        save_figure(exchanges_figure(out, title), folder / "exchanges.png"),
    ]


def timeline_figure(
    events: pd.DataFrame, chairs: pd.DataFrame, path: Path, title: str = "The event record"
) -> Path:
    """One lane per actor with events (as source or target); cooperation (Goldstein > 0)
    in bluish green, conflict in vermilion (Okabe-Ito), marker size by |Goldstein|; ASEAN
    chairs shaded by year."""
    if events.empty:
        raise ValueError("no events to plot")
    dates = pd.to_datetime(events["date"])
    when = (dates.dt.year + (dates.dt.day_of_year - 1) / 365.25).to_numpy()
    lanes = sorted(
        set(events["source"]) | set(events["target"]),
        key=lambda c: (-(events["source"].eq(c) | events["target"].eq(c)).sum(), c),
    )
    lane = {code: i for i, code in enumerate(lanes)}
    fig, ax = plt.subplots(figsize=(12, 0.42 * len(lanes) + 1.8))
    # Events long before the chair history would squash the axis: draw them in a margin.
    horizon = int(chairs["year"].min()) if not chairs.empty else int(when.min())
    early = when < horizon
    if early.any():
        when = np.where(early, horizon - 1.0, when)
        ax.axvline(horizon - 0.5, color="0.6", lw=0.8, ls=":")
        ax.text(
            horizon - 1.0, -0.75, "before " + str(horizon), ha="center", fontsize=6, color="0.35"
        )
        for x_year, y_code in zip(dates[early].dt.year, events.loc[early, "source"], strict=True):
            ax.text(horizon - 1.0, lane[y_code] + 0.35, str(x_year), ha="center", fontsize=6)
    first, last = int(np.floor(when.min())), int(when.max()) + 1
    for year, chair in zip(chairs["year"], chairs["chair"], strict=True):
        if first <= year <= last:
            if year % 2 == 0:
                ax.axvspan(year, year + 1, color="0.94", zorder=0)
            ax.text(
                year + 0.5,
                -0.75,
                chair,
                ha="center",
                fontsize=6,
                color="0.35",
                rotation=90 if last - first > 30 else 0,
            )
    weight = events["goldstein"].astype(float)
    color = np.where(
        weight > 0, OKABE_ITO["green"], np.where(weight < 0, OKABE_ITO["vermilion"], "0.5")
    )
    size = 18 + 14 * weight.abs()
    for column, marker in (("source", "o"), ("target", "D")):
        y = events[column].map(lane)
        ax.scatter(
            when,
            y,
            s=size,
            c=color,
            marker=marker,
            alpha=0.75 if marker == "o" else 0.35,
            edgecolors="none",
            zorder=3,
        )
    for x, ys, yt in zip(when, events["source"].map(lane), events["target"].map(lane), strict=True):
        ax.plot([x, x], [ys, yt], color="0.75", lw=0.5, zorder=2)
    ax.set_yticks(range(len(lanes)), [f"{NAMES.get(c, c)} ({c})" for c in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.3, -1.1)
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xlabel("year (shading alternates with the ASEAN chair named above each year)")
    handles = [
        plt.Line2D(
            [], [], marker="o", ls="", color=OKABE_ITO["green"], label="cooperation (Goldstein > 0)"
        ),
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=OKABE_ITO["vermilion"],
            label="conflict (Goldstein < 0)",
        ),
        plt.Line2D([], [], marker="o", ls="", color="0.4", label="source (circle)"),
        plt.Line2D([], [], marker="D", ls="", color="0.4", alpha=0.4, label="target (diamond)"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="lower left", ncol=4)
    ax.set_title(
        f"{title}: {len(events)} events; marker size = |Goldstein weight|", loc="left", fontsize=11
    )
    return save_figure(fig, path)


def backtest_figure(out: Outcomes, occasions: list[dict], record: pd.DataFrame, path: Path) -> Path:
    """Observed against simulated statements, 2000-2025: for each meeting a heat strip of
    the probability of each tone per year, the validation record's texts (circles,
    hollow when a split chairman's statement) and the calibration record's (stars), and
    the simulated probability of a split or missing text below."""
    years = np.array(out.years)
    fig, axes = plt.subplots(
        3, 1, figsize=(12, 9), sharex=True, gridspec_kw={"height_ratios": [3, 3, 1.3]}
    )
    fig.subplots_adjust(top=0.9, hspace=0.25)
    for k, meeting in enumerate(MEETINGS):
        ax = axes[k]
        tone = out.tone[:, :, k]
        with np.errstate(all="ignore"):
            texts = np.isfinite(tone).sum(axis=0)
            probs = np.array(
                [
                    [np.sum(tone[:, j] == level) / max(1, texts[j]) for j in range(len(years))]
                    for level in range(5)
                ]
            )
        image = ax.imshow(
            probs,
            origin="lower",
            aspect="auto",
            cmap="Blues",
            vmin=0,
            vmax=1,
            extent=(years[0] - 0.5, years[-1] + 0.5, -0.5, 4.5),
        )
        for o in (o for o in occasions if o["meeting"] == meeting):
            if o["observed_tone"] is None:
                ax.text(
                    o["year"],
                    2,
                    "no\ntext",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#b2182b",
                    fontweight="bold",
                )
                continue
            hollow = o["observed_voice"] == "split"
            ax.scatter(
                o["year"],
                o["observed_tone"],
                s=90,
                zorder=3,
                facecolor="none" if hollow else "#b2182b",
                edgecolor="#b2182b",
                linewidth=2,
            )
        seen = record[[model_meeting(m) == meeting for m in record["meeting"]]]
        ax.scatter(
            seen["year"],
            seen["tone"],
            marker="*",
            s=170,
            color="#fdb863",
            edgecolor="black",
            linewidth=0.8,
            zorder=4,
        )
        ax.set_yticks(range(5), list(TONE_LABELS))
        ax.set_ylabel(f"{MEETING_STYLE[meeting][1]}\ntone")
        for year in years:
            ax.text(
                year,
                4.6,
                out.chairs.get(year, ""),
                ha="center",
                va="bottom",
                fontsize=7,
                color="0.3",
            )
        ax.set_ylim(-0.5, 5.1)
    cbar = fig.colorbar(image, ax=axes[:2], fraction=0.025, pad=0.01)
    cbar.set_label("simulated P(tone | a text)")
    handles = [
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#b2182b",
            ms=9,
            label="validation record (consensus text)",
        ),
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="none",
            mec="#b2182b",
            mew=2,
            ms=9,
            label="validation record (chairman's statement, split)",
        ),
        plt.Line2D(
            [],
            [],
            marker="*",
            ls="",
            color="#fdb863",
            mec="black",
            ms=13,
            label="calibration record (seeds/statements.csv)",
        ),
    ]
    fig.suptitle(
        "ASEAN's statements on the DPRK, 2000-2025: simulated tone distribution "
        "(blue) against the real texts",
        x=0.06,
        ha="left",
        y=0.995,
        fontsize=12,
    )
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.06, 0.965),
        ncol=3,
        fontsize=9,
        frameon=False,
    )
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
