"""Role-play: student teams take members' seats at an ASEAN meeting.

A team states the tone it wants (0-4, DESIGN.md section 3) and how many tones either
side it could live with (its flexibility). That becomes a severity range on the model's
own scale, replacing the member's preference; the chair then drafts by the model's
consensus rule (:func:`model.dynamics.consensus_statement`, through the chair agent) with
the model's agents for every member no team plays.

How much did each team matter? For each team, the meeting is drafted again with that
team's member back at the model's preference (every other team keeps its position): the
difference between the real outcome and that counterfactual is the team's effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.codes import MEMBERS, NAMES, TONES
from model.dynamics import Draft, severity_to_tone
from model.initial import MEMBER_ROWS

if TYPE_CHECKING:
    from model.classroom.session import ClassroomModel
    from model.quarters import Quarter

MAX_TONE = max(TONES)
EDGE = 1e-9
"""Keeps a team's upper bound strictly inside its highest acceptable tone band."""


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

    def severity_range(self, thresholds: np.ndarray) -> tuple[float, float, float]:
        """(preferred, lower, upper) severity: the middle of the wanted tone's band and
        the edges of the lowest and highest acceptable tones' bands."""
        edges = np.concatenate(([0.0], thresholds, [1.0]))
        low_tone = max(self.tone - self.flexibility, 0)
        high_tone = min(self.tone + self.flexibility, MAX_TONE)
        preferred = (edges[self.tone] + edges[self.tone + 1]) / 2
        upper = edges[high_tone + 1] - (EDGE if high_tone < MAX_TONE else 0.0)
        return float(preferred), float(edges[low_tone]), float(upper)


def with_positions(preferred: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   positions: dict[str, TeamPosition], thresholds: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies of the members' arrays (MEMBERS order) with each team's range in its row."""
    preferred, lower, upper = preferred.copy(), lower.copy(), upper.copy()
    for code, position in positions.items():
        i = MEMBERS.index(code)
        preferred[i], lower[i], upper[i] = position.severity_range(thresholds)
    return preferred, lower, upper


@dataclass(frozen=True)
class TeamEffect:
    """One team's position and what the meeting would have been without it."""

    code: str
    position: TeamPosition
    model_tone: int
    """The tone the model's own agent for this member would have asked for."""
    without: Draft
    accepts: bool
    """Whether the adopted text lies inside the team's acceptable range."""

    def moved(self, outcome: Draft) -> str:
        """How the team changed the outcome, in words."""
        return describe_shift(self.without, outcome)


@dataclass(frozen=True)
class RoundResult:
    """One role-play meeting: the outcome, the model-only outcome, each team's effect."""

    year: int
    meeting: str
    chair: str
    outcome: Draft
    without_teams: Draft
    teams: tuple[TeamEffect, ...]
    absent: tuple[str, ...] = ()
    """Teams whose member does not sit at this meeting (Timor-Leste before accession)."""


def describe_shift(before: Draft, after: Draft) -> str:
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
        if before.severity is not None and after.severity is not None:
            delta = after.severity - before.severity
            if abs(delta) >= 0.01:
                word = "harder" if delta > 0 else "softer"
                return f"made the wording a little {word} within the same tone"
        return "changed nothing"
    steps = after.tone - before.tone
    direction = "up" if steps > 0 else "down"
    count = {1: "one tone", 2: "two tones", 3: "three tones", 4: "four tones"}[abs(steps)]
    return f"pushed the text {direction} {count}"


def analyse_meeting(model: ClassroomModel, quarter: Quarter, meeting: str) -> RoundResult:
    """Draft the meeting as the model would now, with and without each team's position."""
    present = model.active[MEMBER_ROWS]
    codes = [c for c, here in zip(MEMBERS, present, strict=True) if here]
    chair = model.chair(quarter.year)
    chair_agent = model.members[MEMBERS.index(chair)]
    chair_position = codes.index(chair) if chair in codes else 0
    base = model.model_preferences()
    seated = {c: p for c, p in model.positions.items() if c in codes}

    def draft(positions: dict[str, TeamPosition]) -> Draft:
        arrays = with_positions(*base, positions, model.thresholds)
        return chair_agent.draft(*(a[present] for a in arrays), chair_position)

    outcome = draft(seated)
    effects = []
    for code, position in seated.items():
        others = {c: p for c, p in seated.items() if c != code}
        _, low, high = position.severity_range(model.thresholds)
        accepts = outcome.severity is not None and low <= outcome.severity <= high
        own = severity_to_tone(float(base[0][MEMBERS.index(code)]), model.thresholds)
        effects.append(TeamEffect(code, position, own, draft(others), accepts))
    absent = tuple(sorted(set(model.positions) - set(seated)))
    return RoundResult(quarter.year, meeting, chair, outcome, draft({}), tuple(effects), absent)


def team_summary(result: RoundResult) -> list[str]:
    """One sentence per team for the page and the debrief."""
    lines = []
    for effect in result.teams:
        name = NAMES[effect.code]
        verdict = "can accept" if effect.accepts else "cannot accept"
        lines.append(
            f"{name} asked for tone {effect.position.tone} (±{effect.position.flexibility}; "
            f"the model's {name} would want tone {effect.model_tone}), {verdict} the text, "
            f"and {effect.moved(result.outcome)}.")
    for code in result.absent:
        lines.append(f"{NAMES[code]} does not sit at this meeting (not yet a member).")
    return lines
