"""Calibration targets: the summaries of the event record the model is fitted to.

Only what the five articles report is used (no tuning to outcomes outside the
record):

- statement tones and voices: every row of ``seeds/statements.csv``, matched to the simulated
  meeting of the same year (a ministerial meeting such as the 2013 ADMM to the
  mid-year meeting, a summit or chair's statement to the year-end summit);
- DPRK exchanges in the years an article counts them in full: 2013 (the Yonhap report's
  15 senior-level exchanges, coded as one aggregate event) and 2024 (the 2025 analysis
  lists that year's delegations); an event whose note reads ``aggregate: N`` counts N;
- each member's share of the net cooperative Goldstein score of its dyad with the DPRK
  over the simulated period (the same scoring for recorded and simulated events).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.record.seeds import Record
from model.vocabulary import DPRK, MEMBERS, STATEMENT_MEETINGS

EXCHANGE_YEARS: dict[int, str] = {
    2013: "001_8407838183904e85 counts 15 senior-level DPRK-ASEAN exchanges in 2013",
    2024: "002_3f642831f2580d0e lists the 2024 delegations both ways",
}
VISIT_CAMEOS = ("042",)
AGGREGATE = re.compile(r"aggregate:\s*(\d+)")


@dataclass(frozen=True)
class Targets:
    """Observed summaries in a form the simulator's output can be compared with."""

    tones: tuple[tuple[int, str, int], ...]  # (year, model meeting, observed tone)
    voices: tuple[tuple[int, str, str], ...]  # (year, model meeting, observed voice)
    exchanges: dict[int, float]  # year -> observed count
    goldstein_share: np.ndarray  # (members,) shares summing to 1
    first_year: int
    last_year: int

    def without_year(self, year: int) -> Targets:
        """The same targets with one statement year left out (leave-one-out)."""
        return Targets(
            tuple(t for t in self.tones if t[0] != year),
            tuple(v for v in self.voices if v[0] != year),
            self.exchanges,
            self.goldstein_share,
            self.first_year,
            self.last_year,
        )


def model_meeting(meeting: str) -> str:
    """The simulated meeting an observed one corresponds to (the record's loader has
    checked that ``meeting`` is one of STATEMENT_MEETINGS)."""
    return STATEMENT_MEETINGS[meeting]


def _count(note: str) -> int:
    match = AGGREGATE.search(note or "")
    return int(match.group(1)) if match else 1


def exchange_count(events: pd.DataFrame, year: int) -> int:
    """Recorded DPRK-member exchanges in ``year``: visits both ways plus aggregates."""
    rows = events[events["year"] == year]
    involved = (rows["source"] == DPRK) | (rows["target"] == DPRK)
    partner = np.where(rows["source"] == DPRK, rows["target"], rows["source"])
    with_members = involved & pd.Series(partner, index=rows.index).isin([*MEMBERS, "ASEAN"])
    notes = rows["note"] if "note" in rows else pd.Series("", index=rows.index)
    aggregate = notes.str.contains("aggregate:", na=False)
    counted = with_members & (rows["cameo"].isin(VISIT_CAMEOS) | aggregate)
    return int(sum(_count(n) for n in notes[counted]))


def member_goldstein(pairs: Iterable[tuple[str, str, float]]) -> np.ndarray:
    """Net Goldstein of each member's dyad with the DPRK (both directions)."""
    index = {m: i for i, m in enumerate(MEMBERS)}
    total = np.zeros(len(MEMBERS))
    for source, target, weight in pairs:
        if source == DPRK and target in index:
            total[index[target]] += weight
        elif target == DPRK and source in index:
            total[index[source]] += weight
    return total


def shares(net: np.ndarray) -> np.ndarray:
    """Cooperative shares: positive net scores normalised to sum to one (uniform if none)."""
    positive = np.clip(net, 0.0, None)
    total = positive.sum()
    return positive / total if total > 0 else np.full(len(net), 1.0 / len(net))


def observed_targets(record: Record, first_year: int = 2000, last_year: int = 2025) -> Targets:
    """The calibration targets from the record, within the simulated years."""
    st = record.statements
    st = st[(st["year"] >= first_year) & (st["year"] <= last_year)]
    tones = tuple(
        (int(y), model_meeting(m), int(t))
        for y, m, t in zip(st["year"], st["meeting"], st["tone"], strict=True)
    )
    voices = tuple(
        (int(y), model_meeting(m), str(v))
        for y, m, v in zip(st["year"], st["meeting"], st["voice"], strict=True)
    )
    exchanges = {
        y: float(exchange_count(record.events, y))
        for y in EXCHANGE_YEARS
        if first_year <= y <= last_year
    }
    ev = record.events[(record.events["year"] >= first_year) & (record.events["year"] <= last_year)]
    net = member_goldstein(zip(ev["source"], ev["target"], ev["goldstein"], strict=True))
    return Targets(tones, voices, exchanges, shares(net), first_year, last_year)
