"""The starting state of a run, derived from the event record by documented rules.

No stance is typed into code: members' engagement with the DPRK comes from the
structural facts in ``seeds/actors.csv`` and the net Goldstein score of their recorded
exchanges with the DPRK; pressure falls with engagement; ties come from dyad scores.
The weights of these rules are parameters (params/defaults.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from model.record.dyads import dyad_scores, undirected_ties
from model.record.seeds import Record, load_record
from model.vocabulary import AGENTS, DPRK, MEMBERS, POWERS
from model.world.actor_set import DEFAULT_ACTORS, ActorSet
from model.world.parameters import Parameters

PRESSURE, ENGAGEMENT = 0, 1
INDEX = DEFAULT_ACTORS.index
MEMBER_ROWS = DEFAULT_ACTORS.member_rows
POWER_ROWS = DEFAULT_ACTORS.power_rows
DPRK_ROW = DEFAULT_ACTORS.dprk_row
"""Rows of the default world's stance arrays (model/world/actor_set.py); slices (not
index arrays) so numpy takes fast views."""
assert list(AGENTS[MEMBER_ROWS]) == list(MEMBERS) and list(AGENTS[POWER_ROWS]) == list(POWERS)

CLOSENESS_FACTS = ("embassy_in_pyongyang", "political_system", "traditional_ties")
"""Structural facts that count toward a member's closeness to the DPRK when their value
is affirmative (not empty, not starting with 'no')."""


@dataclass(frozen=True)
class InitialState:
    """Where a run starts. Arrays in the world's row order (AGENTS for the default world,
    model/world/actor_set.py): stance (n, 2) columns pressure and engagement; ties (n, n).
    The defaults of ``relations``, ``active`` and ``visit_memory`` fit the default world;
    :func:`given_state` builds the state of any other.

    A cold start (``warm=False``) comes from the record alone; a warm start
    (model/world/warmstart.py) is the state history left at a quarter, so it also carries the
    anchors, the memories of provocations, dialogue and visits, the levers and who is a
    member with relations.
    """

    stance: np.ndarray
    ties: np.ndarray
    closeness: dict[str, int]
    record_score: dict[str, float]
    last_tone: int | None
    anchor: np.ndarray | None = None
    origin: np.ndarray | None = None
    levers: dict[str, float] = field(default_factory=dict)
    relations: np.ndarray = field(default_factory=lambda: np.ones(len(MEMBERS), dtype=bool))
    active: np.ndarray = field(default_factory=lambda: np.ones(len(AGENTS), dtype=bool))
    memory: float = 0.0
    frame: float = 0.0
    calm: float = 0.0
    pause: float = 0.0
    visit_memory: np.ndarray = field(default_factory=lambda: np.zeros(len(MEMBERS)))
    warm: bool = False

    def check(self, actors: ActorSet) -> None:
        """Fail early if this state's arrays do not fit a world of ``actors``."""
        n, m = actors.n_agents, actors.n_members
        shapes = {
            "stance": (np.shape(self.stance), (n, 2)),
            "ties": (np.shape(self.ties), (n, n)),
            "relations": (np.shape(self.relations), (m,)),
            "active": (np.shape(self.active), (n,)),
            "visit_memory": (np.shape(self.visit_memory), (m,)),
        }
        if self.anchor is not None:
            shapes["anchor"] = (np.shape(self.anchor), (n, 2))
        if self.origin is not None:
            shapes["origin"] = (np.shape(self.origin), (m, 2))
        wrong = {k: got for k, (got, want) in shapes.items() if got != want}
        if wrong:
            raise ValueError(
                f"starting state of shapes {wrong} for a world of {m} members and "
                f"{actors.n_powers} powers ({n} actors)"
            )


