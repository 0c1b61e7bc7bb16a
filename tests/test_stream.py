"""``run --summary-only`` (model/runs/stream.py): an ensemble summarised from counts gives
the statement rows of the full ensemble's summary.csv, in constant memory."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from model.cli.commands import main
from model.runs.ensemble import Plan, iterate_spans
from model.runs.outcomes import Outcomes
from model.runs.stream import Tally, tally_span
from model.vocabulary import MEETINGS, VOICES
from model.world.batched import BLOCK
from model.world.scenario import Scenario
from model.world.spans import n_blocks, run_block

SCENARIO = Scenario(
    name="stream",
    title="t",
    description="a cold start with a noisy mood: every tone and voice occurs",
    period={"start": "2000Q1", "end": "2001Q4"},
    seed=8,
    replicates=2 * BLOCK + 9,
    actors={"MMR": {"veto": 1.0}},
    parameters={"mood_noise": 1.0, "slack": 1.5},  # members block often: every voice
)
STATEMENT_METRICS = ("tone_", "grave_concern_", "voice_")


def full_outcomes(scenario: Scenario) -> Outcomes:
    """Every replicate's result kept, as a full run keeps them."""
    n = scenario.replicates
    out = Outcomes.empty(n, scenario.start, scenario.end)
    for block in range(n_blocks(n)):
        for result in run_block(scenario, block, n, scenario.seed):
            out.add(result.replicate, result)
    return out


def streamed(scenario: Scenario, workers: int = 1) -> Tally:
    years = list(range(scenario.start.year, scenario.end.year + 1))
    tally = Tally.empty(years)
    for part in iterate_spans(
        Plan(scenario, scenario.replicates, scenario.seed), tally_span, workers=workers
    ):
        tally.add(part)
    return tally


def test_the_streamed_summary_is_the_full_ensembles():
    full = full_outcomes(SCENARIO)
    expected = full.summary_frame()
    expected = expected[expected["metric"].str.startswith(STATEMENT_METRICS)]
    tally = streamed(SCENARIO)
    got = pd.DataFrame(tally.summary_rows(), columns=list(expected.columns))
    assert len(got) == len(expected) > 0
    assert got["metric"].tolist() == expected["metric"].tolist()
    assert got["period"].tolist() == expected["period"].tolist()
    for column in ("mean", "p10", "p50", "p90"):  # the same numbers, not merely close
        np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy())
    # and the case is not trivial: tones and voices vary
    assert len(np.unique(full.tone[~np.isnan(full.tone)])) >= 3
    assert len(np.unique(full.voice)) == len(VOICES)


def test_tone_probabilities_add_up_and_match_the_full_ensemble():
    full = full_outcomes(SCENARIO)
    tally = streamed(SCENARIO)
    assert tally.replicates == SCENARIO.replicates
    for row in tally.tone_rows():
        y, k = full.years.index(row["year"]), MEETINGS.index(row["meeting"])
        tones = full.tone[:, y, k]
        levels = [row[f"p_tone_{t}"] for t in range(5)]
        assert np.isclose(sum(levels) + row["p_no_text"], 1.0)
        assert np.isclose(sum(row[f"p_{v}"] for v in VOICES), 1.0)
        np.testing.assert_allclose(levels, [(tones == t).mean() for t in range(5)])
        assert row["p_grave"] == levels[4]
        assert np.isclose(row["mean_tone"], np.nanmean(tones))


def test_summary_only_from_the_command_line(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.model_dump_json(), encoding="utf-8")
    out = tmp_path / "o"
    assert (
        main(["run", str(scenario), "--summary-only", "--out", str(out), "--replicates", "70"]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "summary.csv", "tones.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["summary_only"] is True and manifest["replicates"] == 70
    assert manifest["events"] == {"written": False, "rule": "--summary-only"}
    tones = pd.read_csv(out / "tones.csv")
    assert len(tones) == 2 * len(MEETINGS) and (tones["replicates"] == 70).all()
    refused = tmp_path / "r"
    assert main(["run", str(scenario), "--summary-only", "--events", "--out", str(refused)]) == 2
    assert "--summary-only" in capsys.readouterr().err and not refused.exists()
