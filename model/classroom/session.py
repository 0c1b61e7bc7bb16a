"""The classroom's model: one scenario file, one seed, and the students' hands on it.

:class:`ClassroomModel` is :class:`~model.world.diplomacy.DiplomacyModel` built from a scenario
file (as ``model_from_scenario`` does), with two additions the page needs:

- the event cards played and the lever moves made during the lesson (``cards``), so the
  timeline can mark them;
- role-play positions: while ``positions`` holds team positions, ASEAN meetings use them
  for those members instead of the model's preferences, and each meeting's counterfactual
  analysis is kept in ``rounds``.

SolaraViz rebuilds the model on Reset by calling the class with the page's model
parameters, so the constructor's keywords (``scenario_file``, ``seed``) are the page's
schema. The name is not ``scenario``: Mesa's Model reserves that for its own scenarios.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from model.classroom.roleplay import RoundResult, TeamPosition, analyse_meeting, with_positions
from model.vocabulary import MEMBERS, Quarter
from model.world.diplomacy import DiplomacyModel
from model.world.initial import MEMBER_ROWS
from model.world.negotiation import Positions
from model.world.parameters import Parameters, default_parameters
from model.world.scenario import Scenario, ShockSpec, load_scenario
from model.world.warmstart import starting_state

SCENARIOS_ENV = "ASEAN_SIM_SCENARIOS"
DEFAULT_SCENARIO = "baseline.yaml"


def scenarios_dir() -> Path:
    """The scenarios folder: ``$ASEAN_SIM_SCENARIOS``, the checkout's, or ./scenarios."""
    override = os.environ.get(SCENARIOS_ENV)
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / "scenarios"
    return checkout if checkout.is_dir() else Path.cwd() / "scenarios"


def scenario_choices(folder: Path | None = None) -> list[str]:
    """Scenario files for the picker, relative to the folder: the top-level files first,
    then the classroom exercises' files."""
    folder = folder or scenarios_dir()
    top = sorted(p.name for p in folder.glob("*.yaml"))
    exercises = sorted(str(p.relative_to(folder)) for p in folder.glob("classroom/*/*.yaml"))
    return top + exercises


def _load(path: Path) -> Scenario:
    """Load a scenario once per file version (a teacher may edit it while serving)."""
    return _load_version(str(path), path.stat().st_mtime_ns)


@cache
def _load_version(path: str, mtime_ns: int) -> Scenario:
    return load_scenario(path)


@dataclass(frozen=True)
class PlayedCard:
    """An event card or lever move made during the lesson (for the timeline)."""

    quarter: Quarter
    label: str
    key: str = ""
    """What was moved (e.g. 'lever:us_pressure'), so repeated slider moves in one quarter
    replace each other on the timeline instead of piling up."""


class ClassroomModel(DiplomacyModel):
    """A scenario file run quarter by quarter in one browser session."""

    def __init__(
        self,
        *,
        scenario_file: str = DEFAULT_SCENARIO,
        seed: int = 0,
        parameters: Parameters | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        path = Path(scenario_file)
        if not path.is_absolute():
            path = scenarios_dir() / path
        self.scenario_spec = _load(path)
        self.scenario_file = scenario_file
        s = self.scenario_spec
        self.seed = int(seed) or s.seed  # 0: the scenario's own seed
        params = parameters if parameters is not None else default_parameters()
        if s.parameters:
            params = params.replace(**s.parameters)
        super().__init__(start=s.period.start, end=s.period.end, chairs=s.chairs,
                         levers=s.levers, shocks=s.shocks, actors=s.actors, parameters=params,
                         initial=starting_state(params, s, self.seed),
                         rng=rng if rng is not None else self.seed)
        self.cards: list[PlayedCard] = []
        self.team_positions: dict[str, TeamPosition] = {}
        self.rounds: list[RoundResult] = []
        self.member_rows = MEMBER_ROWS

    # --- the lesson's moves ---------------------------------------------------------
    def play(self, shock: ShockSpec, label: str, key: str = "") -> None:
        """Apply a shock now (dated the next quarter) and remember it for the timeline."""
        self.apply_shock(shock)
        card = PlayedCard(shock.quarter, label, key)
        last = self.cards[-1] if self.cards else None
        if key and last and (last.key, last.quarter) == (key, card.quarter):
            self.cards[-1] = card
        else:
            self.cards.append(card)

    def set_positions(self, positions: dict[str, TeamPosition]) -> None:
        """The teams' positions for the coming meetings (empty: the model decides)."""
        unknown = sorted(set(positions) - set(MEMBERS))
        if unknown:
            raise ValueError(f"teams must play ASEAN members, not {', '.join(unknown)}")
        self.team_positions = dict(positions)

    # --- the public meeting hook ------------------------------------------------------
    def meeting_positions(self, quarter: Quarter, meeting: str) -> Positions:
        """The model's positions, drawn once, with the teams' in place of their members';
        the counterfactual analysis of the meeting is kept in ``rounds``."""
        base = super().meeting_positions(quarter, meeting)
        if not self.team_positions:
            return base
        self.rounds.append(analyse_meeting(self, quarter, meeting, base))
        return with_positions(base, self.team_positions)
