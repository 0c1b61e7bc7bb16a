"""`asean-sim compare`: paired statistics worked by hand, common random numbers, exact-match
reuse of results, and the report's and table's contents."""

import json
import re
import shutil
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from model.analysis.compare import compare_scenarios, load_scenarios, matching
from model.analysis.differences import (
    COLUMNS,
    OUTCOMES,
    CompareError,
    differences_table,
    holm,
    holm_adjusted,
    judge,
    paired,
    yearly_table,
)
from model.analysis.numbers import number, p_value, without_negative_zero
from model.files.manifest import code_digest
from model.runs.outcomes import Outcomes
from model.runs.runner import run_scenario
from model.vocabulary import METRICS, Quarter

BASE = """\
name: {name}
title: {title}
description: Two short years.
period: {{start: 2026Q1, end: 2027Q4}}
replicates: 16
seed: 7
levers: {{dprk_outreach: {outreach}}}
"""


def write(folder, name, outreach=1.0, title=None):
    path = folder / f"{name}.yaml"
    path.write_text(
        BASE.format(name=name, title=title or name, outreach=outreach), encoding="utf-8"
    )
    return path


def test_paired_interval_by_hand():
    a = np.array([0.0, 1.0, 0.0, 1.0])
    b = np.array([1.0, 1.0, 1.0, 1.0])
    r = paired(a, b)  # d = 1, 0, 1, 0: mean 0.5, sd 0.57735, se 0.288675, t(0.975, 3) 3.18245
    assert (r.reference, r.value, r.difference, r.pairs) == (0.5, 1.0, 0.5, 4)
    assert r.low == pytest.approx(0.5 - 3.182446 * 0.288675, abs=1e-5)
    assert r.high == pytest.approx(0.5 + 3.182446 * 0.288675, abs=1e-5)
    assert r.p_value == pytest.approx(0.1817, abs=1e-3)
    same = paired(a, a.copy())
    assert (same.difference, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    shifted = paired(a, a + 2)  # every pair differs alike: no noise at all
    assert (shifted.low, shifted.high, shifted.p_value) == (2.0, 2.0, 0.0)
    with_gap = paired(np.array([1.0, np.nan, 3.0]), np.array([2.0, 5.0, 4.0]))
    assert with_gap.pairs == 2 and with_gap.difference == 1.0


def test_holm_steps_down():
    assert holm(np.array([0.01, 0.04, 0.03])).tolist() == [True, False, False]
    assert holm(np.array([0.001, 0.02, np.nan])).tolist() == [True, True, False]
    assert holm(np.array([0.2, 0.01])).tolist() == [False, True]
    # adjusted by hand: sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(.06, 0.04)
    assert holm_adjusted(np.array([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])
    assert holm_adjusted(np.array([0.5, 0.9, np.nan])) == pytest.approx([1.0, 1.0, 1.0])
    p = np.random.default_rng(3).uniform(0, 0.1, 40)
    assert (holm(p) == (holm_adjusted(p) <= 0.05)).all()


def test_scenarios_share_the_first_seed_and_replicates(tmp_path):
    a, b = write(tmp_path, "a"), write(tmp_path, "b", 3.0)
    text = b.read_text().replace("seed: 7", "seed: 8").replace("replicates: 16", "replicates: 30")
    b.write_text(text)
    _first, second = load_scenarios([a, b])
    assert (second.seed, second.replicates) == (7, 16)
    assert load_scenarios([a, b], seed=5, replicates=3)[1].seed == 5
    with pytest.raises(CompareError, match="at least two"):
        load_scenarios([a])
    with pytest.raises(CompareError, match="share a name"):
        load_scenarios([a, a])


def test_reuse_only_on_an_exact_manifest_match(tmp_path):
    (scenario,) = load_scenarios([write(tmp_path, "a"), write(tmp_path, "z")])[:1]
    folder = tmp_path / "results" / "a"
    run_scenario(scenario.with_changes(replicates=2), folder, progress=False)
    code = code_digest()
    assert not matching(folder, scenario, code)  # other replicates
    assert matching(folder, scenario.with_changes(replicates=2), code)
    small = scenario.with_changes(replicates=2)
    assert not matching(folder, small.with_changes(seed=8), code)
    assert not matching(folder, small.with_changes(levers={"dprk_outreach": 2.0}), code)
    assert not matching(folder, small.with_changes(parameters={"stance_noise": 0.02}), code)
    assert not matching(folder, small, "0" * 64)  # other code
    manifest = json.loads((folder / "manifest.json").read_text())
    for key, value in (
        ("parameters", {**manifest["parameters"], "values": {}}),
        ("format_version", 0),
    ):
        copy = tmp_path / f"copy-{key}"
        shutil.copytree(folder, copy)
        (copy / "manifest.json").write_text(json.dumps({**manifest, key: value}))
        assert not matching(copy, small, code), key
    (folder / "members.csv").unlink()  # incomplete
    assert not matching(folder, small, code)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """a; b: much more DPRK outreach; same: a under another name (must differ by nothing)."""
    root = tmp_path_factory.mktemp("compare")
    paths = [write(root, "a"), write(root, "b", 3.0), write(root, "same")]
    out = root / "out"
    log: list[str] = []
    compare_scenarios(
        paths, out, workers=1, results_root=root / "results", progress=False, log=log.append
    )
    return root, paths, out, log


@pytest.mark.slow
def test_compare_writes_figures_table_and_report(compared):
    _root, _paths, out, log = compared
    assert [line.split(":")[1].split()[0] for line in log] == ["ran", "ran", "ran"]
    table = pd.read_csv(out / "differences.csv")
    # the contract's columns first and in order; the two answers are added after them
    assert list(table.columns[:12]) == [
        "scenario",
        "reference",
        "outcome",
        "period",
        "reference_value",
        "value",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "pairs",
        "min_meaningful",
    ]
    assert list(table.columns[:11]) == COLUMNS
    assert {"larger_than_noise", "p_holm", "matters", "ci_clears_minimum", "finding"} <= set(
        table.columns
    )
    assert set(table["scenario"]) == {"b", "same"} and set(table["reference"]) == {"a"}
    assert {"P(grave concern, summit)", "P(split or no text, summit)", "DPRK exchanges"} <= set(
        table["outcome"]
    )
    assert {"2026", "2027", "2026-2027"} == set(table["period"])
    assert (table["ci_low"] <= table["difference"] + 1e-12).all()
    assert (table["difference"] <= table["ci_high"] + 1e-12).all()
    same = table[table["scenario"] == "same"]  # common random numbers: identical replicates
    assert (same["difference"] == 0).all() and not same["larger_than_noise"].any()
    exchanges = table[
        (table["scenario"] == "b")
        & (table["outcome"] == "DPRK exchanges")
        & (table["period"] == "2026-2027")
    ].iloc[0]
    assert exchanges["difference"] > 0 and exchanges["ci_low"] > 0
    assert exchanges["larger_than_noise"]
    members = pd.read_csv(out / "member_differences.csv")
    assert len(members) == 2 * 3 * 11
    replicates = pd.read_parquet(out / "replicates.parquet")
    assert set(replicates["scenario"]) == {"a", "b", "same"}
    assert replicates["replicate"].max() == 15
    report = (out / "report.md").read_text()
    assert "## What differs, and whether it matters" in report
    same_section = report.split("### `same` against `a`")[1].split("###")[0]
    assert "No difference from `a` is both real and large enough to matter." in same_section
    assert "No difference is real but small." in same_section
    b_section = report.split("### `b` against `a`")[1].split("### `same`")[0]
    assert "- DPRK exchanges (2026-2027):" in b_section
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replicates"] == 16
    # uncertainty by default: posterior draws, said in the manifest and the report
    assert manifest["parameters"]["mode"] == "posterior"
    assert "Parameters: **posterior**" in report
    assert manifest["minimum_meaningful"]["mean summit tone (with text)"]["minimum"] == 0.1
    for figure in ("scenarios", "members"):
        image = mpimg.imread(out / "figures" / f"{figure}.png")
        assert image.shape[1] > 800 and image.std() > 0.05


@pytest.mark.slow
def test_compare_reuses_matching_results_and_reruns_changed_ones(compared, tmp_path):
    root, paths, out, _ = compared
    before = (out / "differences.csv").read_bytes()
    log: list[str] = []
    compare_scenarios(paths, out, results_root=root / "results", progress=False, log=log.append)
    assert all(" reused " in line for line in log), log
    assert (out / "differences.csv").read_bytes() == before
    b = paths[1]
    b.write_text(b.read_text().replace("dprk_outreach: 3.0", "dprk_outreach: 2.5"))
    log.clear()
    compare_scenarios(paths, out, results_root=root / "results", progress=False, log=log.append)
    assert [line.split(":")[1].split()[0] for line in log] == ["reused", "ran", "reused"]
    log.clear()
    compare_scenarios(
        paths, out, replicates=8, results_root=root / "results", progress=False, log=log.append
    )
    assert all(" ran " in line for line in log)  # another replicate count: nothing matches


def synthetic(delta_engagement, replicates=200, tone_shift=0.0, seed=0):
    """Two two-year ensembles, the second's member engagement higher by about
    ``delta_engagement`` in every replicate (so the difference is real) and its summit
    tone higher by ``tone_shift``."""
    rng = np.random.default_rng(seed)
    outs = []
    for k in range(2):
        out = Outcomes.empty(replicates, Quarter(2026, 1), Quarter(2027, 4))
        base = np.random.default_rng(seed + 1)  # common random numbers
        out.metrics[:] = base.uniform(0.3, 0.5, out.metrics.shape)
        out.metrics[..., METRICS.index("provocations")] = base.poisson(0.5, out.metrics.shape[:2])
        eng = METRICS.index("mean_engagement")
        out.metrics[..., eng] += k * (delta_engagement + rng.normal(0, 1e-4, out.metrics.shape[:2]))
        out.stances[:] = 0.5
        out.tone[:] = base.integers(1, 5, out.tone.shape) + (k * tone_shift)
        out.voice[:] = 0
        out.chairs = {2026: "PHL", 2027: "SGP"}
        outs.append(out)
    return [("a", outs[0]), ("b", outs[1])]


def test_a_real_but_small_difference_is_not_reported_as_mattering():
    """The issue's engagement difference of +0.0014: real (every replicate differs), but
    below its minimum meaningful difference, so it is not a finding."""
    table = differences_table(synthetic(0.0014))
    row = table[(table["outcome"] == "mean member engagement")].iloc[0]
    assert row["difference"] == pytest.approx(0.0014, abs=1e-4)
    assert row["larger_than_noise"] and row["p_holm"] < 1e-6
    assert row["min_meaningful"] == OUTCOMES["mean member engagement"].minimum
    assert not row["matters"] and row["finding"] == "real but small"
    big = differences_table(synthetic(0.05))
    row = big[(big["outcome"] == "mean member engagement")].iloc[0]
    assert row["matters"] and row["finding"] == "real and meaningful"
    assert row["ci_clears_minimum"]
    # identical outcomes are neither real nor meaningful
    assert (
        differences_table(synthetic(0.0)).query("outcome != 'mean member engagement'")["finding"]
        == "not distinguishable from noise"
    ).all()


def test_the_minimum_is_per_year_for_period_totals_and_the_rule_is_exact():
    table = differences_table(synthetic(0.0))
    exchanges = table[table["outcome"] == "DPRK exchanges"].set_index("period")
    assert exchanges.loc["2026", "min_meaningful"] == 1.0
    assert exchanges.loc["2026-2027", "min_meaningful"] == 2.0  # two years summed
    frame = pd.DataFrame(
        {
            "difference": [0.049, 0.05, -0.06, 0.2],
            "ci_low": [0.04, 0.045, -0.07, -0.1],
            "ci_high": [0.06, 0.055, -0.055, 0.5],
            "p_value": [1e-9, 1e-9, 1e-9, 0.5],
            "min_meaningful": [0.05] * 4,
        }
    )
    judged = judge(frame)
    assert judged["finding"].tolist() == [
        "real but small",
        "real and meaningful",
        "real and meaningful",
        "not distinguishable from noise",
    ]
    assert judged["ci_clears_minimum"].tolist() == [False, False, True, False]


def test_yearly_table_sets_the_years_side_by_side():
    table = differences_table(synthetic(0.0, tone_shift=0.5))
    wide = yearly_table(table, "b")
    assert wide.index.tolist() == [2026, 2027]
    tone = wide["mean summit tone (with text)"]
    assert tone["difference"].tolist() == pytest.approx([0.5, 0.5])
    assert (tone["finding"] == "real and meaningful").all()
    rows = table[(table["outcome"] == "P(split or no text, summit)") & (table["period"] == "2027")]
    assert wide.loc[2027, ("P(split or no text, summit)", "value")] == rows["value"].item()


def test_numbers_never_print_as_negative_zero():
    assert number(-0.0004, decimals=0, scale=100, signed=True, suffix=" pts") == "0 pts"
    assert number(-0.00001, decimals=2) == "0.00"
    assert number(-0.0, signed=True) == "0.00" and number(-0.0, decimals=0) == "0"
    assert number(0.0, decimals=1, signed=True) == "0.0"
    assert number(-0.004, decimals=1, scale=100, signed=True) == "-0.4"
    assert number(0.0123, decimals=1, scale=100, signed=True, suffix=" pts") == "+1.2 pts"
    assert number(1234.5) == "1234" and number(0.0021) == "0.00210"
    assert number(-0.0021, signed=True) == "-0.00210"
    assert number(0.10, trim=True) == "0.1" and number(2.0, trim=True) == "2"
    assert number(float("nan")) == "n/a" and number(None) == "n/a"
    assert p_value(1e-9) == "<0.001" and p_value(0.0567) == "0.057"
    frame = without_negative_zero(pd.DataFrame({"x": [-0.0, 1.0], "s": ["a", "b"]}))
    assert "-0" not in frame.to_csv(index=False, float_format="%.6g")


def test_compare_output_has_the_per_year_table_and_no_negative_zero(compared):
    _root, _paths, out, _ = compared
    table = pd.read_csv(out / "differences.csv", dtype={"period": str})
    tone = table[(table["outcome"] == "mean summit tone (with text)")]
    assert set(tone["period"]) == {"2026", "2027", "2026-2027"}
    report = (out / "report.md").read_text()
    section = report.split("## Year by year (summit text)")[1].split("## Minimum")[0]
    for year in (2026, 2027):
        assert f"| {year} | " in section
    b = section.split("### `b` against `a`")[1].split("###")[0]
    row = tone[(tone["scenario"] == "b") & (tone["period"] == "2026")].iloc[0]
    assert f"| {row['reference_value']:.2f} | {row['value']:.2f} |" in b
    assert "## Minimum meaningful differences" in report
    assert "| mean summit tone (with text) | 0.1 |" in report
    # not after a letter either: the report names the results folder, and pytest's first
    # temporary folder of a session is pytest-0 (a false alarm on every first run)
    negative_zero = re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.])")
    for name in ("report.md", "differences.csv", "member_differences.csv"):
        text = (out / name).read_text()
        assert not negative_zero.search(text), (name, negative_zero.search(text))
    # real and meaningful differences come before the real but small ones
    assert report.index("real and meaningful") < report.index("Year by year")


