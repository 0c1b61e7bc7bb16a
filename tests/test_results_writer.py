"""The column-wise writer (model/runs/results.py) writes the bytes the row-by-row writer
wrote, for any number of workers, and the event log follows its rule."""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.cli.commands import main
from model.runs import results
from model.runs.ensemble import Plan, iterate_spans
from model.runs.results import CSV_FILES, events_rule, events_wanted, write_run, write_span
from model.vocabulary import MEMBERS, quarter_range
from model.world.batched import BLOCK
from model.world.scenario import Scenario, ShockSpec
from model.world.simevents import event_rows
from model.world.spans import n_blocks, run_block

SCENARIO = Scenario(
    name="writer",
    title="t",
    description="two years (a cold start): Timor-Leste joins, a chair change, a delegation, "
    "a test, and a noisy mood so that some meetings split or end without a text",
    period={"start": "2000Q1", "end": "2001Q4"},
    seed=3,
    replicates=2 * BLOCK + 6,
    actors={"MMR": {"veto": 1.0}},
    parameters={"mood_noise": 1.0},
    shocks=(
        ShockSpec(at="2000Q2", type="dprk_delegation", actor="LAO", magnitude=2),
        ShockSpec(at="2001Q1", type="chair_change", actor="KHM"),
        ShockSpec(at="2001Q2", type="accession", actor="TLS"),
        ShockSpec(at="2001Q3", type="nuclear_test"),
    ),
)


def _num(value) -> str:
    """The row-by-row writer's number format."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{float(value):.6g}"


def row_by_row(folder: Path, scenario: Scenario) -> None:
    """The CSV files as the row-by-row writer (before the column-wise one) wrote them."""
    n = scenario.replicates
    with ExitStack() as stack:
        writers = {}
        for name, columns in CSV_FILES.items():
            handle = stack.enter_context((folder / f"{name}.csv").open("w", newline=""))
            writers[name] = csv.writer(handle, lineterminator="\n")
            writers[name].writerow(columns)
        for block in range(n_blocks(n)):
            for result in run_block(scenario, block, n, scenario.seed, record_events=True):
                rep = result.replicate
                quarters = quarter_range(scenario.start, scenario.end)
                writers["timeseries"].writerows(
                    (rep, str(q), result.chairs[q.year], *map(_num, row))
                    for q, row in zip(quarters, result.metrics, strict=True)
                )
                for qi, q in enumerate(quarters):
                    for mi, member in enumerate(MEMBERS):
                        pressure, engagement = result.members[qi, mi]
                        if not np.isnan(pressure):
                            writers["members"].writerow(
                                (
                                    rep,
                                    str(q),
                                    member,
                                    _num(float(pressure)),
                                    _num(float(engagement)),
                                    int(result.exchanges[qi, mi]),
                                )
                            )
                writers["statements"].writerows(
                    (
                        rep,
                        year,
                        meeting,
                        chair,
                        "" if tone is None else tone,
                        voice,
                        _num(target),
                        _num(support),
                    )
                    for year, meeting, chair, tone, voice, target, support in result.statements
                )
                writers["events"].writerows(event_rows(rep, result.events))


def column_wise(folder: Path, scenario: Scenario, workers: int, events: bool = True) -> list:
    plan = Plan(scenario, scenario.replicates, scenario.seed)
    files = []
    write_run(
        folder,
        iterate_spans(plan, write_span, events, workers=workers),
        plan.replicates,
        scenario.start,
        scenario.end,
        lambda names: files.extend(names) or {"producer": "asean-sim", "files": names},
        lambda folder, outcomes: [],
        events=events,
    )
    return files


def test_the_csv_files_are_the_row_by_row_writers_bytes(tmp_path):
    (tmp_path / "old").mkdir()
    row_by_row(tmp_path / "old", SCENARIO)
    column_wise(tmp_path / "new", SCENARIO, workers=1)
    for name in CSV_FILES:
        old = (tmp_path / "old" / f"{name}.csv").read_bytes()
        assert (tmp_path / "new" / f"{name}.csv").read_bytes() == old, name
    # the case covers absent members, texts without a tone and quoted event summaries
    members = pd.read_csv(tmp_path / "new" / "members.csv")
    assert len(members) < SCENARIO.replicates * 8 * len(MEMBERS)
    statements = (tmp_path / "new" / "statements.csv").read_text()
    assert ",split," in statements and ",,none," in statements  # no tone: an empty field
    assert '"ASEAN summit statement (' in (tmp_path / "new" / "events.csv").read_text()


def test_every_file_is_the_same_bytes_on_one_or_two_workers(tmp_path):
    assert n_blocks(SCENARIO.replicates) == 3  # three tasks: both workers get some
    files = column_wise(tmp_path / "one", SCENARIO, workers=1)
    column_wise(tmp_path / "two", SCENARIO, workers=2)
    assert "events.parquet" in files and "members.parquet" in files
    for name in files:
        one, two = (tmp_path / x / name for x in ("one", "two"))
        assert one.read_bytes() == two.read_bytes(), name
    parquet = pd.read_parquet(tmp_path / "one" / "members.parquet")
    csv_table = pd.read_csv(tmp_path / "one" / "members.csv")
    assert parquet["replicate"].tolist() == csv_table["replicate"].tolist()
    np.testing.assert_allclose(parquet["pressure"], csv_table["pressure"], rtol=1e-5)


def test_without_the_event_log_the_other_files_do_not_change(tmp_path):
    small = SCENARIO.with_changes(replicates=5)
    column_wise(tmp_path / "with", small, workers=1, events=True)
    files = column_wise(tmp_path / "without", small, workers=1, events=False)
    assert not any(name.startswith("events.") for name in files)
    assert not (tmp_path / "without" / "events.csv").exists()
    for name in (
        "timeseries.csv",
        "members.csv",
        "statements.csv",
        "summary.csv",
        "members.parquet",
    ):
        assert (tmp_path / "with" / name).read_bytes() == (
            tmp_path / "without" / name
        ).read_bytes(), name


def test_the_event_log_rule():
    limit = results.EVENTS_LIMIT
    assert events_wanted(limit, None) and not events_wanted(limit + 1, None)
    assert events_wanted(limit + 1, True) and not events_wanted(1, False)
    assert events_rule(limit + 1, None) == {
        "written": False,
        "rule": f"default: written up to {limit} replicates",
    }
    assert events_rule(2, False) == {"written": False, "rule": "--no-events"}
    assert events_rule(10**6, True) == {"written": True, "rule": "--events"}


def test_run_follows_the_rule_and_the_manifest_says_so(tmp_path, monkeypatch, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\ntitle: t\ndescription: d\n"
        "period: {start: 2000Q1, end: 2000Q4}\nreplicates: 3\nseed: 1\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(results, "EVENTS_LIMIT", 2)
    for flags, written, rule in (
        ([], False, "default: written up to 2 replicates"),
        (["--events"], True, "--events"),
        (["--no-events", "--replicates", "1"], False, "--no-events"),
    ):
        out = tmp_path / "-".join(["o", *flags])
        assert main(["run", str(scenario), "--out", str(out), *flags]) == 0
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["events"] == {"written": written, "rule": rule}
        assert (out / "events.csv").exists() == written == ("events.csv" in manifest["files"])
        assert (out / "events.parquet").exists() == written


def test_the_help_states_the_rule(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"only up to {results.EVENTS_LIMIT} replicates" in text
    assert "--no-events" in text and "--summary-only" in text
