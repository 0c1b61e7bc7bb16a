"""The three views of a class (teacher's console, a team's view, the projector) and the
pages around them, as server-rendered HTML.

Each view is a page with static parts (forms a user fills in) and live regions (ids
starting ``r-``) that the page's script refreshes from ``/c/CODE/state``; a region's
markup is a function of the session alone, so the same function serves the first page
load and every refresh.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from model.classroom.cards import CARDS, LEVER_WORDS
from model.classroom.figures import class_tones_for, distribution_svg, markers, tone_timeline_svg
from model.classroom.narrate import (
    country,
    describe_draft,
    latest_statement,
    meeting_title,
    range_words,
)
from model.vocabulary import MEMBERS, NAMES, TONES
from model.world.levers import LEVERS

if TYPE_CHECKING:
    from model.classroom.forecast import Forecaster
    from model.classroom.session import ClassSession, Team

e = html.escape
APP_TITLE = "ASEAN and the DPRK: classroom"
FLEXIBILITY_WORDS = {
    0: "not at all",
    1: "one tone either side",
    2: "two tones either side",
    3: "three tones either side",
    4: "any tone",
}


def page(
    title: str,
    body: str,
    *,
    role: str = "",
    code: str = "",
    state_url: str = "",
    body_class: str = "",
) -> str:
    """A whole page: header, flash line, body; the stylesheet and script from /assets."""
    code_part = f'<span class="code">Join code <b>{e(code)}</b></span>' if code else ""
    state = f' data-state="{e(state_url)}"' if state_url else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title>"
        '<link rel="stylesheet" href="/assets/app.css"></head>'
        f'<body class="{e(body_class)}"{state}>'
        f'<header><h1>{e(APP_TITLE)}</h1><span class="role">{e(role)}</span>{code_part}'
        "</header>"
        '<p id="flash" class="flash" role="status"></p>'
        f"<main>{body}</main>"
        '<script src="/assets/app.js"></script></body></html>'
    )


def region(rid: str, markup: str, classes: str = "panel") -> str:
    return f'<section id="{rid}" class="{classes}">{markup}</section>'


# --- pieces shared by the views ----------------------------------------------------------
def clock_words(session: ClassSession) -> str:
    model = session.model
    done = (
        "The class has not started the clock yet"
        if model.clock is None
        else (f"Simulated up to {model.clock}")
    )
    upcoming = model.next_quarter
    if upcoming is None:
        return f"{done}; the run is over (it ends in {model.end})."
    meeting = model.next_meeting()
    what = (
        (
            f"it holds {meeting_title(upcoming.year, meeting[1])}, "
            f"{country(model.chair(upcoming.year))} in the chair"
        )
        if meeting
        else ("no ASEAN meeting that quarter")
    )
    return f"{done}. Next quarter: {upcoming}, {what}."


def _blockers(result) -> str:
    codes = list(result.outcome.blockers)
    if not codes:
        return "Nobody blocks the chair's draft."
    names = ", ".join(country(c) for c in codes)
    return f"Blocking the chair's draft (tone {round(result.outcome.target)}): {names}."


def meeting_markup(session: ClassSession, projector: bool = False) -> str:
    """The meeting: the draft on the table while open; the text, who moved it and how
    once held; otherwise the latest statement and what comes next."""
    model = session.model
    state = session.meeting_state
    if state == "open":
        table = session.table()
        result = session.draft_on_table()
        submitted = len(session.seated())
        parts = [
            f"<h2>On the table: {e(meeting_title(table.quarter.year, table.meeting))}, "
            f"{e(country(result.chair))} in the chair</h2>",
            f'<p class="statement">If the chair drafted now: '
            f"{e(describe_draft(result.outcome))}.</p>",
            f'<p class="blocks">{e(_blockers(result))}</p>',
            f"<p>{submitted} of {len(session.teams)} teams have set a position; the "
            "model's agents speak for every other member.</p>",
        ]
        return "".join(parts)
    if state == "held" and session.record:
        entry = session.record[-1]
        parts = [
            f"<h2>{e(meeting_title(entry['year'], entry['meeting'], capital=True))}, "
            f"{e(country(entry['chair']))} in the chair"
            + (f" (held {entry['attempt']} times)" if entry["attempt"] > 1 else "")
            + "</h2>",
            f'<p class="statement">{e(entry["sentence"])}.</p>',
        ]
        if entry["outcome"]["blockers"]:
            names = ", ".join(country(c) for c in entry["outcome"]["blockers"])
            parts.append(f'<p class="blocks">Blocked the chair\'s first draft: {e(names)}.</p>')
        parts.append(f"<p>Without any team (the model alone): {e(entry['without_sentence'])}.</p>")
        parts.append(f"<p><b>{e(entry['together'])}</b></p>")
        if entry["teams"]:
            items = "".join(
                f"<li><b>{e(country(t['country']))}</b> asked for tone {t['tone']} "
                f"(±{t['flexibility']}) and {e(t['effect'])}"
                + (
                    ""
                    if t["accepts"] or entry["outcome"]["tone"] is None
                    else " (it cannot accept the text)"
                )
                + ".</li>"
                for t in entry["teams"]
            )
            parts.append(f"<ul>{items}</ul>")
        for code in entry["silent"]:
            parts.append(
                f'<p class="muted">{e(country(code))} set no position: the model spoke for it.</p>'
            )
        parts.append(earlier_attempts_markup(session.record))
        return "".join(parts)
    return (
        f'<h2>ASEAN\'s latest statement</h2><p class="statement">'
        f"{e(latest_statement(model))}</p><p>{e(clock_words(session))}</p>"
    )


def earlier_attempts_markup(record: list[dict]) -> str:
    """The meeting's earlier attempts, oldest first (text and the teams' positions), so
    the class can compare them after holding the meeting again; empty for a first one."""
    latest = record[-1]
    earlier = [
        r for r in record[:-1] if (r["year"], r["meeting"]) == (latest["year"], latest["meeting"])
    ]
    if not earlier:
        return ""
    items = "".join(
        f"<li>Attempt {r['attempt']}: {e(r['sentence'])}."
        + (
            " Positions: "
            + "; ".join(
                f"{e(country(t['country']))} tone {t['tone']} (±{t['flexibility']})"
                for t in r["teams"]
            )
            + "."
            if r["teams"]
            else ""
        )
        + "</li>"
        for r in earlier
    )
    return f'<h3>Earlier attempts at this meeting</h3><ol class="attempts">{items}</ol>'


def focus_year(session: ClassSession) -> int:
    """The year the ensemble is shown for: a card's year just after it is played, the
    open meeting's year, otherwise the year the clock is in."""
    model = session.model
    last = session.log[-1] if session.log else {}
    if last.get("do") in ("card", "lever") and last.get("at"):
        return int(str(last["at"])[:4])
    if session.meeting_state != "closed":
        return session.table().quarter.year
    return (model.clock or model.start).year


