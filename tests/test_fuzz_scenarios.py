"""Fuzzing the scenario loader with mutations of the real scenario files.

Whatever a scenario file contains, ``asean-sim validate`` answers 0 (valid) or 2 (bad
input, with messages naming the file) and never a traceback, and ``load_scenario``
returns a Scenario or raises ScenarioError, nothing else. The mutations start from the
shipped files (so most examples are nearly valid and reach the deep checks) and drop
keys, change types, insert random strings, bytes and YAML syntax, nest deeply, duplicate
lines (hence keys) or replace the file with random text.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.cli.commands import main
from model.vocabulary import AGENTS
from model.world.scenario import Scenario, ScenarioError, load_scenario
from model.world.shocks import SHOCK_TYPES

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(
    p.relative_to(SCENARIOS)
    for p in [*SCENARIOS.glob("*.yaml"), *SCENARIOS.glob("classroom/*/*.yaml")]
)
ORIGINALS = {rel: (SCENARIOS / rel).read_bytes() for rel in FILES}
PARSED = {rel: yaml.safe_load(text) for rel, text in ORIGINALS.items()}

KEYS = [
    *Scenario.model_fields,
    "extends",
    "start",
    "end",
    "at",
    "type",
    "actor",
    "host",
    "magnitude",
    "lever",
    "value",
    "note",
    "pressure",
    "engagement",
    "relations",
    "sanctions_tightness",
    "us_pressure",
    "chair_pull",
    *AGENTS[:4],
]
WORDS = [
    "2024Q1",
    "2024Q5",
    "1999Q4",
    "2100Q4",
    "0000Q1",
    "TLS",
    "LAO",
    "PRK",
    "baseline.yaml",
    "../baseline.yaml",
    "../../../etc/passwd",
    "/etc/hostname",
    "~/x.yaml",
    "a\0b.yaml",
    "evil\n",
    "Not A Slug",
    "x" * 300,
    *SHOCK_TYPES,
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=1990, max_value=2040)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=6) | st.integers(1990, 2040), inner, max_size=3
        )
    ),
    max_leaves=8,
)
SNIPPETS = [
    "&a ",
    "*a",
    "&a [1, 2]\nb: *a",
    "!!int ",
    "!!python/object/apply:os.system ['id'] ",
    "!tag ",
    "<<: {seed: 1}\n",
    "? [a, b]\n: c\n",
    "- ",
    "{",
    "[",
    "}",
    "]",
    ": ",
    "---\n",
    "...\n",
    "%TAG ! tag:x,2000:\n",
    "\t",
    "\x00",
    "\x07",
    "\u2028",
    "\ufeff",
    "'",
    '"\\x07"',
    "seed: true\n",
    "seed: 1\n",
    "name: x\n",
    "2024: TLS\n",
    "0x10",
    "1e400",
    ".nan",
    "2024-13-45",
    "9" * 5000,
    "[" * 200,
    "{a: " * 50,
]


def _paths(data, prefix=()):
    """Every key path in ``data`` (mapping keys and list indexes)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _container(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def data_mutation(draw, rel):
    """Parse, change one place of the data, dump back to YAML."""
    import copy

    data = copy.deepcopy(PARSED[rel])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _container(data, path)
        action = draw(st.sampled_from(["drop", "replace", "add", "nest", "long"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = draw(VALUES)
        elif action == "nest":
            value = parent[path[-1]]
            for _ in range(draw(st.integers(1, 80))):
                value = draw(st.sampled_from([[value], {"k": value}]))
            parent[path[-1]] = value
        else:
            parent[path[-1]] = draw(st.text(min_size=100, max_size=2000))
    try:
        text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    except (yaml.YAMLError, RecursionError):
        text = repr(data)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def text_mutation(draw, rel):
    """Splice random text, bytes or YAML syntax into the file, or duplicate its lines."""
    content = ORIGINALS[rel]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(content)))
        action = draw(st.sampled_from(["snippet", "text", "bytes", "delete", "duplicate"]))
        if action == "snippet":
            insert = draw(st.sampled_from(SNIPPETS)).encode("utf-8", "surrogatepass")
            content = content[:at] + insert + content[at:]
        elif action == "text":
            insert = draw(st.text(max_size=30)).encode("utf-8", "surrogatepass")
            content = content[:at] + insert + content[at:]
        elif action == "bytes":
            content = content[:at] + draw(st.binary(max_size=8)) + content[at:]
        elif action == "delete":
            content = content[:at] + content[at + draw(st.integers(1, 200)) :]
        else:
            lines = content.split(b"\n")
            line = draw(st.integers(0, len(lines) - 1))
            lines.insert(draw(st.integers(0, len(lines))), lines[line])
            content = b"\n".join(lines)
    return content


@st.composite
def scenario_file(draw):
    rel = draw(st.sampled_from(FILES))
    kind = draw(st.sampled_from(["data"] * 3 + ["text"] * 2 + ["random-text", "random-bytes"]))
    if kind == "data":
        content = draw(data_mutation(rel))
    elif kind == "text":
        content = draw(text_mutation(rel))
    elif kind == "random-text":
        content = draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    else:
        content = draw(st.binary(max_size=200))
    return rel, content


# Mutated files per run: the Hypothesis profile's max_examples (tests/conftest.py), a fixed
# sequence (derandomized). Each costs ~20 ms of CPU, in the loader's YAML scanner and
# Hypothesis itself. The suite's profile tries 500, each shipped file about 45 times across
# all mutation kinds from the same strategy; `pytest --hypothesis-profile=deep` tries 2000,
# for a deeper search when changing the loader.


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of scenarios/ (so ``extends`` between the real files resolves)."""
    root = tmp_path_factory.mktemp("fuzz") / "scenarios"
    shutil.copytree(SCENARIOS, root)
    return root


@pytest.mark.slow
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(case=scenario_file())
def test_validate_and_loader_only_exit_0_or_2(tree, case):
    rel, content = case
    path = tree / rel.parent / "_fuzz.yaml"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    # main() lets anything but InputError (ScenarioError's base) escape, so a loader crash
    # fails this test with its traceback; the loader itself is therefore exercised too.
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["validate", str(path)])
        except SystemExit as exc:  # argparse; never expected for a file argument
            code = exc.code
    errors = err.getvalue()
    assert code in (0, 2), errors
    assert "Traceback" not in errors
    if code == 0:  # a valid file may still draw warnings (a title at odds with its dates)
        assert out.getvalue().startswith("ok: ")
        assert all(line.startswith("warning: ") and ".yaml" in line for line in errors.splitlines())
    else:
        lines = errors.splitlines()
        assert lines and all(line.startswith("error: ") and ".yaml" in line for line in lines)


def test_fuzzing_reaches_both_answers(tree):
    """The mutations are not all rejected outright: a dropped optional key still validates."""
    rel = Path("baseline.yaml")
    data = dict(PARSED[rel])
    del data["replicates"]
    path = tree / "_fuzz_ok.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_scenario(path).replicates == 100
    data["replicates"] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)
