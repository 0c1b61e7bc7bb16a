"""`asean-sim sweep`: the SALib wrapper against known analytic answers, and a tiny sweep of
the real model in which one lever provably has no effect."""

import numpy as np
import pandas as pd
import pytest

from model.analysis.sweep import (
    OUTCOMES,
    Problem,
    analyze,
    block_size,
    lever_problem,
    run_sweep,
    sample,
    sweep,
)
from model.world.scenario import load_scenario

# us_pressure is pinned to 0.5 by a lever shock that fires before the first quarter is
# simulated, and nothing reads the lever before then (the powers' lobbying is recomputed
# when the shock fires): whatever the sample says, the run is the same. A correct sweep
# must give it a total index of exactly zero, given the block-wise common random numbers.
TINY = """\
name: tiny-sweep
title: A tiny sweep
description: Two years, three levers, one of them pinned by a shock.
period: {start: 2026Q1, end: 2027Q4}
replicates: 4
seed: 11
sweep:
  us_pressure: [0.0, 1.0]
  sanctions_tightness: [0.0, 1.0]
  dprk_outreach: [0.0, 3.0]
shocks:
  - {at: 2026Q1, type: lever, lever: us_pressure, value: 0.5}
"""


@pytest.fixture
def tiny(write_scenario):
    return write_scenario(TINY, "tiny")


ISHIGAMI = Problem(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_wrapper_recovers_the_ishigami_indices():
    # Analytic values for a=7, b=0.1 (Ishigami & Homma 1990; Saltelli et al. 2008).
    x = sample(ISHIGAMI, "sobol", 2048, seed=3)
    assert x.shape == (2048 * block_size("sobol", 3), 3)
    found = analyze(ISHIGAMI, "sobol", x, ishigami(x), seed=3).set_index("lever")
    np.testing.assert_allclose(found["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    np.testing.assert_allclose(found["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    assert (found["ST_conf"] > 0).all() and (found["ST_conf"] < 0.1).all()


def test_morris_wrapper_measures_linear_effects_exactly():
    problem = Problem(("a", "b", "c"), ((0.0, 1.0), (0.0, 2.0), (-1.0, 1.0)))
    x = sample(problem, "morris", 20, seed=1)
    assert x.shape == (20 * 4, 3)
    y = 3 * x[:, 0] - 1 * x[:, 1] + 0 * x[:, 2]
    found = analyze(problem, "morris", x, y, seed=1).set_index("lever")
    # Elementary effects are per unit of the lever's scaled [0, 1] range.
    np.testing.assert_allclose(found["mu"], [3.0, -2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(found["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_a_constant_outcome_has_no_indices():
    x = sample(ISHIGAMI, "sobol", 8, seed=0)
    found = analyze(ISHIGAMI, "sobol", x, np.ones(len(x)), seed=0)
    assert found[["S1", "ST"]].isna().all().all()


def test_levers_come_from_the_file_or_the_documented_ranges(tiny):
    scenario = load_scenario(tiny)
    assert lever_problem(scenario).names == ("us_pressure", "sanctions_tightness", "dprk_outreach")
    everything = lever_problem(scenario.with_changes(sweep={}))
    assert "asean_centrality" in everything.names and len(everything.names) == 7
    with pytest.raises(ValueError, match="unknown method"):
        sweep(scenario, "fast", 4)


def test_sobol_sweep_of_the_model_writes_samples_and_indices(tiny, tmp_path):
    out = run_sweep(tiny, "sobol", 16, tmp_path / "sw", workers=1, progress=False)
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 16 * 5
    assert list(samples.columns) == [
        "sample",
        "block",
        "us_pressure",
        "sanctions_tightness",
        "dprk_outreach",
        *OUTCOMES,
    ]
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "samples.parquet"),
        samples,
        check_exact=False,
        rtol=1e-5,
        check_dtype=False,
    )
    indices = pd.read_csv(out / "indices.csv")
    assert list(indices.columns) == ["outcome", "lever", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(indices) == len(OUTCOMES) * 3
    varying = indices[indices["outcome"].isin(["exchanges_per_year", "final_engagement"])]
    assert np.isfinite(varying[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    pinned = indices[indices["lever"] == "us_pressure"].dropna()
    assert len(pinned) >= 2
    assert (pinned["ST"].abs() <= pinned["ST_conf"] + 1e-9).all()  # ~0 within its CI
    np.testing.assert_allclose(pinned["ST"], 0.0, atol=1e-12)
    outreach = indices[
        (indices["lever"] == "dprk_outreach") & (indices["outcome"] == "exchanges_per_year")
    ]
    assert (outreach["ST"] - outreach["ST_conf"] > 0).all()  # clearly matters
    report = (out / "report.md").read_text()
    assert "us_pressure 0.00 ± 0.00 (≈0)" in report
    assert (out / "figures" / "indices.png").stat().st_size > 10_000
    for name in ("manifest.json", "report.md"):
        assert (out / name).is_file()


@pytest.mark.slow
def test_same_sweep_any_workers_and_morris(tiny):
    scenario = load_scenario(tiny)
    one = sweep(scenario, "morris", 40, workers=1)  # 160 runs: three tasks
    two = sweep(scenario, "morris", 40, workers=2)
    pd.testing.assert_frame_equal(one.samples, two.samples, check_exact=True)
    assert list(one.indices.columns) == [
        "outcome",
        "lever",
        "mu",
        "mu_star",
        "mu_star_conf",
        "sigma",
    ]
    pinned = one.indices[one.indices["lever"] == "us_pressure"].dropna()
    np.testing.assert_allclose(pinned[["mu", "mu_star", "sigma"]], 0.0, atol=1e-12)
