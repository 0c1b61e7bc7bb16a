"""report.md: what happened in a run, in words and numbers a reader can quote."""

from __future__ import annotations

import numpy as np

from model.runs.outcomes import Outcomes
from model.vocabulary import GRAVE, METRICS, NAMES, TONES
from model.world.scenario import Scenario


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def _tone_words(mean: float) -> str:
    if np.isnan(mean):
        return "no agreed text"
    return TONES[round(float(mean))]


def yearly_table(out: Outcomes) -> list[dict]:
    """Per year: chair, P(grave concern) at the summit, mean summit tone, voice shares,
    DPRK exchanges and provocations (means over replicates)."""
    provocations = out.metrics[:, :, METRICS.index("provocations")]
    year_of = np.array([out.years.index(q.year) for q in out.quarters])
    rows = []
    grave, grave_min = out.prob_tone(GRAVE, "summit"), out.prob_tone(GRAVE, "ministerial")
    consensus, split, none = (out.prob_voice(v) for v in ("consensus", "split", "none"))
    with np.errstate(all="ignore"):
        tone = np.nanmean(out.tone[:, :, 1], axis=0)
    for j, year in enumerate(out.years):
        rows.append(
            {
                "year": year,
                "chair": out.chairs.get(year, ""),
                "grave_summit": float(grave[j]),
                "grave_ministerial": float(grave_min[j]),
                "tone_summit": float(tone[j]),
                "consensus": float(consensus[j]),
                "split": float(split[j]),
                "none": float(none[j]),
                "exchanges": float(out.exchanges[:, j, :].sum(axis=1).mean()),
                "provocations": float(provocations[:, year_of == j].sum(axis=1).mean()),
            }
        )
    return rows


def harshest_and_mildest(rows: list[dict]) -> str:
    """The sentence naming the harshest and the mildest year: by P(grave concern) at the
    summit, ties broken by the mean summit tone; when P(grave concern) is the same (as
    printed) in every year it says so and ranks the years by mean tone alone, rather than
    calling the first of equals the weakest."""

    def tone(r: dict) -> float:
        return -np.inf if np.isnan(r["tone_summit"]) else r["tone_summit"]

    if len({_pct(r["grave_summit"]) for r in rows}) == 1:
        peak, low = max(rows, key=tone), min(rows, key=tone)
        return (
            f"- P(grave concern) is {_pct(rows[0]['grave_summit'])} in every year; by mean "
            f"summit tone the harshest year is {peak['year']} ({peak['tone_summit']:.2f}, "
            f"chair {peak['chair']}) and the mildest {low['year']} ({low['tone_summit']:.2f}, "
            f"chair {low['chair']})."
        )
    peak = max(rows, key=lambda r: (r["grave_summit"], tone(r)))
    low = min(rows, key=lambda r: (r["grave_summit"], tone(r)))
    return (
        f"- The harshest year is {peak['year']} (P(grave concern) "
        f"{_pct(peak['grave_summit'])}, mean tone {peak['tone_summit']:.2f}, chair "
        f"{peak['chair']}); the mildest is {low['year']} ({_pct(low['grave_summit'])}, "
        f"{low['tone_summit']:.2f}, chair {low['chair']})."
    )


def render_report(
    scenario: Scenario, out: Outcomes, parameter_mode: str, figures: list[str]
) -> str:
    """The markdown report of one run."""
    rows = yearly_table(out)
    lines = [
        f"# {scenario.title}",
        "",
        scenario.description.strip(),
        "",
        f"Scenario `{scenario.name}`, {scenario.period.start} to {scenario.period.end}, "
        f"{out.replicates} replicates, seed {scenario.seed}, parameters: {parameter_mode}. "
        "Probabilities are shares of replicates; the year-end summit statement is the "
        "year's reference text.",
        "",
        "## What happened",
        "",
    ]
    first, last = rows[0], rows[-1]
    lines.append(
        f"- ASEAN keeps grave-concern language at the summit with probability "
        f"{_pct(first['grave_summit'])} in {first['year']} (chair {first['chair']}) and "
        f"{_pct(last['grave_summit'])} in {last['year']} (chair {last['chair']})."
    )
    lines.append(harshest_and_mildest(rows))
    split_years = [r for r in rows if r["split"] + r["none"] >= 0.1]
    if split_years:
        worst = max(split_years, key=lambda r: r["split"] + r["none"])
        lines.append(
            f"- Consensus is fragile in {len(split_years)} of {len(rows)} years; worst in "
            f"{worst['year']} (chair {worst['chair']}): split {_pct(worst['split'])}, no text "
            f"{_pct(worst['none'])}."
        )
    else:
        lines.append("- ASEAN speaks by consensus at every summit in at least 90% of replicates.")
    total = sum(r["exchanges"] for r in rows)
    provocations = sum(r["provocations"] for r in rows)
    lines.append(
        f"- The DPRK and members exchange {total:.1f} delegations over the period on average "
        f"({total / len(rows):.1f} a year); the DPRK stages {provocations:.1f} launches or "
        "tests."
    )
    last = out.stances[:, -1, :, 1]  # NaN for a country not yet a member (TLS before 2025)
    seen = np.isfinite(last).sum(axis=0)
    engagement = np.full(last.shape[1], np.nan)
    engagement[seen > 0] = np.nansum(last, axis=0)[seen > 0] / seen[seen > 0]
    order = [
        i for i in np.argsort(-np.nan_to_num(engagement, nan=-1)) if not np.isnan(engagement[i])
    ]
    if order:
        lines.append(
            "- Warmest toward the DPRK at the end: "
            + ", ".join(f"{NAMES[out.members[i]]} ({engagement[i]:.2f})" for i in order[:3])
            + "; coolest: "
            + ", ".join(f"{NAMES[out.members[i]]} ({engagement[i]:.2f})" for i in order[-3:])
            + " (engagement, 0-1)."
        )
    lines += [
        "",
        "## Year by year (summit statement)",
        "",
        "| year | chair | P(grave concern) | mean tone | reads as | consensus | split | "
        "no text | exchanges | launches/tests |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['year']} | {r['chair']} | {_pct(r['grave_summit'])} | "
            f"{r['tone_summit']:.2f} | {_tone_words(r['tone_summit'])} | {_pct(r['consensus'])} | "
            f"{_pct(r['split'])} | {_pct(r['none'])} | {r['exchanges']:.1f} | "
            f"{r['provocations']:.1f} |"
        )
    if scenario.shocks:
        lines += ["", "## Shocks in this scenario", ""]
        for s in scenario.shocks:
            who = f" ({s.actor})" if s.actor else ""
            note = f" — {s.note}" if s.note else ""
            lines.append(f"- {s.at}: {s.type}{who}{note}")
    lines += ["", "## Figures", ""]
    lines += [f"![{name}]({name})" for name in figures]
    lines += ["", "Tone scale: " + "; ".join(f"{k} {v}" for k, v in TONES.items()) + ".", ""]
    return "\n".join(lines)
