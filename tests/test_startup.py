"""Start-up cost: the heavy libraries are imported only by the code that uses them.

``asean-sim --help`` (and any usage error) must not pay for numpy, pandas, matplotlib,
Mesa or the manifest's package metadata, and a run imports matplotlib only when it draws
its figures, after the tables are written. Checked from ``python -X importtime``, which
lists every module a fresh interpreter imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pandas", "matplotlib", "mesa", "scipy", "pyarrow", "importlib.metadata")


def imported(*args: str) -> set[str]:
    """Top-level names of every module a fresh ``python -X importtime ARGS`` imports."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name)
    assert "model" in names, done.stderr[-2000:]  # the listing is there at all
    return names


def heavy_in(names: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in names)


@pytest.mark.parametrize(
    "args",
    [("-m", "model", "--help"), ("-m", "model", "run", "--help"), ("-c", "import model")],
    ids=["help", "run-help", "import-model"],
)
def test_help_and_import_load_no_heavy_library(args):
    assert heavy_in(imported(*args)) == []


@pytest.mark.slow
def test_importing_the_runner_does_not_load_matplotlib():
    names = imported("-c", "import model.runs.runner")
    assert "numpy" in names  # the simulation's own stack is there
    assert not any(n == "matplotlib" or n.startswith("matplotlib.") for n in names)
