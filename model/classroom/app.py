"""The classroom page: a Mesa SolaraViz app around :class:`ClassroomModel`.

SolaraViz is the shell (sidebar with Reset / Play / Step, the scenario picker and seed as
model parameters, tabs of components). ``Page`` builds one model per browser session
(``use_memo`` runs once per session's render context), so two students never share a
model, and hands SolaraViz that session's reactive model; the components below mutate it
and call Mesa's ``force_update`` to redraw.

Page 0 "Simulation": briefing and statement, controls, event cards, lever sliders, the
network, member stances and the tone timeline. Page 1 "Role-play": teams set their
countries' positions and hold the next ASEAN meeting.
"""

from __future__ import annotations

import html

import numpy as np
import solara
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import force_update, update_counter

from model.classroom.cards import CARDS, GameOver, move_lever, play_card
from model.classroom.figures import network_figure, stances_figure, tone_figure
from model.classroom.narrate import clock_line, describe_draft, latest_statement
from model.classroom.roleplay import TeamPosition, analyse_meeting, team_summary
from model.classroom.session import DEFAULT_SCENARIO, ClassroomModel, scenario_choices
from model.vocabulary import MEMBERS, NAMES, TONES, Quarter
from model.vocabulary import next_meeting as next_meeting_after
from model.world.levers import LEVERS

QUARTERS_PER_YEAR = 4
PAGE_LAYOUTS = {
    6: [  # page 0: Briefing, EventCards, Levers, ToneTimeline, Network, Stances
        {"i": 0, "x": 0, "y": 0, "w": 6, "h": 13},
        {"i": 1, "x": 6, "y": 0, "w": 6, "h": 8},
        {"i": 2, "x": 6, "y": 8, "w": 6, "h": 10},
        {"i": 3, "x": 0, "y": 18, "w": 12, "h": 10},
        {"i": 4, "x": 0, "y": 28, "w": 6, "h": 15},
        {"i": 5, "x": 6, "y": 28, "w": 6, "h": 15},
    ],
    1: [{"i": 0, "x": 0, "y": 0, "w": 12, "h": 30}],  # page 1: RolePlay
}
"""Grid layouts for our pages (Mesa's default gives every component the same half-width
cell, too small for the briefing and too narrow for the timeline)."""


def use_classroom_layout() -> None:
    """Make SolaraViz lay out our pages with PAGE_LAYOUTS (idempotent).

    SolaraViz looks ``make_initial_grid_layout`` up in its module when it builds a page,
    and offers no argument for it; other component counts keep Mesa's layout.
    """
    mesa_layout = getattr(solara_viz, "_mesa_grid_layout", solara_viz.make_initial_grid_layout)
    solara_viz._mesa_grid_layout = mesa_layout

    def layout(count: int) -> list[dict]:
        if count in PAGE_LAYOUTS:
            return [dict(item, moved=False) for item in PAGE_LAYOUTS[count]]
        return mesa_layout(count)

    solara_viz.make_initial_grid_layout = layout


def Paragraph(text: str, lead: str = "", classes: str = "") -> None:
    """A paragraph with an optional bold lead (plain HTML: solara.Markdown would fetch
    KaTeX from the CDN, which the offline assets do not include)."""
    bold = f"<b>{html.escape(lead)}</b> " if lead else ""
    solara.HTML(tag="p", unsafe_innerHTML=bold + html.escape(text),
                classes=[c for c in (classes,) if c])


def run_quarters(model: ClassroomModel, quarters: int) -> None:
    """Step up to ``quarters`` quarters (fewer at the end of the run) and redraw."""
    for _ in range(quarters):
        if model.next_quarter is None:
            break
        model.step()
    force_update()


def next_meeting(model: ClassroomModel) -> tuple[Quarter, str] | None:
    """The quarter and name of the next ASEAN meeting still to be simulated."""
    upcoming = model.next_quarter
    if upcoming is None:
        return None
    quarter, meeting = next_meeting_after(upcoming)
    return (quarter, meeting) if quarter <= model.end else None


