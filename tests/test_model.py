"""The Mesa model: every scenario runs, shocks and the calendar behave, the starting state
comes from the record, and the same seed gives the same run."""

from pathlib import Path

import numpy as np
import pytest

from model.vocabulary import AGENTS, MEMBERS, METRICS, Quarter
from model.world.diplomacy import DiplomacyModel, model_from_scenario
from model.world.initial import ENGAGEMENT, INDEX, cached_record, initial_state
from model.world.parameters import Parameters
from model.world.scenario import ShockSpec, load_scenario
from model.world.simevents import events_frame

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
QUIET = {"dprk_provocation": 0.0, "dprk_outreach": 0.0}


def run(**kwargs):
    kwargs.setdefault("rng", 3)
    return DiplomacyModel(**kwargs).run()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_runs_two_quarters_reproducibly(path):
    scenario = load_scenario(path)
    runs = []
    for _ in range(2):
        model = model_from_scenario(scenario, rng=np.random.default_rng(11))
        model.step()
        model.step()
        runs.append(model)
    a, b = runs
    assert a.clock == scenario.start + 1
    np.testing.assert_array_equal(a.stance, b.stance)
    assert a.events == b.events
    assert np.isfinite(a.metric_history()).all() and a.metric_history().shape == (2, len(METRICS))


def test_one_agent_per_actor_and_interactive_stepping():
    model = DiplomacyModel(start="2024Q1", end="2024Q4", rng=1)
    assert sorted(a.code for a in model.agents) == sorted(AGENTS)
    assert model.next_quarter == Quarter(2024, 1) and model.clock is None
    model.step()
    assert model.clock == Quarter(2024, 1) and model.next_quarter == Quarter(2024, 2)
    model.run()
    assert model.clock == Quarter(2024, 4) and not model.running and model.next_quarter is None
    assert [(s.year, s.meeting) for s in model.statements] == [
        (2024, "ministerial"),
        (2024, "summit"),
    ]
    assert model.statements[0].chair == "LAO"
    assert model.metric_history().shape == (4, len(METRICS))


def test_different_seeds_differ_and_same_seed_matches():
    a, b, c = run(rng=5), run(rng=5), run(rng=6)
    np.testing.assert_array_equal(a.member_history, b.member_history)
    assert not np.array_equal(a.member_history, c.member_history)


def test_a_nuclear_shock_fires_in_its_quarter_and_hardens_members():
    calm = run(start="2026Q1", end="2026Q4", levers=QUIET)
    shocked = run(
        start="2026Q1",
        end="2026Q4",
        levers=QUIET,
        shocks=[ShockSpec(at="2026Q2", type="nuclear_test")],
    )
    k = METRICS.index("nuclear_tests")
    assert shocked.metric_history()[:, k].tolist() == [0, 1, 0, 0]
    assert calm.metric_history()[:, k].sum() == 0
    s = METRICS.index("threat")
    scale = shocked.params.memory_scale
    assert shocked.metric_history()[1, s] == pytest.approx(1.0 / (1.0 + scale * scale))
    p = METRICS.index("mean_pressure")
    assert shocked.metric_history()[1, p] > calm.metric_history()[1, p]
    assert shocked.statements[0].target > calm.statements[0].target
    tests = [e for e in shocked.events if e.cameo == "150"]
    assert len(tests) == 1 and str(tests[0].quarter) == "2026Q2"


def test_timor_leste_joins_in_2025q4():
    model = run(start="2025Q1", end="2026Q4")
    tls = MEMBERS.index("TLS")
    history = model.member_history[:, tls, 0]
    assert np.isnan(history[:3]).all() and np.isfinite(history[3:]).all()
    assert any(e.source == "TLS" and e.target == "ASEAN" for e in model.events)


def test_chair_rotation_and_chair_change_shock():
    model = run(start="2027Q1", end="2029Q4")
    assert model.chairs == {2027: "SGP", 2028: "THA", 2029: "TLS"}
    changed = run(
        start="2028Q1",
        end="2028Q4",
        shocks=[ShockSpec(at="2028Q2", type="chair_change", actor="MMR")],
    )
    assert [s.chair for s in changed.statements] == ["MMR", "MMR"]


