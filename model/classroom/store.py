"""Where classes are kept: in memory while served, and one JSON file per class under
``results/classroom/`` (written by model/files/safe_output.py's rule: atomically, and only
over a file this program wrote), so a class survives a reload and a server restart.

A file holds the class's join code, its teacher's and teams' tokens, the scenario and
seed, the log of the teacher's moves and the record of its meetings; the model itself
is rebuilt from the log (model/classroom/session.py).
"""

from __future__ import annotations

import json
import secrets
import threading
from functools import cache
from pathlib import Path

from model.classroom.session import ClassSession, new_code
from model.files.manifest import PRODUCER, code_digest
from model.files.safe_output import HTML, FileKind, write_text

SESSION_FORMAT = "asean-sim classroom session"
DEFAULT_FOLDER = Path("results") / "classroom"
MAX_FILE = 4 << 20
"""A session file larger than this is not one of ours (a class's is a few kilobytes)."""


def _session_is_ours(path: Path) -> bool:
    try:
        if path.stat().st_size > MAX_FILE:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and data.get("producer") == PRODUCER
        and data.get("format") == SESSION_FORMAT
    )


SESSION = FileKind(
    f"a classroom session saved by asean-sim (format {SESSION_FORMAT!r})", _session_is_ours
)


@cache
def _digest() -> str:
    """The model's code digest: a class saved under another version of the model replays
    to texts that may differ from its record, and the console says so."""
    return code_digest()


class ClassStore:
    """The classes one server holds, saved to ``folder`` after every change."""

    def __init__(self, folder: str | Path = DEFAULT_FOLDER) -> None:
        self.folder = Path(folder)
        self.lock = threading.Lock()
        self.classes: dict[str, ClassSession] = {}
        self.skipped: list[str] = []

    def load(self) -> list[str]:
        """Load every saved class in the folder; returns their codes. A file that is not
        a class of ours, or no longer replays, is left alone and named in ``skipped``."""
        if not self.folder.is_dir():
            return []
        for path in sorted(self.folder.glob("*.json")):
            if not _session_is_ours(path):
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                session = ClassSession.from_json(data)
            except (KeyError, TypeError, ValueError, OSError) as exc:
                self.skipped.append(f"{path}: {exc}")
                continue
            session.model_changed = data.get("model_digest") not in (None, _digest())
            self.classes[session.code] = session
        return sorted(self.classes)

    def path(self, code: str) -> Path:
        return self.folder / f"{code}.json"

    def create(self, scenario_file: str, seed: int = 0) -> ClassSession:
        """A new class with a fresh join code and teacher token, saved at once."""
        with self.lock:
            code = new_code(set(self.classes))
            session = ClassSession(code, secrets.token_urlsafe(18), scenario_file, int(seed))
            self.classes[code] = session
        self.save(session)
        return session

    def get(self, code: str) -> ClassSession | None:
        return self.classes.get(str(code).strip().upper())

    def save(self, session: ClassSession) -> Path:
        """Write the class's file (under the session's lock, so writes never interleave)."""
        with session.lock:
            data = {
                "producer": PRODUCER,
                "format": SESSION_FORMAT,
                "model_digest": _digest(),
                **session.to_json(),
            }
            text = json.dumps(data, indent=1, sort_keys=True)
            return write_text(self.path(session.code), text, SESSION)

    def save_debrief(self, session: ClassSession, page: str) -> Path:
        """Write the class's debrief page beside its session file."""
        return write_text(self.folder / f"{session.code}-debrief.html", page, HTML)
