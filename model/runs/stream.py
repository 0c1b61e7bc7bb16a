"""An ensemble of any size summarised without per-replicate rows (``run --summary-only``).

Each task runs a span of blocks (model/runs/blocks.py) without events and returns only
counts: per year and meeting, how many replicates gave each tone (0-4) or no text and
each voice. Counts add up exactly, so memory stays flat however many replicates run,
and the summary is the one the full ensemble gives: the statement rows of summary.csv
(``tone_*``, ``grave_concern_*``, ``voice_*``: mean and 10/50/90th percentiles, equal to
a full run's; tests/test_stream.py checks it) and tones.csv, the per-year probabilities.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.files.safe_output import replace_folder
from model.runs.blocks import meeting_slots, run_span
from model.runs.outcomes import PERCENTILES, VOICE_CODE
from model.vocabulary import MEETINGS, VOICES
from model.world.replicate import ParameterDraw
from model.world.scenario import Scenario

LEVELS = 5
"""Tone levels 0-4; column LEVELS of the counts is "no text"."""
GRAVE = 4


@dataclass
class Tally:
    """Counts over replicates, (years, meetings, ...): tones (LEVELS + 1 for no text)
    and voices (VOICES order)."""

    years: list[int]
    chairs: dict[tuple[int, str], str]
    tones: np.ndarray
    voices: np.ndarray

    @classmethod
    def empty(cls, years: list[int]) -> Tally:
        shape = (len(years), len(MEETINGS))
        return cls(
            list(years),
            {},
            np.zeros((*shape, LEVELS + 1), dtype=np.int64),
            np.zeros((*shape, len(VOICES)), dtype=np.int64),
        )

    @property
    def replicates(self) -> int:
        return int(self.tones[0, 0].sum()) if self.tones.size else 0

    def add(self, other: Tally) -> None:
        self.tones += other.tones
        self.voices += other.voices
        self.chairs.update(other.chairs)

    def summary_rows(self) -> list[tuple]:
        """The statement rows of summary.csv, as Outcomes.summary_frame computes them
        from the full (replicates, years) arrays: the same values are rebuilt from the
        counts (sorted), so the percentiles are numpy's own."""
        rows: list[tuple] = []
        periods = [str(y) for y in self.years]
        n = self.replicates
        for k, meeting in enumerate(MEETINGS):
            tone = [
                _stats(np.repeat(np.arange(LEVELS, dtype=float), c[:LEVELS]))
                for c in self.tones[:, k]
            ]
            rows += [(f"tone_{meeting}", p, *s) for p, s in zip(periods, tone, strict=True)]
            grave = [_binary(c[GRAVE], n) for c in self.tones[:, k]]
            rows += [
                (f"grave_concern_{meeting}", p, *s) for p, s in zip(periods, grave, strict=True)
            ]
            for voice, code in VOICE_CODE.items():
                share = [_binary(c[code], n) for c in self.voices[:, k]]
                rows += [
                    (f"voice_{voice}_{meeting}", p, *s) for p, s in zip(periods, share, strict=True)
                ]
        return rows

    def tone_rows(self) -> list[dict[str, Any]]:
        """tones.csv: per year and meeting, P(tone 0..4), P(no text), the mean tone of the
        texts, P(grave concern) and P(consensus / split / none)."""
        n = self.replicates
        out = []
        for y, year in enumerate(self.years):
            for k, meeting in enumerate(MEETINGS):
                counts, voices = self.tones[y, k], self.voices[y, k]
                texts = counts[:LEVELS].sum()
                mean = (counts[:LEVELS] @ np.arange(LEVELS)) / texts if texts else np.nan
                row = {
                    "year": year,
                    "meeting": meeting,
                    "chair": self.chairs.get((year, meeting), ""),
                    "replicates": n,
                }
                row |= {f"p_tone_{level}": counts[level] / n for level in range(LEVELS)}
                row |= {
                    "p_no_text": counts[LEVELS] / n,
                    "mean_tone": mean,
                    "p_grave": counts[GRAVE] / n,
                }
                row |= {f"p_{voice}": voices[code] / n for voice, code in VOICE_CODE.items()}
                out.append(row)
        return out


def _stats(values: np.ndarray) -> tuple[float, ...]:
    """Mean and percentiles as summary_frame takes them (NaN when there is no value)."""
    if len(values) == 0:
        return (np.nan,) * (1 + len(PERCENTILES))
    return (float(np.mean(values)), *np.percentile(values, PERCENTILES).tolist())


def _binary(ones: int, n: int) -> tuple[float, ...]:
    """Statistics of ``ones`` ones among ``n`` zero-or-one values."""
    values = np.zeros(n)
    values[n - int(ones) :] = 1.0
    return _stats(values)


def tally_span(
    scenario: Scenario, blocks: range, n_replicates: int, root_seed: int, draw: ParameterDraw | None
) -> Tally:
    """One task: run the span without events and count its statements."""
    arrays = run_span(scenario, blocks, n_replicates, root_seed, draw, record_events=False)
    years = list(range(scenario.start.year, scenario.end.year + 1))
    tally = Tally.empty(years)
    for k, (y, m) in enumerate(meeting_slots(arrays.statements, years)):
        tone = np.where(arrays.tone[:, k] < 0, LEVELS, arrays.tone[:, k])
        tally.tones[y, m] = np.bincount(tone, minlength=LEVELS + 1)
        tally.voices[y, m] = np.bincount(arrays.voice[:, k], minlength=len(VOICES))
    for y, m in np.argwhere(tally.tones.sum(axis=2) == 0):  # a meeting not held: no text
        tally.tones[y, m, LEVELS] = len(arrays.indices)
        tally.voices[y, m, VOICE_CODE["none"]] = len(arrays.indices)
    tally.chairs = {(year, meeting): chair for year, meeting, chair in arrays.statements}
    return tally


def write_summary(
    destination: Path, tally: Tally, manifest: Callable[[list[str]], dict[str, Any]]
) -> None:
    """Write summary.csv (statement rows), tones.csv and the manifest, atomically."""
    import pandas as pd

    with replace_folder(destination) as staging:
        pd.DataFrame(
            tally.summary_rows(), columns=["metric", "period", "mean", "p10", "p50", "p90"]
        ).to_csv(staging / "summary.csv", index=False, float_format="%.6g")
        pd.DataFrame(tally.tone_rows()).to_csv(
            staging / "tones.csv", index=False, float_format="%.6g"
        )
        files = ["manifest.json", "summary.csv", "tones.csv"]
        (staging / "manifest.json").write_text(
            json.dumps(manifest(files), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
