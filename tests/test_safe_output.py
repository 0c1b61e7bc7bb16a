"""No output can cost a user data (model/files/safe_output.py): every command replaces only an
absent, empty or own output; staging is cleaned up after signals and crashes; two
writers never share a destination."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from model.cli.commands import main
from model.files import safe_output
from model.files.safe_output import MARKER, folder_problem

SHORT = """\
name: short
title: A short test scenario
description: Two years, to exercise the output rule.
period: {start: 2026Q1, end: 2026Q4}
replicates: 2
seed: 7
"""


@pytest.fixture
def short(write_scenario):
    return write_scenario(SHORT, "short")


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> Path:
    """One results folder of ours, run once and copied by the tests that start from one."""
    root = tmp_path_factory.mktemp("ours")
    scenario = root / "short.yaml"
    scenario.write_text(SHORT, encoding="utf-8")
    assert run(scenario, root / "out") == 0
    return root / "out"


@pytest.fixture
def out(tmp_path, ours) -> Path:
    """A copy of our results folder at tmp_path/out."""
    shutil.copytree(ours, tmp_path / "out")
    return tmp_path / "out"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(short: Path, out: Path, *extra: str) -> int:
    return main(["run", str(short), "--out", str(out), *extra])


def refused(capsys, code: int, path: Path, why: str) -> None:
    assert code == 2
    err = capsys.readouterr().err
    assert f"error: {path}: " in err and why in err, err
    assert "Traceback" not in err


def leftovers(parent: Path) -> list[str]:
    """Hidden staging or lock entries left in ``parent``."""
    return sorted(
        p.name
        for p in parent.iterdir()
        if ".partial-" in p.name or p.name.endswith(".lock") or ".old-" in p.name
    )


# --- refusals: nothing is touched ------------------------------------------------------------
def test_a_folder_of_user_files_is_refused_and_kept_byte_for_byte(short, tmp_path, capsys):
    user = tmp_path / "thesis"
    (user / "chapters").mkdir(parents=True)
    (user / "notes.txt").write_bytes(b"my notes\x00\xff")
    (user / "chapters" / "one.md").write_text("# One\n")
    before = snapshot(user)
    refused(capsys, run(short, user), user, "did not write (e.g. chapters)")
    assert snapshot(user) == before
    assert leftovers(tmp_path) == []


def test_a_plain_file_is_refused(short, tmp_path, capsys):
    target = tmp_path / "data.csv"
    target.write_text("a,b\n1,2\n")
    refused(capsys, run(short, target), target, "is a file, not a results folder")
    assert target.read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "short.yaml"]


def test_a_git_checkout_and_the_current_folder_are_refused(short, tmp_path, capsys, monkeypatch):
    checkout = tmp_path / "project"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "README.md").write_text("hello\n")
    before = snapshot(checkout)
    refused(capsys, run(short, checkout), checkout, "is a git checkout")
    monkeypatch.chdir(checkout)
    refused(capsys, run(short, Path(".")), Path("."), "is the current folder")
    refused(capsys, run(short, tmp_path), tmp_path, "contains the current folder")
    empty = checkout / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)  # even an empty folder: replacing it would pull the shell's
    refused(capsys, run(short, empty), empty, "is the current folder")  # folder away
    assert snapshot(checkout) == before


def test_a_symbolic_link_is_refused_even_to_our_own_results(short, tmp_path, capsys, out):
    before = snapshot(out)
    link = tmp_path / "link"
    link.symlink_to(out)
    refused(capsys, run(short, link), link, "is a symbolic link")
    assert link.is_symlink() and snapshot(out) == before


def test_a_file_the_user_added_to_our_results_is_protected(short, capsys, out):
    (out / "figures" / "annotated.png").write_bytes(b"mine")
    before = snapshot(out)
    refused(capsys, run(short, out), out, "holds figures/annotated.png")
    assert snapshot(out) == before


def test_sweep_compare_backtest_and_calibrate_refuse_a_user_folder_before_working(
    short, tmp_path, capsys
):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "keep.txt").write_text("keep")
    other = tmp_path / "other.yaml"
    other.write_text(SHORT.replace("name: short", "name: other"))
    for argv in (
        ["sweep", str(short), "--method", "morris", "--n", "2", "--out", str(user)],
        ["compare", str(short), str(other), "--out", str(user)],
        ["backtest", "--replicates", "1", "--out", str(user)],
        ["calibrate", "--report", str(user), "--out", str(tmp_path / "c.yaml")],
    ):
        refused(capsys, main(argv), user, "did not write")
    assert snapshot(user) == {"keep.txt": b"keep"}
    foreign = tmp_path / "params.yaml"
    foreign.write_text("tone_high: 0.7\n")
    refused(
        capsys,
        main(["calibrate", "--out", str(foreign), "--report", str(tmp_path / "r")]),
        foreign,
        "is not a parameter file written by `asean-sim calibrate`",
    )
    assert foreign.read_text() == "tone_high: 0.7\n"
    assert not (tmp_path / "r").exists()


# --- what may be replaced --------------------------------------------------------------------
def test_our_previous_results_are_replaced_and_an_empty_folder_used(short, tmp_path, out):
    first = snapshot(out)
    assert json.loads(first["manifest.json"])["producer"] == "asean-sim"
    (out / ".DS_Store").write_bytes(b"finder")  # operating-system litter is not user data
    assert run(short, out, "--seed", "2") == 0
    second = snapshot(out)
    assert first["statements.csv"] != second["statements.csv"]
    assert set(second) == set(first)  # the litter went with the old folder
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(short, empty) == 0 and (empty / "report.md").is_file()
    assert leftovers(tmp_path) == []


def test_manifests_from_before_the_producer_key_count_as_ours(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "report.md").write_text("x")
    manifest = {"format_version": 1, "code_digest": "abc", "files": ["manifest.json", "report.md"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert folder_problem(folder) is None
    (folder / "manifest.json").write_text(json.dumps({"files": ["manifest.json", "report.md"]}))
    assert "no manifest.json of ours" in folder_problem(folder)


def test_compare_keeps_runs_and_accepts_a_folder_of_only_our_runs(tmp_path, ours):
    out = tmp_path / "cmp"
    shutil.copytree(ours, out / "runs" / "short")
    assert folder_problem(out, keep=("runs",)) is None  # an interrupted compare's folder
    assert "no manifest.json of ours" in folder_problem(out)  # but not a run's to replace
    (out / "runs" / "stray.txt").write_text("mine")
    assert "runs/stray.txt" in folder_problem(out, keep=("runs",))


def test_role_cards_and_event_plots_overwrite_only_their_own_files(tmp_path, capsys):
    cards = tmp_path / "cards.html"
    assert main(["role-cards", "--out", str(cards)]) == 0
    page = cards.read_text()
    assert '<meta name="generator" content="asean-sim">' in page
    assert main(["role-cards", "--out", str(cards)]) == 0  # our own page: replaced
    capsys.readouterr()
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my page</html>")
    refused(capsys, main(["role-cards", "--out", str(mine)]), mine, "is not an HTML page")
    assert mine.read_text() == "<html>my page</html>"

    plot = tmp_path / "timeline.png"
    assert main(["events", "--year", "2017", "--plot", str(plot)]) == 0
    assert safe_output.png_software(plot) == "asean-sim"
    assert main(["events", "--year", "2016", "--plot", str(plot)]) == 0  # ours: replaced
    capsys.readouterr()
    photo = tmp_path / "photo.png"
    fig, _ = plt.subplots()
    fig.savefig(photo)  # a PNG, but matplotlib's own stamp, not ours
    plt.close(fig)
    before = photo.read_bytes()
    refused(
        capsys,
        main(["events", "--year", "2017", "--plot", str(photo)]),
        photo,
        "is not a PNG drawn by asean-sim",
    )
    assert photo.read_bytes() == before
    assert leftovers(tmp_path) == []


# --- failures while writing ------------------------------------------------------------------
def test_an_unwritable_destination_is_a_clean_exit_2(short, tmp_path, capsys, monkeypatch, out):
    blocker = tmp_path / "plain"
    blocker.write_text("x")
    refused(capsys, run(short, blocker / "out"), blocker / "out", "plain is a file")
    assert blocker.read_text() == "x"
    real_access = os.access
    with monkeypatch.context() as patch:  # what a non-root user sees in a read-only folder
        patch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real_access(p, mode))
        refused(
            capsys,
            run(short, tmp_path / "new"),
            tmp_path / "new",
            f"its folder {tmp_path} is read-only",
        )
        refused(capsys, run(short, out), out, f"its folder {tmp_path} is read-only")
    assert not (tmp_path / "new").exists()
    before = snapshot(out)
    real = Path.rename

    def read_only(self, target):  # the parent turns read-only during the run
        if Path(self) == out:
            raise PermissionError(13, "Permission denied")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", read_only)
    refused(capsys, run(short, out, "--seed", "5"), out, "could not be written (Permission")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_parent_is_a_clean_exit_2(short, tmp_path, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        refused(capsys, run(short, parent / "out"), parent / "out", "is read-only")
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_results_get_the_users_usual_permissions(short, tmp_path):
    old = os.umask(0o027)
    try:
        assert run(short, tmp_path / "out") == 0
        assert main(["role-cards", "--out", str(tmp_path / "cards.html")]) == 0
    finally:
        os.umask(old)
    out = tmp_path / "out"
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "figures").stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "report.md").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "cards.html").stat().st_mode) == 0o640


# --- concurrency, signals and crashes --------------------------------------------------------
def test_a_second_writer_is_refused_while_the_first_holds_the_lock(short, tmp_path, capsys, out):
    before = snapshot(out)
    with safe_output._locked(out):  # the lock a running writer holds
        refused(
            capsys,
            run(short, out, "--seed", "3"),
            out,
            f"another asean-sim process (pid {os.getpid()}) is writing it now",
        )
        assert (tmp_path / ".out.lock").is_file()
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []  # released and removed: the next writer proceeds
    with safe_output._locked(out):
        pass


def _staging_of(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(".out.partial-")]


def _long_run(short: Path, out: Path) -> subprocess.Popen:
    """``python -m model run`` into ``out`` with far more replicates than it will get to
    finish, returned once its staging folder has data in it."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "model",
            "run",
            str(short),
            "--out",
            str(out),
            "--replicates",
            "20000",
            "--seed",
            "8",
        ],
        cwd=out.parent,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
    while not any((s / "new" / "timeseries.csv").exists() for s in _staging_of(out.parent)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run did not start: {proc.communicate()[1]}")
        time.sleep(0.05)
    return proc


@pytest.mark.slow
def test_sigterm_mid_run_keeps_old_results_and_removes_staging(short, tmp_path, capsys, out):
    before = snapshot(out)
    proc = _long_run(short, out)
    try:
        # while it runs, a second writer into the same folder is refused
        capsys.readouterr()
        refused(capsys, run(short, out), out, f"(pid {proc.pid}) is writing it now")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted (SIGTERM)" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_after_a_sigkill_the_next_run_clears_the_debris(short, tmp_path, out):
    before = snapshot(out)
    proc = _long_run(short, out)
    proc.kill()
    proc.communicate()
    assert snapshot(out) == before
    assert len(_staging_of(tmp_path)) == 1 and (tmp_path / ".out.lock").is_file()
    assert run(short, out, "--seed", "9") == 0  # its lock is free and its PID is dead
    assert leftovers(tmp_path) == []
    assert snapshot(out)["statements.csv"] != before["statements.csv"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _fake_staging(parent: Path, name: str, owner: dict | None) -> Path:
    folder = parent / name
    (folder / "new").mkdir(parents=True)
    (folder / "new" / "timeseries.csv").write_text("half\n")
    if owner is not None:
        (folder / MARKER).write_text(json.dumps(owner))
    return folder


def test_stale_staging_of_a_dead_process_is_removed_and_lookalikes_are_not(short, tmp_path):
    me = {"producer": "asean-sim", "host": socket.gethostname(), "boot": safe_output._boot()}
    dead = _fake_staging(
        tmp_path, ".gone.partial-0123456789abcdef", {**me, "pid": _dead_pid(), "target": "gone"}
    )
    rebooted = _fake_staging(
        tmp_path,
        ".old.partial-00000000000000aa",
        {**me, "pid": os.getpid(), "boot": "before-a-reboot", "target": "old"},
    )
    alive = _fake_staging(
        tmp_path, ".live.partial-fedcba9876543210", {**me, "pid": os.getpid(), "target": "live"}
    )
    elsewhere = _fake_staging(
        tmp_path,
        ".far.partial-1111111111111111",
        {**me, "pid": _dead_pid(), "host": "another-host"},
    )
    unmarked = _fake_staging(tmp_path, ".mine.partial-2222222222222222", None)
    forged = _fake_staging(
        tmp_path,
        ".forged.partial-3333333333333333",
        {"producer": "someone-else", "pid": _dead_pid(), "host": socket.gethostname()},
    )
    misnamed = _fake_staging(tmp_path, "mine.partial-4444444444444444", {**me, "pid": _dead_pid()})
    kept = {p: snapshot(p) for p in (alive, elsewhere, unmarked, forged, misnamed)}
    assert run(short, tmp_path / "out") == 0
    assert not dead.exists() and not rebooted.exists()
    for folder, files in kept.items():
        assert snapshot(folder) == files, folder.name


def test_a_run_killed_mid_swap_gets_its_previous_results_back(tmp_path, out):
    before = snapshot(out)
    staging = tmp_path / ".out.partial-abcdefabcdefabcd"
    staging.mkdir()
    out.rename(staging / "old")  # killed after moving the old results aside
    (staging / MARKER).write_text(
        json.dumps(
            {
                "producer": "asean-sim",
                "pid": _dead_pid(),
                "host": socket.gethostname(),
                "boot": safe_output._boot(),
                "target": "out",
            }
        )
    )
    assert safe_output.clean_stale(tmp_path) == [staging]
    assert snapshot(out) == before and not staging.exists()


def test_a_foreign_lock_file_is_not_taken_over(short, tmp_path, capsys):
    lock = tmp_path / ".out.lock"
    lock.write_text("a user's file that happens to have this name\n")
    refused(
        capsys,
        run(short, tmp_path / "out"),
        tmp_path / "out",
        "exists and was not written by asean-sim",
    )
    assert lock.read_text() == "a user's file that happens to have this name\n"
    assert not (tmp_path / "out").exists()


def test_calibration_outputs_replace_only_their_own_files(tmp_path, capsys):
    import numpy as np

    from model.analysis.abc import Population
    from model.analysis.calibrate import Summary, default_setup
    from model.analysis.calibration_report import write_parameter_file, write_report
    from model.vocabulary import MEMBERS

    setup = default_setup(names=("outreach_rate", "tone_span"))
    rng = np.random.default_rng(0)
    population = Population(
        setup.names,
        rng.uniform(0.2, 0.8, (40, 2)),
        np.full(40, 1 / 40),
        rng.uniform(0, 1, 40),
        (2.0, 1.0),
        80,
    )
    sims = [
        Summary(
            {(y, m): (int(rng.integers(0, 5)),) for y, m, _ in setup.targets.tones},
            {(y, m): ("consensus",) for y, m, _ in setup.targets.tones},
            {y: float(rng.integers(0, 9)) for y in setup.targets.exchanges},
            rng.uniform(0, 1, len(MEMBERS)),
        )
        for _ in range(5)
    ]
    yaml_path, report = tmp_path / "calibrated.yaml", tmp_path / "calibration"
    for _ in range(2):  # the second time both are ours and replaced
        content = write_parameter_file(yaml_path, population, setup, 1, 40, 2)
        write_report(report, population, setup, population.theta[:5], sims, content, None)
    manifest = json.loads((report / "manifest.json").read_text())
    assert manifest["producer"] == "asean-sim" and manifest["kind"] == "calibration"
    assert sorted(manifest["files"]) == sorted(snapshot(report))
    assert yaml_path.read_text().startswith("# Written by `asean-sim calibrate`")
    assert leftovers(tmp_path) == []
    (report / "my-notes.md").write_text("mine")
    with pytest.raises(safe_output.OutputError, match=r"holds my-notes\.md"):
        write_report(report, population, setup, population.theta[:5], sims, content, None)
    yaml_path.write_text("# my own parameters\n")
    with pytest.raises(safe_output.OutputError, match="is not a parameter file"):
        write_parameter_file(yaml_path, population, setup, 1, 40, 2)
    assert yaml_path.read_text() == "# my own parameters\n"
    assert (report / "my-notes.md").read_text() == "mine"


def test_a_signal_during_a_swap_waits_until_the_swap_is_done():
    reached, before = [], signal.getsignal(signal.SIGTERM)
    with (
        pytest.raises(safe_output.Interrupted) as caught,
        safe_output.interruptible(),
        safe_output._uninterrupted(),
    ):
        os.kill(os.getpid(), signal.SIGTERM)
        reached.append("after the signal")  # the swap goes on to completion
    assert reached == ["after the signal"] and caught.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back
