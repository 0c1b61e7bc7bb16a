"""A class session without a browser: the log it replays, meetings held again, each team's
counterfactual, the chair's own acceptance, the saved file, the ensemble and the debrief.

History (2000-2025) is used where a quick run is enough: it starts where the record does,
so no warm start has to be computed first.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from model.classroom.debrief import debrief_html
from model.classroom.forecast import NO_TEXT, class_scenario, year_distribution
from model.classroom.roleplay import TeamPosition, describe_shift
from model.classroom.session import ClassSession, SessionError
from model.classroom.store import SESSION, ClassStore
from model.classroom.views import e, meeting_markup
from model.files.safe_output import OutputError, file_problem
from model.vocabulary import MEETINGS, MEMBERS

HISTORY = "history.yaml"


def _class(scenario: str = HISTORY, teams=("SGP", "LAO", "KHM", "PHL", "VNM")) -> ClassSession:
    session = ClassSession("TESTAB", "teacher-token", scenario)
    for code in teams:
        session.join(code)
    return session


def test_the_model_is_the_replayed_log():
    session = _class()
    session.set_position("LAO", 1, 0)
    session.advance_to_meeting()
    session.open_meeting()
    session.hold_meeting()
    session.play_card("nuclear")  # dated 2000Q4, the summit's quarter
    session.open_meeting()
    session.hold_meeting()
    again = ClassSession.from_json(json.loads(json.dumps(session.to_json())))
    assert again.model.statements == session.model.statements
    np.testing.assert_array_equal(again.model.member_history, session.model.member_history)
    assert [c.label for c in again.model.cards] == ["Nuclear test"]
    assert again.meeting_state == "held" and again.record == session.record


def test_the_draft_on_the_table_is_the_text_the_chair_issues():
    """The open meeting's preview uses the same meeting-day draws as the real meeting."""
    session = _class()
    session.set_position("SGP", 4, 0)
    session.set_position("LAO", 0, 1)
    session.advance_to_meeting()
    session.open_meeting()
    preview = session.draft_on_table()
    entry = session.hold_meeting()
    assert session.model.statements[-1] == preview.outcome
    assert entry["outcome"]["tone"] == preview.outcome.tone


def test_a_meeting_is_held_again_without_replaying_the_year():
    session = _class()
    for code in session.teams:
        session.set_position(code, 2, 1)
    session.advance_to_meeting()
    before = list(session.model.statements)
    session.open_meeting()
    first = session.hold_meeting()
    clock = session.model.clock
    session.set_position("LAO", 0, 0)
    session.set_position("KHM", 0, 0)
    second = session.hold_meeting()
    assert session.model.clock == clock  # the same quarter, drafted again
    assert len(session.model.statements) == len(before) + 1
    assert session.model.statements[: len(before)] == before
    assert (first["attempt"], second["attempt"]) == (1, 2)
    shown = meeting_markup(session, projector=True)  # the projector lists attempt 1
    assert "Earlier attempts" in shown and f"Attempt 1: {e(first['sentence'])}" in shown
    assert "Laos (LAO) tone 2" in shown
    assert {t["country"]: t["tone"] for t in second["teams"]}["LAO"] == 0
    session.play_card("missile")  # any other move closes the meeting
    with pytest.raises(SessionError, match="open the meeting first"):
        session.hold_meeting()


def test_each_teams_effect_holds_the_others_fixed():
    session = _class()
    positions = {"SGP": (4, 0), "LAO": (1, 1), "KHM": (0, 0), "PHL": (3, 1), "VNM": (2, 2)}
    for code, (tone, flex) in positions.items():
        session.set_position(code, tone, flex)
    session.advance_to_meeting()
    table = session.open_meeting()
    entry = session.hold_meeting()
    seated = session.seated()
    for team in entry["teams"]:
        others = {c: p for c, p in seated.items() if c != team["country"]}
        without = table.analyse(others).outcome
        assert team["without"]["tone"] == without.tone
        assert team["without"]["voice"] == without.voice
        assert team["effect"] == describe_shift(without, session.model.statements[-1])
    assert entry["without_teams"]["tone"] == table.analyse({}).outcome.tone


def test_together_never_contradicts_the_model_alone():
    """'Every team changed nothing' is never left beside a class that changed the text."""
    session = _class()
    session.advance_to_meeting()
    session.open_meeting()
    rng = np.random.default_rng(7)
    for _ in range(12):
        for code in session.teams:
            session.set_position(code, int(rng.integers(0, 5)), int(rng.integers(0, 3)))
        entry = session.hold_meeting()
        moved = describe_shift_of(entry) != "changed nothing"
        assert entry["together"].startswith("Together the teams changed nothing") != moved
        if moved and all(t["effect"] == "changed nothing" for t in entry["teams"]):
            assert "no team alone did" in entry["together"]


def describe_shift_of(entry) -> str:
    from model.world.diplomacy import Statement

    def statement(data):
        return Statement(
            2000,
            "ministerial",
            "THA",
            data["tone"],
            data["voice"],
            0.0,
            data["support"],
            tuple(data["blockers"]),
        )

    return describe_shift(statement(entry["without_teams"]), statement(entry["outcome"]))


def test_the_chair_never_issues_a_text_it_cannot_accept():
    """A team in the chair: whatever the positions, the text lies in its range (or none)."""
    session = _class(teams=("THA", "LAO", "KHM", "PHL", "SGP", "VNM"))  # Thailand chairs 2000
    session.advance_to_meeting()
    session.open_meeting()
    assert session.table().model.chair(2000) == "THA"
    rng = np.random.default_rng(11)
    for _ in range(40):
        for code in session.teams:
            session.set_position(code, int(rng.integers(0, 5)), int(rng.integers(0, 2)))
        result = session.draft_on_table()
        chair = session.teams["THA"].position
        assert result.outcome.tone is None or chair.accepts(result.outcome.tone), result
    entry = session.hold_meeting()
    assert entry["chair_accepts"]