def ensemble_markup(session: ClassSession, forecaster: Forecaster | None) -> tuple[str, bool]:
    """The ensemble's distribution for the focus year beside the class's texts (and
    whether it is ready)."""
    year = focus_year(session)
    if forecaster is None:
        return "", True
    heading = f"Beside the class: the model's ensemble, {year}"
    key = forecaster.request(session.scenario, session.model.played_shocks, year)
    found = forecaster.result(key)
    if found is None and (problem := forecaster.error(key)):
        return f"<h2>{heading}</h2><p>The ensemble could not run: {e(problem)}</p>", True
    if found is None:
        return (
            f'<h2>{heading}</h2><p class="muted">Running the model a few hundred times '
            "with the class's cards…</p>"
        ), False
    svg = distribution_svg(found, class_tones_for(session.model.statements, year))
    return (
        f'<h2>{heading}</h2>{svg}<p class="muted">The same scenario'
        " and cards, with the model's agents for every member (no teams); outlined: "
        "the class's text.</p>"
    ), True


def charts_markup(session: ClassSession) -> str:
    """The tone timeline, and under it every marked event in full: the chart's rotated
    labels must stay short, and several events can share one quarter's line."""
    return tone_timeline_svg(session.model) + marker_list_markup(session.model)


def marker_list_markup(model) -> str:
    items = "".join(
        f'<li class="{"played" if m.played else "scenario"}">{m.quarter}: {e(m.label)}'
        f"{' (card played)' if m.played else ''}</li>"
        for m in markers(model)
    )
    return f'<ul class="marker-list">{items}</ul>' if items else ""


