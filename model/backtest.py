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


def validation_scores(out: Outcomes) -> dict:
    """The model's statement forecasts scored on the validation record, beside the two
    naive forecasts (model/scores.py), on three sets of occasions: validation texts in
    years the articles never mention (``out_of_sample``: the honest test), validation
    texts in the years they do (``article_years``), and the calibration record itself
    (``record``, in sample)."""
    from model.scores import (
        Occasion,
        climatology,
        forecast_from_samples,
        persistence,
        score,
        select,
        validation_occasions,
    )
    from model.validation_record import load_validation_statements

    first, last = out.years[0], out.years[-1]
    record = cached_record().statements
    article_years = {int(y) for y in record["year"]}
    validation = [o for o in validation_occasions(load_validation_statements())
                  if first <= o.year <= last]
    observed = [Occasion(int(y), model_meeting(m), int(t), str(v), "record", "")
                for y, m, t, v in zip(record["year"], record["meeting"], record["tone"],
                                      record["voice"], strict=True) if first <= y <= last]
    clim = climatology(record)

    def forecasts(occasions: list[Occasion]) -> dict[str, list]:
        model = [forecast_from_samples(out.tone[:, out.years.index(o.year),
                                                MEETINGS.index(o.meeting)],
                                       out.voice[:, out.years.index(o.year),
                                                 MEETINGS.index(o.meeting)])
                 for o in occasions]
        return {"model": model, "persistence": persistence(occasions, clim),
                "climatology": [clim] * len(occasions)}

    sets = {"out_of_sample": (validation, lambda o: o.year not in article_years),
            "article_years": (validation, lambda o: o.year in article_years),
            "record": (observed, lambda o: True)}
    result: dict = {}
    for name, (occasions, keep) in sets.items():
        made = forecasts(occasions)
        result[name] = {who: score(*select(occasions, fc, keep)) for who, fc in made.items()}
    model_fc = forecasts(validation)["model"]
    result["occasions"] = [
        {"year": o.year, "meeting": o.meeting, "body": o.body, "phrase": o.phrase,
         "observed_tone": o.tone, "observed_voice": o.voice,
         "in_article_years": o.year in article_years,
         "tone_mean": round(f.mean, 4), "tone_probs": [round(float(p), 4) for p in f.tone_probs],
         "voice_probs": {v: round(float(p), 4) for v, p in zip(VOICES, f.voice_probs,
                                                               strict=True)}}
        for o, f in zip(validation, model_fc, strict=True)]
    return result


SCORE_SETS = {
    "out_of_sample": "validation texts in years the articles never mention (out of sample)",
    "article_years": "validation texts in the years the articles mention",
    "record": "the calibration record, seeds/statements.csv (in sample)",
}


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text.lstrip("-") == "0." + "0" * digits else text


def score_table(scores: dict) -> list[str]:
    """Markdown tables of the scores per set: the model against the naive forecasts."""
    lines = []
    for name, caption in SCORE_SETS.items():
        block = scores[name]
        n = block["model"]["occasions"]
        lines += [f"**{caption}** ({n} occasions, {block['model']['with_text']} with a text)",
                  "", "| forecast | Spearman | MAE | modal accuracy | RPS | Brier (voice) |",
                  "|---|---|---|---|---|---|"]
        for who in ("model", "persistence", "climatology"):
            s = block[who]
            lines.append(f"| {who} | {_fmt(s.get('spearman'))} | {_fmt(s.get('mae'))} | "
                         f"{_fmt(s.get('modal_accuracy'))} | {_fmt(s.get('rps'), 3)} | "
                         f"{_fmt(s.get('brier_voice'), 3)} |")
        lines.append("")
    return lines


def score_lines(scores: dict) -> str:
    """The scores in a few terminal lines."""
    out = []
    for name in SCORE_SETS:
        block = scores[name]
        parts = [f"{who} rho {_fmt(block[who].get('spearman'))} MAE "
                 f"{_fmt(block[who].get('mae'))} RPS {_fmt(block[who].get('rps'), 3)}"
                 for who in ("model", "persistence", "climatology")]
        out.append(f"{name} ({block['model']['occasions']} occasions): " + "; ".join(parts))
    return "\n".join(out)


def render_backtest(rows: list[dict], scores: dict) -> str:
    """backtest.md: the scores, then every validation occasion year by year."""
    lines = ["# Backtest: history 2000-2025 against ASEAN's texts", "",
             "Each occasion is a simulated meeting (the Q3 ministerial or the Q4 summit) for "
             "which a real text exists. Lower MAE, RPS and Brier are better; Spearman is the "
             "rank correlation of the simulated mean tone with the observed tone. "
             "Persistence forecasts the previous text's tone and voice; climatology the "
             "tone and voice frequencies of the calibration record.", "",
             *score_table(scores), "![simulated against observed](figures/backtest.png)", "",
             "## Occasion by occasion", "",
             "| year | meeting | text | observed | simulated mean | P(observed) | "
             "P(split or none) |", "|---|---|---|---|---|---|---|"]
    for o in scores["occasions"]:
        observed = ("no text" if o["observed_tone"] is None
                    else f"{o['observed_tone']} ({o['observed_voice']})")
        p_obs = ("-" if o["observed_tone"] is None
                 else f"{o['tone_probs'][o['observed_tone']]:.0%}")
        not_consensus = 1.0 - o["voice_probs"]["consensus"]
        mark = "" if o["in_article_years"] else " *"
        lines.append(f"| {o['year']}{mark} | {o['meeting']} | {o['body']}: \"{o['phrase']}\" | "
                     f"{observed} | {o['tone_mean']:.2f} | {p_obs} | {not_consensus:.0%} |")
    lines += ["", "\\* out of sample: a year the five articles never mention.", ""]
    return "\n".join(lines)