def test_advancing_stops_before_a_meeting_the_teams_attend():
    session = _class()
    assert session.advance(8) == 2  # 2000Q1, Q2; Q3 holds the ministerial meeting
    with pytest.raises(SessionError, match="open it"):
        session.advance(1)
    alone = ClassSession("ALONE1", "t", HISTORY)  # without teams the model runs through
    assert alone.advance(8) == 8 and len(alone.model.statements) == 4


def test_seats_and_positions_are_checked():
    session = _class(teams=("LAO",))
    with pytest.raises(SessionError, match="already has a team"):
        session.join("LAO")
    with pytest.raises(SessionError, match="not an ASEAN member"):
        session.join("USA")
    with pytest.raises(SessionError, match="table yet"):
        session.join("TLS")  # Timor-Leste joins ASEAN in 2025
    with pytest.raises(SessionError, match="tone 5"):
        session.set_position("LAO", 5, 0)
    assert session.team_by_token(session.teams["LAO"].token).country == "LAO"
    assert session.team_by_token("guess") is None and not session.is_teacher("guess")


def test_store_saves_and_loads_and_keeps_foreign_files(tmp_path):
    store = ClassStore(tmp_path / "classes")
    session = store.create(HISTORY)
    session.join("LAO")
    session.set_position("LAO", 3, 1)
    session.advance(2)
    store.save(session)
    again = ClassStore(tmp_path / "classes")
    assert again.load() == [session.code]
    loaded = again.get(session.code.lower())
    assert loaded.model.clock == session.model.clock
    assert loaded.teams["LAO"].position == TeamPosition(3, 1)
    assert not loaded.model_changed
    saved = json.loads(store.path(session.code).read_text(encoding="utf-8"))
    saved["model_digest"] = "another version of the model"
    store.path(session.code).write_text(json.dumps(saved), encoding="utf-8")
    stale = ClassStore(tmp_path / "classes")
    stale.load()
    assert stale.get(session.code).model_changed  # the console warns the teacher
    foreign = tmp_path / "classes" / "NOTOUR.json"
    foreign.write_text('{"a": 1}', encoding="utf-8")
    assert file_problem(foreign, SESSION) is not None
    assert ClassStore(tmp_path / "classes").load() == [session.code]
    clash = store.path("CLASH1")
    clash.write_text("my notes", encoding="utf-8")
    with pytest.raises(OutputError, match="only overwrites files it wrote"):
        store.save(ClassSession("CLASH1", "t", HISTORY))
    assert clash.read_text(encoding="utf-8") == "my notes"


def test_ensemble_counts_every_run_and_carries_the_class_cards():
    session = ClassSession("ENSEMB", "t", HISTORY)
    session.play_card("nuclear")
    played = session.model.played_shocks
    scenario = class_scenario(session.scenario, played, 2000)
    assert str(scenario.end) == "2000Q4"
    assert any(s.type == "nuclear_test" and str(s.quarter) == "2000Q1" for s in scenario.shocks)
    found = year_distribution(session.scenario, played, 2000, replicates=64)
    for meeting in MEETINGS:
        assert sum(found.counts[meeting]) == 64
        assert 0 <= found.consensus[meeting] <= 64 - found.counts[meeting][NO_TEXT]
    assert found.to_json() == type(found).from_json(found.to_json()).to_json()


def test_debrief_is_one_self_contained_page():
    session = _class(teams=("LAO", "KHM"))
    session.set_position("LAO", 1, 0)
    session.set_position("KHM", 1, 0)
    session.advance_to_meeting()
    session.open_meeting()
    session.hold_meeting()
    session.set_position("LAO", 3, 1)
    session.hold_meeting()
    page = debrief_html(session)
    assert "http" not in page and "<script" not in page and "<link" not in page
    assert "<img" not in page and page.count("<svg") >= 2
    assert "attempt 1" in page and "attempt 2" in page
    assert "The 2000 foreign ministers&#x27; meeting (2000Q3)" in page
    assert "Laos (LAO)" in page and "Without this team (others fixed)" in page
    assert re.search(r"Runs with the same tone", page)
    assert set(MEMBERS) >= set(session.teams)


def test_closing_a_meeting():
    session = _class(teams=("LAO",))
    session.advance_to_meeting()
    session.open_meeting()
    session.close_meeting()  # put off: the class cannot move past it until it is held
    with pytest.raises(SessionError, match="open it"):
        session.advance(4)
    session.open_meeting()
    session.hold_meeting()
    session.close_meeting()  # the text stands
    assert session.meeting_state == "closed" and len(session.model.statements) == 1
    with pytest.raises(SessionError, match="open the meeting first"):
        session.hold_meeting()


def test_the_timeline_lists_every_marked_event_in_full():
    """Chart labels are cut short and one quarter can hold several events: the list under
    the chart names each in full."""
    from model.classroom.views import charts_markup

    session = _class(teams=())
    session.advance(2)
    session.play_card("missile")
    shown = charts_markup(session)
    listed = re.findall(r"<li class=\"(\w+)\">([^<]*)</li>", shown)
    assert any(kind == "played" and "(card played)" in text for kind, text in listed)
    assert any(kind == "scenario" and "Inter-Korean summit" in text for kind, text in listed)
    assert any("DPRK testing pause" in text for _, text in listed)  # every shock type worded
