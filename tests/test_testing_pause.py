"""A declared testing pause (shock ``moratorium``) and an escalation without a test
(shock ``escalation``): their rules, in the per-replicate model and the batched engine."""

import numpy as np
import pytest

from model.world.batched import BatchedModel
from model.world.diplomacy import model_from_scenario
from model.world.parameters import default_parameters
from model.world.scenario import Scenario, ShockSpec

PAUSE = Scenario(
    name="pause",
    title="t",
    description="a declared pause, then an ICBM test",
    period={"start": "2020Q1", "end": "2023Q4"},
    seed=3,
    levers={"dprk_provocation": 1.0},
    shocks=(
        ShockSpec(at="2020Q1", type="moratorium", magnitude=0.5),
        ShockSpec(at="2022Q1", type="icbm_test"),
    ),
)
# Spontaneous launches are often ICBM or nuclear tests: the pause must turn them all
# into short-range launches.
BOLD = default_parameters().replace(icbm_share=0.6, nuclear_share=0.2, provocation_rate=2.0)


def frames(model) -> list[float]:
    """The frame at each quarter's end, stepping the model by hand."""
    out = []
    while model.running:
        model.step()
        out.append(float(np.atleast_1d(model.frame)[0]))
    return out


def test_a_pause_holds_the_frame_until_an_icbm_test_ends_it():
    quiet = PAUSE.with_changes(levers={"dprk_provocation": 0.0})
    model = model_from_scenario(quiet, default_parameters(), rng=1, record_events=False)
    trail = frames(model)
    assert min(trail[:8]) == pytest.approx(0.5)  # 2020-2021: held, not fading
    assert trail[8] < 0.5 and model.pause == 0.0  # the 2022Q1 ICBM test breaks it
    assert trail[-1] < trail[9]  # and then it fades


def test_while_a_pause_holds_the_dprk_launches_only_short_range_missiles():
    for seed in range(5):
        model = model_from_scenario(PAUSE, BOLD, rng=seed)
        for _ in range(8):  # 2020-2021, the pause holds
            model.step()
        kinds = {e.summary for e in model.events if e.source == "PRK" and e.target == "UNSC"}
        assert kinds <= {
            "DPRK conducts a missile test",
            "DPRK declares a pause on nuclear and long-range tests",
        }
        assert "DPRK conducts a missile test" in kinds


def test_the_batched_engine_keeps_the_pause_the_same_way():
    batched = BatchedModel(
        start="2020Q1",
        end="2021Q4",
        levers=PAUSE.levers,
        shocks=PAUSE.shocks,
        parameters=BOLD,
        replicates=64,
        rng=4,
        record_events=False,
    ).run()
    counts = batched._provocations.sum(axis=0)  # (replicates, kinds)
    assert counts[:, 0].sum() > 0  # plenty of launches ...
    assert counts[:, 1:3].sum() == 0  # ... none of them an ICBM or nuclear test
    assert np.all(batched.frame >= 0.5 - 1e-12)


def test_an_escalation_is_remembered_and_breaks_the_frame_but_is_not_a_launch():
    scenario = PAUSE.with_changes(
        levers={"dprk_provocation": 0.0},
        shocks=[{"at": "2020Q1", "type": "moratorium"}, {"at": "2020Q3", "type": "escalation"}],
    )
    model = model_from_scenario(scenario, default_parameters(), rng=1)
    for _ in range(3):
        model.step()
    assert model.pause == 0.0 and model.memory > 0.3 and model.frame < 0.5
    assert sum(model._quarter_provocations.values()) == 0
    assert any("escalates" in e.summary for e in model.events)


def test_every_shock_type_has_a_handler_in_both_engines():
    """The shock registry (model/world/shocks.py) and the handler table agree, and both
    engines implement every handler: a new shock type cannot be silently ignored."""
    from model.world.diplomacy import SHOCK_HANDLERS, DiplomacyModel
    from model.world.shocks import SHOCK_TYPES

    assert set(SHOCK_HANDLERS) == set(SHOCK_TYPES)
    for handler in set(SHOCK_HANDLERS.values()):
        assert callable(getattr(DiplomacyModel, handler)), handler
        assert callable(getattr(BatchedModel, handler)), handler
