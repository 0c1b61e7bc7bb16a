"""Warm starts: a forward scenario begins where history leaves off (model/world/warmstart.py)."""

import numpy as np
import pytest

from model.runs.ensemble import Plan, iterate
from model.runs.outcomes import Outcomes
from model.vocabulary import METRICS, Quarter
from model.world.parameters import default_parameters
from model.world.replicate import PointDraw
from model.world.scenario import load_scenario
from model.world.spans import span_model
from model.world.warmstart import (
    _STATES,
    POOL,
    history,
    starting_state,
    warm_state,
    warm_states,
)

REPLICATES = 48


def _outcomes(scenario, replicates=REPLICATES):
    out = Outcomes.empty(replicates, scenario.start, scenario.end)
    for slot, result in enumerate(iterate(Plan(scenario, replicates, scenario.seed))):
        out.add(slot, result)
    return out


def test_a_scenario_starting_in_2000_is_cold_and_later_ones_are_warm():
    params = default_parameters()
    past = history()
    assert not starting_state(params, past, 0).warm
    baseline = load_scenario("scenarios/baseline.yaml")
    state = starting_state(params, baseline, 3)
    assert state.warm
    assert state is starting_state(params, baseline, 3 + POOL)  # slot r % POOL, cached


@pytest.mark.parametrize("slot", [0, 5, POOL - 1])
def test_the_warm_state_is_history_replicate_slot_at_the_quarter_before(slot):
    """Slot ``s`` is replicate ``s`` of history's own ensemble, stopped where the scenario
    starts, whichever other slots and parameters were computed with it."""
    params = default_parameters()
    other = params.replace(susceptibility=0.5)
    together = warm_states([other, params, other], Quarter(2018, 1), [1, slot, 7])
    alone = warm_state(params, Quarter(2018, 1), slot)
    assert together[1] is alone  # cached per (parameters, start, slot)
    past = history()
    _, model = span_model(past, range(0, 1), POOL, past.seed, PointDraw(params))
    model.run_for(Quarter(2018, 1) - past.start)  # 2000Q1 to 2017Q4
    assert model.clock == Quarter(2017, 4)
    expected = model.snapshot(slot)
    np.testing.assert_array_equal(alone.stance, expected.stance)
    np.testing.assert_array_equal(alone.anchor, expected.anchor)
    np.testing.assert_array_equal(alone.visit_memory, expected.visit_memory)
    assert (alone.memory, alone.frame, alone.last_tone) == (
        expected.memory,
        expected.frame,
        expected.last_tone,
    )
    assert alone.levers == expected.levers
    # 2017's ICBM and nuclear tests are still remembered when 2018 starts
    assert alone.memory > 1.0
    assert alone.levers["sanctions_tightness"] > 0.6  # the 2016-2017 resolutions
    # computed in a fresh cache, alone, it is the same again, bit for bit
    _STATES.clear()
    again = warm_state(params, Quarter(2018, 1), slot)
    np.testing.assert_array_equal(again.stance, alone.stance)
    assert again.memory == alone.memory


def test_baseline_and_backtest_agree_on_the_same_years_within_noise():
    full = load_scenario("scenarios/baseline.yaml")
    baseline = full.with_changes(
        period={"start": "2024Q1", "end": "2025Q4"},
        shocks=[s.model_dump() for s in full.shocks if s.quarter <= Quarter(2025, 4)],
    )
    forward = _outcomes(baseline)
    past = _outcomes(history())
    for year in (2024, 2025):
        a = forward.tone[:, forward.years.index(year), 1]
        b = past.tone[:, past.years.index(year), 1]
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) + 1e-9
        assert abs(a.mean() - b.mean()) / se < 3, (year, a.mean(), b.mean())
    # and the start is history's state, not the record-derived one
    k = METRICS.index("sanctions_tightness")
    first = forward.quarters.index(Quarter(2024, 1))
    start_sanctions = forward.metrics[:, first, k]
    assert start_sanctions.mean() == pytest.approx(
        past.metrics[:, past.quarters.index(Quarter(2024, 1)), k].mean(), abs=0.05
    )
