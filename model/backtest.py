"""The historical backtest: run history (2000-2025) as an ensemble and set the simulated
statements beside what the record observed, year by year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.codes import MEETINGS, VOICES
from model.initial import cached_record
from model.outcomes import VOICE_CODE, Outcomes
from model.targets import model_meeting

HISTORY = Path(__file__).resolve().parent.parent / "scenarios" / "history.yaml"


def observed_by_year(first: int, last: int) -> dict[int, tuple[str, int]]:
    """The record's statement per year (its model meeting and tone)."""
    st = cached_record().statements
    st = st[(st["year"] >= first) & (st["year"] <= last)]
    return {int(y): (model_meeting(m), int(t))
            for y, m, t in zip(st["year"], st["meeting"], st["tone"], strict=True)}


def backtest_table(out: Outcomes) -> list[dict]:
    """Per year: the year's statement (the observed meeting where the record has one,
    else the summit): mean tone, probability of each tone and voice, observed tone."""
    observed = observed_by_year(out.years[0], out.years[-1])
    rows = []
    for j, year in enumerate(out.years):
        meeting, observed_tone = observed.get(year, ("summit", None))
        k = MEETINGS.index(meeting)
        tone = out.tone[:, j, k]
        voice = out.voice[:, j, k]
        with np.errstate(all="ignore"):
            mean = float(np.nanmean(tone)) if np.isfinite(tone).any() else None
        rows.append({
            "year": year,
            "chair": out.chairs.get(year, ""),
            "meeting": meeting,
            "tone_mean": None if mean is None else round(mean, 4),
            "tone_probs": [round(float(np.mean(tone == level)), 4) for level in range(5)],
            "voice_probs": {v: round(float(np.mean(voice == VOICE_CODE[v])), 4)
                            for v in VOICES},
            "observed_tone": observed_tone,
        })
    return rows


def backtest_frame(rows: list[dict]) -> pd.DataFrame:
    """The table as a flat DataFrame (backtest.csv)."""
    flat = []
    for r in rows:
        item = {k: r[k] for k in ("year", "chair", "meeting", "tone_mean", "observed_tone")}
        item.update({f"p_tone_{i}": p for i, p in enumerate(r["tone_probs"])})
        item.update({f"p_{v}": p for v, p in r["voice_probs"].items()})
        flat.append(item)
    return pd.DataFrame(flat)


def skill(rows: list[dict]) -> dict[str, float]:
    """In-sample fit on the observed years: mean absolute error of the mean tone and the
    mean probability given to the observed tone."""
    seen = [r for r in rows if r["observed_tone"] is not None and r["tone_mean"] is not None]
    if not seen:
        return {}
    return {
        "years": len(seen),
        "mae": float(np.mean([abs(r["tone_mean"] - r["observed_tone"]) for r in seen])),
        "p_observed": float(np.mean([r["tone_probs"][r["observed_tone"]] for r in seen])),
    }
