"""The classroom without a browser: session model, event cards, role-play, sentences,
figures, role cards and the exercises."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from model.classroom.cards import CARDS, GameOver, move_lever, play_card
from model.classroom.figures import markers, tone_timeline_svg
from model.classroom.narrate import describe_draft, describe_statement, latest_statement
from model.classroom.roleplay import TeamPosition, analyse_meeting, describe_shift
from model.classroom.session import ClassroomModel, scenario_choices, scenarios_dir
from model.vocabulary import MEMBERS
from model.world.diplomacy import Statement, model_from_scenario
from model.world.parameters import default_parameters
from model.world.scenario import load_scenario
from model.world.warmstart import starting_state

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "scenarios" / "classroom").glob("*/scenario.yaml"))
THRESHOLDS = np.array([0.2, 0.35, 0.5, 0.65])


def test_classroom_model_is_the_scenario_model():
    """Same file and seed: the page's model and `asean-sim run`'s model agree exactly."""
    page = ClassroomModel(scenario_file="laos_chair_2024.yaml", seed=7).run()
    scenario = load_scenario(scenarios_dir() / "laos_chair_2024.yaml")
    start = starting_state(default_parameters(), scenario, 7)  # warm: where history left
    runner = model_from_scenario(scenario, rng=7, initial=start).run()
    assert page.statements == runner.statements
    np.testing.assert_array_equal(page.member_history, runner.member_history)


def test_seed_zero_means_the_scenarios_own_seed():
    assert ClassroomModel(seed=0).seed == load_scenario(scenarios_dir() / "baseline.yaml").seed
    assert ClassroomModel(seed=5).seed == 5


def test_a_card_acts_in_the_next_quarter_and_is_remembered():
    model = ClassroomModel()
    model.step()
    before = model.memory
    label = play_card(model, "nuclear")
    assert label == "Nuclear test"
    assert model.memory == pytest.approx(before + 1.0)
    assert [(str(c.quarter), c.label) for c in model.cards] == [("2024Q2", "Nuclear test")]
    assert model.events[-1].summary == "DPRK conducts a nuclear test"
    assert str(model.events[-1].quarter) == "2024Q2"


def test_member_cards_need_a_member_and_change_the_chair():
    model = ClassroomModel()
    with pytest.raises(ValueError, match="needs a member"):
        play_card(model, "chair")
    assert play_card(model, "chair", "SGP") == "Chair change (Singapore)"
    assert model.chair(2024) == "SGP"
    assert set(CARDS) >= {"missile", "nuclear", "unsc", "summit", "chair"}


def test_no_card_after_the_last_quarter():
    model = ClassroomModel(scenario_file="laos_chair_2024.yaml").run()
    with pytest.raises(GameOver):
        play_card(model, "missile")


def test_slider_moves_in_one_quarter_replace_each_other():
    model = ClassroomModel()
    move_lever(model, "us_pressure", 0.8)
    move_lever(model, "us_pressure", 0.93)
    move_lever(model, "china_shield", 2.0)  # clipped to the lever's range
    assert model.levers["us_pressure"] == 0.93
    assert [c.label for c in model.cards] == [
        "US pressure on ASEAN set to 0.93",
        "China shields the DPRK set to 1",
    ]
    assert model.levers["china_shield"] == 1.0


def test_team_position_in_tone_units_worked_by_hand():
    assert TeamPosition(2, 1).row() == (2.0, 1.0, 3.0, 1.0)
    assert TeamPosition(4, 0).accepts(4) and not TeamPosition(4, 0).accepts(3)
    assert not TeamPosition(2, 4).accepts(None)  # no text is not a text it accepts
    with pytest.raises(ValueError, match="tone 5"):
        TeamPosition(5)


def _statement(tone, voice, support=1.0, blockers=()):
    return Statement(2024, "summit", "LAO", tone, voice, float(tone or 0), support, blockers)


def test_describe_shift():
    concern, grave = _statement(2, "consensus"), _statement(4, "consensus")
    assert describe_shift(concern, grave) == "pushed the text up two tones"
    assert describe_shift(grave, concern) == "pushed the text down two tones"
    assert describe_shift(concern, _statement(2, "split", 0.8)).startswith("broke the consensus")
    assert describe_shift(concern, _statement(None, "none", 0.5)) == "blocked any agreed text"
    assert describe_shift(concern, concern) == "changed nothing"


def test_teams_write_the_statement_the_model_records():
    """Every member played at tone 4, no flexibility: the text is grave concern by
    consensus, and the statement the model records is the round's outcome."""
    model = ClassroomModel(scenario_file="laos_chair_2024.yaml")
    model.set_positions({code: TeamPosition(4, 0) for code in MEMBERS})
    for _ in range(3):
        model.step()
    (result,) = model.rounds
    assert (result.year, result.meeting, result.chair) == (2024, "ministerial", "LAO")
    assert (result.outcome.tone, result.outcome.voice) == (4, "consensus")
    assert result.absent == ("TLS",)
    last = model.statements[-1]
    assert last == result.outcome
    assert all(team.accepts for team in result.teams)


