"""Warm starts: a forward scenario begins where history left off.

A scenario that starts after 2000Q1 does not start from the record-derived state of
its first year but from the state ``scenarios/history.yaml`` reaches at that quarter:
the stances, anchors, levers, memberships and the memories of provocations, dialogue
and visits. So the same year under the same chair gives the same distribution in a
scenario as in the backtest (issue 11), and a scenario's levers and shocks act on top.

History is run once per (parameters, start quarter, slot) and cached in the process.
There are ``POOL`` slots, each with its own seed from the history file's root seed;
replicate ``r`` of any scenario starts from slot ``r % POOL``, so the starting
uncertainty is carried and results depend on the replicate index alone, never on
workers or executors.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from model.vocabulary import Quarter
from model.world.initial import InitialState, initial_state
from model.world.parameters import Parameters
from model.world.scenario import Scenario, load_scenario

HISTORY_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "history.yaml"
POOL = 64
"""History replicates a scenario's replicates start from (replicate r uses r % POOL)."""


@cache
def history() -> Scenario:
    """The history scenario (2000-2025), loaded once."""
    return load_scenario(HISTORY_FILE)


def starting_state(params: Parameters, scenario: Scenario, replicate: int) -> InitialState:
    """Where replicate ``replicate`` of ``scenario`` starts: history's state at the
    scenario's first quarter, or the record-derived state when the scenario starts
    with history itself (or before it)."""
    past = history()
    if scenario.start <= past.start:
        return initial_state(params, scenario.start.year)
    if scenario.start > past.end + 1:
        raise ValueError(
            f"{scenario.name} starts in {scenario.start}, after history ends "
            f"({past.end}); a scenario must start by {past.end + 1}"
        )
    return warm_state(params, scenario.start, replicate % POOL)


def starting_states(
    params: Parameters, scenario: Scenario, replicates: Iterable[int]
) -> list[InitialState]:
    """``starting_state`` for several replicates sharing one parameter set (the batched
    engine's blocks): the cache key is built once, not once per replicate."""
    past = history()
    replicates = list(replicates)
    if scenario.start <= past.start or scenario.start > past.end + 1:
        return [starting_state(params, scenario, r) for r in replicates[:1]] * len(replicates)
    items, start = tuple(params.items()), str(scenario.start)
    return [_warm(items, start, r % POOL) for r in replicates]


def warm_state(params: Parameters, start: Quarter, slot: int) -> InitialState:
    """History's state just before ``start`` in history slot ``slot``."""
    return _warm(tuple(params.items()), str(start), slot)


@lru_cache(maxsize=8192)
def _warm(items: tuple[tuple[str, float], ...], start: str, slot: int) -> InitialState:
    from model.world.diplomacy import (
        model_from_scenario,  # the model is built on this layer's states
    )

    past = history()
    until = Quarter.parse(start) + (-1)
    seed = np.random.SeedSequence(past.seed).spawn(POOL)[slot]
    shocks = [s for s in past.shocks if s.quarter <= until]
    prefix = past.model_copy(
        update={
            "period": past.period.model_copy(update={"end": str(until)}),
            "shocks": tuple(shocks),
        }
    )
    params = Parameters(dict(items))
    model = model_from_scenario(
        prefix, params, rng=np.random.default_rng(seed), record_events=False
    )
    model.run()
    return model.snapshot()
