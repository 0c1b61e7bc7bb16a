"""`asean-sim sweep`: the SALib wrapper against known analytic answers, the noise checks
on synthetic outcomes with a known noise, the N checks, and a tiny sweep of the real model
in which one lever provably has no effect."""

import json

import numpy as np
import pandas as pd
import pytest

from model.analysis.sensitivity import (
    SweepError,
    check_n,
    index_noise,
    noise_share,
    read_indices,
)
from model.analysis.sweep import (
    OUTCOMES,
    REPLICATES,
    Problem,
    analyze,
    block_size,
    lever_problem,
    run_sweep,
    sample,
    sweep,
)
from model.cli import main
from model.vocabulary import METRICS
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
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


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
    out = run_sweep(
        tiny,
        "sobol",
        16,
        tmp_path / "sw",
        workers=1,
        progress=False,
        replicates=4,
        warn=lambda _: None,
    )
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
    assert {"mean_tone", "split_or_none_share", "welcoming_share", "grave_share"} <= set(OUTCOMES)
    assert samples["mean_tone"].between(0, 4).all() and samples["mean_tone"].nunique() > 1
    shares = samples[["grave_share", "split_or_none_share", "welcoming_share"]]
    assert ((shares >= 0) & (shares <= 1)).all().all()
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
    varying = indices[
        indices["outcome"].isin(["exchanges_per_year", "final_engagement", "mean_tone"])
    ]
    assert np.isfinite(varying[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    pinned = indices[indices["lever"] == "us_pressure"].dropna()
    assert len(pinned) >= 3
    assert (pinned["ST"].abs() <= pinned["ST_conf"] + 1e-9).all()  # ~0 within its CI
    np.testing.assert_allclose(pinned["ST"], 0.0, atol=1e-12)
    outreach = indices[
        (indices["lever"] == "dprk_outreach") & (indices["outcome"] == "exchanges_per_year")
    ]
    assert (outreach["ST"] - outreach["ST_conf"] > 0).all()  # clearly matters
    noise = pd.read_csv(out / "noise.csv")
    assert list(noise["outcome"]) == list(OUTCOMES)
    tone = noise.set_index("outcome").loc["mean_tone"]
    assert 0 < tone["noise_share"] < 1 and tone["index_noise"] > 0
    report = (out / "report.md").read_text()
    assert "us_pressure 0.00 ± 0.00 (≈0)" in report
    assert "## Monte Carlo noise floor" in report and "16 × 5" not in report
    assert "80 points × 4 replicates = 320 runs" in report
    assert (out / "figures" / "indices.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates_per_point"] == 4 and manifest["points"] == 80
    assert sorted(manifest["files"]) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )


def test_a_point_is_the_mean_of_its_replicates_run_as_one_batched_block(tiny):
    from model.world.batched import BLOCK
    from model.world.spans import run_block

    scenario = load_scenario(tiny)
    result = sweep(scenario, "sobol", 2, replicates=3)  # 10 points, blocks of 5
    row = result.samples.iloc[7]  # block 1
    assert row["block"] == 1
    levers = {name: float(row[name]) for name in result.problem.names}
    variant = scenario.model_copy(update={"levers": {**scenario.levers, **levers}})
    runs = run_block(variant, 1, BLOCK + 3, scenario.seed, record_events=False)
    expected = np.nanmean([_outcomes_read_by_hand(r) for r in runs], axis=0)
    assert list(OUTCOMES) == [
        "mean_tone",
        "grave_share",
        "split_or_none_share",
        "welcoming_share",
        "exchanges_per_year",
        "provocations_per_year",
        "final_pressure",
        "final_engagement",
    ]
    np.testing.assert_allclose(row[list(OUTCOMES)].to_numpy(dtype=float), expected)


def _outcomes_read_by_hand(result) -> list[float]:
    """One run's outcomes read off its ReplicateResult, as OUTCOMES' docstrings say."""
    summits = [s for s in result.statements if s[1] == "summit"]
    tones = [s[3] for s in summits if s[3] is not None]
    years = len(result.chairs)
    return [
        float(np.mean(tones)) if tones else float("nan"),
        sum(s[3] == 4 for s in summits) / len(summits),
        sum(s[4] != "consensus" for s in summits) / len(summits),
        sum(s[3] == 0 for s in summits) / len(summits),
        result.exchanges.sum() / years,
        result.metrics[:, METRICS.index("provocations")].sum() / years,
        result.metrics[-1, METRICS.index("mean_pressure")],
        result.metrics[-1, METRICS.index("mean_engagement")],
    ]


def test_same_sweep_any_workers_and_morris(tiny):
    scenario = load_scenario(tiny)
    one = sweep(scenario, "morris", 10, replicates=2, workers=1)  # 40 points: three tasks
    two = sweep(scenario, "morris", 10, replicates=2, workers=2)
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


# --- the N checks and the noise floor ------------------------------------------------------
def test_sobol_refuses_an_n_that_is_not_a_power_of_two_and_writes_nothing(tiny, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", str(tiny), "--n", "10", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--n 10: Sobol' sampling needs a power of two" in err
    assert "use --n 8 or --n 16" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [tiny]
    assert main(["sweep", str(tiny), "--n", "8", "--replicates", "65", "--out", str(out)]) == 2
    assert "1 to 64 replicates" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert f"default {REPLICATES};" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SweepError, match="power of two"):
        sample(ISHIGAMI, "sobol", 24, seed=0)
    assert check_n("morris", 10) == []  # Morris takes any N


def test_a_small_n_warns_on_stderr_and_in_the_report(tiny, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", str(tiny), "--n", "4", "--replicates", "2", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: N = 4 base points is below 64" in err
    report = (out / "report.md").read_text()
    assert "## Warnings" in report and "N = 4 base points is below 64" in report
    assert json.loads((out / "manifest.json").read_text())["warnings"][0].startswith("N = 4")
    assert check_n("sobol", 64) == [] and check_n("morris", 9)


def test_noise_share_recovers_a_known_replicate_noise():
    rng = np.random.default_rng(4)
    signal = rng.normal(0, 1, (4000, 1))
    values = signal + rng.normal(0, 1, (4000, 4))  # noise var of a 4-replicate mean: 1/4
    assert noise_share(values) == pytest.approx(0.25 / 1.25, abs=0.03)
    assert noise_share(np.repeat(signal, 4, axis=1)) == 0.0
    assert np.isnan(noise_share(signal))  # one replicate: no within-point spread


def test_index_noise_is_zero_without_noise_and_shrinks_with_replicates():
    x = sample(ISHIGAMI, "sobol", 256, seed=1)
    clean = np.repeat(ishigami(x)[:, None], 8, axis=1)
    assert index_noise(ISHIGAMI, "sobol", x, clean, seed=1) == 0.0
    rng = np.random.default_rng(2)
    few = ishigami(x)[:, None] + rng.normal(0, 4, (len(x), 2))
    many = ishigami(x)[:, None] + rng.normal(0, 4, (len(x), 32))
    assert index_noise(ISHIGAMI, "sobol", x, few, 1) > index_noise(ISHIGAMI, "sobol", x, many, 1)


def test_negative_s1_is_explained_and_an_indistinct_top_index_warned():
    frame = pd.DataFrame(
        {
            "lever": ["a", "b"],
            "S1": [-0.02, -0.3],
            "S1_conf": [0.05, 0.1],
            "ST": [0.93, 0.1],
            "ST_conf": [2.26, 0.05],
        }
    )
    reading = read_indices("sobol", 16, "mean_tone", frame, 0.1, 0.01, 0)
    assert any(
        "S1 of a on mean tone is -0.020 ± 0.050: negative only by estimation noise" in n
        for n in reading.notes
    )
    assert any("S1 of b" in w and "negative beyond its interval" in w for w in reading.warnings)
    assert any("even the largest index (a ST = 0.93 ± 2.26)" in w for w in reading.warnings)
    quiet = frame.assign(S1=[0.5, 0.1], ST_conf=[0.1, 0.05])
    assert read_indices("sobol", 1024, "mean_tone", quiet, 0.1, 0.01, 0).warnings == ()
    noisy = read_indices("sobol", 1024, "mean_tone", quiet, 0.7, 0.01, 0)
    assert "70% of its variance between points is replicate noise" in noisy.warnings[0]