def record_markup(session: ClassSession) -> str:
    model = session.model
    rows = []
    for s in model.statements:
        rows.append(
            f"<tr><td>{s.year} {e(s.meeting)}</td><td>{e(country(s.chair))}</td>"
            f"<td>{e(describe_draft(s))}</td></tr>"
        )
    cards = "; ".join(f"{c.quarter} {c.label}" for c in model.cards) or "none yet"
    table = (
        ("<table><tr><th>Meeting</th><th>Chair</th><th>Text</th></tr>" + "".join(rows) + "</table>")
        if rows
        else "<p>No meeting held yet.</p>"
    )
    return f"<h2>The record</h2>{table}<p><b>Cards played:</b> {e(cards)}</p>"


# --- the teacher's console ----------------------------------------------------------------
def _button(
    act: str, label: str, *, enabled: bool = True, secondary: bool = False, extra: str = ""
) -> str:
    cls = ' class="secondary"' if secondary else ""
    disabled = "" if enabled else " disabled"
    return f'<button name="act" value="{act}"{cls}{disabled}{extra}>{e(label)}</button>'


def controls_markup(session: ClassSession) -> str:
    model = session.model
    over = model.next_quarter is None
    meeting = model.next_meeting()
    state = session.meeting_state
    buttons = []
    if state == "open":
        buttons.append(_button("hold", "Hold the meeting (the chair drafts)"))
        buttons.append(_button("close", "Close without a text for now", secondary=True))
    elif state == "held":
        buttons.append(_button("hold", "Hold it again with the teams' new positions"))
        buttons.append(_button("close", "Close the meeting", secondary=True))
    if state != "open":
        can_step = not over and not (meeting and session.teams)
        buttons.append(_button("advance", "Advance one quarter", enabled=can_step))
        buttons.append(_button("year", "Advance a year", enabled=can_step, secondary=True))
        buttons.append(
            _button(
                "to_meeting",
                "Advance to the next meeting",
                enabled=not over and meeting is None,
                secondary=True,
            )
        )
        if meeting:
            buttons.append(
                _button(
                    "open",
                    f"Open {meeting_title(meeting[0].year, meeting[1])}",
                    secondary=state == "held",
                )
            )
    hint = {
        "open": "The meeting is open: teams set their positions on their own screens.",
        "held": "The text is issued. Teams may change their positions and you may hold "
        "the meeting again; any other move closes it.",
        "closed": "",
    }[state]
    changed = (
        '<p class="warn">The model has changed since this class was saved: replayed texts '
        "may differ from the record of its meetings.</p>"
        if session.model_changed
        else ""
    )
    return (
        f"<h2>{e(session.scenario.title)}</h2>{changed}<p>{e(clock_words(session))}</p>"
        f'<p class="muted">{e(hint)}</p>'
        f'<form data-post="/api/c/{session.code}/act"><div class="buttons">'
        + "".join(buttons)
        + "</div></form>"
    )


def teams_markup(session: ClassSession, join_url: str) -> str:
    rows = []
    for code, team in sorted(session.teams.items()):
        status = (
            '<span class="ok">position set</span>'
            if team.position
            else '<span class="muted">no position yet</span>'
        )
        shown = ""
        if team.position is not None and session.meeting_state != "open":
            shown = f" (tone {team.position.tone} ±{team.position.flexibility})"
        rows.append(
            f"<tr><td>{e(country(code))}</td><td>{e(team.name)}</td><td>{status}{e(shown)}"
            f'</td><td><form data-post="/api/c/{session.code}/act">'
            f'<input type="hidden" name="country" value="{code}">'
            f"{_button('free_seat', 'Free seat', secondary=True)}</form></td></tr>"
        )
    table = (
        (
            "<table><tr><th>Country</th><th>Team</th><th>Position</th><th></th></tr>"
            + "".join(rows)
            + "</table>"
        )
        if rows
        else "<p>No team has joined yet.</p>"
    )
    return (
        f"<h2>Teams</h2><p>Teams open <b>{e(join_url)}</b> and type the code</p>"
        f'<p class="big-code">{e(session.code)}</p>{table}'
        f'<p><a href="/c/{session.code}/projector" target="_blank">Open the projector '
        'view</a> · <a href="/c/' + session.code + '/debrief" target="_blank">Export the '
        "debrief page</a></p>"
    )


