"""The statistics of ``asean-sim compare``: from ensemble outcomes to a tidy table of
differences, asking two separate questions of each.

**Is it real?** Every scenario is run with one common seed and replicate count, so
replicate i of each uses the same random streams and the same parameter draw (common
random numbers). Differences are taken per replicate, against the first scenario; the
95% interval is a paired-t interval on those per-replicate differences, far narrower than
comparing two independent ensembles, and honest because the pairs are independent across
replicates. A difference is *larger than the noise* when its paired test survives Holm's
step-down correction over every difference in the table (so a long table does not flag
chance differences); ``p_holm`` is the Holm-adjusted p-value.

**Does it matter?** Each outcome has a documented minimum meaningful difference
(:data:`OUTCOMES`, defined here and nowhere else). A real difference *matters* when its
estimate is at least that large; a real difference below it is *real but small*, never a
finding. ``ci_clears_minimum`` says whether the whole interval lies beyond the minimum.

These are pure functions of :class:`~model.runs.outcomes.Outcomes`; compare.py writes
the figures, report and files.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from model.runs.outcomes import Outcomes
from model.vocabulary import GRAVE, MEETINGS, MEMBERS, METRICS, VOICES, InputError

ALPHA = 0.05
SUMMIT = MEETINGS.index("summit")
CONSENSUS = VOICES.index("consensus")

Named = tuple[str, Outcomes]
"""A scenario's name and its ensemble outcomes; the first of a sequence is the reference."""

REAL_AND_MEANINGFUL = "real and meaningful"
REAL_BUT_SMALL = "real but small"
NOISE = "not distinguishable from noise"


class CompareError(InputError):
    """The scenarios cannot be compared (too few, duplicate names, no common years)."""


# --- the outcomes and their minimum meaningful differences ------------------------------------
@dataclass(frozen=True)
class Outcome:
    """An outcome of the comparison: its unit, its minimum meaningful difference and why.

    ``minimum`` is per year for outcomes summed over the years (``per_year``): a
    difference over a whole period must then reach ``minimum`` times its years.
    """

    name: str
    unit: str  # "probability", "tone", "count" or "stance"
    minimum: float
    per_year: bool
    reason: str


GRAVE_CONCERN = "P(grave concern, summit)"
SPLIT = "P(split or no text, summit)"
TONE = "mean summit tone (with text)"
EXCHANGES = "DPRK exchanges"
LAUNCHES = "DPRK launches and tests"
PRESSURE = "mean member pressure"
ENGAGEMENT = "mean member engagement"

OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome(
            GRAVE_CONCERN,
            "probability",
            0.05,
            False,
            "5 percentage points: one year in twenty with or without ASEAN's strongest "
            "wording (tone 4) is the smallest change a reader of the texts would act on",
        ),
        Outcome(
            SPLIT,
            "probability",
            0.05,
            False,
            "5 percentage points: one summit in twenty more or less without a consensus "
            "text, as for grave concern",
        ),
        Outcome(
            TONE,
            "tone",
            0.1,
            False,
            "0.1 tone level: one text in ten a whole level harsher or softer on the 0-4 "
            "scale; smaller shifts do not change what a reader sees in the texts",
        ),
        Outcome(
            EXCHANGES,
            "count",
            1.0,
            True,
            "1 exchange a year: one more or fewer DPRK visit, delegation or agreement a "
            "year, the unit in which the record counts them",
        ),
        Outcome(
            LAUNCHES,
            "count",
            0.5,
            True,
            "0.5 a year: one more or fewer DPRK launch or test every two years; launches "
            "are dated by quarter, and fewer is below what a chronology would show",
        ),
        Outcome(
            PRESSURE,
            "stance",
            0.025,
            False,
            "0.025 on the 0-1 stance scale: the same fortieth of the range as 0.1 is of "
            "the 0-4 tone scale (stances matter through the texts they lead to)",
        ),
        Outcome(
            ENGAGEMENT, "stance", 0.025, False, "0.025 on the 0-1 stance scale, as for pressure"
        ),
    )
}

MEMBER_OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("pressure", "stance", 0.025, False, OUTCOMES[PRESSURE].reason),
        Outcome("engagement", "stance", 0.025, False, OUTCOMES[ENGAGEMENT].reason),
        Outcome(
            EXCHANGES,
            "count",
            0.5,
            True,
            "0.5 a year with one member: one more or fewer exchange with it every two years",
        ),
    )
}


def minimum_for(outcome: Outcome, years: int) -> float:
    """The minimum meaningful difference of ``outcome`` over a period of ``years`` years."""
    return outcome.minimum * (years if outcome.per_year else 1)


