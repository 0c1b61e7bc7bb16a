"""`asean-sim discover`: PRIM recovers a known box on a synthetic function, the command
reads a real sweep folder and writes its outputs, and bad input (a missing extra, a
folder that is not a sweep, a threshold no point reaches) is refused with exit 2 and
nothing written."""

import json
import sys

import numpy as np
import pandas as pd
import pytest

from model.analysis.discover import read_sweep
from model.analysis.sweep import run_sweep
from model.cli import main

TINY = """\
name: tiny-discover
title: A tiny sweep to discover in
description: Two years, two levers.
period: {start: 2026Q1, end: 2027Q4}
replicates: 4
seed: 5
sweep:
  sanctions_tightness: [0.0, 1.0]
  dprk_outreach: [0.0, 3.0]
"""


def synthetic_sweep(folder, n=1000, seed=0):
    """A folder shaped like a sweep's, whose outcome is 1 exactly when x1 > 0.6 and
    x2 < 0.3 on uniform levers (x3 does nothing)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=["x1", "x2", "x3"])
    samples = x.assign(
        grave_share=((x["x1"] > 0.6) & (x["x2"] < 0.3)).astype(float), welcoming_share=0.0
    )
    samples.insert(0, "sample", np.arange(n))
    folder.mkdir()
    samples.to_parquet(folder / "samples.parquet", index=False)
    manifest = {
        "producer": "asean-sim",
        "format_version": 1,
        "kind": "sweep",
        "method": "sobol",
        "n": n,
        "replicates_per_point": 1,
        "levers": {"x1": [0.0, 1.0], "x2": [0.0, 1.0], "x3": [0.0, 1.0]},
        "scenario": {"name": "synthetic", "title": "A synthetic box"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("discover")
    path = root / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return run_sweep(
        path, "sobol", 16, root / "sweep", progress=False, replicates=4, warn=lambda _: None
    )


def test_prim_recovers_a_known_box_on_a_synthetic_function():
    pytest.importorskip("ema_workbench")
    from model.analysis.scenario_discovery import box_table, choose, find_boxes, in_box

    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((1000, 3)), columns=["x1", "x2", "x3"])
    cases = ((x["x1"] > 0.6) & (x["x2"] < 0.3)).to_numpy()
    found = find_boxes(x, cases, {c: (0.0, 1.0) for c in x})
    assert found.base_rate == pytest.approx(cases.mean())
    step = choose(found, min_density=0.95)
    assert found.trajectory.iloc[step]["density"] >= 0.95
    table = box_table(found, step).set_index("lever")
    assert list(table["restricted"]) == [True, True, False]
    assert list(table["kept"]) == [True, True, False]  # both clear of noise (quasi-p)
    assert table.loc["x1", "restricted_low"] and not table.loc["x1", "restricted_high"]
    assert table.loc["x2", "restricted_high"] and not table.loc["x2", "restricted_low"]
    assert abs(table.loc["x1", "low"] - 0.6) < 0.05
    assert abs(table.loc["x2", "high"] - 0.3) < 0.05
    assert table.loc["x1", "quasi_p_low"] < 1e-6 and table.loc["x2", "quasi_p_high"] < 1e-6
    inside = in_box(x, table.reset_index())
    assert inside.sum() == found.trajectory.iloc[step]["n"]
    assert cases[inside].mean() == pytest.approx(found.trajectory.iloc[step]["density"])


def test_discover_writes_the_box_the_trade_off_and_a_report_in_words(tmp_path, capsys):
    pytest.importorskip("ema_workbench")
    sweep = synthetic_sweep(tmp_path / "sweep")
    out = tmp_path / "found"
    assert (
        main(
            [
                "discover",
                str(sweep),
                "--outcome",
                "grave",
                "--min-density",
                "0.95",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    box = pd.read_csv(out / "box.csv").set_index("lever")
    assert abs(box.loc["x1", "low"] - 0.6) < 0.05 and abs(box.loc["x2", "high"] - 0.3) < 0.05
    assert not box.loc["x3", "restricted"]
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert list(trajectory.columns) == ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    assert trajectory["coverage"].iloc[0] == 1.0 and trajectory["mass"].is_monotonic_decreasing
    manifest = json.loads((out / "manifest.json").read_text())
    step = manifest["chosen_box"]
    chosen = trajectory.iloc[step]
    report = (out / "report.md").read_text()
    assert (
        f"**Grave concern happens in {chosen['density']:.0%} of the sampled points where "
        f"x1 ≥ {box.loc['x1', 'low']:.2f} and x2 ≤ {box.loc['x2', 'high']:.2f}, and those "
        f"points hold {chosen['coverage']:.0%} of all such points.**"
    ) in report
    assert "| `x3` | [0, 1] | free |" in report
    assert (out / "figures" / "tradeoff.png").stat().st_size > 10_000
    assert sorted(manifest["files"]) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    # --box picks another step of the same trajectory
    assert (
        main(["discover", str(sweep), "--outcome", "grave", "--box", "3", "--out", str(out)]) == 0
    )
    assert json.loads((out / "manifest.json").read_text())["chosen_box"] == 3
    assert (
        main(["discover", str(sweep), "--outcome", "grave", "--box", "9999", "--out", str(out)])
        == 2
    )
    assert "the peeling trajectory has boxes 0 to" in capsys.readouterr().err


def test_discover_reads_what_a_real_sweep_writes(real_sweep, tmp_path):
    pytest.importorskip("ema_workbench")
    samples = pd.read_parquet(real_sweep / "samples.parquet")
    outcomes = {
        "grave": "grave_share",
        "split_or_none": "split_or_none_share",
        "welcoming": "welcoming_share",
    }
    for column in outcomes.values():
        assert read_sweep(real_sweep, column).samples[column].equals(samples[column])
    varying = [(o, c) for o, c in outcomes.items() if 0 < (samples[c] > 0).sum() < len(samples)]
    assert varying, "the tiny sweep should move at least one statement outcome"
    outcome, column = varying[0]
    threshold = float(samples.loc[samples[column] > 0, column].min())  # every positive point
    out = tmp_path / "found"
    assert (
        main(
            [
                "discover",
                str(real_sweep),
                "--outcome",
                outcome,
                "--threshold",
                f"{threshold:.9f}",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    box = pd.read_csv(out / "box.csv")
    assert list(box["lever"]) == ["sanctions_tightness", "dprk_outreach"]
    assert list(box["range_high"]) == [1.0, 3.0]
    cases = int((samples[column] >= threshold - 1e-9).sum())
    assert f"{cases} of {len(samples)} points" in (out / "report.md").read_text()


def test_discover_without_the_extra_names_it_and_writes_nothing(tmp_path, capsys, monkeypatch):
    sweep = synthetic_sweep(tmp_path / "sweep")
    for name in [m for m in sys.modules if m.startswith("ema_workbench")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # import fails as if absent
    out = tmp_path / "found"
    assert main(["discover", str(sweep), "--outcome", "grave", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs the [discover] extra" in err and "pip install 'asean-sim[discover]'" in err
    assert not out.exists()


def test_discover_refuses_bad_input_and_writes_nothing(tmp_path, capsys):
    sweep = synthetic_sweep(tmp_path / "sweep")
    out = tmp_path / "found"
    cases = [
        ([str(tmp_path / "nowhere"), "--outcome", "grave"], "no such folder"),
        (
            [str(sweep), "--outcome", "grave", "--out", str(sweep)],
            "would overwrite the sweep folder",
        ),
        ([str(sweep), "--outcome", "split_or_none"], "no column split_or_none_share"),
        ([str(sweep), "--outcome", "welcoming"], "no sampled point has welcoming_share ≥ 0.5"),
    ]
    for argv, message in cases:
        argv = [*argv, "--out", str(out)] if "--out" not in argv else argv
        assert main(["discover", *argv]) == 2, argv
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse's own bad-value exit
        main(["discover", str(sweep), "--outcome", "grave", "--threshold", "1.5"])
    assert exc.value.code == 2 and "expected a share in (0, 1], got 1.5" in capsys.readouterr().err
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"producer": "asean-sim"}))
    assert main(["discover", str(run), "--outcome", "grave", "--out", str(out)]) == 2
    assert "key 'kind' is 'a run'; expected 'sweep'" in capsys.readouterr().err
    assert not out.exists()
