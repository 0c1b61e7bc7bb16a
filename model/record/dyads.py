"""Dyad scores: net Goldstein and event counts per directed pair and year.

One scoring function serves the observed record and the model's simulated events,
since both use the record's schema. Pairs and years with no events stay missing (NaN),
never zero: "no news" is not "neutral news".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

QUAD_CLASSES: dict[str, range] = {
    "verbal_coop": range(1, 6),
    "material_coop": range(6, 9),
    "verbal_conflict": range(9, 14),
    "material_conflict": range(14, 21),
}
"""The standard CAMEO quad classes by root code (01-05, 06-08, 09-13, 14-20)."""


def quad_class(cameo: str) -> str:
    """The quad class of a CAMEO code, from its two-digit root."""
    root = int(str(cameo)[:2])
    for name, roots in QUAD_CLASSES.items():
        if root in roots:
            return name
    raise ValueError(f"CAMEO code {cameo!r} has no root in 01-20")


def dyad_scores(
    events: pd.DataFrame,
    actors: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Net Goldstein, event count and quad-class counts per (source, target, year).

    With ``actors`` and ``years`` the result covers the full grid of directed pairs of
    those actors (self-pairs excluded) and years; cells without events are missing.
    Without them, only the observed dyads are returned.
    """
    frame = events.assign(
        year=pd.to_datetime(events["date"]).dt.year,
        quad=[quad_class(c) for c in events["cameo"]],
    )
    grouped = frame.groupby(["source", "target", "year"])
    scores = pd.DataFrame({"net_goldstein": grouped["goldstein"].sum(), "events": grouped.size()})
    quads = frame.pivot_table(
        index=["source", "target", "year"],
        columns="quad",
        values="goldstein",
        aggfunc="size",
        fill_value=0,
    ).reindex(columns=list(QUAD_CLASSES), fill_value=0)
    scores = scores.join(quads)
    if actors is not None or years is not None:
        actor_list = (
            list(actors)
            if actors is not None
            else sorted(set(frame["source"]) | set(frame["target"]))
        )
        year_list = list(years) if years is not None else sorted(frame["year"].unique())
        grid = pd.MultiIndex.from_tuples(
            [(s, t, y) for s in actor_list for t in actor_list if s != t for y in year_list],
            names=["source", "target", "year"],
        )
        scores = scores.reindex(grid)
    counts = ["events", *QUAD_CLASSES]
    scores[counts] = scores[counts].astype("Int64")
    return scores.sort_index()


def undirected_ties(scores: pd.DataFrame, actors: list[str]) -> np.ndarray:
    """Sum of net Goldstein over both directions and all years, as an actor x actor array.

    Pairs never observed are NaN, so callers must decide explicitly what an unobserved
    tie means (the model uses a documented prior).
    """
    net = scores["net_goldstein"].groupby(level=["source", "target"]).sum(min_count=1)
    index = {code: i for i, code in enumerate(actors)}
    ties = np.full((len(actors), len(actors)), np.nan)
    for (source, target), value in net.dropna().items():
        if source in index and target in index:
            i, j = index[source], index[target]
            ties[i, j] = value if np.isnan(ties[i, j]) else ties[i, j] + value
            ties[j, i] = ties[i, j]
    return ties
