"""`asean-sim backtest` and posterior parameter draws."""

import json

import numpy as np
import pytest

import model.world.parameters
import model.world.posterior
from model.cli.commands import main
from model.world.initial import cached_record
from model.world.parameters import Parameters
from model.world.posterior import PosteriorDraw


def test_backtest_json_follows_the_contract(tmp_path, capsys):
    assert main(["backtest", "--json", "--replicates", "4", "--out", str(tmp_path / "bt")]) == 0
    document = json.loads(capsys.readouterr().out)
    years = document["years"]
    assert [y["year"] for y in years] == list(range(2000, 2026))
    assert set(years[0]) == {
        "year",
        "chair",
        "tone_mean",
        "tone_probs",
        "voice_probs",
        "observed_tone",
    }
    chairs = dict(zip(cached_record().chairs["year"], cached_record().chairs["chair"], strict=True))
    assert all(y["chair"] == chairs[y["year"]] for y in years)
    observed = {y["year"]: y["observed_tone"] for y in years if y["observed_tone"] is not None}
    assert observed == {2013: 2, 2015: 2, 2016: 2, 2017: 4, 2022: 4, 2023: 4}
    for y in years:
        assert len(y["tone_probs"]) == 5 and sum(y["tone_probs"]) <= 1.0 + 1e-9
        assert sum(y["voice_probs"].values()) == pytest.approx(1.0)
    # 2017 (sixth nuclear test, ICBMs) is harsher than the calm year 2001
    by_year = {y["year"]: y for y in years}
    assert by_year[2017]["tone_mean"] > by_year[2001]["tone_mean"] + 1
    for name in (
        "backtest.csv",
        "backtest.json",
        "backtest.md",
        "figures/tone.png",
        "figures/backtest.png",
        "manifest.json",
    ):
        assert (tmp_path / "bt" / name).is_file()
    # scores on the validation record beside the two naive forecasts
    scores = document["scores"]
    assert set(scores) == {"out_of_sample", "article_years", "record"}
    for block in scores.values():
        assert set(block) == {"model", "persistence", "climatology"}
        assert {"spearman", "mae", "modal_accuracy", "rps", "brier_voice"} <= set(block["model"])
    assert scores["out_of_sample"]["model"]["occasions"] >= 15
    assert all(o["in_article_years"] == (o["year"] in observed) for o in document["validation"])
    effects = {(e["year"], e["chair"], e["instead"]) for e in document["chair_effects"]}
    assert effects == {(2016, "LAO", "PHL"), (2024, "LAO", "MYS")}


def test_backtest_table_prints_skill(tmp_path, capsys):
    assert main(["backtest", "--replicates", "3", "--out", str(tmp_path / "bt")]) == 0
    out = capsys.readouterr().out
    assert "mean absolute tone error" in out and "2017   PHL" in out


def test_posterior_draws_vary_by_replicate_and_repeat_by_seed():
    draw = PosteriorDraw(
        Parameters(), ("tone_span", "outreach_rate"), np.array([[0.6, 0.2], [0.7, 0.3], [0.8, 0.4]])
    )
    picks = [draw(i, np.random.default_rng(i)).tone_span for i in range(30)]
    assert set(picks) == {0.6, 0.7, 0.8}
    again = [draw(i, np.random.default_rng(i)).tone_span for i in range(30)]
    assert picks == again
    p = draw(0, np.random.default_rng(0))
    assert p.outreach_rate == {0.6: 0.2, 0.7: 0.3, 0.8: 0.4}[p.tone_span]
    assert p.susceptibility == Parameters().susceptibility  # unfitted values untouched


def test_posterior_without_calibration_is_a_clear_error(
    tmp_path, monkeypatch, capsys, scenarios_dir
):
    missing = tmp_path / "calibrated.yaml"
    monkeypatch.setattr(model.world.parameters, "CALIBRATED_FILE", missing)
    monkeypatch.setattr(model.world.posterior, "CALIBRATED_FILE", missing)
    monkeypatch.setattr(
        model.world.posterior,
        "load_calibrated",
        lambda: model.world.parameters.load_calibrated(missing),
    )
    scenario = scenarios_dir / "laos_chair_2024.yaml"
    code = main(
        [
            "run",
            str(scenario),
            "--parameters",
            "posterior",
            "--replicates",
            "2",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert "run `asean-sim calibrate` first" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