@solara.component
def Briefing(model: ClassroomModel):
    """What is being played, where the clock stands and ASEAN's latest statement."""
    update_counter.get()
    spec = model.scenario_spec
    metrics = dict(zip(("pressure", "engagement"),
                       model.stance[: len(MEMBERS)].mean(axis=0).round(3), strict=True))
    with solara.Card(spec.title):
        Paragraph(spec.description)
        Paragraph(clock_line(model), classes="classroom-clock")
        Paragraph(latest_statement(model), lead="Latest ASEAN statement:",
                  classes="classroom-statement")
        when = f"After {model.clock}" if model.clock else "At the start"
        solara.Text(f"{when}: mean member pressure {metrics['pressure']:.3f}, engagement "
                    f"{metrics['engagement']:.3f}; threat {model.threat:.2f}; "
                    f"dialogue {model.frame:.2f}; "
                    f"sanctions {model.levers['sanctions_tightness']:.2f}.",
                    classes=["classroom-outcome"])
        with solara.Row():
            over = model.next_quarter is None
            solara.Button("Step one quarter", color="primary", disabled=over,
                          on_click=lambda: run_quarters(model, 1))
            solara.Button("Run a year", color="primary", disabled=over,
                          on_click=lambda: run_quarters(model, QUARTERS_PER_YEAR))
        Paragraph("Reset (left) starts again from the chosen scenario and seed; the "
                  "role-play is on PAGE 1.")


@solara.component
def EventCards(model: ClassroomModel):
    """Buttons that play an event in the next quarter."""
    update_counter.get()
    member, set_member = solara.use_state("VNM")
    error, set_error = solara.use_state("")

    def play(key: str) -> None:
        try:
            play_card(model, key, member if CARDS[key].member else None)
            set_error("")
        except GameOver as exc:
            set_error(str(exc))
        force_update()

    with solara.Card("Event cards (played in the next quarter)"):
        with solara.Row(style={"flex-wrap": "wrap"}):
            for key, card in CARDS.items():
                solara.Button(card.label, on_click=lambda key=key: play(key),
                              disabled=model.next_quarter is None, outlined=True)
        solara.Select("Summit host / new chair", value=member, values=list(MEMBERS),
                      on_value=set_member)
        if error:
            solara.Warning(error)
        played = [f"{card.quarter}: {card.label}" for card in model.cards]
        solara.Text("Played: " + ("; ".join(played) if played else "none yet"),
                    classes=["classroom-cards"])


SLIDER_STEP = 0.05


@solara.component
def Levers(model: ClassroomModel):
    """Sliders for the scenario levers; a move takes effect from the next quarter."""
    update_counter.get()

    def move(name: str, value: float) -> None:
        # A slider snaps a lever the model moved itself (a warm start's 0.8534, an
        # alliance shock's 0.6000...01) to its 0.05 grid and reports that as a move:
        # only a change of at least half a step is the class's.
        if abs(value - float(model.levers[name])) < SLIDER_STEP / 2:
            return
        if model.next_quarter is not None:
            move_lever(model, name, value)
        force_update()

    with solara.Card("Levers (take effect from the next quarter)"):
        for name, lever in LEVERS.items():
            value = float(model.levers[name])
            solara.SliderFloat(f"{name.replace('_', ' ')} ({value:.2f})", value=value,
                               min=lever.low, max=lever.high, step=SLIDER_STEP,
                               on_value=lambda v, name=name: move(name, v))


@solara.component
def Network(model: ClassroomModel):
    """Ties between actors, coloured by stance."""
    update_counter.get()
    solara.FigureMatplotlib(network_figure(model), format="png",
                            dependencies=[update_counter.value, id(model)])


@solara.component
def Stances(model: ClassroomModel):
    """Member stances over time."""
    update_counter.get()
    solara.FigureMatplotlib(stances_figure(model), format="png",
                            dependencies=[update_counter.value, id(model)])


@solara.component
def ToneTimeline(model: ClassroomModel):
    """Statement tone over time with the event cards played."""
    update_counter.get()
    with solara.Column():
        solara.FigureMatplotlib(tone_figure(model), format="png",
                                dependencies=[update_counter.value, id(model)])
        lines = [f"{card.quarter}: {card.label}" for card in model.cards]
        solara.Text("Timeline of cards: " + ("; ".join(lines) if lines else "none"),
                    classes=["classroom-timeline"])


