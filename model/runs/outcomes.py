"""Ensemble outcomes as compact arrays, built from replicate results or read back from a
results folder, and their summaries (summary.csv, the report's numbers, the figures).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.vocabulary import MEETINGS, MEMBERS, METRICS, VOICES, Quarter, quarter_range
from model.world.replicate import ReplicateResult

VOICE_CODE = {voice: i for i, voice in enumerate(VOICES)}
PERCENTILES = (10, 50, 90)


@dataclass
class Outcomes:
    """Arrays indexed by replicate first: (R, quarters, ...) and (R, years, ...)."""

    quarters: list[Quarter]
    chairs: dict[int, str]
    metrics: np.ndarray  # (R, Q, len(METRICS))
    stances: np.ndarray  # (R, Q, members, 2)
    exchanges: np.ndarray  # (R, Y, members)
    tone: np.ndarray  # (R, Y, meetings) float, NaN when no text
    voice: np.ndarray  # (R, Y, meetings) int8 code into VOICES
    members: tuple[str, ...] = MEMBERS
    years: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.years = sorted({q.year for q in self.quarters})

    @property
    def replicates(self) -> int:
        return self.metrics.shape[0]

    @classmethod
    def empty(cls, replicates: int, start: Quarter, end: Quarter) -> Outcomes:
        quarters = quarter_range(start, end)
        years = sorted({q.year for q in quarters})
        r, nq, ny, nm = replicates, len(quarters), len(years), len(MEMBERS)
        return cls(
            quarters=quarters,
            chairs={},
            metrics=np.full((r, nq, len(METRICS)), np.nan),
            stances=np.full((r, nq, nm, 2), np.nan, dtype=np.float32),
            exchanges=np.zeros((r, ny, nm), dtype=np.int32),
            tone=np.full((r, ny, len(MEETINGS)), np.nan),
            voice=np.full((r, ny, len(MEETINGS)), VOICE_CODE["none"], dtype=np.int8),
        )

    def add(self, slot: int, result: ReplicateResult) -> None:
        """Store one replicate's result in row ``slot``."""
        self.metrics[slot] = result.metrics
        self.stances[slot] = result.members
        year_index = {y: i for i, y in enumerate(self.years)}
        for q, row in zip(self.quarters, result.exchanges, strict=True):
            self.exchanges[slot, year_index[q.year]] += row
        for year, meeting, _chair, tone, voice, _sev, _sup in result.statements:
            k = (year_index[year], MEETINGS.index(meeting))
            self.tone[slot][k] = np.nan if tone is None else tone
            self.voice[slot][k] = VOICE_CODE[voice]
        if not self.chairs:
            self.chairs = dict(result.chairs)

    @classmethod
    def from_folder(cls, folder: Path) -> Outcomes:
        """Read a finished run's CSVs back into arrays (for compare and reports)."""
        ts = pd.read_csv(folder / "timeseries.csv")
        members = pd.read_csv(folder / "members.csv")
        statements = pd.read_csv(folder / "statements.csv", keep_default_na=True)
        quarters = [Quarter.parse(q) for q in dict.fromkeys(ts["quarter"])]
        reps = sorted(ts["replicate"].unique())
        out = cls.empty(len(reps), quarters[0], quarters[-1])
        rep_index = {r: i for i, r in enumerate(reps)}
        q_index = {str(q): i for i, q in enumerate(quarters)}
        ri = ts["replicate"].map(rep_index).to_numpy()
        qi = ts["quarter"].map(q_index).to_numpy()
        out.metrics[ri, qi] = ts[list(METRICS)].to_numpy()
        out.chairs = dict(zip(ts["quarter"].str[:4].astype(int), ts["chair"], strict=True))
        ri = members["replicate"].map(rep_index).to_numpy()
        qi = members["quarter"].map(q_index).to_numpy()
        mi = members["actor"].map({m: i for i, m in enumerate(MEMBERS)}).to_numpy()
        out.stances[ri, qi, mi, 0] = members["pressure"].to_numpy()
        out.stances[ri, qi, mi, 1] = members["engagement"].to_numpy()
        yi = (
            members["quarter"]
            .str[:4]
            .astype(int)
            .map({y: i for i, y in enumerate(out.years)})
            .to_numpy()
        )
        np.add.at(out.exchanges, (ri, yi, mi), members["exchanges"].to_numpy())
        ri = statements["replicate"].map(rep_index).to_numpy()
        yi = statements["year"].map({y: i for i, y in enumerate(out.years)}).to_numpy()
        ki = statements["meeting"].map({m: i for i, m in enumerate(MEETINGS)}).to_numpy()
        out.tone[ri, yi, ki] = statements["tone"].to_numpy(dtype=float)
        out.voice[ri, yi, ki] = statements["voice"].map(VOICE_CODE).to_numpy()
        return out

    # --- summaries ------------------------------------------------------------------
    def prob_tone(self, level: int, meeting: str = "summit") -> np.ndarray:
        """Per year, the share of replicates whose statement at ``meeting`` has ``level``."""
        return (self.tone[:, :, MEETINGS.index(meeting)] == level).mean(axis=0)

    def prob_voice(self, voice: str, meeting: str = "summit") -> np.ndarray:
        return (self.voice[:, :, MEETINGS.index(meeting)] == VOICE_CODE[voice]).mean(axis=0)

    def summary_frame(self) -> pd.DataFrame:
        """summary.csv: per metric and period, the mean and the 10/50/90th percentiles."""
        rows: list[tuple] = []

        def add(metric: str, periods: list[str], values: np.ndarray) -> None:
            # values: (R, periods); NaN entries (e.g. no text) are left out per period
            with np.errstate(all="ignore"):
                mean = np.nanmean(values, axis=0)
                pct = np.nanpercentile(values, PERCENTILES, axis=0)
            for j, period in enumerate(periods):
                rows.append((metric, period, mean[j], *pct[:, j]))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q_labels = [str(q) for q in self.quarters]
            for k, name in enumerate(METRICS):
                add(name, q_labels, self.metrics[:, :, k])
            y_labels = [str(y) for y in self.years]
            for k, meeting in enumerate(MEETINGS):
                add(f"tone_{meeting}", y_labels, self.tone[:, :, k])
                for level in (4,):
                    add(
                        f"grave_concern_{meeting}",
                        y_labels,
                        (self.tone[:, :, k] == level).astype(float),
                    )
                for voice, code in VOICE_CODE.items():
                    add(
                        f"voice_{voice}_{meeting}",
                        y_labels,
                        (self.voice[:, :, k] == code).astype(float),
                    )
            year_of = np.array([self.years.index(q.year) for q in self.quarters])
            for i, member in enumerate(self.members):
                for c, stance in enumerate(("pressure", "engagement")):
                    yearly = np.stack(
                        [
                            np.nanmean(self.stances[:, year_of == y, i, c], axis=1)
                            for y in range(len(self.years))
                        ],
                        axis=1,
                    )
                    add(f"{stance}_{member}", y_labels, yearly)
                add(f"exchanges_{member}", y_labels, self.exchanges[:, :, i].astype(float))
        return pd.DataFrame(rows, columns=["metric", "period", "mean", "p10", "p50", "p90"])
