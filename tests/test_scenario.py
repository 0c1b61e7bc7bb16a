"""Scenario loading: schema, inheritance and errors that name file, key, line and a fix."""

import textwrap
from pathlib import Path

import pytest

from model.cli import main
from model.scenario import ScenarioError, load_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))

BASE = """\
name: base
title: A base
description: For tests.
period: {start: 2024Q1, end: 2025Q4}
replicates: 4
seed: 1
levers: {sanctions_tightness: 0.7}
shocks:
  - {at: 2024Q2, type: missile_test}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_validates_and_asks_a_question(path):
    scenario = load_scenario(path)
    assert scenario.title and len(scenario.description) > 40
    assert scenario.start <= scenario.end


def test_baseline_has_the_real_rotation():
    baseline = load_scenario(SCENARIOS[0].parent / "baseline.yaml")
    assert (str(baseline.start), str(baseline.end)) == ("2024Q1", "2030Q4")
    assert baseline.chairs == {2024: "LAO", 2025: "MYS", 2026: "PHL", 2027: "SGP"}


def test_extends_deep_merges_and_appends_shocks(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", """\
        name: child
        title: A child
        description: Inherits.
        extends: base.yaml
        levers: {us_pressure: 0.9}
        shocks:
          - {at: 2025Q1, type: nuclear_test}
        """)
    s = load_scenario(child)
    assert s.name == "child" and s.replicates == 4
    assert s.levers == {"sanctions_tightness": 0.7, "us_pressure": 0.9}
    assert [sh.type for sh in s.shocks] == ["missile_test", "nuclear_test"]
    assert s.shocks[0].actor == "PRK" and s.shocks[0].magnitude == 0.25  # defaults filled


@pytest.mark.parametrize(
    ("body", "key", "line", "needle"),
    [
        (BASE + "replicate: 5\n", "replicate", 10, "did you mean 'replicates'"),
        (BASE.replace("sanctions_tightness", "sanction_tightness"), "levers", 7,
         "did you mean 'sanctions_tightness'"),
        (BASE.replace("missile_test", "missile_tests"), "shocks[0].type", 9,
         "did you mean 'missile_test'"),
        (BASE + "actors: {LOA: {engagement: 0.9}}\n", "actors", 10, "did you mean 'LAO'"),
        (BASE + "chairs: {2024: LAOS}\n", "chairs", 10, "did you mean 'LAO'"),
        (BASE.replace("2024Q2", "2024Q5"), "shocks[0].at", 9, "like 2024Q3"),
        (BASE.replace("end: 2025Q4", "end: 2023Q4"), "period", 4, "after end"),
        (BASE.replace("0.7}", "1.7}"), "levers", 7, "outside [0.0, 1.0]"),
        (BASE.replace("2024Q2", "2026Q2"), "shocks[0].at", 9, "outside the period"),
        (BASE.replace("type: missile_test", "type: nuclear_test, actor: LAO"), "shocks[0]", 9,
         "cannot have a nuclear_test"),
        (BASE.replace("title: A base\n", ""), "title", None, "is required"),
        (BASE + "parameters: {chair_pul: 0.5}\n", "parameters", 10, "did you mean 'chair_pull'"),
        (BASE + "actors: {LAO: {engagment: 0.5}}\n", "actors.LAO.engagment", 10,
         "did you mean 'engagement'"),
        (BASE.replace("name: base", "name: Not A Slug"), "name", 1, "not a slug"),
    ],
    ids=["key", "lever", "shock-type", "actor", "chair", "quarter", "period", "lever-range",
         "shock-period", "shock-actor", "missing", "parameter", "actor-key", "slug"],
)
def test_errors_name_file_key_line_and_fix(tmp_path, body, key, line, needle):
    path = write(tmp_path, "bad.yaml", body)
    problems = problems_of(path)
    assert len(problems) >= 1
    match = [p for p in problems if needle in p.message]
    assert match, [str(p) for p in problems]
    problem = match[0]
    assert Path(problem.file).name == "bad.yaml"
    assert problem.key == key
    if line is not None:
        assert problem.line == line
    assert "bad.yaml" in str(problem)


def test_error_in_a_parent_file_points_at_the_parent(tmp_path):
    write(tmp_path, "base.yaml", BASE.replace("missile_test", "missle_test"))
    child = write(tmp_path, "child.yaml", "name: child\nextends: base.yaml\n")
    (problem,) = [p for p in problems_of(child) if "shock type" in p.message]
    assert Path(problem.file).name == "base.yaml" and problem.line == 9


def test_extends_cycle_is_detected(tmp_path):
    write(tmp_path, "a.yaml", BASE + "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    (problem,) = problems_of(tmp_path / "a.yaml")
    assert "cycle" in problem.message and "a.yaml -> b.yaml -> a.yaml" in problem.message


def test_missing_parent_and_yaml_syntax_errors(tmp_path):
    missing = write(tmp_path, "m.yaml", BASE + "extends: nowhere.yaml\n")
    assert "not found" in problems_of(missing)[0].message
    broken = write(tmp_path, "broken.yaml", BASE + "levers: {a: [\n")
    (problem,) = problems_of(broken)
    assert "invalid YAML" in problem.message and problem.line is not None


def test_yaml_is_read_with_a_safe_loader(tmp_path):
    unsafe = write(tmp_path, "unsafe.yaml",
                   BASE + "description: !!python/object/apply:os.system ['echo hacked']\n")
    (problem,) = problems_of(unsafe)
    assert "invalid YAML" in problem.message


def test_cli_validate_and_run_exit_2_and_write_nothing(tmp_path, capsys):
    bad = write(tmp_path, "bad.yaml", BASE.replace("missile_test", "missile_tests"))
    good = write(tmp_path, "good.yaml", BASE)
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:9: shocks[0].type: unknown shock type 'missile_tests'" in err
    out = tmp_path / "out"
    assert main(["run", str(good), str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} == {"bad.yaml", "good.yaml"}


def test_scenarios_readme_documents_every_key_lever_shock_and_override():
    from model.levers import LEVERS
    from model.scenario import ActorOverride, Scenario
    from model.shocks import SHOCK_TYPES

    readme = (SCENARIOS[0].parent / "README.md").read_text(encoding="utf-8")
    names = [*Scenario.model_fields, "extends", *LEVERS, *SHOCK_TYPES, *ActorOverride.model_fields]
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, f"scenarios/README.md does not document {missing}"
    for path in SCENARIOS:
        assert f"`{path.name}`" in readme, path.name
