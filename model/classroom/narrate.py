"""ASEAN's statements and the model's state in plain sentences for students."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.codes import NAMES, TONES
from model.dynamics import Draft

if TYPE_CHECKING:
    from model.world import DiplomacyModel, Statement

MEETING_WORDS = {"ministerial": "foreign ministers' meeting (Q3)", "summit": "summit (Q4)"}


def describe_draft(draft: Draft) -> str:
    """What ASEAN says and in which voice, e.g. 'ASEAN expresses concern (consensus)'."""
    if draft.voice == "none" or draft.tone is None:
        return (f"no agreed text: at most {draft.support:.0%} of members could accept any "
                "wording")
    words = TONES[draft.tone]
    if draft.voice == "split":
        return (f"a chair's statement that {words} (tone {draft.tone}); only "
                f"{draft.support:.0%} of members accept it, so it speaks of 'some ministers'")
    return f"ASEAN, speaking as one, {words} (tone {draft.tone}, consensus)"


def describe_statement(statement: Statement) -> str:
    """One sentence for a statement: when, who chairs, tone and voice."""
    meeting = MEETING_WORDS.get(statement.meeting, statement.meeting)
    draft = Draft(statement.tone, statement.voice, statement.severity, statement.support)
    return f"{statement.year} {meeting}, {NAMES[statement.chair]} in the chair: " + \
        describe_draft(draft) + "."


def latest_statement(model: DiplomacyModel) -> str:
    """The latest statement, or what comes next when none has been issued yet."""
    if model.statements:
        return describe_statement(model.statements[-1])
    upcoming = model.next_quarter
    if upcoming is None:
        return "No ASEAN meeting took place in this run."
    meeting = MEETING_WORDS["ministerial" if upcoming.q <= 3 else "summit"]
    return (f"No statement yet: the next ASEAN meeting is the {upcoming.year} {meeting}, "
            f"with {NAMES[model.chair(upcoming.year)]} in the chair.")


def clock_line(model: DiplomacyModel) -> str:
    """Where the run stands: the last quarter simulated and the next one."""
    done = "not started" if model.clock is None else f"simulated up to {model.clock}"
    nxt = model.next_quarter
    after = f"next quarter {nxt}" if nxt is not None else "the run is over"
    return f"Quarter: {done}; {after}."
