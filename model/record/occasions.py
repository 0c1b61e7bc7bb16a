"""Which simulated meeting a real text stands for (the backtest's occasions).

The model holds two meetings a year (the Q3 ministerial and the Q4 summit); ASEAN's texts
come from many bodies and dates. An *occasion* is one simulated meeting matched to one
real text: the rule lives here, beside the record, so that the scores
(model/analysis/scores.py) and the figures (model/runs/plots.py) use the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.vocabulary import MEETINGS

BODY_PRIORITY = ("AMM", "summit", "FMs", "ARF")
"""Which text stands for a meeting when several exist: ASEAN's own texts first; the ARF
chair's statement (a forum with the DPRK and the powers at the table) last."""


@dataclass(frozen=True)
class Occasion:
    """A real text matched to a simulated meeting."""

    year: int
    meeting: str
    tone: int | None
    voice: str
    body: str
    phrase: str


def meeting_of(body: str, date: pd.Timestamp) -> str:
    """The simulated meeting a text belongs to: the AMM and ARF (July-August) to the
    ministerial meeting; any other text, a summit's included, to the next simulated
    meeting after its date (up to August: the ministerial, Q3; later: the summit, Q4).
    The model holds one summit a year, at the year's end; ASEAN has held summits in
    January (Cebu 2007) and April (Phnom Penh 2012, Manila 2017), whose texts answer the
    events before them, not those of the rest of the year."""
    if body in ("AMM", "ARF"):
        return MEETINGS[0]
    return MEETINGS[0] if date.month <= 8 else MEETINGS[1]


def validation_occasions(frame: pd.DataFrame) -> list[Occasion]:
    """One occasion per (year, meeting) of the validation record, the text chosen by
    BODY_PRIORITY (then the earliest date)."""
    rows = frame.assign(
        meeting=[meeting_of(b, d) for b, d in zip(frame["body"], frame["date"], strict=True)],
        rank=[BODY_PRIORITY.index(b) for b in frame["body"]],
    )
    rows = rows.sort_values(["year", "meeting", "rank", "date"]).drop_duplicates(
        ["year", "meeting"]
    )
    return [
        Occasion(
            int(r.year),
            str(r.meeting),
            None if pd.isna(r.tone) else int(r.tone),
            str(r.voice),
            str(r.body),
            str(r.phrase),
        )
        for r in rows.itertuples()
    ]
