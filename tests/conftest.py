"""Shared fixtures: the repository's paths, scenario files written for a test,
parameters with the noise off, the classroom server the exercise walks share, and the
Hypothesis profiles.

Why here: a dozen test files each wrote their own two-year scenario into ``tmp_path``,
found ``scenarios/`` by walking up from ``__file__``, or turned the model's noise off by
hand. The ``slow`` marker (pyproject's [tool.pytest.ini_options]) tags the tests that take
more than a few seconds; the README's test command runs them all, and
``pytest -m "not slow"`` gives a quick loop while editing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("suite", max_examples=500)
settings.register_profile("deep", max_examples=2000)
settings.load_profile("suite")
"""Hypothesis (the scenario fuzzing, tests/test_fuzz_scenarios.py): 500 examples in the
suite; `pytest --hypothesis-profile=deep` for 2000 when changing the loader."""

ROOT = Path(__file__).resolve().parent.parent
"""The repository (the folder holding model/, scenarios/ and seeds/)."""
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    """The shipped scenarios (read them; copy before changing anything)."""
    return SCENARIOS


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(text, name="scenario")`` writes ``tmp_path/<name>.yaml``."""

    def write(text: str, name: str = "scenario") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def quiet_parameters():
    """``quiet_parameters(**changes)``: the default parameters with the quarterly stance
    noise off (and any other change), for deterministic mechanism checks."""
    from model.world.parameters import default_parameters

    def make(**changes: float):
        return default_parameters().replace(**{"stance_noise": 0.0, **changes})

    return make


@pytest.fixture(scope="session")
def exercise_server(tmp_path_factory):
    """One classroom server (uvicorn on a thread, loopback) with the real ensemble beside
    the class, shared by every walk of the exercises: over HTTP
    (tests/test_classroom_exercises.py) and in chromium (tests/browser/). Each walk starts
    its own class on it, so the walks stay apart; sharing the server means its forecaster
    runs each ensemble once (the two walks of an exercise play the same cards) and history's
    warm starts are paid once, not once per test module."""
    pytest.importorskip("starlette", reason="the [classroom] extra is not installed")
    pytest.importorskip("uvicorn", reason="the [classroom] extra is not installed")
    from test_classroom_app import Running

    from model.classroom.forecast import Forecaster

    served = Running(tmp_path_factory.mktemp("classes"))
    served.room.forecaster = Forecaster()  # the projector shows the real ensemble
    yield served
    served.room.forecaster.shutdown()
    served.stop()
