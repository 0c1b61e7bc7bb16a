"""The classroom's model and the class session around it.

:class:`ClassroomModel` is :class:`~model.world.diplomacy.DiplomacyModel` built from a
scenario file (as ``model_from_scenario`` does), with what a lesson adds: the event cards
and lever moves played (``cards``), the teams' positions for the coming meeting
(``team_positions``: its public ``meeting_positions`` hook puts them in place of their
members'), each meeting's counterfactual analysis (``rounds``) and, on request, a frozen
copy of the model as it sits at the next meeting (``table``), on which "what if" drafts
are cheap because ``hold_meeting`` is pure.

:class:`ClassSession` is one class: a join code, a teacher token, the teams (one country
each, with a private position) and the log of what the teacher did. The model is never
saved: it is rebuilt by replaying the log from the scenario and seed (the model is
deterministic given both), which is what lets a meeting be held again with new positions
without replaying the year by hand, and lets a class survive a server restart. The
session is saved as one JSON file (see :mod:`model.classroom.store`).
"""

from __future__ import annotations

import copy
import os
import secrets
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from model.classroom.cards import CARDS, GameOver, move_lever, play_card
from model.classroom.roleplay import (
    RoundResult,
    TeamPosition,
    analyse_meeting,
    round_record,
    with_positions,
)
from model.vocabulary import MEMBERS, NAMES, Quarter, meeting_in
from model.world.diplomacy import DiplomacyModel
from model.world.initial import MEMBER_ROWS
from model.world.levers import LEVERS
from model.world.negotiation import Positions
from model.world.parameters import Parameters, default_parameters
from model.world.scenario import Scenario, ShockSpec, load_scenario
from model.world.warmstart import starting_state

