"""Serve the classroom app on 127.0.0.1 with every asset local (no CDN, no telemetry).

Solara's browser code asks its server for ``/_solara/cdn/...``; the server answers from
its cache folder, which the ``solara-assets`` package fills at install time. We point the
fall-back CDN at a closed local port so a missing asset fails at once instead of leaking
a request to the internet, and we turn off Solara's telemetry and version check.
"""

from __future__ import annotations

import importlib.util
import os
import sys

APP = "model.classroom.app"
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "MPLBACKEND": "Agg",
}
"""Settings read when solara is first imported, so they are set before that."""
NEEDED = ("solara", "solara_assets", "ipyvuetify", "mesa.visualization", "networkx")


class ClassroomUnavailable(RuntimeError):
    """The optional [classroom] dependencies are not installed."""


def missing_dependencies() -> list[str]:
    """Modules of the [classroom] extra that cannot be imported."""
    missing = []
    for name in NEEDED:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


def serve(port: int = DEFAULT_PORT, host: str = HOST) -> int:
    """Run the app until interrupted; returns the solara server's exit status."""
    missing = missing_dependencies()
    if missing:
        raise ClassroomUnavailable(
            "the classroom needs the [classroom] extra (missing: " + ", ".join(missing)
            + "); install it with: pip install -e '.[classroom]'")
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    from solara.__main__ import cli

    print(f"classroom: open http://{host}:{port}/ in a browser (Ctrl-C stops the server)",
          flush=True)
    args = ["run", APP, "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level", "warning", "--no-access-log"]
    try:
        cli.main(args, prog_name="solara", standalone_mode=False)
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m model.classroom [--port P]` (until the CLI wiring lands)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m model.classroom",
                                     description="Serve the classroom web app offline.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        return serve(args.port)
    except ClassroomUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
