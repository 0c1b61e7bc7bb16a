"""Regenerate the golden outputs: ``python tests/golden/regen.py`` (from the repo root).

The golden files pin what a tiny run writes, byte for byte: the baseline scenario with
RUN_ARGS (few replicates, a fixed seed), run through the command line exactly as a user
runs it, keeping the tables in GOLDEN_FILES (the figures and the manifest hold package
versions, the code digest and PNG encoder details, so they are not pinned).
tests/test_golden.py reruns it and fails on any drift. When model behaviour changes on
purpose (a new mechanism, a recalibration), run this command once and commit the new
files with the change that explains them; never edit them by hand.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parent / "baseline"
SCENARIO = ROOT / "scenarios" / "baseline.yaml"
RUN_ARGS = ("--replicates", "4", "--seed", "11", "--workers", "1")
GOLDEN_FILES = ("summary.csv", "statements.csv", "timeseries.csv")
COMMAND = "python tests/golden/regen.py"


def produce(workdir: Path) -> dict[str, bytes]:
    """Run the tiny baseline into ``workdir`` and return the pinned files' bytes."""
    from model.cli import main as asean_sim

    out = workdir / "baseline"
    with contextlib.redirect_stdout(io.StringIO()):
        code = asean_sim(["run", str(SCENARIO), *RUN_ARGS, "--out", str(out)])
    if code != 0:
        raise RuntimeError(f"asean-sim run exited with {code}")
    return {name: (out / name).read_bytes() for name in GOLDEN_FILES}


def main() -> int:
    """Write the golden files afresh (and only them) and say what changed."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = produce(Path(tmp))
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in fresh.items():
        path = GOLDEN_DIR / name
        old = path.read_bytes() if path.is_file() else None
        path.write_bytes(data)
        state = "new" if old is None else ("unchanged" if old == data else "updated")
        print(f"{state}: {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # run as a script: the repo's model, not another copy
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
