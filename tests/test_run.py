"""`asean-sim run` end to end: the files the README lists, byte-for-byte
reproducibility for any number of workers, and no half results."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from model.cli.commands import main
from model.runs.results import RunWriter
from model.runs.runner import run_scenario
from model.world.scenario import load_scenario

SHORT = """\
name: short
title: A short test scenario
description: Two years with a nuclear test, to exercise every output.
period: {start: 2026Q1, end: 2027Q4}
replicates: 20
seed: 99
shocks:
  - {at: 2026Q3, type: nuclear_test, note: test shock}
"""
DATA_FILES = (
    "timeseries.csv",
    "members.csv",
    "statements.csv",
    "events.csv",
    "summary.csv",
    "manifest.json",
    "report.md",
)


@pytest.fixture
def short(write_scenario):
    return write_scenario(SHORT, "short")


def contents(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in DATA_FILES}


@pytest.mark.slow
def test_run_writes_every_contract_file(short, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(short), "--out", str(out), "--replicates", "6"]) == 0
    for name in DATA_FILES:
        assert (out / name).is_file(), name
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns[:3]) == ["replicate", "quarter", "chair"]
    assert len(ts) == 6 * 8 and set(ts["chair"]) == {"PHL", "SGP"}
    members = pd.read_csv(out / "members.csv")
    assert list(members.columns) == [
        "replicate",
        "quarter",
        "actor",
        "pressure",
        "engagement",
        "exchanges",
    ]
    assert len(members) == 6 * 8 * 11  # Timor-Leste is a member from 2025Q4
    statements = pd.read_csv(out / "statements.csv")
    assert list(statements.columns[:6]) == [
        "replicate",
        "year",
        "meeting",
        "chair",
        "tone",
        "voice",
    ]
    assert len(statements) == 6 * 2 * 2
    events = pd.read_csv(out / "events.csv", dtype={"cameo": str})
    assert (events["cameo"] == "150").sum() >= 6  # the nuclear test, in every replicate
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["metric", "period", "mean", "p10", "p50", "p90"]
    row = summary[(summary.metric == "nuclear_tests") & (summary.period == "2026Q3")]
    assert row["mean"].item() >= 1.0
    assert (summary["p10"] <= summary["p90"] + 1e-12).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 99 and manifest["replicates"] == 6
    assert manifest["scenario"]["name"] == "short"
    assert len(manifest["scenario_digest"]) == 64
    assert manifest["packages"]["mesa"].startswith("3.5")
    assert manifest["git_commit"] and manifest["parameters"]["mode"] == "posterior"
    drawn = manifest["parameters"]["names"]  # drawn per replicate; the others are fixed
    assert drawn and set(drawn) <= set(manifest["parameters"]["medians"])
    assert not set(drawn) & set(manifest["parameters"]["fixed"])
    assert set(DATA_FILES) <= set(manifest["files"])
    report = (out / "report.md").read_text()
    assert "grave-concern" in report and "| 2026 | PHL |" in report
    for figure in ("tone", "stances", "exchanges"):
        image = mpimg.imread(out / "figures" / f"{figure}.png")
        assert image.shape[1] > 500 and image.std() > 0.05


@pytest.mark.slow
def test_same_seed_same_bytes_any_workers(short, tmp_path):
    scenario = load_scenario(short)  # 20 replicates: one block (tests/test_results_writer.py
    # runs three blocks on two workers)
    run_scenario(scenario, tmp_path / "a", workers=1)
    run_scenario(scenario, tmp_path / "b", workers=1)
    run_scenario(scenario, tmp_path / "c", workers=2)
    a, b, c = (contents(tmp_path / x) for x in "abc")
    assert a == b
    assert a == c
    other = run_scenario(scenario.with_changes(seed=100), tmp_path / "d", workers=1)
    assert other is not None
    assert contents(tmp_path / "d")["statements.csv"] != a["statements.csv"]


@pytest.mark.slow
def test_python_m_model_is_the_same_program(short, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "model",
            "run",
            str(short),
            "--out",
            str(tmp_path / "o"),
            "--replicates",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o" / "report.md").is_file()


def test_an_interrupted_run_leaves_no_half_result(short, tmp_path, monkeypatch):
    scenario = load_scenario(short)
    out = tmp_path / "out"
    run_scenario(scenario.with_changes(replicates=3), out)
    before = contents(out)
    real = RunWriter.add

    def flaky(self, part):  # the run stops once the first rows were written
        real(self, part)
        raise KeyboardInterrupt

    monkeypatch.setattr(RunWriter, "add", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_scenario(scenario, out)
    assert contents(out) == before  # the previous complete result is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "short.yaml"]  # no leftovers
    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt):
        run_scenario(scenario, fresh)
    assert not fresh.exists()


def test_large_tables_are_also_written_as_parquet(short, tmp_path):
    out = tmp_path / "out"
    run_scenario(load_scenario(short).with_changes(replicates=3), out)
    for name, number, text in (("members", "pressure", "actor"), ("events", "goldstein", "source")):
        csv = pd.read_csv(out / f"{name}.csv", dtype={"cameo": str}, keep_default_na=False)
        parquet = pd.read_parquet(out / f"{name}.parquet")
        assert list(parquet.columns) == list(csv.columns)
        assert len(parquet) == len(csv) > 0
        np.testing.assert_allclose(parquet[number], csv[number], rtol=1e-5)
        assert (parquet[text] == csv[text]).all()


def test_posterior_draws_are_the_default_and_byte_identical_for_any_workers(short, tmp_path):
    """Uncertainty by default: `run` draws each replicate's parameters from the calibrated
    posterior (said in the manifest and the report), and the same seed still gives the
    same bytes whatever the number of workers."""
    assert main(["run", str(short), "--out", str(tmp_path / "cli"), "--replicates", "4"]) == 0
    manifest = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert manifest["parameters"]["mode"] == "posterior"
    assert "parameters: posterior" in (tmp_path / "cli" / "report.md").read_text()
    scenario = load_scenario(short)  # 20 replicates: two chunks, so two workers share them
    run_scenario(scenario, tmp_path / "a", workers=1, parameters="posterior")
    run_scenario(scenario, tmp_path / "b", workers=2, parameters="posterior")
    assert contents(tmp_path / "a") == contents(tmp_path / "b")
    point = tmp_path / "p"
    assert (
        main(["run", str(short), "--out", str(point), "--parameters", "point", "--replicates", "4"])
        == 0
    )
    assert json.loads((point / "manifest.json").read_text())["parameters"]["mode"] == "point"
    assert contents(point)["timeseries.csv"] != contents(tmp_path / "cli")["timeseries.csv"]


def test_without_a_posterior_the_default_falls_back_to_point(short, tmp_path, monkeypatch, capsys):
    import model.world.posterior

    monkeypatch.setattr(model.world.posterior, "load_calibrated", lambda: None)
    assert main(["run", str(short), "--out", str(tmp_path / "o"), "--replicates", "2"]) == 0
    assert "no calibrated posterior" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["parameters"]["mode"] == "point"


def test_the_report_does_not_call_the_first_of_tied_years_the_weakest():
    """All years at P(grave) 0: the report says so and ranks them by mean tone."""
    from model.runs.report import harshest_and_mildest

    rows = [
        {"year": y, "chair": c, "grave_summit": 0.0, "tone_summit": t}
        for y, c, t in ((2024, "LAO", 3.3), (2025, "MYS", 2.1), (2026, "PHL", 2.6))
    ]
    sentence = harshest_and_mildest(rows)
    assert "0% in every year" in sentence
    assert "harshest year is 2024" in sentence and "mildest 2025" in sentence
    rows[2]["grave_summit"] = 0.3
    sentence = harshest_and_mildest(rows)
    assert "harshest year is 2026" in sentence and "mildest is 2025" in sentence
