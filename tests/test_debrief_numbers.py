"""The exercises' debriefs quote the current model: their generated sections equal a
fresh computation with the same seed and replicates, and the command that writes them
checks, rewrites and refuses as documented."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.debrief_numbers import (
    BEGIN,
    END,
    EXERCISES_DIR,
    DebriefError,
    compute,
    exercise_folder,
    is_current,
    render,
)
from model.cli import main
from model.vocabulary import MEETINGS

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted(p.parent for p in EXERCISES_DIR.glob("*/scenario.yaml"))


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_each_debrief_quotes_the_current_model(folder):
    numbers = compute(folder)
    assert is_current(folder, numbers), (
        f"{folder.name}: the debrief numbers are stale; run "
        f"`asean-sim debrief-numbers {folder.name}`"
    )
    guide = (folder / "README.md").read_text(encoding="utf-8")
    outside = guide[: guide.index(BEGIN)] + guide[guide.index(END) :]
    assert "hand default parameters" not in outside
    typed = re.findall(r"\b\d\.\d+\b|\b\d+%(?! of runs)", outside)
    assert not typed, f"{folder.name}: model numbers typed outside the generated section: {typed}"


def _mini_exercise(tmp_path: Path, sections: bool = True) -> Path:
    """A small exercise folder: 2024-2025, 12 replicates."""
    folder = tmp_path / "mini"
    folder.mkdir()
    text = (
        "name: mini\ntitle: Mini exercise\ndescription: a small test exercise\n"
        "period: {start: 2024Q1, end: 2025Q4}\nreplicates: 12\nseed: 2024\n"
    )
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    body = (
        f"# Mini\n\nBefore.\n\n{BEGIN}\nold numbers\n{END}\n\nAfter.\n" if sections else "# Mini\n"
    )
    (folder / "README.md").write_text(body, encoding="utf-8")
    return folder


def test_command_checks_writes_and_keeps_the_prose(tmp_path, capsys):
    folder = _mini_exercise(tmp_path)
    assert main(["debrief-numbers", str(folder), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["debrief-numbers", str(folder)]) == 0
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# Mini\n\nBefore.\n\n") and text.endswith("\n\nAfter.\n")
    assert "old numbers" not in text and "12 runs each, seed 2024" in text
    assert main(["debrief-numbers", str(folder), "--check"]) == 0
    assert main(["debrief-numbers", str(folder), "--seed", "5", "--check"]) == 1


def test_numbers_are_the_ensemble_asean_sim_run_writes(tmp_path):
    """The section says `asean-sim run` gives the same ensemble: check it."""
    folder = _mini_exercise(tmp_path)
    numbers = compute(folder)
    out = tmp_path / "run"
    assert main(["run", str(folder / "scenario.yaml"), "--out", str(out)]) == 0
    statements = pd.read_csv(out / "statements.csv")
    means = statements.groupby(["year", "meeting"])["tone"].mean()
    for row in numbers.rows:
        assert row.meeting in MEETINGS
        assert np.isclose(row.mean, means[(row.year, row.meeting)]), row
    assert len(numbers.rows) == 4  # two years, two meetings
    assert render(numbers).count("\n| 202") == 4


def test_a_readme_without_markers_is_refused_untouched(tmp_path, capsys):
    folder = _mini_exercise(tmp_path, sections=False)
    assert main(["debrief-numbers", str(folder)]) == 2
    assert "no debrief-numbers section" in capsys.readouterr().err
    assert (folder / "README.md").read_text(encoding="utf-8") == "# Mini\n"
    with pytest.raises(DebriefError, match="not an exercise folder"):
        exercise_folder("no_such_exercise")
