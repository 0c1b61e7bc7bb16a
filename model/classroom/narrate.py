"""ASEAN's statements and the model's state in plain sentences for students."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.vocabulary import NAMES, TONES, next_meeting

if TYPE_CHECKING:
    from model.world.diplomacy import DiplomacyModel, Statement

MINISTERS_SAY = {
    0: "welcomed the diplomacy",
    1: "urged restraint and dialogue",
    2: "expressed concern",
    3: "expressed serious concern",
    4: "expressed grave concern",
}
"""What 'many' or 'some ministers' said in a chairman's statement, per tone."""
MEETING_WORDS = {"ministerial": "foreign ministers' meeting (Q3)", "summit": "summit (Q4)"}


def describe_draft(draft: Statement) -> str:
    """What ASEAN says and in which voice, e.g. 'ASEAN expresses concern (consensus)'."""
    if draft.voice == "none" or draft.tone is None:
        return (
            f"no agreed text: the chair dropped the item (no wording it could accept "
            f"had more than {draft.support:.0%} of members behind it)"
        )
    words = TONES[draft.tone]
    if draft.voice == "split":
        many = "many" if draft.support >= 0.75 else "some"
        return (
            f"a chairman's statement in which {many} ministers {MINISTERS_SAY[draft.tone]} "
            f"(tone {draft.tone}, split: {draft.support:.0%} of members do not block it)"
        )
    return f"ASEAN, speaking as one, {words} (tone {draft.tone}, consensus)"


def describe_statement(statement: Statement) -> str:
    """One sentence for a statement: when, who chairs, tone and voice."""
    meeting = MEETING_WORDS.get(statement.meeting, statement.meeting)
    return (
        f"{statement.year} {meeting}, {NAMES[statement.chair]} in the chair: "
        + describe_draft(statement)
        + "."
    )


def latest_statement(model: DiplomacyModel) -> str:
    """The latest statement, or what comes next when none has been issued yet."""
    if model.statements:
        return describe_statement(model.statements[-1])
    upcoming = model.next_quarter
    if upcoming is None:
        return "No ASEAN meeting took place in this run."
    meeting = MEETING_WORDS[next_meeting(upcoming)[1]]
    return (
        f"No statement yet: the next ASEAN meeting is the {upcoming.year} {meeting}, "
        f"with {NAMES[model.chair(upcoming.year)]} in the chair."
    )


def clock_line(model: DiplomacyModel) -> str:
    """Where the run stands: the last quarter simulated and the next one."""
    done = "not started" if model.clock is None else f"simulated up to {model.clock}"
    nxt = model.next_quarter
    after = f"next quarter {nxt}" if nxt is not None else "the run is over"
    return f"Quarter: {done}; {after}."


def country(code: str) -> str:
    """A country by name with its code: 'Laos (LAO)'."""
    return f"{NAMES.get(code, code)} ({code})"


def meeting_title(quarter_year: int, meeting: str, capital: bool = False) -> str:
    """'the 2027 foreign ministers' meeting (2027Q3)' ('The ...' to open a sentence)."""
    words = {"ministerial": "foreign ministers' meeting", "summit": "summit"}[meeting]
    q = {"ministerial": 3, "summit": 4}[meeting]
    return f"{'The' if capital else 'the'} {quarter_year} {words} ({quarter_year}Q{q})"


def range_words(tone: int, flexibility: int) -> str:
    """'tone 3 (expresses serious or deep concern), accepting tones 2-4'."""
    low, high = max(tone - flexibility, 0), min(tone + flexibility, max(TONES))
    accepts = f"accepting only tone {tone}" if low == high else f"accepting tones {low}-{high}"
    return f"tone {tone} ({TONES[tone]}), {accepts}"