# --- per-replicate outcomes on the common calendar --------------------------------------------
def common_calendar(outcomes: Sequence[Outcomes]) -> tuple[list[int], list[str]]:
    """Years and quarters every scenario simulates (scenarios may cover different periods)."""
    years = sorted(set.intersection(*(set(o.years) for o in outcomes)))
    shared = [{str(p) for p in o.quarters} for o in outcomes]
    quarters = [str(q) for q in outcomes[0].quarters if all(str(q) in s for s in shared)]
    if not years:
        raise CompareError("the scenarios share no simulated year")
    return years, quarters


@contextmanager
def quiet() -> Iterator[None]:
    """Silence numpy's mean-of-empty warnings (a member absent all period is NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def yearly_outcomes(out: Outcomes, years: list[int]) -> dict[str, np.ndarray]:
    """(R, years) per outcome: the summit's grave concern, discord and tone (NaN without
    a text), and DPRK exchanges."""
    cols = [out.years.index(y) for y in years]
    return {
        GRAVE_CONCERN: (out.tone[:, cols, SUMMIT] == GRAVE).astype(float),
        SPLIT: (out.voice[:, cols, SUMMIT] != CONSENSUS).astype(float),
        TONE: out.tone[:, cols, SUMMIT].astype(float),
        EXCHANGES: out.exchanges[:, cols, :].sum(axis=2).astype(float),
    }


def period_outcomes(out: Outcomes, years: list[int], quarters: list[str]) -> dict[str, np.ndarray]:
    """(R,) per outcome over the common period."""
    qcols = [[str(q) for q in out.quarters].index(q) for q in quarters]
    yearly = yearly_outcomes(out, years)
    with np.errstate(all="ignore"), quiet():
        tone = np.nanmean(yearly[TONE], axis=1)
    metric = out.metrics[:, qcols]
    return {
        GRAVE_CONCERN: yearly[GRAVE_CONCERN].mean(axis=1),
        SPLIT: yearly[SPLIT].mean(axis=1),
        TONE: tone,
        EXCHANGES: yearly[EXCHANGES].sum(axis=1),
        LAUNCHES: metric[..., METRICS.index("provocations")].sum(axis=1),
        PRESSURE: metric[..., METRICS.index("mean_pressure")].mean(axis=1),
        ENGAGEMENT: metric[..., METRICS.index("mean_engagement")].mean(axis=1),
    }


def member_outcomes(out: Outcomes, years: list[int], quarters: list[str]) -> dict[str, np.ndarray]:
    """(R, members): each member's mean pressure and engagement, and its DPRK exchanges."""
    cols = [out.years.index(y) for y in years]
    qcols = [[str(q) for q in out.quarters].index(q) for q in quarters]
    stances = out.stances[:, qcols].astype(float)
    with np.errstate(all="ignore"), quiet():
        return {
            "pressure": np.nanmean(stances[..., 0], axis=1),
            "engagement": np.nanmean(stances[..., 1], axis=1),
            EXCHANGES: out.exchanges[:, cols, :].sum(axis=1).astype(float),
        }


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
        half = float(stats.t.ppf(1 - ALPHA / 2, n - 1)) * se
    return Paired(float(a.mean()), float(b.mean()), mean, mean - half, mean + half, p, n)


