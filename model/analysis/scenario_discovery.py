"""Scenario discovery: which lever ranges lead to an outcome of interest (PRIM).

The Patient Rule Induction Method (Friedman and Fisher 1999; Bryant and Lempert 2010)
starts from the box holding every sampled point and peels thin slices off its faces,
each time the slice that most raises the share of cases of interest inside, until the
box holds too few points; then it pastes back slices that do not dilute it. Every step
of that peeling trajectory is a candidate answer with two qualities that trade against
each other:

- **density**: the share of the box's points that are cases (how reliably the ranges
  lead to the outcome);
- **coverage**: the share of all cases that lie in the box (how much of the outcome
  the ranges explain).

The algorithm is ema-workbench's (``ema_workbench.analysis.prim``), a kept library: an
optional extra, ``asean-sim[discover]``, imported only here. This module does the
statistics only (model/analysis/discover.py reads the sweep and writes the outputs).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.vocabulary import UsageError

EXTRA = "discover"
MASS_MIN = 0.05
"""PRIM stops peeling when the box would hold less than this share of the points."""
PEEL_ALPHA = 0.05
"""The share of the box's points one peel removes."""
QUASI_P = 0.05
"""A restriction whose quasi-p-value is above this is weak (it may be noise): the report
leads with the box without it."""


def load_prim():
    """ema-workbench's PRIM module, or a UsageError naming the extra that provides it."""
    try:
        with warnings.catch_warnings():  # its optional back ends announce themselves
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as exc:
        raise UsageError(
            f"asean-sim discover needs the [{EXTRA}] extra (ema-workbench's PRIM), which is "
            f"not installed: pip install 'asean-sim[{EXTRA}]' ({exc})"
        ) from exc
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


@dataclass(frozen=True)
class Discovery:
    """PRIM's peeling trajectory over the sampled points."""

    levers: tuple[str, ...]
    bounds: dict[str, tuple[float, float]]  # the sweep's range of each lever
    cases: int  # points of interest
    points: int
    trajectory: pd.DataFrame  # id, coverage, density, mass, res_dim, n, k
    limits: list[pd.DataFrame]  # per step: rows low, high; columns levers
    quasi_p: list[dict[str, list[float]]]  # per step: lever -> [p low, p high] (-1: free)
    initial: pd.DataFrame  # the first box: the points' own minima and maxima

    @property
    def base_rate(self) -> float:
        return self.cases / self.points


def find_boxes(
    x: pd.DataFrame,
    cases: np.ndarray,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
) -> Discovery:
    """Run PRIM once over points ``x`` (one column per lever) labelled ``cases``."""
    prim = load_prim()
    x = x.astype(float).reset_index(drop=True)
    y = np.asarray(cases, dtype=bool)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} labels for {len(x)} points")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pandas deprecations are not the user's
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min)
        box = finder.find_box()
    columns = ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    trajectory = box.peeling_trajectory[columns].copy()
    trajectory[["id", "res_dim", "n", "k"]] = trajectory[["id", "res_dim", "n", "k"]].astype(int)
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    return Discovery(
        tuple(x.columns),
        dict(bounds or ranges),
        int(y.sum()),
        len(y),
        trajectory.reset_index(drop=True),
        list(box.box_lims),
        list(box.p_values),
        finder.box_init,
    )


def choose(found: Discovery, min_density: float) -> int:
    """The box to report: the one with the most coverage whose density reaches
    ``min_density``; if none does, the densest (the last of equals: the widest)."""
    steps = found.trajectory
    dense = steps[steps["density"] >= min_density - 1e-12]
    if len(dense):
        best = dense[dense["coverage"] == dense["coverage"].max()]
        return int(best.sort_values("density").iloc[-1]["id"])
    top = steps[steps["density"] == steps["density"].max()]
    return int(top.sort_values("coverage").iloc[-1]["id"])


def box_table(found: Discovery, step: int) -> pd.DataFrame:
    """One row per lever of box ``step``: its limits, whether each side is restricted
    (narrower than the points' own range) and the side's quasi-p-value."""
    limits = found.limits[step]
    qp = found.quasi_p[step]
    rows = []
    for lever in found.levers:
        low, high = float(limits[lever].iloc[0]), float(limits[lever].iloc[1])
        first_low, first_high = (float(v) for v in found.initial[lever].iloc[:2])
        p_low, p_high = qp.get(lever, [-1.0, -1.0])
        lo_bound, hi_bound = found.bounds[lever]
        rows.append(
            {
                "lever": lever,
                "low": low,
                "high": high,
                "restricted_low": low > first_low,
                "restricted_high": high < first_high,
                "quasi_p_low": float(p_low) if p_low >= 0 else np.nan,
                "quasi_p_high": float(p_high) if p_high >= 0 else np.nan,
                "range_low": float(lo_bound),
                "range_high": float(hi_bound),
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(1, "restricted", frame["restricted_low"] | frame["restricted_high"])
    weakest = frame[["quasi_p_low", "quasi_p_high"]].max(axis=1)  # NaN sides are free
    frame.insert(2, "kept", frame["restricted"] & (weakest <= QUASI_P))
    return frame


@dataclass(frozen=True)
class BoxStats:
    """A box's points, cases, density, coverage and mass over the sample."""

    n: int
    k: int
    density: float
    coverage: float
    mass: float


def box_stats(
    x: pd.DataFrame, cases: np.ndarray, table: pd.DataFrame, column: str = "restricted"
) -> BoxStats:
    """Density, coverage and mass of the box ``table`` describes (``column``: which
    restrictions apply; ``kept`` gives the box without its weak restrictions)."""
    inside = in_box(x, table, column)
    cases = np.asarray(cases, dtype=bool)
    n, k = int(inside.sum()), int(cases[inside].sum())
    return BoxStats(n, k, k / n if n else float("nan"), k / max(1, int(cases.sum())), n / len(x))


def in_box(x: pd.DataFrame, table: pd.DataFrame, column: str = "restricted") -> np.ndarray:
    """Which points lie in the box (all limits inclusive, as PRIM draws them), applying
    the restrictions flagged in ``column`` (``kept``: the simplified box)."""
    inside = np.ones(len(x), dtype=bool)
    for _, row in table[table[column]].iterrows():
        inside &= (x[row["lever"]] >= row["low"]).to_numpy()
        inside &= (x[row["lever"]] <= row["high"]).to_numpy()
    return inside


def condition(row: Mapping, digits: int = 2) -> str:
    """A restricted lever's condition in words, e.g. ``sanctions_tightness > 0.70``."""
    lever, low, high = row["lever"], row["low"], row["high"]
    if row["restricted_low"] and row["restricted_high"]:
        return f"{lever} between {low:.{digits}f} and {high:.{digits}f}"
    if row["restricted_low"]:
        return f"{lever} ≥ {low:.{digits}f}"
    return f"{lever} ≤ {high:.{digits}f}"