@solara.component
def RolePlay(model: ClassroomModel):
    """Teams set their countries' positions, then the next meeting is held."""
    update_counter.get()
    meeting = next_meeting(model)

    def set_teams(codes: list[str]) -> None:
        base = model.positions(mood=False).preferred
        keep = {c: p for c, p in model.team_positions.items() if c in codes}
        for code in codes:
            if code not in keep:
                tone = int(np.clip(round(float(base[MEMBERS.index(code)])), 0, 4))
                keep[code] = TeamPosition(tone, 1)
        model.set_positions(keep)
        force_update()

    def set_position(code: str, tone: int | None = None, flexibility: int | None = None):
        old = model.team_positions[code]
        model.team_positions[code] = TeamPosition(old.tone if tone is None else tone,
                                             old.flexibility if flexibility is None
                                             else flexibility)
        force_update()

    def hold() -> None:
        before = len(model.statements)
        while model.next_quarter is not None and len(model.statements) == before:
            model.step()
        force_update()

    with solara.Card("Role-play: teams speak for their countries"):
        Paragraph(
            "Each team picks a country, the tone it wants (0 welcomes engagement ... "
            "4 grave concern) and how many tones either side it could live with. The "
            "chair drafts by the model's consensus rule; the model's agents speak for "
            "every other member.")
        solara.SelectMultiple("Countries played by teams", values=sorted(model.team_positions),
                              all_values=list(MEMBERS), on_value=set_teams)
        for code, position in sorted(model.team_positions.items()):
            with solara.Row():
                solara.Text(NAMES[code], style={"min-width": "110px"})
                solara.SliderInt(f"tone {position.tone}", value=position.tone, min=0, max=4,
                                 on_value=lambda v, code=code: set_position(code, tone=v))
                solara.SliderInt(f"flexibility ±{position.flexibility}",
                                 value=position.flexibility, min=0, max=4,
                                 on_value=lambda v, code=code: set_position(code,
                                                                            flexibility=v))
                solara.Text(TONES[position.tone])
        if meeting is None:
            solara.Info("The run is over: press Reset to play again.")
        else:
            quarter, name = meeting
            preview = analyse_meeting(model, quarter, name, model.positions(mood=False))
            Paragraph(f"{quarter.year} {name} ({quarter}), {NAMES[preview.chair]} in the "
                      f"chair. If it met with today's stances: "
                      f"{describe_draft(preview.outcome)}.", lead="Next meeting:",
                      classes="classroom-preview")
            solara.Button("Hold the meeting", color="primary", on_click=hold)
        for result in reversed(model.rounds[-4:]):
            with solara.Card(f"{result.year} {result.meeting}, {NAMES[result.chair]} chairs"):
                Paragraph(describe_draft(result.outcome) + ".", lead="Outcome:",
                          classes="classroom-outcome-round")
                Paragraph(describe_draft(result.without_teams) + ".",
                          lead="Without any team (the model alone):")
                for line in team_summary(result):
                    Paragraph(line, classes="classroom-round")


COMPONENTS = [(Briefing, 0), (EventCards, 0), (Levers, 0), (ToneTimeline, 0), (Network, 0),
              (Stances, 0), (RolePlay, 1)]


def model_params() -> dict:
    """SolaraViz inputs: they map to ClassroomModel's keywords and apply on Reset."""
    return {
        "scenario_file": {"type": "Select", "value": DEFAULT_SCENARIO,
                          "values": scenario_choices(), "label": "Scenario (applies on Reset)"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 100, "step": 1,
                 "label": "Seed (0 = scenario's)"},
    }


@solara.component
def Page():
    """One model per browser session, shown in Mesa's SolaraViz."""
    use_classroom_layout()
    initial = solara.use_memo(ClassroomModel, [])
    model = solara.use_reactive(initial)
    SolaraViz(model, components=COMPONENTS, model_params=model_params(),
              name="ASEAN and the DPRK: classroom", play_interval=400)