def test_breaking_relations_stops_dprk_delegations():
    levers = {"dprk_outreach": 3.0}
    broken = run(
        start="2024Q1",
        end="2025Q4",
        levers=levers,
        shocks=[ShockSpec(at="2024Q1", type="break_relations", actor="LAO")],
    )
    assert not any(e.cameo == "042" and "LAO" in (e.source, e.target) for e in broken.events)
    assert broken.stance[INDEX["LAO"], ENGAGEMENT] < 0.2
    open_ = run(start="2024Q1", end="2025Q4", levers=levers)
    assert any(e.cameo == "042" and e.target == "LAO" for e in open_.events)


def test_sanctions_raise_dprk_outreach_on_average():
    def exchanges(tightness):
        return np.mean(
            [
                run(
                    start="2024Q1", end="2025Q4", rng=i, levers={"sanctions_tightness": tightness}
                ).exchange_history.sum()
                for i in range(10)
            ]
        )

    assert exchanges(1.0) > 1.3 * exchanges(0.0)


def test_starting_state_comes_from_the_record():
    params = Parameters()
    state = initial_state(params, 2024)
    engagement = {m: state.stance[INDEX[m], ENGAGEMENT] for m in MEMBERS}
    # Laos, Vietnam and Cambodia have three closeness facts in seeds/actors.csv
    for close in ("LAO", "VNM", "KHM"):
        assert engagement[close] > engagement["SGP"] + 2 * params.engagement_per_fact - 1e-9
    assert state.closeness["LAO"] == 3 and state.closeness["SGP"] == 0
    assert state.last_tone == 4  # the 2023 Jakarta summit's grave concern
    # drop Laos's structural facts from the record: its engagement falls
    record = cached_record()
    thinner = record.__class__(
        **{**record.__dict__, "actors": record.actors[record.actors["actor"] != "LAO"]}
    )
    assert (
        initial_state(params, 2024, thinner).stance[INDEX["LAO"], ENGAGEMENT]
        < engagement["LAO"] - params.engagement_per_fact
    )


def test_simulated_events_use_the_record_schema():
    model = run(start="2024Q1", end="2024Q4")
    frame = events_frame(0, model.events)
    record = cached_record()
    schema = [
        "id",
        "date",
        "date_precision",
        "source",
        "target",
        "cameo",
        "goldstein",
        "plover",
        "summary",
        "article",
    ]
    assert [c for c in frame.columns if c != "replicate"] == schema
    weights = record.goldstein.set_index("cameo")["goldstein"]
    assert (frame["goldstein"].to_numpy() == weights.loc[frame["cameo"]].to_numpy()).all()
    assert set(frame["source"]) | set(frame["target"]) <= set(record.actors["actor"])


def test_knuth_poisson_draws_have_poisson_moments():
    from model.world.actors import _poisson

    rng = np.random.default_rng(0)
    for rate in (0.2, 1.5):
        draws = np.array([_poisson(rng, rate) for _ in range(40_000)])
        assert draws.mean() == pytest.approx(rate, abs=0.03)
        assert draws.var() == pytest.approx(rate, abs=0.05)
    assert _poisson(rng, 0.0) == 0


def test_actor_overrides_apply_to_members_and_survive_lever_changes_for_powers():
    from model.world.scenario import ActorOverride

    model = DiplomacyModel(
        start="2024Q1",
        end="2024Q4",
        rng=1,
        actors={
            "LAO": ActorOverride(engagement=0.95, veto=0.3),
            "USA": ActorOverride(pressure=0.4, lobbying=0.0),
        },
        shocks=[ShockSpec(at="2024Q2", type="lever", lever="us_pressure", value=1.0)],
    )
    assert model.stance[INDEX["LAO"], ENGAGEMENT] == 0.95
    assert model.veto()[MEMBERS.index("LAO")] == 0.3
    model.run()
    assert model.levers["us_pressure"] == 1.0
    assert model.stance[INDEX["USA"], 0] == 0.4 and model.lobbying[INDEX["USA"]] == 0.0
    assert not any(e.source == "USA" for e in model.events)  # no lobbying, no contacts


def test_record_events_off_changes_nothing_but_the_log():
    logged = run(start="2024Q1", end="2025Q4", rng=8)
    silent = run(start="2024Q1", end="2025Q4", rng=8, record_events=False)
    assert logged.events and not silent.events
    np.testing.assert_array_equal(logged.member_history, silent.member_history)
    assert logged.statements == silent.statements