def given_state(
    actors: ActorSet,
    stance: np.ndarray,
    ties: np.ndarray,
    *,
    last_tone: int | None = None,
    anchor: np.ndarray | None = None,
    origin: np.ndarray | None = None,
    relations: np.ndarray | None = None,
    active: np.ndarray | None = None,
    memory: float = 0.0,
    frame: float = 0.0,
) -> InitialState:
    """A starting state stated outright rather than derived from the record: what a
    world other than the default one starts from (the record knows nothing of its
    actors). ``stance`` (actors, 2) and ``ties`` (actors, actors) in the set's row order;
    the anchors are the stances and the members' origins (where anchors relax to) their
    anchors, every member has relations with the DPRK and every actor is active, unless
    given."""
    state = InitialState(
        stance=np.array(stance, dtype=float),
        ties=np.array(ties, dtype=float),
        closeness={},
        record_score={},
        last_tone=last_tone,
        anchor=None if anchor is None else np.array(anchor, dtype=float),
        origin=None if origin is None else np.array(origin, dtype=float),
        relations=np.ones(actors.n_members, dtype=bool)
        if relations is None
        else np.array(relations, dtype=bool),
        active=np.ones(actors.n_agents, dtype=bool) if active is None else np.array(active, bool),
        memory=memory,
        frame=frame,
        visit_memory=np.zeros(actors.n_members),
    )
    state.check(actors)
    return state


@cache
def cached_record() -> Record:
    """The shipped record, loaded once per process."""
    return load_record()


def closeness_facts(actors: pd.DataFrame) -> dict[str, int]:
    """Per member, how many affirmative closeness facts the record states."""
    facts = actors[actors["fact"].isin(CLOSENESS_FACTS)]
    affirmative = (
        facts["value"].str.strip().str.lower().map(lambda v: bool(v) and not v.startswith("no"))
    )
    counts = facts[affirmative].groupby("actor").size()
    return {m: int(counts.get(m, 0)) for m in MEMBERS}


def record_engagement_score(events: pd.DataFrame, before_year: int) -> dict[str, float]:
    """Net Goldstein of each member's recorded exchanges with the DPRK before a year."""
    past = events[events["year"] < before_year]
    pairs = past[
        ((past["source"] == DPRK) & past["target"].isin(MEMBERS))
        | ((past["target"] == DPRK) & past["source"].isin(MEMBERS))
    ]
    member = np.where(pairs["source"] == DPRK, pairs["target"], pairs["source"])
    totals = pairs.groupby(member)["goldstein"].sum()
    return {m: float(totals.get(m, 0.0)) for m in MEMBERS}


def tie_matrix(events: pd.DataFrame, params: Parameters, before_year: int) -> np.ndarray:
    """Tie strength in [0.05, 1] between every pair of agents.

    Prior (``member_tie`` between members, ``tie_prior`` otherwise) plus half of
    tanh(net Goldstein / ``goldstein_scale``) over the record's years before the start.
    """
    past = events[events["year"] < before_year]
    net = np.zeros((len(AGENTS), len(AGENTS)))
    if not past.empty:
        observed = undirected_ties(dyad_scores(past), list(AGENTS))
        net = np.nan_to_num(observed, nan=0.0)
    return ties_from_net(net, params)


def ties_from_net(net: np.ndarray, params: Parameters) -> np.ndarray:
    """The tie rule applied to a matrix of net Goldstein scores."""
    prior = np.full_like(net, params.tie_prior)
    prior[MEMBER_ROWS, MEMBER_ROWS] = params.member_tie
    ties = np.clip(prior + 0.5 * np.tanh(net / params.goldstein_scale), 0.05, 1.0)
    np.fill_diagonal(ties, 0.0)
    return ties


@lru_cache(maxsize=128)
def _record_net(before_year: int) -> np.ndarray:
    """Net Goldstein between every pair of agents over the shipped record's years
    before ``before_year`` (the costly pandas part of the tie rule, done once a year)."""
    scores = _record_scores()
    past = scores[scores.index.get_level_values("year") < before_year]
    net = np.zeros((len(AGENTS), len(AGENTS)))
    if not past.empty:
        net = np.nan_to_num(undirected_ties(past, list(AGENTS)), nan=0.0)
    net.flags.writeable = False
    return net


