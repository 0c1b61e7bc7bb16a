"""The batched engine (model/world/batched.py): same rules as DiplomacyModel, checked three ways.

1. With no randomness at all (no noise, no DPRK initiative, no returned visits) it gives
   the per-replicate model's trajectories and statements, shock by shock.
2. With randomness it matches the per-replicate ensemble in distribution: for a
   documented set of ensemble statistics (STATISTICS) the two-sample z of the means of
   300 replicates each stays within 3.
3. Its results depend on the root seed and the replicate index alone: not on the order
   or grouping in which blocks run, nor on how many replicates the run has.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.runs.ensemble import Plan, iterate
from model.vocabulary import MEMBERS, METRICS
from model.world.batched import BLOCK, BatchedModel, draft_batch
from model.world.diplomacy import model_from_scenario
from model.world.negotiation import ChairProfile, Positions, draft_text
from model.world.scenario import Scenario, ShockSpec
from model.world.spans import n_blocks, run_block
from model.world.warmstart import history

REPLICATES = 300
EVERY_SHOCK = Scenario(
    name="every-shock",
    title="t",
    description="every kind of shock, with TLS joining",
    period={"start": "2000Q1", "end": "2002Q4"},
    seed=5,
    levers={"sanctions_tightness": 0.3},
    actors={"MMR": {"veto": 0.9}, "USA": {"lobbying": 1.5}, "VNM": {"susceptibility": 0.3}},
    shocks=(
        ShockSpec(at="2000Q2", type="us_dprk_summit", host="SGP"),
        ShockSpec(at="2000Q3", type="dprk_delegation", actor="LAO", magnitude=2),
        ShockSpec(at="2000Q3", type="moratorium", magnitude=0.6),
        ShockSpec(at="2000Q4", type="icbm_test"),
        ShockSpec(at="2001Q1", type="escalation"),
        ShockSpec(at="2001Q1", type="unsc_resolution", magnitude=0.2),
        ShockSpec(at="2001Q1", type="incident", actor="MYS"),
        ShockSpec(at="2001Q2", type="break_relations", actor="MYS"),
        ShockSpec(at="2001Q2", type="alliance", actor="RUS"),
        ShockSpec(at="2001Q3", type="accession", actor="TLS"),
        ShockSpec(at="2001Q3", type="chair_change", actor="KHM"),
        ShockSpec(at="2001Q4", type="nuclear_test"),
        ShockSpec(at="2002Q1", type="lever", lever="asean_centrality", value=0.7),
        ShockSpec(at="2002Q2", type="talks", actor="CHN"),
        ShockSpec(at="2002Q3", type="strain", actor="CHN"),
        ShockSpec(at="2002Q3", type="restore_relations", actor="MYS"),
        ShockSpec(at="2002Q4", type="armed_attack"),
    ),
)


def history_slice() -> Scenario:
    """History 2000-2010 (cold start): summits, talks, resolutions, tests, attacks."""
    past = history()
    return past.with_changes(
        period={"start": "2000Q1", "end": "2010Q4"},
        shocks=[s.model_dump() for s in past.shocks if s.quarter.year <= 2010],
    )


# --- 1. the same rules, without chance ----------------------------------------------
def test_without_chance_the_batched_engine_is_the_per_replicate_model(quiet_parameters):
    params = quiet_parameters(mood_noise=0.0, reciprocity=0.0)
    scenario = EVERY_SHOCK.with_changes(
        levers={"sanctions_tightness": 0.3, "dprk_outreach": 0.0, "dprk_provocation": 0.0}
    )
    single = model_from_scenario(scenario, params, rng=1).run()
    batched = BatchedModel(
        start="2000Q1",
        end="2002Q4",
        levers=scenario.levers,
        shocks=scenario.shocks,
        actors=scenario.actors,
        parameters=params,
        replicates=3,
        rng=2,
    ).run()
    members = batched.member_history
    for r in range(3):  # R copies of one state stay identical
        np.testing.assert_array_equal(members[r], members[0])
    np.testing.assert_allclose(members[0], single.member_history, atol=1e-12)
    assert np.isnan(members[0][:6, MEMBERS.index("TLS")]).all()  # absent until 2001Q3
    np.testing.assert_allclose(batched.metric_history()[0], single.metric_history(), atol=1e-12)
    np.testing.assert_array_equal(batched.exchange_history[0], single.exchange_history)
    assert batched.exchange_history[0].sum() == 2  # the two dated delegations, not returned
    tones = [s.tone[0] for s in batched.statements]
    assert tones == [-1 if s.tone is None else s.tone for s in single.statements]
    assert [s.voice[0] for s in batched.statements] == [
        ("consensus", "split", "none").index(s.voice) for s in single.statements
    ]
    np.testing.assert_allclose(
        [s.target[0] for s in batched.statements], [s.target for s in single.statements], atol=1e-12
    )
    assert [s.chair for s in batched.statements] == [s.chair for s in single.statements]
    assert batched.last_tone[0] == (-1 if single.last_tone is None else single.last_tone)


def test_draft_batch_is_draft_text_row_by_row():
    rng = np.random.default_rng(3)
    rows, n = 400, len(MEMBERS)
    wish = rng.uniform(0, 4, (rows, n))
    lower, upper = wish - rng.uniform(0, 2.5, (rows, n)), wish + rng.uniform(0, 2.5, (rows, n))
    salience = rng.uniform(0, 1, (rows, n))
    present = rng.random((rows, n)) > 0.15
    present[:, 0] = True
    chair = np.where(present[:, 3], 3, 0)
    stake = rng.uniform(0, 0.5, rows)
    previous = rng.integers(-1, 5, rows)
    soften = rng.uniform(0, 1, rows)
    batch = draft_batch(
        Positions(wish, lower, upper, salience),
        present,
        chair,
        0.35,
        stake,
        previous,
        0.7,
        soften,
    )
    for r in range(rows):
        keep = present[r]
        position = int(np.flatnonzero(keep).tolist().index(chair[r]))
        draft = draft_text(
            Positions(wish[r, keep], lower[r, keep], upper[r, keep], salience[r, keep]),
            ChairProfile(position, 0.35, stake[r], soften[r]),
            None if previous[r] < 0 else int(previous[r]),
            0.7,
        )
        assert batch.tone[r] == (-1 if draft.tone is None else draft.tone)
        assert ("consensus", "split", "none")[batch.voice[r]] == draft.voice
        assert batch.target[r] == pytest.approx(draft.target, abs=1e-12)
        assert batch.support[r] == pytest.approx(draft.support, abs=1e-12)
        assert tuple(np.flatnonzero(batch.blockers[r][keep])) == draft.blockers


# --- 2. the same distribution -------------------------------------------------------
def statistics(
    tone: np.ndarray, voice: np.ndarray, metrics: np.ndarray, years: list[int]
) -> dict[str, np.ndarray]:
    """Per-replicate values whose ensemble means the two engines must share.

    ``tone`` (R, meetings) with NaN for no text, ``voice`` (R, meetings) in
    ("consensus", "split", "none"), ``metrics`` (R, quarters, METRICS):

    - mean tone of each meeting (ministerial and summit of each year), over the
      replicates that issued a text;
    - the share of texts at tone 4 and of meetings with a split or no text;
    - mean pressure, mean engagement, pressure spread, threat and dialogue frame at the
      end; total exchanges and total provocations over the run.
    """
    out = {}
    for j in range(tone.shape[1]):
        out[f"tone {years[j // 2]} {('ministerial', 'summit')[j % 2]}"] = tone[:, j]
    out["P(tone 4)"] = (tone == 4).mean(axis=1)
    out["P(split or none)"] = (voice != "consensus").mean(axis=1)
    for name in ("mean_pressure", "mean_engagement", "pressure_spread", "threat", "dialogue"):
        out[f"end {name}"] = metrics[:, -1, METRICS.index(name)]
    for name in ("exchanges", "provocations"):
        out[f"total {name}"] = metrics[:, :, METRICS.index(name)].sum(axis=1)
    return out


def _arrays(results) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tone = np.array([[np.nan if s[3] is None else s[3] for s in r.statements] for r in results])
    voice = np.array([[s[4] for s in r.statements] for r in results])
    return tone, voice, np.stack([r.metrics for r in results])


def z_scores(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    """Two-sample z of the means (NaN entries left out); 0 when both are constant and
    equal, inf when constant and different."""
    out = {}
    for name in a:
        x, y = a[name][np.isfinite(a[name])], b[name][np.isfinite(b[name])]
        if min(len(x), len(y)) < 10:
            continue  # (a meeting almost never held text in one engine: no mean to compare)
        se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        diff = x.mean() - y.mean()
        out[name] = 0.0 if se == 0 and diff == 0 else diff / se if se else np.inf
    return out


@pytest.mark.slow
@pytest.mark.parametrize("make", [history_slice, lambda: EVERY_SHOCK], ids=["history", "shocks"])
def test_the_batched_engine_matches_the_per_replicate_ensemble(make):
    scenario = make()
    years = list(range(scenario.start.year, scenario.end.year + 1))
    # Fixed seeds keep the test deterministic. With 20-30 statistics at |z| < 3 a correct
    # engine fails at about one seed pair in twelve (seeds 11/12 do, on total provocations:
    # z = 4.0 at 300 replicates, 2.3 at 512, and 0.3 at 1,024 with seeds 21/22, so that
    # pair is chance); a bias of ten percent or more in a statistic fails at any pair.
    single = list(iterate(Plan(scenario, REPLICATES, 21), engine="replicate"))
    batched = [
        r
        for b in range(n_blocks(REPLICATES))
        for r in run_block(scenario, b, REPLICATES, 22, record_events=False)
    ]
    assert [r.replicate for r in batched] == list(range(REPLICATES))
    a = statistics(*_arrays(single), years)
    b = statistics(*_arrays(batched), years)
    z = z_scores(a, b)
    assert len(z) >= 12
    worst = max(z, key=lambda k: abs(z[k]))
    assert abs(z[worst]) < 3, (worst, z[worst], {k: round(v, 2) for k, v in z.items()})
    # and the statistics do move (a test that compares two constants checks nothing)
    assert np.std(b["total provocations"]) > 0 and np.std(b["end mean_pressure"]) > 0


# --- 3. the same results whatever runs them -----------------------------------------
def _block_arrays(results):
    return [
        (r.replicate, r.metrics, r.members, r.exchanges, r.statements, [tuple(e) for e in r.events])
        for r in results
    ]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x[0] == y[0] and x[4] == y[4] and x[5] == y[5]
        for u, v in zip(x[1:4], y[1:4], strict=True):
            np.testing.assert_array_equal(u, v)


def test_blocks_give_the_same_results_in_any_order_and_any_run_size():
    scenario = EVERY_SHOCK
    n = 2 * BLOCK + 6
    forward = [run_block(scenario, b, n, 7, record_events=True) for b in range(n_blocks(n))]
    backward = [
        run_block(scenario, b, n, 7, record_events=True) for b in reversed(range(n_blocks(n)))
    ][::-1]
    for x, y in zip(forward, backward, strict=True):
        _assert_same(_block_arrays(x), _block_arrays(y))
    # the short last block gives its replicates the numbers a full block would
    longer = run_block(scenario, 2, 3 * BLOCK, 7, record_events=True)
    _assert_same(_block_arrays(forward[2]), _block_arrays(longer[:6]))
    assert any(r.events for r in forward[2])
    # a different root seed gives different results
    other = run_block(scenario, 0, n, 8)
    assert not np.array_equal(other[0].members, forward[0][0].members)


def test_block_results_have_the_per_replicate_shape():
    scenario = EVERY_SHOCK
    [one] = run_block(scenario, 0, 1, 3, record_events=True)
    [reference] = iterate(Plan(scenario, 1, 3), engine="replicate")
    assert one.replicate == 0 and one.parameters == reference.parameters
    assert one.metrics.shape == reference.metrics.shape
    assert one.members.shape == reference.members.shape and one.members.dtype == np.float32
    assert one.exchanges.shape == reference.exchanges.shape
    assert [s[:3] for s in one.statements] == [s[:3] for s in reference.statements]
    assert one.chairs == reference.chairs
    kinds = {e.cameo for e in one.events}
    assert {"042", "150", "163", "044", "043", "160", "161", "046", "057"} <= kinds
    with pytest.raises(ValueError, match="block 1 is outside"):
        run_block(scenario, 1, BLOCK, 3)


def test_an_ensemble_on_two_processes_is_the_same_as_on_one():
    plan = Plan(EVERY_SHOCK, BLOCK + 6, 9)  # two blocks, one per worker
    here = _block_arrays(iterate(plan, workers=1))
    pool = _block_arrays(iterate(plan, workers=2))
    _assert_same(here, pool)
    assert [r[0] for r in pool] == list(range(BLOCK + 6))
