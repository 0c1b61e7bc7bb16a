"""The code style the project keeps: `ruff check` and `ruff format` are clean on the whole
tree, so CI (which runs this suite) fails on a file that is not."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean_on_the_whole_tree(command):
    pytest.importorskip("ruff")  # part of the [test] extra
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "model", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
