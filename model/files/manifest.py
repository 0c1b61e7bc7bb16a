"""Run manifests: what exactly produced a results folder (every output is stamped).

The manifest carries no timestamps or executor details, so the same scenario and seed
give a byte-identical manifest whatever the number of workers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
PRODUCER = "asean-sim"
"""Every manifest's ``producer``: how a later write knows a folder is ours to replace."""
PACKAGES = (
    "asean-sim",
    "mesa",
    "numpy",
    "pandas",
    "matplotlib",
    "pyyaml",
    "pydantic",
    "scipy",
    "SALib",
    "pyarrow",
)
ROOT = Path(__file__).resolve().parents[2]


def package_versions() -> dict[str, str]:
    from importlib import metadata  # costly (email, zipfile): only when a manifest is made

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str:
    """The checkout's commit (with '+dirty' when the model's files differ), or 'unknown'."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "model", "seeds"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty.strip() else "")


def code_digest() -> str:
    """SHA-256 over the model's source, parameter files and the record: the code version
    that results are reused against."""
    digest = hashlib.sha256()
    files = (
        sorted((ROOT / "model").rglob("*.py"))
        + sorted((ROOT / "model" / "params").glob("*.yaml"))
        + sorted((ROOT / "seeds").glob("*.csv"))
    )
    for path in files:
        if "classroom" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def header(kind: str | None = None) -> dict[str, Any]:
    """The keys every manifest starts with: who wrote it (so a later write knows the folder
    is ours), the format version and, except for a run, what kind of output it is."""
    stamp = {"producer": PRODUCER, "format_version": FORMAT_VERSION}
    return stamp if kind is None else {**stamp, "kind": kind}


def provenance() -> dict[str, Any]:
    """The code version every manifest records: source digest, commit, Python, packages."""
    import platform

    return {
        "code_digest": code_digest(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
    }


def build_manifest(
    scenario: dict[str, Any],
    scenario_digest: str,
    seed: int,
    replicates: int,
    parameters: dict[str, Any],
    files: list[str],
) -> dict[str, Any]:
    """A run's manifest."""
    return {
        **header(),
        "scenario": scenario,
        "scenario_digest": scenario_digest,
        "seed": seed,
        "replicates": replicates,
        "seeding": "numpy.random.SeedSequence(seed).spawn(replicates); replicate i's child "
        "spawns a parameter stream and a model stream",
        "parameters": parameters,
        **provenance(),
        "files": files,
    }
