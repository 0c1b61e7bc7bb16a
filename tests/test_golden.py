"""Golden outputs: a tiny baseline run must write exactly the pinned tables.

Any change in what the model computes (mechanism, parameters, random streams, number
formatting, column order) shows here as a byte difference. If the change is intended,
regenerate the files with the command in tests/golden/regen.py and commit them with it.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

REGEN_FILE = Path(__file__).resolve().parent / "golden" / "regen.py"
_spec = importlib.util.spec_from_file_location("golden_regen", REGEN_FILE)
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)


def drift(name: str, pinned: bytes, fresh: bytes, context: int = 3) -> str:
    """A short unified diff of one file (a few hunks), for the failure message."""
    lines = difflib.unified_diff(
        pinned.decode("utf-8", "replace").splitlines(),
        fresh.decode("utf-8", "replace").splitlines(),
        f"pinned {name}",
        f"this run's {name}",
        n=context,
        lineterm="",
    )
    shown = list(lines)
    more = len(shown) - 40
    return "\n".join(shown[:40] + ([f"... {more} more diff lines"] if more > 0 else []))


def test_golden_files_are_complete():
    pinned = sorted(p.name for p in regen.GOLDEN_DIR.iterdir())
    assert pinned == sorted(regen.GOLDEN_FILES), (
        f"{regen.GOLDEN_DIR} holds {pinned}, expected {sorted(regen.GOLDEN_FILES)}; "
        f"run `{regen.COMMAND}`"
    )


@pytest.mark.slow
def test_tiny_baseline_run_matches_the_golden_outputs(tmp_path):
    fresh = regen.produce(tmp_path)
    changed = []
    for name in regen.GOLDEN_FILES:
        pinned = (regen.GOLDEN_DIR / name).read_bytes()
        if fresh[name] != pinned:
            changed.append(drift(name, pinned, fresh[name]))
    assert not changed, (
        f"model outputs drifted from the golden files in {regen.GOLDEN_DIR} "
        f"({len(changed)} of {len(regen.GOLDEN_FILES)} files differ).\n"
        f"If the change in behaviour is intended, regenerate them with `{regen.COMMAND}` "
        "(from the repository root) and commit them; otherwise this is a regression.\n\n"
        + "\n\n".join(changed)
    )
