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

from model.codes import AGENTS, DPRK, MEMBERS, POWERS
from model.dyads import dyad_scores, undirected_ties
from model.parameters import Parameters
from model.record import Record, load_record

PRESSURE, ENGAGEMENT = 0, 1
INDEX = {code: i for i, code in enumerate(AGENTS)}
MEMBER_ROWS = slice(INDEX[MEMBERS[0]], INDEX[MEMBERS[-1]] + 1)
POWER_ROWS = slice(INDEX[POWERS[0]], INDEX[POWERS[-1]] + 1)
DPRK_ROW = INDEX[DPRK]
"""Rows of the stance arrays; slices (not index arrays) so numpy takes fast views."""
assert list(AGENTS[MEMBER_ROWS]) == list(MEMBERS) and list(AGENTS[POWER_ROWS]) == list(POWERS)

CLOSENESS_FACTS = ("embassy_in_pyongyang", "political_system", "traditional_ties")
"""Structural facts that count toward a member's closeness to the DPRK when their value
is affirmative (not empty, not starting with 'no')."""


@dataclass(frozen=True)
class InitialState:
    """Where a run starts. Arrays in AGENTS order: stance (n, 2) columns pressure and
    engagement; ties (n, n).

    A cold start (``warm=False``) comes from the record alone; a warm start
    (model/warmstart.py) is the state history left at a quarter, so it also carries the
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
    visit_memory: np.ndarray = field(default_factory=lambda: np.zeros(len(MEMBERS)))
    warm: bool = False


@cache
def cached_record() -> Record:
    """The shipped record, loaded once per process."""
    return load_record()


def closeness_facts(actors: pd.DataFrame) -> dict[str, int]:
    """Per member, how many affirmative closeness facts the record states."""
    facts = actors[actors["fact"].isin(CLOSENESS_FACTS)]
    affirmative = facts["value"].str.strip().str.lower().map(
        lambda v: bool(v) and not v.startswith("no"))
    counts = facts[affirmative].groupby("actor").size()
    return {m: int(counts.get(m, 0)) for m in MEMBERS}


def record_engagement_score(events: pd.DataFrame, before_year: int) -> dict[str, float]:
    """Net Goldstein of each member's recorded exchanges with the DPRK before a year."""
    past = events[events["year"] < before_year]
    pairs = past[((past["source"] == DPRK) & past["target"].isin(MEMBERS))
                 | ((past["target"] == DPRK) & past["source"].isin(MEMBERS))]
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
    prior = np.full_like(net, params.tie_prior)
    prior[MEMBER_ROWS, MEMBER_ROWS] = params.member_tie
    ties = np.clip(prior + 0.5 * np.tanh(net / params.goldstein_scale), 0.05, 1.0)
    np.fill_diagonal(ties, 0.0)
    return ties


def record_ties(params: Parameters, year: int) -> np.ndarray:
    """The record-derived ties at the start of ``year`` (cached: every replicate asks)."""
    return _cached_ties(tuple(params.items()), year)


@lru_cache(maxsize=4096)
def _cached_ties(items: tuple[tuple[str, float], ...], year: int) -> np.ndarray:
    ties = tie_matrix(cached_record().events, Parameters(dict(items)), year)
    ties.flags.writeable = False
    return ties


@cache
def recorded_chairs() -> dict[int, str]:
    """The record's chair history as a plain dict (looked up by every new model)."""
    chairs = cached_record().chairs
    return {int(y): str(c) for y, c in zip(chairs["year"], chairs["chair"], strict=True)}


def initial_state(params: Parameters, start_year: int, record: Record | None = None
                  ) -> InitialState:
    """The record-derived starting stances and ties for a run beginning in ``start_year``.

    Cached per (parameters, start year) for the shipped record: an ensemble builds
    thousands of models from the same starting state.
    """
    if record is None:
        return _cached_initial(tuple(params.items()), start_year)
    return _initial_state(params, start_year, record)


@lru_cache(maxsize=512)
def _cached_initial(items: tuple[tuple[str, float], ...], start_year: int) -> InitialState:
    return _initial_state(Parameters(dict(items)), start_year, cached_record())


def _initial_state(params: Parameters, start_year: int, record: Record) -> InitialState:
    closeness = closeness_facts(record.actors)
    score = record_engagement_score(record.events, start_year)
    stance = np.zeros((len(AGENTS), 2))
    for m in MEMBERS:
        i = INDEX[m]
        record_warmth = np.tanh(score[m] / params.goldstein_scale)
        engagement = (params.engagement_prior + params.engagement_per_fact * closeness[m]
                      + params.engagement_record_weight * record_warmth)
        stance[i, ENGAGEMENT] = np.clip(engagement, 0.0, 1.0)
        stance[i, PRESSURE] = np.clip(
            params.pressure_prior
            - params.pressure_engagement_slope * (stance[i, ENGAGEMENT] - params.engagement_prior),
            0.0, 1.0)
    for p in POWERS:
        stance[INDEX[p]] = (params[f"pressure_{p}"], params[f"engagement_{p}"])
    stance[DPRK_ROW] = (0.0, 1.0)
    earlier = record.statements[record.statements["year"] < start_year]
    last_tone = int(earlier.sort_values("year")["tone"].iloc[-1]) if not earlier.empty else None
    ties = tie_matrix(record.events, params, start_year)
    stance.flags.writeable = False
    ties.flags.writeable = False
    return InitialState(stance, ties, closeness, score, last_tone)