@cache
def _record_scores():
    """The shipped record's dyad scores per (source, target, year), computed once: each
    year's ties sum the years before it."""
    return dyad_scores(cached_record().events)


def record_ties(params: Parameters, year: int) -> np.ndarray:
    """The record-derived ties at the start of ``year`` (cached: every replicate asks)."""
    key = (params.tie_prior, params.member_tie, params.goldstein_scale)
    return _cached_ties(key, year)


@lru_cache(maxsize=1024)
def _cached_ties(key: tuple[float, float, float], year: int) -> np.ndarray:
    tie_prior, member_tie, scale = key
    params = Parameters(
        {"tie_prior": tie_prior, "member_tie": member_tie, "goldstein_scale": scale}
    )
    ties = ties_from_net(_record_net(year), params)
    ties.flags.writeable = False
    return ties


@cache
def recorded_chairs() -> dict[int, str]:
    """The record's chair history as a plain dict (looked up by every new model)."""
    chairs = cached_record().chairs
    return {int(y): str(c) for y, c in zip(chairs["year"], chairs["chair"], strict=True)}


def initial_state(
    params: Parameters, start_year: int, record: Record | None = None
) -> InitialState:
    """The record-derived starting stances and ties for a run beginning in ``start_year``.

    Cached per (parameters, start year) for the shipped record: an ensemble builds
    thousands of models from the same starting state.
    """
    if record is None:
        return _cached_initial(tuple(params.items()), start_year)
    return _state_from_record(params, start_year, record)


@lru_cache(maxsize=512)
def _cached_initial(items: tuple[tuple[str, float], ...], start_year: int) -> InitialState:
    closeness, score, net, last_tone = _record_facts(start_year)
    return _initial_state(
        Parameters(dict(items)),
        start_year,
        closeness,
        score,
        ties_from_net(net, Parameters(dict(items))),
        last_tone,
    )


@lru_cache(maxsize=128)
def _record_facts(
    start_year: int,
) -> tuple[dict[str, int], dict[str, float], np.ndarray, int | None]:
    """What the starting state takes from the shipped record, whatever the parameters
    (the pandas work, done once per start year: calibration builds thousands of states)."""
    record = cached_record()
    return (
        closeness_facts(record.actors),
        record_engagement_score(record.events, start_year),
        _record_net(start_year),
        _last_tone(record, start_year),
    )


def _last_tone(record: Record, start_year: int) -> int | None:
    earlier = record.statements[record.statements["year"] < start_year]
    return int(earlier.sort_values("year")["tone"].iloc[-1]) if not earlier.empty else None


def _state_from_record(params: Parameters, start_year: int, record: Record) -> InitialState:
    return _initial_state(
        params,
        start_year,
        closeness_facts(record.actors),
        record_engagement_score(record.events, start_year),
        tie_matrix(record.events, params, start_year),
        _last_tone(record, start_year),
    )


def _initial_state(
    params: Parameters,
    start_year: int,
    closeness: dict[str, int],
    score: dict[str, float],
    ties: np.ndarray,
    last_tone: int | None,
) -> InitialState:
    stance = np.zeros((len(AGENTS), 2))
    for m in MEMBERS:
        i = INDEX[m]
        record_warmth = np.tanh(score[m] / params.goldstein_scale)
        engagement = (
            params.engagement_prior
            + params.engagement_per_fact * closeness[m]
            + params.engagement_record_weight * record_warmth
        )
        stance[i, ENGAGEMENT] = np.clip(engagement, 0.0, 1.0)
        stance[i, PRESSURE] = np.clip(
            params.pressure_prior
            - params.pressure_engagement_slope * (stance[i, ENGAGEMENT] - params.engagement_prior),
            0.0,
            1.0,
        )
    for p in POWERS:
        stance[INDEX[p]] = (params[f"pressure_{p}"], params[f"engagement_{p}"])
    stance[DPRK_ROW] = (0.0, 1.0)
    stance.flags.writeable = False
    ties.flags.writeable = False
    return InitialState(stance, ties, closeness, score, last_tone)
