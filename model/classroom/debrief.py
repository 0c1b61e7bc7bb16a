"""The class's debrief: one self-contained HTML page (inline CSS and SVG, no scripts, no
links to fetch) with the positions the teams took at each meeting, each team's effect
(the meeting with and without its position, the others fixed), the class's texts beside
the model's ensemble for the same years, and the record of the lesson.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from model.classroom.figures import class_tones_for, distribution_svg, tone_timeline_svg
from model.classroom.forecast import year_distribution
from model.classroom.narrate import country, describe_draft, meeting_title
from model.files.safe_output import HTML_GENERATOR
from model.vocabulary import MEETINGS

if TYPE_CHECKING:
    from model.classroom.forecast import Forecaster, YearDistribution
    from model.classroom.session import ClassSession

e = html.escape
ENSEMBLE_TIMEOUT = 120.0

CSS = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 60em; color: #111;
  font-size: 16px; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
th { background: #eef1f5; } .chart { width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 1em; } .muted { color: #555; }
@media print { body { margin: 0; max-width: none; } .pair { display: block; } }
"""


def _distribution(
    session: ClassSession, forecaster: Forecaster | None, year: int
) -> YearDistribution:
    played = session.model.played_shocks
    if forecaster is None:
        return year_distribution(session.scenario, played, year)
    return forecaster.wait(
        forecaster.request(session.scenario, played, year), timeout=ENSEMBLE_TIMEOUT
    )


def _accepts(team: dict, entry: dict) -> str:
    if entry["outcome"]["tone"] is None:
        return "no text issued"
    return "yes" if team["accepts"] else "no"


def _meetings(session: ClassSession) -> str:
    if not session.record:
        return "<p>The class held no meeting with teams.</p>"
    parts = []
    for entry in session.record:
        title = meeting_title(entry["year"], entry["meeting"], capital=True)
        parts.append(
            f"<h3>{e(title)}, {e(country(entry['chair']))} in the chair, "
            f"attempt {entry['attempt']}</h3>"
        )
        parts.append(
            f"<p><b>The text:</b> {e(entry['sentence'])}.<br><b>Without any team "
            f"(the model alone):</b> {e(entry['without_sentence'])}.<br>"
            f"{e(entry['together'])}</p>"
        )
        rows = "".join(
            f"<tr><td>{e(country(t['country']))}</td><td>{e(t['team'])}</td>"
            f"<td>{t['tone']} ±{t['flexibility']}</td><td>{t['model_tone']}</td>"
            f"<td>{_accepts(t, entry)}</td><td>{e(t['without_sentence'])}</td>"
            f"<td>{e(t['effect'])}</td></tr>"
            for t in entry["teams"]
        )
        if rows:
            parts.append(
                "<table><tr><th>Country</th><th>Team</th><th>Position</th>"
                "<th>Model's tone</th><th>Accepts the text</th>"
                "<th>Without this team (others fixed)</th><th>Effect</th></tr>"
                f"{rows}</table>"
            )
        for code in entry.get("silent", []):
            parts.append(
                f'<p class="muted">{e(country(code))} set no position: the model spoke for it.</p>'
            )
    return "".join(parts)


def _versus(session: ClassSession, forecaster: Forecaster | None) -> str:
    model = session.model
    years = sorted({s.year for s in model.statements})
    if not years:
        return "<p>No meeting was held.</p>"
    parts = []
    for year in years:
        dist = _distribution(session, forecaster, year)
        tones = class_tones_for(model.statements, year)
        rows = []
        for meeting in MEETINGS:
            for s in (s for s in model.statements if (s.year, s.meeting) == (year, meeting)):
                mean = dist.mean_tone(meeting)
                rows.append(
                    f"<tr><td>{e(meeting)}</td><td>{e(describe_draft(s))}</td>"
                    f"<td>{dist.share(meeting, s.tone if s.voice != 'none' else None):.0%}</td>"
                    f"<td>{'—' if mean is None else f'{mean:.2f}'}</td>"
                    f"<td>{dist.consensus[meeting] / dist.replicates:.0%}</td></tr>"
                )
        parts.append(
            f'<h3>{year}</h3><div class="pair"><div><table><tr><th>Meeting</th>'
            "<th>The class's text</th><th>Runs with the same tone</th><th>Model's mean tone"
            f"</th><th>Runs by consensus</th></tr>{''.join(rows)}</table></div>"
            f"<div>{distribution_svg(dist, tones)}</div></div>"
        )
    return "".join(parts)


def debrief_html(session: ClassSession, forecaster: Forecaster | None = None) -> str:
    """The debrief page for the class as it stands."""
    model = session.model
    spec = session.scenario
    cards = "".join(f"<li>{e(str(c.quarter))}: {e(c.label)}</li>" for c in model.cards)
    statements = "".join(
        f"<li>{e(meeting_title(s.year, s.meeting))}, {e(country(s.chair))}: "
        f"{e(describe_draft(s))}</li>"
        for s in model.statements
    )
    teams = ", ".join(f"{t.name} ({country(c)})" for c, t in sorted(session.teams.items()))
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{HTML_GENERATOR}'
        f"<title>Debrief {e(session.code)}: {e(spec.title)}</title><style>{CSS}</style>"
        f"</head><body><h1>Debrief: {e(spec.title)}</h1>"
        f"<p>Class {e(session.code)} · scenario <code>{e(session.scenario_file)}</code> · "
        f"seed {model.seed} · simulated up to {e(str(model.clock or 'the start'))} · "
        f"written {e(made)}</p><p>Teams: {e(teams or 'none')}.</p>"
        "<h2>The meetings: positions and each team's effect</h2>"
        "<p class=\"muted\">A team's effect is the meeting drafted again with that team's "
        "country back in the model's hands and every other team's position unchanged; the "
        "members' meeting-day positions are drawn once, so the difference is the team's "
        "alone.</p>"
        + _meetings(session)
        + '<h2>The class beside the model\'s ensemble</h2><p class="muted">The same '
        "scenario and the class's cards, a few hundred runs with the model's agents for "
        "every member.</p>"
        + _versus(session, forecaster)
        + "<h2>The record</h2>"
        + tone_timeline_svg(model)
        + f"<h3>Cards played</h3><ul>{cards or '<li>none</li>'}</ul>"
        + f"<h3>ASEAN's texts</h3><ul>{statements or '<li>none</li>'}</ul>"
        + "</body></html>\n"
    )