SCENARIOS_ENV = "ASEAN_SIM_SCENARIOS"
DEFAULT_SCENARIO = "baseline.yaml"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Join-code letters: no 0/O, 1/I/L, so a code read off a projector is typed right."""
CODE_LENGTH = 6


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


def scenario_titles(folder: Path | None = None) -> dict[str, str]:
    """Each pickable scenario file with its title (a file that does not load is left out,
    so one broken file does not take the picker down)."""
    folder = folder or scenarios_dir()
    titles = {}
    for name in scenario_choices(folder):
        try:
            titles[name] = _load(folder / name).title
        except (OSError, ValueError):
            continue
    return titles


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
    """What was moved (e.g. 'lever:us_pressure'), so repeated lever moves in one quarter
    replace each other on the timeline instead of piling up."""


@dataclass
class Table:
    """The model frozen at a meeting, just before the chair drafts: the members' positions
    as drawn for that day (``base``) and a copy of the model to draft on."""

    quarter: Quarter
    meeting: str
    base: Positions
    model: ClassroomModel

    def analyse(self, positions: dict[str, TeamPosition]) -> RoundResult:
        """The meeting with these team positions (others the model's), and each team's
        effect: pure, the table is left as it was."""
        self.model.team_positions = dict(positions)
        return analyse_meeting(self.model, self.quarter, self.meeting, self.base)


class ClassroomModel(DiplomacyModel):
    """A scenario file run quarter by quarter for a class."""

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
        super().__init__(
            start=s.period.start,
            end=s.period.end,
            chairs=s.chairs,
            levers=s.levers,
            shocks=s.shocks,
            actors=s.actors,
            parameters=params,
            initial=starting_state(params, s, self.seed),
            rng=rng if rng is not None else self.seed,
        )
        self.cards: list[PlayedCard] = []
        self.played_shocks: list[ShockSpec] = []
        self.team_positions: dict[str, TeamPosition] = {}
        self.rounds: list[RoundResult] = []
        self.member_rows = MEMBER_ROWS
        self.capture_table = False
        self.table: Table | None = None

    # --- the lesson's moves ---------------------------------------------------------
    def play(self, shock: ShockSpec, label: str, key: str = "") -> None:
        """Apply a shock now (dated the next quarter) and remember it for the timeline."""
        self.apply_shock(shock)
        self.played_shocks.append(shock)
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

    def next_meeting(self) -> tuple[Quarter, str] | None:
        """The quarter and name of the meeting the next step holds, if it holds one."""
        upcoming = self.next_quarter
        meeting = meeting_in(upcoming) if upcoming is not None else None
        return (upcoming, meeting) if meeting else None

    def table_for_next_meeting(self) -> Table:
        """The next quarter's meeting as it will sit, on a copy (this model is unchanged):
        the same random draws as the real meeting, since they come before the text."""
        if self.next_meeting() is None:
            raise ValueError("the next quarter holds no ASEAN meeting")
        scratch = copy.deepcopy(self)
        scratch.team_positions = {}
        scratch.capture_table = True
        scratch.step()
        assert scratch.table is not None
        return scratch.table

    # --- the public meeting hook ------------------------------------------------------
    def meeting_positions(self, quarter: Quarter, meeting: str) -> Positions:
        """The model's positions, drawn once, with the teams' in place of their members';
        the counterfactual analysis of the meeting is kept in ``rounds``."""
        base = super().meeting_positions(quarter, meeting)
        if self.capture_table:
            frozen = copy.deepcopy(self)
            frozen.capture_table = False
            self.table = Table(quarter, meeting, base, frozen)
        if not self.team_positions:
            return base
        self.rounds.append(analyse_meeting(self, quarter, meeting, base))
        return with_positions(base, self.team_positions)


# --- the class session -------------------------------------------------------------------
class SessionError(ValueError):
    """A teacher's or team's action that cannot be done now (shown to them as is)."""


@dataclass
class Team:
    """One team: the country it speaks for, its secret token and its private position."""

    country: str
    name: str
    token: str
    position: TeamPosition | None = None

    def to_json(self) -> dict[str, Any]:
        p = self.position
        return {
            "country": self.country,
            "name": self.name,
            "token": self.token,
            "position": None if p is None else [p.tone, p.flexibility],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Team:
        p = data.get("position")
        return cls(
            str(data["country"]),
            str(data["name"]),
            str(data["token"]),
            None if p is None else TeamPosition(int(p[0]), int(p[1])),
        )


def new_code(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A fresh join code (six letters and digits, easy to read aloud)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


MEETING_STATES = ("closed", "open", "held")
"""``open``: the teams set their positions and the projector shows the draft on the table;
``held``: the chair has issued the text, and the meeting can be held again with new
positions until the teacher moves on."""


@dataclass
class ClassSession:
    """One class: its scenario, its teams and the log of the teacher's moves."""

    code: str
    teacher_token: str
    scenario_file: str
    seed: int = 0
    teams: dict[str, Team] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    record: list[dict[str, Any]] = field(default_factory=list)
    """Every meeting the class held, each attempt kept (round_record dicts)."""
    meeting_state: str = "closed"
    version: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self._table: Table | None = None
        self.model_changed = False
        """Set when the class was saved under another version of the model."""
        self.model = self._replay(self.log)

    # --- building the model from the log ----------------------------------------------
    def _fresh(self) -> ClassroomModel:
        return ClassroomModel(scenario_file=self.scenario_file, seed=self.seed)

    def _replay(self, log: list[dict[str, Any]]) -> ClassroomModel:
        model = self._fresh()
        for action in log:
            _apply(model, action)
        return model

    def _do(self, action: dict[str, Any]) -> None:
        _apply(self.model, action)
        self.log.append(action)
        self.version += 1

    # --- what the views read -----------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self.model.scenario_spec

    def seated(self) -> dict[str, TeamPosition]:
        """The submitted positions of the teams (a team without one: the model speaks)."""
        return {c: t.position for c, t in self.teams.items() if t.position is not None}

    def table(self) -> Table | None:
        """The open (or held) meeting's table, rebuilt after a restart when needed."""
        if self.meeting_state == "closed":
            return None
        if self._table is None:
            log = self.log[:-1] if self.meeting_state == "held" else self.log
            self._table = self._replay(log).table_for_next_meeting()
        return self._table

    def draft_on_table(self) -> RoundResult | None:
        """What the chair would issue now from the positions submitted so far."""
        table = self.table()
        return None if table is None else table.analyse(self.seated())

    def free_countries(self) -> list[str]:
        """Members no team speaks for yet that sit at ASEAN's table now."""
        present = self.model.active[MEMBER_ROWS]
        return [c for c, here in zip(MEMBERS, present, strict=True) if here and c not in self.teams]

    def team_by_token(self, token: str | None) -> Team | None:
        if not token:
            return None
        for team in self.teams.values():
            if secrets.compare_digest(team.token, token):
                return team
        return None

    def is_teacher(self, token: str | None) -> bool:
        return bool(token) and secrets.compare_digest(self.teacher_token, token)

    # --- teams -----------------------------------------------------------------------
    def join(self, country: str, name: str = "") -> Team:
        """Seat a new team for ``country``; returns it (with its token)."""
        if country not in MEMBERS:
            raise SessionError(f"{country!r} is not an ASEAN member")
        if country in self.teams:
            raise SessionError(f"{NAMES[country]} already has a team")
        if country not in self.free_countries():
            raise SessionError(f"{NAMES[country]} does not sit at ASEAN's table yet")
        clean = " ".join(str(name).split())[:40] or f"Team {NAMES[country]}"
        team = Team(country, clean, secrets.token_urlsafe(18))
        self.teams[country] = team
        self.version += 1
        return team

    def set_position(self, country: str, tone: int, flexibility: int) -> TeamPosition:
        """A team's position (only its own: the caller passes the team's country)."""
        try:
            position = TeamPosition(int(tone), int(flexibility))
        except (TypeError, ValueError) as exc:
            raise SessionError(str(exc)) from None
        self.teams[country].position = position
        self.version += 1
        return position

    def free_seat(self, country: str) -> None:
        """The teacher frees a country (a team that lost its browser joins again)."""
        if self.teams.pop(country, None) is None:
            raise SessionError(f"no team speaks for {NAMES.get(country, country)}")
        self.version += 1

    # --- the teacher's moves -------------------------------------------------------------
    def _move_on(self) -> None:
        """Any move other than holding again closes a held meeting."""
        if self.meeting_state == "open":
            raise SessionError("the meeting is open: hold it first")
        self.meeting_state = "closed"
        self._table = None

    def close_meeting(self) -> None:
        """Close the meeting: a held one keeps its last text; an open one is put off (the
        class cannot move past it until it is held)."""
        if self.meeting_state == "closed":
            raise SessionError("no meeting is open")
        self.meeting_state = "closed"
        self._table = None
        self.version += 1

    def advance(self, quarters: int = 1) -> int:
        """Simulate up to ``quarters`` quarters, stopping before a meeting the teams should
        attend (open it instead); returns how many were simulated."""
        self._move_on()
        done = 0
        for _ in range(quarters):
            if self.model.next_quarter is None:
                break
            if self.model.next_meeting() and self.teams:
                if done == 0:
                    quarter, meeting = self.model.next_meeting()
                    raise SessionError(
                        f"{quarter} holds the {quarter.year} {meeting} meeting:"
                        " open it so the teams can set their positions"
                    )
                break
            self._do({"do": "step"})
            done += 1
        if done == 0 and self.model.next_quarter is None:
            raise SessionError("the run is over")
        return done

    def advance_to_meeting(self) -> int:
        """Simulate quarters until the next one holds a meeting (or the run ends)."""
        self._move_on()
        done = 0
        while self.model.next_quarter is not None and self.model.next_meeting() is None:
            self._do({"do": "step"})
            done += 1
        return done

    def play_card(self, key: str, member: str | None = None) -> str:
        """Play an event card in the next quarter; returns its timeline label."""
        self._move_on()
        if key not in CARDS:
            raise SessionError(f"no event card {key!r}")
        if CARDS[key].member is not None and member not in MEMBERS:
            raise SessionError(f"the {CARDS[key].label} card needs a member")
        if self.model.next_quarter is None:
            raise SessionError("the run is over")
        action = {
            "do": "card",
            "key": key,
            "member": member if CARDS[key].member else None,
            "at": str(self.model.next_quarter),
        }
        self._do(action)
        return self.model.cards[-1].label

    def set_lever(self, name: str, value: float) -> str:
        """Move a lever from the next quarter on."""
        self._move_on()
        if name not in LEVERS:
            raise SessionError(f"no lever {name!r}")
        if self.model.next_quarter is None:
            raise SessionError("the run is over")
        self._do(
            {"do": "lever", "name": name, "value": float(value), "at": str(self.model.next_quarter)}
        )
        return self.model.cards[-1].label

    def open_meeting(self) -> Table:
        """Set the table for the next quarter's meeting: teams set their positions."""
        self._move_on()
        if self.model.next_meeting() is None:
            raise SessionError("the next quarter holds no ASEAN meeting: advance to it")
        self._table = self.model.table_for_next_meeting()
        self.meeting_state = "open"
        self.version += 1
        return self._table

    def hold_meeting(self) -> dict[str, Any]:
        """The chair drafts from the positions submitted (open meeting), or drafts again
        with the teams' new positions (held meeting): the quarter is simulated again from
        the log, so nothing before the meeting changes; returns the round's record."""
        if self.meeting_state == "closed":
            raise SessionError("open the meeting first")
        positions = {c: [p.tone, p.flexibility] for c, p in self.seated().items()}
        if self.meeting_state == "held":
            self.log.pop()
            self.model = self._replay(self.log)
        self._do({"do": "meeting", "positions": positions})
        result = self.model.rounds[-1] if self.model.rounds and positions else None
        if result is None:  # no team submitted: the model spoke for everyone
            result = self.table().analyse({})
        attempt = 1 + sum(
            1 for r in self.record if (r["year"], r["meeting"]) == (result.year, result.meeting)
        )
        entry = round_record(result, attempt, self.teams)
        self.record.append(entry)
        self.meeting_state = "held"
        return entry

    def last_round(self) -> dict[str, Any] | None:
        return self.record[-1] if self.record else None

    # --- saving ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "teacher_token": self.teacher_token,
            "scenario_file": self.scenario_file,
            "seed": self.seed,
            "teams": [t.to_json() for t in self.teams.values()],
            "log": self.log,
            "record": self.record,
            "meeting_state": self.meeting_state,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClassSession:
        teams = {t["country"]: Team.from_json(t) for t in data.get("teams", [])}
        state = data.get("meeting_state", "closed")
        if state not in MEETING_STATES:
            raise ValueError(
                f"meeting_state: expected one of {', '.join(MEETING_STATES)}, got {state!r}"
            )
        return cls(
            code=str(data["code"]),
            teacher_token=str(data["teacher_token"]),
            scenario_file=str(data["scenario_file"]),
            seed=int(data.get("seed", 0)),
            teams=teams,
            log=list(data.get("log", [])),
            record=list(data.get("record", [])),
            meeting_state=state,
            version=int(data.get("version", 0)),
        )


def _apply(model: ClassroomModel, action: dict[str, Any]) -> None:
    """Replay one logged move on the model."""
    kind = action.get("do")
    try:
        if kind == "step":
            model.team_positions = {}
            model.step()
        elif kind == "meeting":
            model.set_positions(
                {
                    c: TeamPosition(int(p[0]), int(p[1]))
                    for c, p in action.get("positions", {}).items()
                }
            )
            model.step()
            model.team_positions = {}
        elif kind == "card":
            play_card(model, action["key"], action.get("member"))
        elif kind == "lever":
            move_lever(model, action["name"], action["value"])
        else:
            raise ValueError(f"unknown move {kind!r}")
    except GameOver as exc:
        raise SessionError(str(exc)) from None
    at = action.get("at")
    if at and kind in ("card", "lever") and str(model.played_shocks[-1].quarter) != at:
        raise ValueError(f"move {action} replayed in {model.played_shocks[-1].quarter}")
