"""The historical backtest: run history (2000-2025) as an ensemble and set the simulated
statements beside what the record observed, year by year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.record.targets import model_meeting
from model.runs.outcomes import VOICE_CODE, Outcomes
from model.vocabulary import GRAVE, MEETINGS, VOICES
from model.world.initial import cached_record, recorded_chairs

HISTORY = Path(__file__).resolve().parents[2] / "scenarios" / "history.yaml"


def observed_by_year(first: int, last: int) -> dict[int, tuple[str, int]]:
    """The record's statement per year (its model meeting and tone)."""
    st = cached_record().statements
    st = st[(st["year"] >= first) & (st["year"] <= last)]
    return {
        int(y): (model_meeting(m), int(t))
        for y, m, t in zip(st["year"], st["meeting"], st["tone"], strict=True)
    }


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
        rows.append(
            {
                "year": year,
                "chair": out.chairs.get(year, ""),
                "meeting": meeting,
                "tone_mean": None if mean is None else round(mean, 4),
                "tone_probs": [round(float(np.mean(tone == level)), 4) for level in range(5)],
                "voice_probs": {
                    v: round(float(np.mean(voice == VOICE_CODE[v])), 4) for v in VOICES
                },
                "observed_tone": observed_tone,
            }
        )
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
    naive forecasts (model/analysis/scores.py), on three sets of occasions: validation texts in
    years the articles never mention (``out_of_sample``: the honest test), validation
    texts in the years they do (``article_years``), and the calibration record itself
    (``record``, in sample)."""
    from model.analysis.scores import (
        climatology,
        forecast_from_samples,
        persistence,
        score,
        select,
    )
    from model.record.occasions import Occasion, validation_occasions
    from model.record.validation import load_validation_statements

    first, last = out.years[0], out.years[-1]
    record = cached_record().statements
    article_years = {int(y) for y in record["year"]}
    validation = [
        o
        for o in validation_occasions(load_validation_statements(chairs=recorded_chairs()))
        if first <= o.year <= last
    ]
    observed = [
        Occasion(int(y), model_meeting(m), int(t), str(v), "record", "")
        for y, m, t, v in zip(
            record["year"], record["meeting"], record["tone"], record["voice"], strict=True
        )
        if first <= y <= last
    ]
    clim = climatology(record)

    def forecasts(occasions: list[Occasion]) -> dict[str, list]:
        model = [
            forecast_from_samples(
                out.tone[:, out.years.index(o.year), MEETINGS.index(o.meeting)],
                out.voice[:, out.years.index(o.year), MEETINGS.index(o.meeting)],
            )
            for o in occasions
        ]
        return {
            "model": model,
            "persistence": persistence(occasions, clim),
            "climatology": [clim] * len(occasions),
        }

    sets = {
        "out_of_sample": (validation, lambda o: o.year not in article_years),
        "article_years": (validation, lambda o: o.year in article_years),
        "record": (observed, lambda o: True),
    }
    made = {"validation": forecasts(validation), "record": forecasts(observed)}
    result: dict = {}
    for name, (occasions, keep) in sets.items():
        made_here = made["record" if occasions is observed else "validation"]
        result[name] = {who: score(*select(occasions, fc, keep)) for who, fc in made_here.items()}
    model_fc = made["validation"]["model"]
    result["occasions"] = [
        {
            "year": o.year,
            "meeting": o.meeting,
            "body": o.body,
            "phrase": o.phrase,
            "observed_tone": o.tone,
            "observed_voice": o.voice,
            "in_article_years": o.year in article_years,
            "tone_mean": round(f.mean, 4),
            "tone_probs": [round(float(p), 4) for p in f.tone_probs],
            "voice_probs": {
                v: round(float(p), 4) for v, p in zip(VOICES, f.voice_probs, strict=True)
            },
        }
        for o, f in zip(validation, model_fc, strict=True)
    ]
    return result


SCORE_SETS = {
    "out_of_sample": "validation texts in years the articles never mention (out of sample)",
    "article_years": "validation texts in the years the articles mention",
    "record": "the calibration record, seeds/statements.csv (in sample)",
}


def signed(value: float, digits: int) -> str:
    """A signed number that never prints as -0 (or +-0.00)."""
    rounded = round(float(value), digits)
    return f"{0.0 if rounded == 0 else rounded:+.{digits}f}"


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
        lines += [
            f"**{caption}** ({n} occasions, {block['model']['with_text']} with a text)",
            "",
            "| forecast | Spearman | MAE | modal accuracy | RPS | Brier (voice) |",
            "|---|---|---|---|---|---|",
        ]
        for who in ("model", "persistence", "climatology"):
            s = block[who]
            lines.append(
                f"| {who} | {_fmt(s.get('spearman'))} | {_fmt(s.get('mae'))} | "
                f"{_fmt(s.get('modal_accuracy'))} | {_fmt(s.get('rps'), 3)} | "
                f"{_fmt(s.get('brier_voice'), 3)} |"
            )
        lines.append("")
    return lines


def score_lines(scores: dict) -> str:
    """The scores in a few terminal lines."""
    out = []
    for name in SCORE_SETS:
        block = scores[name]
        parts = [
            f"{who} rho {_fmt(block[who].get('spearman'))} MAE "
            f"{_fmt(block[who].get('mae'))} RPS {_fmt(block[who].get('rps'), 3)}"
            for who in ("model", "persistence", "climatology")
        ]
        out.append(f"{name} ({block['model']['occasions']} occasions): " + "; ".join(parts))
    return "\n".join(out)


def render_backtest(
    rows: list[dict], scores: dict, chairs: list[dict] | None = None, reach: dict | None = None
) -> str:
    """backtest.md: the scores, then every validation occasion year by year."""
    lines = [
        "# Backtest: history 2000-2025 against ASEAN's texts",
        "",
        "Each occasion is a simulated meeting (the Q3 ministerial or the Q4 summit) for "
        "which a real text exists. Lower MAE, RPS and Brier are better; Spearman is the "
        "rank correlation of the simulated mean tone with the observed tone. "
        "Persistence forecasts the previous text's tone and voice; climatology the "
        "tone and voice frequencies of the calibration record.",
        "",
        *score_table(scores),
        "![simulated against observed](figures/backtest.png)",
        "",
        *(
            [
                "## Laos in the chair",
                "",
                "History as it was against the same history with the next year's chair "
                "in the chair that year (common random numbers; paired 95% intervals):",
                "",
                *chair_effect_lines(chairs),
                "",
            ]
            if chairs
            else []
        ),
        *(
            [
                "## Every outcome is reachable",
                "",
                "The highest probability any meeting of 2000-2025 gives each tone and "
                "voice: "
                + "; ".join(
                    f"{k} {v['p']:.0%} ({v['year']} {v['meeting']})" for k, v in reach.items()
                )
                + ".",
                "",
            ]
            if reach
            else []
        ),
        "## Occasion by occasion",
        "",
        "| year | meeting | text | observed | simulated mean | P(observed) | P(split or none) |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in scores["occasions"]:
        observed = (
            "no text"
            if o["observed_tone"] is None
            else f"{o['observed_tone']} ({o['observed_voice']})"
        )
        p_obs = "-" if o["observed_tone"] is None else f"{o['tone_probs'][o['observed_tone']]:.0%}"
        not_consensus = 1.0 - o["voice_probs"]["consensus"]
        mark = "" if o["in_article_years"] else " *"
        lines.append(
            f'| {o["year"]}{mark} | {o["meeting"]} | {o["body"]}: "{o["phrase"]}" | '
            f"{observed} | {o['tone_mean']:.2f} | {p_obs} | {not_consensus:.0%} |"
        )
    lines += ["", "\\* out of sample: a year the five articles never mention.", ""]
    return "\n".join(lines)


CHAIR_EFFECT_YEARS = (2016, 2024)
"""The years Laos chaired in the backtest period (its effect is reported for each)."""


def year_outcomes(out: Outcomes, year: int) -> dict[str, np.ndarray]:
    """Per replicate, one year's statements: the mean tone of its texts, whether either
    meeting said grave concern, whether either was a split or had no text."""
    j = out.years.index(year)
    tone, voice = out.tone[:, j, :], out.voice[:, j, :]
    with np.errstate(all="ignore"):
        mean = np.nanmean(tone, axis=1)
    return {
        "tone": mean,
        "grave": (tone == GRAVE).any(axis=1).astype(float),
        "split_or_none": (voice != VOICE_CODE["consensus"]).any(axis=1).astype(float),
    }


def chair_effects(
    replicates: int, workers: int = 1, years=CHAIR_EFFECT_YEARS, parameters: str = "posterior"
) -> list[dict]:
    """Laos's effect in the chair: history as it was against history with the next
    year's chair in the chair that year, with common random numbers (the same seeds and
    the same parameter draws), as paired differences with 95% intervals."""
    from model.runs.ensemble import Plan, iterate
    from model.runs.runner import parameter_draw
    from model.world.scenario import load_scenario

    draw, _ = parameter_draw(parameters)
    history = load_scenario(HISTORY).with_changes(replicates=replicates)
    chairs = {
        int(y): str(c)
        for y, c in zip(
            cached_record().chairs["year"], cached_record().chairs["chair"], strict=True
        )
    }

    def outcomes(scenario) -> Outcomes:
        out = Outcomes.empty(replicates, scenario.start, scenario.end)
        plan = Plan(scenario, replicates, scenario.seed, draw)
        for slot, result in enumerate(iterate(plan, workers=workers)):
            out.add(slot, result)
        return out

    real = outcomes(history)
    rows = []
    for year in years:
        other = chairs[year + 1]
        swapped = outcomes(history.with_changes(chairs={**history.chairs, year: other}))
        a, b = year_outcomes(real, year), year_outcomes(swapped, year)
        row = {"year": year, "chair": chairs[year], "instead": other, "replicates": replicates}
        for key in ("tone", "grave", "split_or_none"):
            diff = a[key] - b[key]
            diff = diff[np.isfinite(diff)]
            half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
            row[key] = {
                "with": float(np.nanmean(a[key])),
                "instead": float(np.nanmean(b[key])),
                "difference": float(diff.mean()),
                "low": float(diff.mean() - half),
                "high": float(diff.mean() + half),
            }
        rows.append(row)
    return rows


def chair_effect_lines(rows: list[dict]) -> list[str]:
    """The chair effects as a markdown table."""
    lines = [
        "| year | chair vs instead | mean tone | P(grave concern) | P(split or no text) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        cells = []
        for key, pct in (("tone", False), ("grave", True), ("split_or_none", True)):
            v = r[key]
            f = (lambda x: f"{signed(100 * x, 0)} pts") if pct else (lambda x: signed(x, 2))
            g = (lambda x: f"{100 * x:.0f}%") if pct else (lambda x: f"{x:.2f}")
            cells.append(
                f"{g(v['with'])} vs {g(v['instead'])}: {f(v['difference'])} "
                f"[{f(v['low'])}, {f(v['high'])}]"
            )
        lines.append(
            f"| {r['year']} | {r['chair']} vs {r['instead']} | " + " | ".join(cells) + " |"
        )
    return lines


def reachability(out: Outcomes) -> dict[str, dict]:
    """For each tone and each voice: the highest probability any historical meeting gives
    it, and where (no outcome may be unreachable by construction)."""
    found: dict[str, dict] = {}
    cases = [
        (f"tone {t}", lambda k, j, t=t: float(np.mean(out.tone[:, j, k] == t))) for t in range(5)
    ]
    cases += [
        (f"voice {v}", lambda k, j, v=v: float(np.mean(out.voice[:, j, k] == VOICE_CODE[v])))
        for v in VOICES
    ]
    for name, probability in cases:
        best = max(
            (probability(k, j), out.years[j], MEETINGS[k])
            for j in range(len(out.years))
            for k in range(len(MEETINGS))
        )
        found[name] = {"p": round(best[0], 4), "year": best[1], "meeting": best[2]}
    return found