def cards_panel(session: ClassSession) -> str:
    members = "".join(f'<option value="{c}">{e(country(c))}</option>' for c in MEMBERS)
    forms = []
    for key, card in CARDS.items():
        choose = (
            (f'<select name="member" aria-label="member for {e(card.label)}">{members}</select>')
            if card.member
            else ""
        )
        forms.append(
            f'<form data-post="/api/c/{session.code}/act">'
            f'<input type="hidden" name="card" value="{key}">'
            f'<button name="act" value="card">{e(card.label)}</button>'
            f'<span class="meaning">{e(card.meaning)}</span>{choose}</form>'
        )
    return (
        '<h2>Event cards</h2><p class="muted">A card acts in the next quarter, as a '
        f'scenario\'s dated shock would.</p><div class="cards">{"".join(forms)}</div>'
    )


def levers_panel(session: ClassSession) -> str:
    rows = []
    for name, lever in LEVERS.items():
        value = float(session.model.levers[name])
        meaning = lever.meaning.split(". ")[0].rstrip(".") + "."
        rows.append(
            f'<form class="lever" data-post="/api/c/{session.code}/act" data-autosubmit>'
            f'<input type="hidden" name="act" value="lever">'
            f'<input type="hidden" name="name" value="{name}">'
            f'<label for="lever-{name}">{e(LEVER_WORDS[name])}</label>'
            f'<span class="meaning">{e(meaning)}</span><div class="row">'
            f'<input id="lever-{name}" type="range" name="value" min="{lever.low}" '
            f'max="{lever.high}" step="0.05" value="{value:.2f}">'
            f"<output>{value:.2f}</output></div></form>"
        )
    return (
        '<h2>Levers</h2><p class="muted">A move takes effect from the next quarter '
        "(the model's own moves, such as a UN resolution, show here after a reload).</p>"
        + "".join(rows)
    )


def teacher_regions(
    session: ClassSession, forecaster: Forecaster | None, join_url: str
) -> tuple[dict[str, str], bool]:
    ensemble, ready = ensemble_markup(session, forecaster)
    return {
        "r-controls": controls_markup(session),
        "r-meeting": meeting_markup(session),
        "r-teams": teams_markup(session, join_url),
        "r-timeline": charts_markup(session),
        "r-ensemble": ensemble,
        "r-record": record_markup(session),
    }, ready


def teacher_page(session: ClassSession, forecaster: Forecaster | None, join_url: str) -> str:
    regions, _ = teacher_regions(session, forecaster, join_url)
    body = (
        '<div class="grid">'
        + region("r-controls", regions["r-controls"])
        + region("r-meeting", regions["r-meeting"])
        + region("r-teams", regions["r-teams"])
        + region("r-timeline", regions["r-timeline"], "panel wide")
        + region("r-ensemble", regions["r-ensemble"])
        + f'<section class="panel">{cards_panel(session)}</section>'
        + f'<section class="panel">{levers_panel(session)}</section>'
        + region("r-record", regions["r-record"])
        + "</div>"
    )
    return page(
        f"Teacher's console · {session.code}",
        body,
        role="Teacher's console",
        code=session.code,
        state_url=f"/c/{session.code}/state?view=teacher",
    )


# --- a team's view --------------------------------------------------------------------------
@cache
def _role_cards() -> str:
    from model.classroom.role_cards import role_cards_html

    return role_cards_html()


def role_card(code: str) -> str:
    """The country's printed role card (model/classroom/role_cards.py), as a fragment."""
    found = re.search(rf'<section class="card" id="card-{code}">.*?</section>', _role_cards(), re.S)
    return found.group(0) if found else f"<p>No role card for {e(country(code))}.</p>"


