"""Role-play: student teams take members' seats at an ASEAN meeting.

A team states the tone it wants (0-4, the README's tone scale) and how many tones either
side it could live with (its flexibility): that is its position at the table, in the
model's own units (model/world/negotiation.py), replacing the member's; it blocks any text
outside its range. The chair then drafts by the model's rule (consensus, a chairman's
statement or no text), with the model's agents for every member no team plays.

How much did each team matter? For each team the meeting is drafted again with that
team's member back at the model's position, every other team keeping its own: the
difference between the real outcome and that counterfactual is the team's effect. The
meeting-day positions of the model's members are drawn once and held fixed across the
counterfactuals, so an effect is the team's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from model.classroom.narrate import describe_draft
from model.vocabulary import MEMBERS, NAMES, TONES
from model.world.negotiation import Positions

if TYPE_CHECKING:
    from model.vocabulary import Quarter
    from model.world.diplomacy import Statement

MAX_TONE = max(TONES)


@dataclass(frozen=True)
class TeamPosition:
    """What a team wants: a tone 0-4 and how many tones either side it accepts."""

    tone: int
    flexibility: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.tone <= MAX_TONE:
            raise ValueError(f"tone {self.tone} is outside 0-{MAX_TONE}")
        if not 0 <= self.flexibility <= MAX_TONE:
            raise ValueError(f"flexibility {self.flexibility} is outside 0-{MAX_TONE}")

    def row(self) -> tuple[float, float, float, float]:
        """(preferred, lower, upper, salience) in tone units: a team cares fully."""
        return (
            float(self.tone),
            float(self.tone - self.flexibility),
            float(self.tone + self.flexibility),
            1.0,
        )

    def accepts(self, tone: int | None) -> bool:
        """Whether a text of ``tone`` lies inside the team's range (no text: False)."""
        return tone is not None and abs(tone - self.tone) <= self.flexibility


def with_positions(base: Positions, positions: dict[str, TeamPosition]) -> Positions:
    """The members' positions (MEMBERS order) with each team's range in its row."""
    return base.replace_rows({MEMBERS.index(c): p.row() for c, p in positions.items()})


@dataclass(frozen=True)
class TeamEffect:
    """One team's position and what the meeting would have been without it."""

    code: str
    position: TeamPosition
    model_tone: int
    """The tone the model's own agent for this member would have asked for."""
    without: Statement
    accepts: bool
    """Whether the adopted text lies inside the team's acceptable range."""

    def moved(self, outcome: Statement) -> str:
        """How the team changed the outcome, in words."""
        return describe_shift(self.without, outcome)


@dataclass(frozen=True)
class RoundResult:
    """One role-play meeting: the outcome, the model-only outcome, each team's effect."""

    year: int
    meeting: str
    chair: str
    outcome: Statement
    without_teams: Statement
    teams: tuple[TeamEffect, ...]
    absent: tuple[str, ...] = ()
    """Teams whose member does not sit at this meeting (Timor-Leste before accession)."""


def describe_shift(before: Statement, after: Statement) -> str:
    """'pushed the text up one tone', 'made consensus impossible', 'changed nothing'."""
    if before.voice != after.voice:
        if after.voice == "none":
            return "blocked any agreed text"
        if before.voice == "none":
            return f"made a {after.voice} text possible"
        if after.voice == "split":
            return "broke the consensus (the chair speaks for only some ministers)"
        return "restored consensus"
    if before.tone is None or after.tone is None or before.tone == after.tone:
        if set(before.blockers) != set(after.blockers) and after.voice == "consensus":
            return "changed who holds the text back, not the text"
        return "changed nothing"
    steps = after.tone - before.tone
    direction = "up" if steps > 0 else "down"
    count = {1: "one tone", 2: "two tones", 3: "three tones", 4: "four tones"}[abs(steps)]
    return f"pushed the text {direction} {count}"


class Table(Protocol):
    """The meeting room analyse_meeting needs (model.classroom.session.ClassroomModel
    provides it): named here so that role-play need not import the session that uses it."""

    active: np.ndarray
    member_rows: Any
    team_positions: Mapping[str, TeamPosition]

    def hold_meeting(self, quarter: Quarter, meeting: str, positions: Positions) -> Statement: ...
    def chair(self, year: int) -> str: ...


