"""A scenario's title and description agree with its own dates: every shipped file is
checked, and the mismatches the check exists for are caught (model/world/scenario_dates.py)."""

from pathlib import Path

import pytest

from model.cli.commands import main
from model.world.scenario_dates import date_problems

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "classroom").rglob("*.yaml"))

PARENT = """\
name: parent
title: "Parent 2024-2030"
description: Where things drift.
period: {start: 2024Q1, end: 2030Q4}
levers: {us_pressure: 0.5}
shocks:
  - {at: 2024Q4, type: icbm_test, note: x}
"""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_shipped_scenario_agrees_with_its_dates(path):
    assert [str(p) for p in date_problems(path)] == []


def test_shipped_files_are_all_checked():
    names = {p.relative_to(SCENARIOS).as_posix() for p in SHIPPED}
    assert {
        "tighter_sanctions.yaml",
        "baseline.yaml",
        "history.yaml",
        "classroom/summit_diplomacy/scenario.yaml",
    } <= names


def child(folder: Path, text: str, name: str = "child") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "parent.yaml").write_text(PARENT, encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: parent.yaml\n" + text, encoding="utf-8")
    return path


def test_a_title_from_a_year_over_levers_acting_from_the_start_is_caught(tmp_path):
    """tighter_sanctions.yaml as first written: titled "from 2025", its levers set at the
    top level, so acting from the period's first quarter, 2024Q1."""
    path = child(
        tmp_path / "scenarios",
        """\
title: "Tighter sanctions from 2025"
description: A new resolution in 2025 and Washington pressing harder.
levers: {sanctions_tightness: 0.85, us_pressure: 0.75}
shocks:
  - {at: 2025Q1, type: unsc_resolution, magnitude: 0.1, note: x}
""",
    )
    (problem,) = date_problems(path)
    assert problem.key == "title" and problem.line == 3 and problem.file.endswith("child.yaml")
    assert "'from 2025'" in problem.message and "2024Q1" in problem.message
    assert "lever" in problem.message
    fixed = child(
        tmp_path / "scenarios",
        """\
title: "Tighter sanctions from 2025"
description: A new resolution in 2025 and Washington pressing harder.
shocks:
  - {at: 2025Q1, type: unsc_resolution, magnitude: 0.1, note: x}
  - {at: 2025Q1, type: lever, lever: us_pressure, value: 0.75, note: x}
""",
        "fixed",
    )
    assert date_problems(fixed) == []


def test_years_outside_the_period_and_undated_quarters_are_caught(tmp_path):
    path = child(
        tmp_path / "scenarios",
        """\
title: "A test in 2031 (2024-2029)"
description: >
  As in 2018, the DPRK tests in 2026Q3, and again from 2027.
shocks:
  - {at: 2026Q2, type: nuclear_test, note: x}
  - {at: 2028Q1, type: nuclear_test, note: x}
""",
    )
    messages = [(p.key, p.message) for p in date_problems(path)]
    assert len(messages) == 4, messages
    assert ("title", "title says 'in 2031', but the period is 2024Q1-2030Q4") in messages
    assert any("'2024-2029'" in m and "expected 2024-2030" in m for _k, m in messages)
    assert any("'in 2026Q3'" in m and "no shock is dated 2026Q3" in m for _k, m in messages)
    assert any("'from 2027'" in m and "2026Q2" in m for k, m in messages if k == "description")
    # "in 2018" is history before the period: not a claim about the scenario's dates


def test_a_description_may_tell_several_phases(tmp_path):
    path = child(
        tmp_path / "scenarios",
        """\
title: "Two tests (2024-2030)"
description: A test in 2026Q2, and more pressure from 2028.
shocks:
  - {at: 2026Q2, type: nuclear_test, note: x}
  - {at: 2028Q1, type: lever, lever: us_pressure, value: 0.8, note: x}
""",
    )
    assert date_problems(path) == []


def test_validate_warns_without_refusing(tmp_path, capsys):
    path = child(
        tmp_path / "scenarios",
        """\
title: "Pressure from 2026"
description: Washington presses harder.
levers: {us_pressure: 0.8}
""",
    )
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("ok: ")
    assert "warning: " in captured.err and "child.yaml:3: title: title says 'from 2026'" in (
        captured.err
    )
