"""Scenario loading: schema, inheritance and errors that name file, key, line and a fix."""

import textwrap
from pathlib import Path

import pytest

from model.cli.commands import main
from model.world.scenario import ScenarioError, load_scenario

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
    child = write(
        tmp_path,
        "child.yaml",
        """\
        name: child
        title: A child
        description: Inherits.
        extends: base.yaml
        levers: {us_pressure: 0.9}
        shocks:
          - {at: 2025Q1, type: nuclear_test}
        """,
    )
    s = load_scenario(child)
    assert s.name == "child" and s.replicates == 4
    assert s.levers == {"sanctions_tightness": 0.7, "us_pressure": 0.9}
    assert [sh.type for sh in s.shocks] == ["missile_test", "nuclear_test"]
    assert s.shocks[0].actor == "PRK" and s.shocks[0].magnitude == 0.25  # defaults filled


@pytest.mark.parametrize(
    ("body", "key", "line", "needle"),
    [
        (BASE + "replicate: 5\n", "replicate", 10, "did you mean 'replicates'"),
        (
            BASE.replace("sanctions_tightness", "sanction_tightness"),
            "levers",
            7,
            "did you mean 'sanctions_tightness'",
        ),
        (
            BASE.replace("missile_test", "missile_tests"),
            "shocks[0].type",
            9,
            "did you mean 'missile_test'",
        ),
        (BASE + "actors: {LOA: {engagement: 0.9}}\n", "actors", 10, "did you mean 'LAO'"),
        (BASE + "chairs: {2024: LAOS}\n", "chairs", 10, "did you mean 'LAO'"),
        (BASE.replace("2024Q2", "2024Q5"), "shocks[0].at", 9, "like 2024Q3"),
        (BASE.replace("end: 2025Q4", "end: 2023Q4"), "period", 4, "after end"),
        (BASE.replace("0.7}", "1.7}"), "levers", 7, "outside [0.0, 1.0]"),
        (BASE.replace("2024Q2", "2026Q2"), "shocks[0].at", 9, "outside the period"),
        (
            BASE.replace("type: missile_test", "type: nuclear_test, actor: LAO"),
            "shocks[0]",
            9,
            "cannot have a nuclear_test",
        ),
        (BASE.replace("title: A base\n", ""), "title", None, "is required"),
        (BASE + "parameters: {chair_pul: 0.5}\n", "parameters", 10, "did you mean 'chair_pull'"),
        (
            BASE + "actors: {LAO: {engagment: 0.5}}\n",
            "actors.LAO.engagment",
            10,
            "did you mean 'engagement'",
        ),
        (BASE.replace("name: base", "name: Not A Slug"), "name", 1, "not a slug"),
    ],
    ids=[
        "key",
        "lever",
        "shock-type",
        "actor",
        "chair",
        "quarter",
        "period",
        "lever-range",
        "shock-period",
        "shock-actor",
        "missing",
        "parameter",
        "actor-key",
        "slug",
    ],
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
    unsafe = write(
        tmp_path,
        "unsafe.yaml",
        BASE + "description: !!python/object/apply:os.system ['echo hacked']\n",
    )
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
    from model.world.levers import LEVERS
    from model.world.scenario import ActorOverride, Scenario
    from model.world.shocks import SHOCK_TYPES

    readme = (SCENARIOS[0].parent / "README.md").read_text(encoding="utf-8")
    names = [*Scenario.model_fields, "extends", *LEVERS, *SHOCK_TYPES, *ActorOverride.model_fields]
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, f"scenarios/README.md does not document {missing}"
    for path in SCENARIOS:
        assert f"`{path.name}`" in readme, path.name


# --- hostile or malformed input: exit 2, a message naming file, line and key -----------

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
"""The 'billion laughs': nine levels of nine aliases, 9^9 strings once expanded."""


@pytest.mark.parametrize(
    ("body", "key", "line", "needle"),
    [
        (LAUGHS, "a", 1, "anchor &a is not allowed"),
        (
            BASE + "levers: {sanctions_tightness: *x}\n",
            "levers.sanctions_tightness",
            10,
            "alias *x is not allowed",
        ),
        (BASE.replace("seed: 1", "seed: !!int 1"), "seed", 6, "explicit tag"),
        (BASE + "!!int 5: 3\n", "(a key)", 10, "explicit tag"),
        (BASE + "x: " + "[" * 3000 + "]" * 3000 + "\n", "x", 10, "nested more than 32 levels"),
        (
            BASE + "x:\n" + "- " * 3000 + "1\n",
            "x[0][0][0]... (32 levels)",
            11,
            "nested more than 32 levels",
        ),
        (BASE + "seed: 7\n", "seed", 10, "duplicate key 'seed': first on line 6, again on line 10"),
        (BASE.replace("seed: 1", "seed: true"), "seed", 6, "valid integer, got True"),
        (BASE.replace("replicates: 4", "replicates: 4.0"), "replicates", 5, "valid integer"),
        (BASE.replace("0.7}", "yes}"), "levers.sanctions_tightness", 7, "valid number"),
        (BASE + "actors: {LAO: {relations: 1}}\n", "actors.LAO.relations", 10, "valid boolean"),
        (BASE + "'³': 1\n", "³", 10, "unknown key '³'"),
        (BASE + "5: 1\n", "5", 10, "key '5' is an integer; expected a name"),
        (BASE + "chairs: {'2025': LAO}\n", "chairs.2025", 10, "expected a year written as"),
        (BASE + "chairs: {true: LAO}\n", "chairs.true", 10, "true/false"),
        (BASE + "? [a, b]\n: c\n", "", 10, "not a list or a mapping"),
        (BASE.replace("name: base", 'name: "evil\\n"'), "name", 1, "is not a slug"),
        (BASE.replace("name: base", "name: " + "a" * 65), "name", 1, "1-64 lower-case"),
        (BASE.replace("name: base", "name: ../up"), "name", 1, "is not a slug"),
        (BASE.replace("For tests.", '"bell \\a"'), "description", 3, "control character U+0007"),
        (BASE.replace("end: 2025Q4", "end: 2024Q5"), "period.end", 4, "not a quarter"),
        (
            BASE.replace("start: 2024Q1", "start: 1990Q1"),
            "period.start",
            4,
            "before 2000, the first year of the record's chair history",
        ),
        (BASE + "chairs: {1800: LAO}\n", "chairs.1800", 10, "before the record's chair history"),
        (BASE + "chairs: {2031: LAO}\n", "chairs.2031", 10, "outside the period 2024Q1-2025Q4"),
        (BASE + "chairs: {99999: LAO}\n", "chairs", 10, "out of range"),
        (BASE + "chairs: {2025: TLS}\n", "chairs.2025", 10, "TLS cannot chair in 2025"),
        (
            BASE + "  - {at: 2025Q1, type: chair_change, actor: TLS}\n",
            "shocks[1].actor",
            10,
            "TLS cannot take the chair in 2025Q1",
        ),
        (
            BASE.replace("2025Q4", "2030Q4") + "  - {at: 2029Q1, type: accession, actor: TLS}\n",
            "shocks[1].at",
            10,
            "the rotation gives TLS the chair in 2029",
        ),
        (BASE + "start: 2024-13-45\n", "start", 10, "cannot read the value"),
        (
            BASE + "parameters: {chair_pull: " + "9" * 5000 + "}\n",
            "parameters.chair_pull",
            10,
            "cannot read the value",
        ),
    ],
    ids=[
        "alias-bomb",
        "alias",
        "tag-on-value",
        "tag-on-key",
        "deep-flow-nesting",
        "deep-block-nesting",
        "duplicate-key",
        "seed-true",
        "int-as-float",
        "bool-as-number",
        "int-as-bool",
        "superscript-key",
        "int-key",
        "quoted-year",
        "bool-year",
        "complex-key",
        "name-newline",
        "name-long",
        "name-path",
        "control-escape",
        "quarter-5",
        "period-before-record",
        "chair-1800",
        "chair-outside-period",
        "chair-year-range",
        "tls-before-member",
        "tls-chair-change",
        "tls-rotation-before-accession",
        "bad-timestamp",
        "huge-int",
    ],
)
def test_hostile_input_is_a_located_error(tmp_path, body, key, line, needle):
    path = write(tmp_path, "bad.yaml", body)
    problems = problems_of(path)
    match = [p for p in problems if needle in p.message]
    assert match, [str(p) for p in problems]
    assert Path(match[0].file).name == "bad.yaml"
    assert (match[0].key, match[0].line) == (key, line), str(match[0])
    assert "\n" not in str(match[0])


def test_tls_can_chair_after_an_earlier_accession_shock(tmp_path):
    early = BASE + "  - {at: 2024Q1, type: accession, actor: TLS}\nchairs: {2025: TLS}\n"
    assert load_scenario(write(tmp_path, "early.yaml", early)).chairs == {2025: "TLS"}
    assert load_scenario(
        write(tmp_path, "later.yaml", BASE.replace("2025Q4", "2026Q4") + "chairs: {2026: TLS}\n")
    ).chairs == {2026: "TLS"}


def test_inherited_chairs_outside_a_shorter_period_are_fine(tmp_path):
    write(tmp_path, "base.yaml", BASE.replace("2025Q4", "2027Q4") + "chairs: {2027: SGP}\n")
    child = write(
        tmp_path,
        "child.yaml",
        "name: child\nextends: base.yaml\nperiod: {start: 2024Q1, end: 2025Q4}\n",
    )
    assert load_scenario(child).chairs == {2027: "SGP"}


@pytest.mark.parametrize("raw", [b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])
def test_non_utf8_bytes_name_the_offset_and_line(tmp_path, raw):
    path = tmp_path / "bad.yaml"
    path.write_bytes(BASE.encode().replace(b"For tests.", b"For " + raw + b" tests."))
    (problem,) = problems_of(path)
    assert problem.line == 3 and f"at offset {BASE.index('For tests.') + 4} (line 3" in (
        problem.message
    )
    assert "expected a UTF-8 file" in problem.message


def test_raw_control_characters_name_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(BASE.encode().replace(b"A base", b"A\x07base"))
    (problem,) = problems_of(path)
    assert problem.line == 2 and "column 9: control character U+0007" in problem.message


def test_alias_bomb_is_refused_without_expanding(tmp_path):
    """The 9^9 expansion would need gigabytes; refusing the first anchor needs nothing."""
    import tracemalloc

    path = write(tmp_path, "bomb.yaml", LAUGHS)
    tracemalloc.start()
    problems_of(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10_000_000


@pytest.mark.parametrize(
    ("extends", "needle"),
    [
        ("/etc/hostname.yaml", "is an absolute path"),
        ("~/base.yaml", "is an absolute path"),
        ("../outside.yaml", "leads outside the scenario folder"),
        ("inner/../../outside.yaml", "leads outside the scenario folder"),
        ("base.txt", "is not a .yaml file"),
        ("a\\b.yaml", "not a usable path"),
        ("5", "is not a .yaml file"),
        ("[base.yaml]", "got a list"),
        ("missing.yaml", "not found"),
    ],
)
def test_extends_stays_inside_the_scenario_folder(tmp_path, extends, needle):
    (tmp_path / "outside.yaml").write_text(BASE, encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    value = extends if extends.startswith("[") else f"'{extends}'"
    path = write(folder, "child.yaml", f"name: child\nextends: {value}\n")
    (problem,) = problems_of(path)
    assert (Path(problem.file).name, problem.key, problem.line) == ("child.yaml", "extends", 2)
    assert needle in problem.message and "expected a relative path" in problem.message


def test_extends_may_climb_to_the_enclosing_scenarios_folder(tmp_path):
    root = tmp_path / "scenarios"
    exercise = root / "classroom" / "one"
    exercise.mkdir(parents=True)
    write(root, "base.yaml", BASE)
    child = write(exercise, "scenario.yaml", "name: child\nextends: ../../base.yaml\n")
    assert load_scenario(child).replicates == 4
    write(tmp_path, "above.yaml", BASE)
    escape = write(exercise, "escape.yaml", "name: e\nextends: ../../../above.yaml\n")
    assert "leads outside" in problems_of(escape)[0].message


def test_extends_through_a_symlink_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.yaml").write_text(BASE, encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    path = write(folder, "child.yaml", "name: child\nextends: link.yaml\n")
    assert "leads outside" in problems_of(path)[0].message


def test_with_changes_rejects_bad_overrides_as_input_errors():
    baseline = load_scenario(SCENARIOS[0].parent / "baseline.yaml")
    with pytest.raises(ScenarioError, match="seed"):
        baseline.with_changes(seed=-1)
    with pytest.raises(ScenarioError, match=r"period\.start: 1999Q4 is before 2000"):
        baseline.with_changes(period={"start": "1999Q4", "end": "2030Q4"})
    assert baseline.with_changes(seed=5).resolved() == {**baseline.resolved(), "seed": 5}


def test_every_shipped_and_classroom_scenario_validates(capsys):
    root = SCENARIOS[0].parent
    files = sorted(map(str, [*root.glob("*.yaml"), *root.glob("classroom/*/*.yaml")]))
    assert len(files) >= 11
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(files)


@pytest.mark.parametrize("case", ["seed-true", "period", "dup", "laughs", "nonutf8"])
def test_cli_exits_2_and_run_writes_nothing(tmp_path, capsys, case, monkeypatch):
    body = {
        "seed-true": BASE.replace("seed: 1", "seed: true"),
        "period": BASE.replace("start: 2024Q1", "start: 1990Q1"),
        "dup": BASE + "seed: 7\n",
        "laughs": LAUGHS,
        "nonutf8": None,
    }[case]
    path = tmp_path / "bad.yaml"
    if body is None:
        path.write_bytes(b"name: \xff\n")
    else:
        path.write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(path)]) == 2
    assert main(["run", str(path), "--replicates", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(
        line.startswith("error: ") and "bad.yaml" in line for line in err.splitlines()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_cli_rejects_a_negative_seed_override(tmp_path, capsys):
    good = write(tmp_path, "good.yaml", BASE)
    with pytest.raises(SystemExit) as caught:
        main(["run", str(good), "--seed", "-1", "--out", str(tmp_path / "o")])
    assert caught.value.code == 2 and "non-negative integer" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_broken_record_is_reported_as_the_record(tmp_path, monkeypatch, capsys):
    from model.record.seeds import SEEDS_ENV
    from model.world.initial import cached_record, recorded_chairs

    good = write(tmp_path, "good.yaml", BASE)
    monkeypatch.setenv(SEEDS_ENV, str(tmp_path / "no-seeds"))
    cached_record.cache_clear()
    recorded_chairs.cache_clear()
    try:
        assert main(["validate", str(good)]) == 2
    finally:
        monkeypatch.delenv(SEEDS_ENV)
        cached_record.cache_clear()
        recorded_chairs.cache_clear()
    err = capsys.readouterr().err.splitlines()
    assert "error: chairs.csv: file not found in" in "\n".join(err)
    assert not any("good.yaml" in line for line in err)


def test_a_shorter_child_drops_the_parents_later_shocks(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "parent.yaml").write_text(
        "name: parent\ntitle: P\ndescription: d\nperiod: {start: 2024Q1, end: 2027Q4}\n"
        "shocks:\n  - {at: 2024Q2, type: missile_test}\n  - {at: 2027Q1, type: nuclear_test}\n",
        encoding="utf-8",
    )
    (folder / "child.yaml").write_text(
        "name: child\ntitle: C\ndescription: d\nextends: parent.yaml\n"
        "period: {start: 2024Q1, end: 2025Q4}\nshocks:\n  - {at: 2025Q3, type: icbm_test}\n",
        encoding="utf-8",
    )
    child = load_scenario(folder / "child.yaml")
    assert [(str(s.quarter), s.type) for s in child.shocks] == [
        ("2024Q2", "missile_test"),
        ("2025Q3", "icbm_test"),
    ]
    (folder / "bad.yaml").write_text(
        "name: bad\ntitle: B\ndescription: d\nextends: parent.yaml\n"
        "period: {start: 2024Q1, end: 2025Q4}\nshocks:\n  - {at: 2026Q3, type: icbm_test}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"bad.yaml:7: shocks\[1\]\.at"):
        load_scenario(folder / "bad.yaml")  # its own shock outside its period is an error