def test_each_teams_effect_is_the_meeting_without_its_position():
    """Everyone accepts any tone except Laos, which insists on grave concern: Laos alone
    lifts the text, and its counterfactual is the meeting with Laos in the model's hands."""
    model = ClassroomModel(scenario_file="laos_chair_2024.yaml")
    positions = {code: TeamPosition(2, 4) for code in MEMBERS}
    positions["LAO"] = TeamPosition(4, 0)
    model.set_positions(positions)
    model.step()
    quarter = model.next_quarter
    base = model.positions(mood=False)
    result = analyse_meeting(model, quarter, "ministerial", base)
    assert (result.outcome.tone, result.outcome.voice) == (4, "consensus")
    effects = {team.code: team for team in result.teams}
    model.set_positions({c: p for c, p in positions.items() if c != "LAO"})
    assert effects["LAO"].without == analyse_meeting(model, quarter, "ministerial", base).outcome
    assert effects["LAO"].without.tone < 4
    assert effects["LAO"].moved(result.outcome).startswith("pushed the text up")


def test_teams_must_be_members():
    with pytest.raises(ValueError, match="USA"):
        ClassroomModel().set_positions({"USA": TeamPosition(4)})


def test_sentences():
    assert describe_statement(_statement(3, "consensus")) == (
        "2024 summit (Q4), Laos in the chair: ASEAN, speaking as one, expresses serious or "
        "deep concern (tone 3, consensus)."
    )
    assert "many ministers expressed concern" in describe_draft(_statement(2, "split", 0.8))
    assert "some ministers" in describe_draft(_statement(2, "split", 0.7))
    assert describe_draft(_statement(None, "none", 0.5)).startswith("no agreed text")
    assert "2024 foreign ministers' meeting (Q3), with Laos" in latest_statement(ClassroomModel())


def test_timeline_labels_cards_and_scenario_shocks_alike():
    """Scenario shocks are labelled in words as played cards are, both on the chart."""
    model = ClassroomModel(scenario_file="nuclear_test_2027.yaml")
    play_card(model, "missile")
    for _ in range(4):
        model.step()
    found = {(str(m.quarter), m.label, m.played) for m in markers(model)}
    assert ("2024Q1", "Missile test", True) in found
    assert ("2027Q2", "Nuclear test", False) in found
    assert ("2027Q3", "New UNSC resolution", False) in found
    svg = tone_timeline_svg(model)
    assert "2024Q1 Missile test" in svg and "2027Q2 Nuclear test" in svg and ">LAO<" in svg
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 14
    assert "http" not in svg


def test_picker_lists_every_scenario_and_exercise():
    choices = scenario_choices()
    assert "baseline.yaml" in choices
    assert {str(p.relative_to(ROOT / "scenarios")) for p in EXERCISES} <= set(choices)
    assert len(EXERCISES) >= 3


@pytest.mark.parametrize("scenario", EXERCISES, ids=lambda p: p.parent.name)
def test_exercise_is_complete(scenario):
    load_scenario(scenario)
    guide = (scenario.parent / "README.md").read_text(encoding="utf-8")
    for heading in ("## Learning goals", "## Before", "## In class", "## After", "## Debrief"):
        assert heading in guide, f"{scenario.parent.name} lacks {heading!r}"
    articles = {
        line.split(",")[0]
        for line in (ROOT / "seeds" / "articles.csv").read_text().splitlines()[1:]
    }
    cited = set(re.findall(r"\d{3}_[0-9a-f]{16}", guide))
    assert cited and cited <= articles
    assert str(scenario.relative_to(ROOT)) in guide
    model = ClassroomModel(scenario_file=str(scenario.relative_to(ROOT / "scenarios")))
    model.step()
    model.step()
    assert str(model.clock) == "2024Q2"