def model_stance_words(session: ClassSession, code: str) -> str:
    """What the model's own agent for the country would bring to the table now."""
    positions = session.model.positions(mood=False)
    i = MEMBERS.index(code)
    wanted = int(np.clip(round(float(positions.preferred[i])), 0, 4))
    low = int(np.clip(np.ceil(positions.lower[i] - 1e-9), 0, 4))
    high = int(np.clip(np.floor(positions.upper[i] + 1e-9), 0, 4))
    return (
        f"Today the model's {NAMES[code]} would ask for tone {wanted} ({TONES[wanted]}) "
        f"and accept tones {low}-{high}."
    )


def team_status(session: ClassSession, team: Team) -> str:
    state = session.meeting_state
    if state == "open":
        table = session.table()
        head = (
            f"{meeting_title(table.quarter.year, table.meeting, capital=True)} is open, "
            f"{country(session.model.chair(table.quarter.year))} in the chair: set your "
            "position."
        )
    elif state == "held":
        head = "The chair has issued the text. Your teacher may hold the meeting again."
    else:
        head = "No meeting is open: you may prepare your position."
    return (
        f"<h2>{e(team.name)}: you speak for {e(country(team.country))}</h2>"
        f"<p><b>{e(head)}</b></p><p>{e(clock_words(session))}</p>"
    )


def team_mine(session: ClassSession, team: Team) -> str:
    if team.position is None:
        mine = "You have not set a position: until you do, the model speaks for your country."
    else:
        p = team.position
        mine = (
            f"Your position: {range_words(p.tone, p.flexibility)}. You block any text "
            "outside that range."
        )
    return (
        f'<h2>Your position</h2><p class="statement">{e(mine)}</p>'
        f"<p>{e(model_stance_words(session, team.country))}</p>"
    )


def team_result(session: ClassSession, team: Team) -> str:
    if session.meeting_state == "closed" or not session.record:
        return "<h2>The meeting</h2><p>" + e(latest_statement(session.model)) + "</p>"
    if session.meeting_state == "open":
        return "<h2>The meeting</h2><p>The chair has not drafted yet.</p>"
    entry = session.record[-1]
    own = next((t for t in entry["teams"] if t["country"] == team.country), None)
    effect = (
        "You set no position, so the model spoke for you."
        if own is None
        else f"Your position {own['effect']}; without it: {own['without_sentence']}."
    )
    return (
        f'<h2>The text</h2><p class="statement">{e(entry["sentence"])}.</p>'
        f"<p>{e(effect)}</p><p>{e(entry['together'])}</p>"
    )


def position_form(session: ClassSession, team: Team) -> str:
    p = team.position
    tones = "".join(
        f'<label><input type="radio" name="tone" value="{t}"'
        f"{' checked' if p and p.tone == t else ''}>{t}: {e(words)}</label>"
        for t, words in TONES.items()
    )
    flex = "".join(
        f'<label><input type="radio" name="flexibility" value="{f}"'
        f"{' checked' if (p.flexibility if p else 1) == f else ''}>±{f} ({e(words)})</label>"
        for f, words in FLEXIBILITY_WORDS.items()
    )
    return (
        f'<h2>Set your position (private)</h2><form data-post="/api/c/{session.code}/position">'
        f'<h3>The tone you want ASEAN\'s text to have</h3><div class="choices">{tones}</div>'
        "<h3>How far from it you could still accept</h3>"
        f'<div class="choices">{flex}</div><div class="buttons">'
        "<button>Save my position</button></div></form>"
    )


def team_regions(session: ClassSession, team: Team) -> dict[str, str]:
    return {
        "r-status": team_status(session, team),
        "r-mine": team_mine(session, team),
        "r-result": team_result(session, team),
    }


def team_page(session: ClassSession, team: Team) -> str:
    regions = team_regions(session, team)
    body = (
        '<div class="grid">'
        + region("r-status", regions["r-status"])
        + f'<section class="panel">{position_form(session, team)}</section>'
        + region("r-mine", regions["r-mine"])
        + region("r-result", regions["r-result"])
        + f'<section class="panel wide rolecard">{role_card(team.country)}</section>'
        + "</div>"
    )
    return page(
        f"{team.name} · {session.code}",
        body,
        role=f"Team view: {country(team.country)}",
        code=session.code,
        state_url=f"/c/{session.code}/state?view=team",
    )


