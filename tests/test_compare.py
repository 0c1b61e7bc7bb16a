"""`asean-sim compare`: paired statistics worked by hand, common random numbers, exact-match
reuse of results, and the report's and table's contents."""

import json
import shutil

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from model.analysis.compare import (
    CompareError,
    compare_scenarios,
    holm,
    load_scenarios,
    matching,
    paired,
)
from model.files.manifest import code_digest
from model.runs.runner import run_scenario

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
    assert list(table.columns) == [
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
        "larger_than_noise",
    ]
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
    assert "## Differences larger than the noise" in report
    assert "- `same`: no difference from `a` is larger than the noise." in report
    assert "`b`, DPRK exchanges (2026-2027):" in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replicates"] == 16
    for figure in ("scenarios", "members"):
        image = mpimg.imread(out / "figures" / f"{figure}.png")
        assert image.shape[1] > 800 and image.std() > 0.05


@pytest.mark.slow
def test_compare_reuses_matching_results_and_reruns_changed_ones(compared, tmp_path):
    root, paths, out, _ = compared
    before = (out / "differences.csv").read_bytes()
    log: list[str] = []
    compare_scenarios(paths, out, results_root=root / "results", progress=False, log=log.append)
    assert all(" reused " in line for line in log)
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