def holm(p_values: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Which tests Holm's step-down procedure rejects at family-wise level ``alpha``
    (an untestable NaN p-value counts as 1)."""
    return holm_adjusted(p_values) <= alpha


def holm_adjusted(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values: the i-th smallest is max over j <= i of (m - j + 1) p_(j),
    capped at 1; a test is rejected at level alpha exactly when its value is <= alpha."""
    p = np.where(np.isnan(p_values), 1.0, np.asarray(p_values, dtype=float))
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    adjusted = np.empty(m)
    adjusted[order] = scaled
    return adjusted


def judge(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the two answers to a table with ``difference``, ``ci_low``, ``ci_high``,
    ``p_value`` and ``min_meaningful``: ``p_holm``, ``larger_than_noise`` (real),
    ``matters`` (real and at least the minimum), ``ci_clears_minimum`` and ``finding``."""
    frame = frame.copy()
    frame["p_holm"] = holm_adjusted(frame["p_value"].to_numpy(dtype=float))
    frame["larger_than_noise"] = frame["p_holm"] <= ALPHA
    size = frame["difference"].abs()
    frame["matters"] = frame["larger_than_noise"] & (size >= frame["min_meaningful"])
    beyond_up = frame["ci_low"] >= frame["min_meaningful"]
    beyond_down = frame["ci_high"] <= -frame["min_meaningful"]
    frame["ci_clears_minimum"] = (beyond_up | beyond_down).fillna(False).astype(bool)
    frame["finding"] = np.where(
        frame["matters"],
        REAL_AND_MEANINGFUL,
        np.where(frame["larger_than_noise"], REAL_BUT_SMALL, NOISE),
    )
    return frame


# --- the tables ---------------------------------------------------------------------------
COLUMNS = [
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
]
"""differences.csv's first columns (the CLI contract); :func:`judge` appends the rest."""


def whole_period(years: list[int]) -> str:
    """The ``period`` label of rows over every common year."""
    return f"{years[0]}-{years[-1]}"


def differences_table(named: Sequence[Named]) -> pd.DataFrame:
    """Every scenario against the first: per year and over the years both simulate."""
    (ref_name, ref), rows = named[0], []
    for name, out in named[1:]:
        years, quarters = common_calendar((ref, out))
        ref_year, ref_period = yearly_outcomes(ref, years), period_outcomes(ref, years, quarters)
        for outcome, values in yearly_outcomes(out, years).items():
            for j, year in enumerate(years):
                rows.append(
                    (
                        name,
                        outcome,
                        str(year),
                        minimum_for(OUTCOMES[outcome], 1),
                        paired(ref_year[outcome][:, j], values[:, j]),
                    )
                )
        for outcome, values in period_outcomes(out, years, quarters).items():
            rows.append(
                (
                    name,
                    outcome,
                    whole_period(years),
                    minimum_for(OUTCOMES[outcome], len(years)),
                    paired(ref_period[outcome], values),
                )
            )
    frame = pd.DataFrame(
        [
            (
                s,
                ref_name,
                o,
                per,
                r.reference,
                r.value,
                r.difference,
                r.low,
                r.high,
                r.p_value,
                r.pairs,
                m,
            )
            for s, o, per, m, r in rows
        ],
        columns=[*COLUMNS, "min_meaningful"],
    )
    return judge(frame)


def member_differences(named: Sequence[Named]) -> pd.DataFrame:
    """Per member, every scenario against the first: mean stances and DPRK exchanges over
    the common period (Holm over this table, separately from the main one)."""
    ref, rows = named[0][1], []
    for name, out in named[1:]:
        years, quarters = common_calendar((ref, out))
        mine, other = member_outcomes(ref, years, quarters), member_outcomes(out, years, quarters)
        for outcome in mine:
            minimum = minimum_for(MEMBER_OUTCOMES[outcome], len(years))
            for i, member in enumerate(MEMBERS):
                r = paired(mine[outcome][:, i], other[outcome][:, i])
                rows.append(
                    (
                        name,
                        member,
                        outcome,
                        r.reference,
                        r.value,
                        r.difference,
                        r.low,
                        r.high,
                        r.p_value,
                        minimum,
                    )
                )
    frame = pd.DataFrame(
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
            "min_meaningful",
        ],
    )
    return judge(frame)


YEARLY = (TONE, GRAVE_CONCERN, SPLIT)
"""The per-year table's outcomes: the summit text's mean tone, grave concern and discord."""


def yearly_table(table: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """One row per common year for ``scenario`` against the reference: for each outcome of
    :data:`YEARLY` the reference's and the scenario's value, the difference, its interval
    and its finding (the rows of ``table`` for single years, side by side)."""
    mine = table[
        (table["scenario"] == scenario)
        & table["outcome"].isin(YEARLY)
        & ~table["period"].str.contains("-")
    ]
    wide = {}
    for outcome in YEARLY:
        rows = mine[mine["outcome"] == outcome].set_index("period")
        for column in ("reference_value", "value", "difference", "ci_low", "ci_high", "finding"):
            wide[(outcome, column)] = rows[column]
    frame = pd.DataFrame(wide)
    frame.index = frame.index.astype(int)
    return frame.sort_index()


def replicate_frame(named: Sequence[Named]) -> pd.DataFrame:
    """Long table of every replicate's outcomes per year and over each scenario's whole
    period (written as Parquet: it grows with the replicates)."""
    parts = []
    for name, out in named:
        years, quarters = out.years, [str(q) for q in out.quarters]
        reps = np.arange(out.replicates)
        for outcome, values in yearly_outcomes(out, years).items():
            for j, year in enumerate(years):
                parts.append(
                    pd.DataFrame(
                        {
                            "scenario": name,
                            "replicate": reps,
                            "outcome": outcome,
                            "period": str(year),
                            "value": values[:, j],
                        }
                    )
                )
        for outcome, values in period_outcomes(out, years, quarters).items():
            parts.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "replicate": reps,
                        "outcome": outcome,
                        "period": whole_period(years),
                        "value": values,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)