# --- the projector --------------------------------------------------------------------------
def projector_regions(
    session: ClassSession, forecaster: Forecaster | None
) -> tuple[dict[str, str], bool]:
    ensemble, ready = ensemble_markup(session, forecaster)
    return {
        "r-meeting": meeting_markup(session, projector=True),
        "r-timeline": charts_markup(session),
        "r-ensemble": ensemble,
    }, ready


def projector_page(session: ClassSession, forecaster: Forecaster | None) -> str:
    regions, _ = projector_regions(session, forecaster)
    body = (
        '<div class="grid">'
        + region("r-meeting", regions["r-meeting"], "panel wide")
        + region("r-timeline", regions["r-timeline"], "panel wide")
        + region("r-ensemble", regions["r-ensemble"])
        + "</div>"
    )
    return page(
        f"Projector · {session.code}",
        body,
        role="Projector",
        code=session.code,
        state_url=f"/c/{session.code}/state?view=projector",
        body_class="projector",
    )


# --- joining and starting -----------------------------------------------------------------
def join_page() -> str:
    body = (
        '<div class="grid"><section class="panel"><h2>Join your class</h2>'
        '<form data-post="/api/join"><p><label for="code">The code your teacher shows'
        '</label></p><p><input id="code" type="text" name="code" autocomplete="off" '
        'maxlength="12" autocapitalize="characters"></p><div class="buttons">'
        "<button>Join</button></div></form></section>"
        '<section class="panel"><h2>Teachers</h2><p>Open the link the server printed '
        "when it started (it carries your teacher token).</p></section></div>"
    )
    return page("Join a class", body, role="Join a class")


def pick_country_page(session: ClassSession) -> str:
    free = session.free_countries()
    choices = "".join(
        f'<label><input type="radio" name="country" value="{c}"{" checked" if i == 0 else ""}>'
        f"{e(country(c))}</label>"
        for i, c in enumerate(free)
    )
    form = (
        (
            f'<form data-post="/api/c/{session.code}/team"><h3>Your country</h3>'
            f'<div class="choices">{choices}</div><h3><label for="name">Your team\'s name '
            '(optional)</label></h3><p><input id="name" type="text" name="name" maxlength="40">'
            '</p><div class="buttons"><button>Take this seat</button></div></form>'
        )
        if free
        else "<p>Every seat at the table is taken: ask your teacher.</p>"
    )
    body = (
        f'<div class="grid"><section class="panel"><h2>{e(session.scenario.title)}</h2>'
        f"<p>{e(session.scenario.description)}</p></section>"
        f'<section class="panel"><h2>Pick the country your team speaks for</h2>{form}'
        "</section></div>"
    )
    return page(f"Join {session.code}", body, role="Join a class", code=session.code)


def start_page(titles: dict[str, str], classes: list[ClassSession]) -> str:
    options = "".join(f'<option value="{e(f)}">{e(t)}</option>' for f, t in titles.items())
    rows = "".join(
        f"<tr><td><b>{e(c.code)}</b></td><td>{e(c.scenario.title)}</td>"
        f"<td>{len(c.teams)} teams</td><td>{e(str(c.model.clock or 'not started'))}</td>"
        f'<td><a class="button secondary" href="/c/{e(c.code)}/teacher">Open console</a>'
        "</td></tr>"
        for c in classes
    )
    saved = f"<table>{rows}</table>" if rows else "<p>No class yet.</p>"
    body = (
        '<div class="grid"><section class="panel"><h2>Start a class</h2>'
        '<form data-post="/api/classes"><p><label for="scenario">Scenario</label></p>'
        f'<p><select id="scenario" name="scenario">{options}</select></p>'
        '<p><label for="seed">Seed (0: the scenario\'s own)</label></p>'
        '<p><input id="seed" type="number" name="seed" value="0" min="0"></p>'
        '<div class="buttons"><button>Start the class</button></div></form></section>'
        f'<section class="panel"><h2>Classes on this server</h2>{saved}</section></div>'
    )
    return page("Start a class", body, role="Teacher")


def state_payload(regions: dict[str, str], version: str) -> dict[str, Any]:
    return {"version": version, "regions": regions}