def test_point_and_posterior_results_are_not_interchangeable(tmp_path):
    (scenario,) = load_scenarios([write(tmp_path, "a"), write(tmp_path, "z")])[:1]
    scenario = scenario.with_changes(replicates=2)
    folder = tmp_path / "results" / "a"
    run_scenario(scenario, folder, parameters="posterior", progress=False)
    code = code_digest()
    assert matching(folder, scenario, code, "posterior")
    assert not matching(folder, scenario, code, "point")


def test_the_scenarios_readme_lists_the_minimums_defined_in_code():
    """The minimum meaningful differences are defined once (OUTCOMES); the scenario
    writers' README shows the same values and reasons."""
    readme = (Path(__file__).resolve().parent.parent / "scenarios" / "README.md").read_text()
    for o in OUTCOMES.values():
        size = (
            f"{100 * o.minimum:g} percentage points"
            if o.unit == "probability"
            else (f"{o.minimum:g}" + (" a year" if o.per_year else ""))
        )
        assert f"| {o.name} | {size} | {o.reason} |" in readme, o.name


def test_compare_cli_says_which_parameters_it_used(tmp_path, capsys):
    from model.cli.commands import main

    a, b = write(tmp_path, "a"), write(tmp_path, "b", 2.0, title="B from 2031")
    out = tmp_path / "cmp"
    args = ["compare", str(a), str(b), "--out", str(out), "--replicates", "2"]
    assert main([*args, "--parameters", "point"]) == 0
    err = capsys.readouterr().err
    assert "title says 'from 2031', but the period is 2026Q1-2027Q4" in err  # warned, not refused
    assert json.loads((out / "manifest.json").read_text())["parameters"]["mode"] == "point"
    report = (out / "report.md").read_text()
    assert "Parameters: **point**" in report and "chance alone" in report
