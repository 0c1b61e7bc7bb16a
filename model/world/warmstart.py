"""Warm starts: a forward scenario begins where history left off.

A scenario that starts after 2000Q1 does not start from the record-derived state of
its first year but from the state ``scenarios/history.yaml`` reaches at that quarter:
the stances, anchors, levers, memberships and the memories of provocations, dialogue
and visits. So the same year under the same chair gives the same distribution in a
scenario as in the backtest (issue 11), and a scenario's levers and shocks act on top.

There are ``POOL`` history slots: slot ``s`` is replicate ``s`` of the history ensemble
(row ``s`` of its first block, with that row's random numbers), and replicate ``r`` of
any scenario starts from slot ``r % POOL``, so the starting uncertainty is carried and
results depend on the replicate index alone, never on workers or executors. History is
run on the batched engine for every (parameters, slot) a call needs and does not yet
have, all in one model, and each state is cached in the process. Every parameter is
held per row in that model, so a row's numbers do not depend on which rows share it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from model.vocabulary import Quarter
from model.world.batched import (
    Streams,
    batched_from_scenario,
    block_streams,
    delegation_count,
    model_seed,
)
from model.world.initial import InitialState, initial_state
from model.world.parameters import Parameters
from model.world.scenario import Scenario, load_scenario

HISTORY_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "history.yaml"
POOL = 64
"""History replicates a scenario's replicates start from (replicate r uses r % POOL)."""
CACHED = 256 * POOL
"""Warm states kept per process (about 4 kB each, so at most about 70 MB), the least
recently used dropped first: a posterior of up to 256 samples fits whole, so a long run
computes each (sample, slot) state once (calibrated.yaml holds 200)."""

_STATES: OrderedDict[tuple, InitialState] = OrderedDict()


@cache
def history() -> Scenario:
    """The history scenario (2000-2025), loaded once."""
    return load_scenario(HISTORY_FILE)


def starting_state(params: Parameters, scenario: Scenario, replicate: int) -> InitialState:
    """Where replicate ``replicate`` of ``scenario`` starts: history's state at the
    scenario's first quarter, or the record-derived state when the scenario starts
    with history itself (or before it)."""
    return starting_states_of(scenario, [params], [replicate])[0]


def starting_states_of(
    scenario: Scenario, params: Sequence[Parameters], replicates: Sequence[int]
) -> list[InitialState]:
    """``starting_state`` of each (parameters, replicate) pair, the missing warm states
    computed together in one batched history run."""
    past = history()
    if scenario.start > past.end + 1:
        raise ValueError(
            f"{scenario.name} starts in {scenario.start}, after history ends "
            f"({past.end}); a scenario must start by {past.end + 1}"
        )
    if scenario.start <= past.start:
        cold: dict[int, InitialState] = {}
        year = scenario.start.year
        return [cold.get(id(p)) or cold.setdefault(id(p), initial_state(p, year)) for p in params]
    return warm_states(params, scenario.start, [r % POOL for r in replicates])


def warm_state(params: Parameters, start: Quarter, slot: int) -> InitialState:
    """History's state just before ``start`` in history slot ``slot``."""
    return warm_states([params], start, [slot])[0]


def warm_states(
    params: Sequence[Parameters], start: Quarter, slots: Sequence[int]
) -> list[InitialState]:
    """History's state just before ``start`` for each (parameters, slot) pair."""
    items: dict[int, tuple] = {}  # a point draw repeats one object: read it once
    keys = [
        (items.get(id(p)) or items.setdefault(id(p), tuple(p.items())), str(start), slot)
        for p, slot in zip(params, slots, strict=True)
    ]
    missing = list(dict.fromkeys(k for k in keys if k not in _STATES))
    if missing:
        wanted = {k: p for k, p in zip(keys, params, strict=True)}
        states = _run_history([wanted[k] for k in missing], start, [k[2] for k in missing])
        for key, state in zip(missing, states, strict=True):
            _STATES[key] = state
    found = []
    for key in keys:
        _STATES.move_to_end(key)
        found.append(_STATES[key])
    while len(_STATES) > CACHED:
        _STATES.popitem(last=False)
    return found


@cache
def _prefix(until: str) -> Scenario:
    """History cut to end at quarter ``until``, with the shocks up to it."""
    past, end = history(), Quarter.parse(until)
    return past.model_copy(
        update={
            "period": past.period.model_copy(update={"end": until}),
            "shocks": tuple(s for s in past.shocks if s.quarter <= end),
        }
    )


@cache
def _history_streams() -> Streams:
    """The random numbers of history's first block, over its whole period."""
    past = history()
    return block_streams(
        model_seed(past.seed, 0), past.end - past.start + 1, delegation_count(past.shocks)
    )


def _run_history(params: list[Parameters], start: Quarter, slots: list[int]) -> list[InitialState]:
    """Run history to the quarter before ``start`` for each row (its parameters, the
    random numbers of history replicate ``slot``) in one model, and snapshot the rows."""
    prefix = _prefix(str(start + (-1)))
    quarters, delegations = prefix.end - prefix.start + 1, delegation_count(prefix.shocks)
    # the prefix uses the first of history's numbers
    streams = _history_streams().take(slots).first(quarters, delegations)
    own: dict[int, Parameters] = {}  # history's own overrides on top (one per object)
    params = [own.get(id(p)) or own.setdefault(id(p), p.replace(**prefix.parameters))
              for p in params]  # fmt: skip
    cold: dict[int, InitialState] = {}
    year = prefix.start.year
    model = batched_from_scenario(
        prefix,
        params,
        [cold.get(id(p)) or cold.setdefault(id(p), initial_state(p, year)) for p in params],
        record_events=False,
        streams=streams,
        parameter_columns=True,
    )
    model.run()
    return [model.snapshot(r) for r in range(model.n)]