def analyse_meeting(model: Table, quarter: Quarter, meeting: str, base: Positions) -> RoundResult:
    """The meeting drafted from ``base`` (the model's own positions, drawn once) with
    the teams' positions, and again without each team in turn."""
    present = model.active[model.member_rows]
    codes = [c for c, here in zip(MEMBERS, present, strict=True) if here]
    seated = {c: p for c, p in model.team_positions.items() if c in codes}

    def draft(positions: dict[str, TeamPosition]) -> Statement:
        return model.hold_meeting(quarter, meeting, with_positions(base, positions))

    outcome = draft(seated)
    effects = []
    for code, position in seated.items():
        others = {c: p for c, p in seated.items() if c != code}
        own = round(float(base.preferred[MEMBERS.index(code)]))
        effects.append(
            TeamEffect(code, position, own, draft(others), position.accepts(outcome.tone))
        )
    absent = tuple(sorted(set(model.team_positions) - set(seated)))
    return RoundResult(
        quarter.year, meeting, model.chair(quarter.year), outcome, draft({}), tuple(effects), absent
    )


def team_summary(result: RoundResult) -> list[str]:
    """One sentence per team for the page and the debrief."""
    lines = []
    for effect in result.teams:
        name = NAMES[effect.code]
        verdict = "can accept" if effect.accepts else "cannot accept"
        if effect.accepts and result.outcome.tone is None:
            verdict = "sees no text issued"
        lines.append(
            f"{name} asked for tone {effect.position.tone} (±{effect.position.flexibility}; "
            f"the model's {name} would want tone {effect.model_tone}), {verdict} the text, "
            f"and {effect.moved(result.outcome)}."
        )
    for code in result.absent:
        lines.append(f"{NAMES[code]} does not sit at this meeting (not yet a member).")
    return lines


def class_summary(result: RoundResult) -> str:
    """What the teams did together, so that 'no team changed anything' is never left
    beside a class that did change the text: each team's effect holds the others fixed,
    and two teams pushing the same way can each be unnecessary while together decisive."""
    together = describe_shift(result.without_teams, result.outcome)
    alone = [e for e in result.teams if e.moved(result.outcome) != "changed nothing"]
    if together == "changed nothing":
        return "Together the teams changed nothing: the model alone issues the same text."
    if not alone:
        return (
            f"Together the teams {together}, but no team alone did: with any one "
            "team back in the model's hands the others still carry the text."
        )
    names = ", ".join(NAMES[e.code] for e in alone)
    return f"Together the teams {together}; on its own, {names} made a difference."


def chair_accepts(result: RoundResult) -> bool:
    """Whether the chair can live with the text it issued (a team in the chair by its
    range; the rule never lets a chair pen a text it would itself block). No text: True,
    the chair issued nothing."""
    if result.outcome.tone is None:
        return True
    for effect in result.teams:
        if effect.code == result.chair:
            return effect.accepts
    return True


def _statement_json(statement: Statement) -> dict[str, Any]:
    return {
        "tone": statement.tone,
        "voice": statement.voice,
        "support": round(float(statement.support), 4),
        "blockers": list(statement.blockers),
    }


def round_record(result: RoundResult, attempt: int, teams: Mapping[str, Any]) -> dict[str, Any]:
    """One meeting as plain data for the saved session, the projector and the debrief:
    the positions, the outcome, the model-only outcome and each team's counterfactual."""
    return {
        "year": result.year,
        "meeting": result.meeting,
        "chair": result.chair,
        "attempt": attempt,
        "outcome": _statement_json(result.outcome),
        "sentence": describe_draft(result.outcome),
        "without_teams": _statement_json(result.without_teams),
        "without_sentence": describe_draft(result.without_teams),
        "together": class_summary(result),
        "chair_accepts": chair_accepts(result),
        "teams": [
            {
                "country": e.code,
                "team": getattr(teams.get(e.code), "name", NAMES[e.code]),
                "tone": e.position.tone,
                "flexibility": e.position.flexibility,
                "model_tone": e.model_tone,
                "accepts": e.accepts,
                "without": _statement_json(e.without),
                "without_sentence": describe_draft(e.without),
                "effect": e.moved(result.outcome),
            }
            for e in result.teams
        ],
        "silent": sorted(set(teams) - {e.code for e in result.teams} - set(result.absent)),
        "absent": list(result.absent),
        "summary": team_summary(result),
    }
