"""Where a command may write, and how, so that no output can cost a user data.

The one rule, used by every command that writes (run, compare, sweep, calibrate,
backtest, role-cards, events --plot): an output folder is replaced only if it is absent,
empty, or a results folder this program wrote (its manifest.json names asean-sim as the
producer and lists every file in it); an output file is replaced only if it is absent,
empty or carries this program's marker (a YAML header, an HTML generator tag, a PNG
Software chunk). Anything else (a folder of other files, a plain file where a folder is
expected, the current folder, a git checkout, a symbolic link) is refused with exit 2
and left untouched.

How outputs get there: everything is written into a staging folder beside the
destination (``.NAME.partial-<hex>``, holding a marker with our PID, host and boot) and
moved into place only when complete, under an ``flock`` on ``.NAME.lock`` so two
processes never write one destination at once. Staging folders left by a killed process
are recognised by their marker and removed by the next write into the same folder; a
folder that merely looks like staging but lacks our marker is never touched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.files.manifest import FORMAT_VERSION, PRODUCER
from model.vocabulary import InputError

try:  # POSIX; elsewhere two simultaneous writers are not detected
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

MARKER = ".asean-sim-staging.json"
"""The file inside every staging folder of ours: producer, PID, host, boot and target."""
STAGING_NAME = re.compile(r"^\..+\.partial-[0-9a-f]{16}$")
LOCK_NAME = re.compile(r"^\..+\.lock$")
LOCK_SIGNATURE = b"asean-sim lock"
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files an operating system drops into any folder it shows: not user data."""
MANIFEST_LIMIT = 16 << 20
"""A manifest.json larger than this is not one of ours (ours are a few kilobytes)."""

YAML_HEADER = b"# Written by `asean-sim calibrate`"
HTML_GENERATOR = f'<meta name="generator" content="{PRODUCER}">'
PNG_SOFTWARE = PRODUCER
"""The PNG tEXt ``Software`` value of every figure we draw (plots.save_figure)."""


class OutputError(InputError):
    """An output path that cannot be written without risking data that is not ours."""


# --- recognising what is ours ------------------------------------------------------------------
def is_our_manifest(data: Any) -> bool:
    """A manifest we wrote: the producer key, or (folders written before the key existed)
    our format version with the code digest and file list every manifest of ours has."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return False
    if data.get("producer") == PRODUCER:
        return True
    return data.get("format_version") == FORMAT_VERSION and "code_digest" in data


def _read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MANIFEST_LIMIT:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if is_our_manifest(data) else None


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _yaml_is_ours(path: Path) -> bool:
    return _head(path, len(YAML_HEADER)) == YAML_HEADER


def _html_is_ours(path: Path) -> bool:
    return HTML_GENERATOR.encode() in _head(path, 4096)


def png_software(path: Path) -> str | None:
    """The PNG's ``Software`` text chunk (tEXt or uncompressed iTXt), or None."""
    try:
        with path.open("rb") as handle:
            if handle.read(8) != b"\x89PNG\r\n\x1a\n":
                return None
            while header := handle.read(8):
                if len(header) < 8:
                    return None
                length, kind = struct.unpack(">I4s", header)
                if kind in (b"IDAT", b"IEND") or length > 1 << 20:
                    return None
                data = handle.read(length)
                handle.seek(4, os.SEEK_CUR)  # the chunk's CRC
                key, _, value = data.partition(b"\0")
                if key != b"Software":
                    continue
                if kind == b"tEXt":
                    return value.decode("latin-1")
                if kind == b"iTXt" and value[:1] == b"\0":  # not compressed
                    return value[2:].split(b"\0", 2)[-1].decode("utf-8", "replace")
    except OSError:
        return None
    return None


def _png_is_ours(path: Path) -> bool:
    return png_software(path) == PNG_SOFTWARE


@dataclass(frozen=True)
class FileKind:
    """A kind of output file and how to recognise one this program wrote."""

    what: str
    ours: Callable[[Path], bool]


YAML = FileKind(
    f"a parameter file written by `asean-sim calibrate` (first line {YAML_HEADER.decode()}...)",
    _yaml_is_ours,
)
HTML = FileKind(f"an HTML page written by asean-sim (with {HTML_GENERATOR})", _html_is_ours)
PNG = FileKind(f"a PNG drawn by asean-sim (Software={PNG_SOFTWARE})", _png_is_ours)


# --- the rule ----------------------------------------------------------------------------------
def _where(path: Path) -> str | None:
    """Why ``path`` is a place no output may replace whatever it holds, or None."""
    try:
        resolved = path.resolve()
    except OSError:
        return None
    for special, name in ((Path.cwd(), "the current folder"), (Path.home(), "your home folder")):
        with suppress(OSError, RuntimeError):
            special = special.resolve()
            if resolved == special:
                return f"is {name}"
            if resolved in special.parents:
                return f"contains {name}"
    return None


def folder_problem(folder: Path, keep: Sequence[str] = ()) -> str | None:
    """Why ``folder`` may not be replaced by a new results folder, or None if it may.

    ``keep`` names subfolders carried over into the new folder (compare's ``runs``): each
    may hold only results folders of ours, so a folder holding nothing else is ours too.
    """
    if folder.is_symlink():
        return (
            f"is a symbolic link (to {os.readlink(folder)}); asean-sim does not replace "
            "links: give the real folder or a new name"
        )
    if where := _where(folder):
        return f"{where}; asean-sim replaces its output folder as a whole"
    if not folder.exists():
        return None
    if not folder.is_dir():
        return "is a file, not a results folder"
    if (folder / ".git").exists():
        return "is a git checkout"
    try:
        entries = sorted(e for e in os.listdir(folder) if e not in OS_LITTER)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not entries:
        return None
    manifest = _read_manifest(folder)
    for name in keep:
        if name in entries and (problem := _kept_problem(folder / name)):
            return problem
    rest = [e for e in entries if e not in keep]
    if manifest is None:
        if not rest:
            return None
        return (
            f"holds files asean-sim did not write (e.g. {rest[0]}) and no manifest.json "
            "of ours, so it is not a results folder of this program"
        )
    listed = {str(f) for f in manifest["files"]}
    for top in rest:
        if (foreign := _unlisted(folder, top, listed)) is not None:
            return (
                f"holds {foreign}, which its manifest.json does not list (asean-sim did "
                "not write it): move it out first"
            )
    return None


def _unlisted(root: Path, top: str, listed: set[str]) -> str | None:
    """The first file under ``root/top`` that is not in ``listed`` (symlinks count)."""
    start = root / top
    if start.is_symlink() or not start.is_dir():
        return None if (top in listed and not start.is_symlink()) else top
    for here, dirs, files in os.walk(start):
        base = Path(here).relative_to(root)
        for name in sorted(files) + sorted(d for d in dirs if (Path(here) / d).is_symlink()):
            if name in OS_LITTER:
                continue
            relative = (base / name).as_posix()
            if relative not in listed or (Path(here) / name).is_symlink():
                return relative
    return None


def _kept_problem(folder: Path) -> str | None:
    """Why a kept subfolder (compare's ``runs``) is not wholly ours, or None."""
    if folder.is_symlink() or not folder.is_dir():
        return f"holds {folder.name}, which is not a folder of results folders"
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry in OS_LITTER or _our_staging(path) is not None or _our_lock(path):
            continue
        if path.is_symlink() or not path.is_dir():
            return f"holds {folder.name}/{entry}, which asean-sim did not write"
        if (problem := folder_problem(path)) is not None:
            return f"holds {folder.name}/{entry}, which {problem}"
    return None


def file_problem(path: Path, kind: FileKind) -> str | None:
    """Why ``path`` may not be replaced by a new file of ``kind``, or None if it may."""
    if path.is_symlink():
        return (
            f"is a symbolic link (to {os.readlink(path)}); asean-sim does not replace "
            "links: give the real file or a new name"
        )
    if not path.exists():
        return None
    if path.is_dir():
        return "is a folder, not a file"
    if path.stat().st_size == 0 or kind.ours(path):
        return None
    return f"exists and is not {kind.what}; asean-sim only overwrites files it wrote"


def _refuse(path: Path, problem: str) -> OutputError:
    return OutputError(f"{path}: {problem}. Nothing was changed; choose another output path.")


def check_folder(folder: str | Path, keep: Sequence[str] = ()) -> None:
    """Raise OutputError (exit 2) unless a command may replace ``folder``; call it before
    a long computation so a refusal comes first. Writes nothing."""
    folder = Path(folder)
    if problem := folder_problem(folder, keep) or _unwritable(folder):
        raise _refuse(folder, problem)


def check_file(path: str | Path, kind: FileKind) -> None:
    """Raise OutputError (exit 2) unless a command may replace ``path``. Writes nothing."""
    path = Path(path)
    if problem := file_problem(path, kind) or _unwritable(path):
        raise _refuse(path, problem)


def _unwritable(path: Path) -> str | None:
    """Why we cannot write ``path`` (checked up front, so a long run does not fail at the
    end), or None. Root passes these checks; the real writes still fail cleanly."""
    parent = path.parent
    while not parent.exists():
        if parent == parent.parent:
            return None
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be written: its folder {parent} is read-only"
    if path.is_dir() and not path.is_symlink() and not os.access(path, os.W_OK | os.X_OK):
        return "is read-only"
    return None


# --- signals: SIGTERM like SIGINT, never in the middle of a swap --------------------------------
class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signum`` says which (the exit code is 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


_deferring = 0
_pending: int | None = None


def _on_signal(signum: int, _frame: Any) -> None:
    global _pending
    if _deferring:
        _pending = signum
        return
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within, SIGINT and SIGTERM raise Interrupted (so staging is cleaned up and old
    results stay), except during a swap; the command line wraps each command in it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until a swap or a clean-up is done, then deliver them."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)


# --- locks and staging -------------------------------------------------------------------------
def _host() -> str:
    return socket.gethostname()


def _boot() -> str:
    """This boot's id (Linux), so a marker from before a reboot is known to be dead."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _ensure_parent(path: Path) -> Path:
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse(
            path, f"its folder {parent} cannot be created ({exc.strerror or exc})"
        ) from None
    return parent


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``.NAME.lock`` beside ``path``; a second writer is
    refused at once. The kernel drops the lock when its holder dies, however it dies."""
    lock = path.parent / f".{path.name}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError as exc:
            raise _refuse(
                path, f"cannot write in its folder {path.parent} ({exc.strerror})"
            ) from None
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            pid = holder.split()[3] if holder.startswith("asean-sim lock pid") else "?"
            raise _refuse(
                path,
                f"another asean-sim process (pid {pid}) is writing it now; wait for it to finish",
            ) from None
        try:  # the holder before us may have removed the file: then lock the new one
            same = os.path.samestat(os.fstat(fd), os.stat(lock, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        content = os.pread(fd, 200, 0)
        if content and not content.startswith(LOCK_SIGNATURE):
            raise _refuse(path, f"{lock} exists and was not written by asean-sim")
        os.ftruncate(fd, 0)
        os.pwrite(fd, LOCK_SIGNATURE + f" pid {os.getpid()} host {_host()}\n".encode(), 0)
        try:
            yield
        finally:
            with suppress(OSError):
                os.unlink(lock)  # ours: we hold it and it carries our signature
    finally:
        os.close(fd)


def _our_lock(path: Path) -> bool:
    """Whether ``path`` is a lock file of ours (``.NAME.lock`` with our signature)."""
    if not LOCK_NAME.match(path.name) or path.is_symlink() or not path.is_file():
        return False
    return _head(path, len(LOCK_SIGNATURE)) == LOCK_SIGNATURE


def _remove_stale_lock(path: Path) -> bool:
    """Remove a lock file of ours that nobody holds (its holder was killed); the same
    take-then-unlink steps as a release, so a live writer's lock is never removed."""
    if fcntl is None or not _our_lock(path):
        return False
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False)):
            os.unlink(path)
            return True
    except OSError:
        pass
    finally:
        os.close(fd)
    return False


def _our_staging(path: Path) -> dict | None:
    """The marker of a staging folder of ours at ``path``, or None."""
    if not STAGING_NAME.match(path.name) or path.is_symlink() or not path.is_dir():
        return None
    marker = path / MARKER
    try:
        if marker.is_symlink() or marker.stat().st_size > 4096:
            return None
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("producer") != PRODUCER:
        return None
    return data


def _dead(owner: dict, marker: Path) -> bool:
    """Whether the process that made a staging folder is gone: same host, and a different
    boot or no such PID, and nobody holds the marker's flock (guards against PID reuse)."""
    if owner.get("host") != _host() or not isinstance(owner.get("pid"), int):
        return False
    if owner.get("boot") == _boot() and owner["pid"] > 0:
        try:
            os.kill(owner["pid"], 0)
            return False
        except ProcessLookupError:
            pass
        except OSError:  # exists but belongs to someone else
            return False
    if fcntl is None:
        return True
    try:
        fd = os.open(marker, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _remove_staging(folder: Path) -> None:
    """Remove a staging folder of ours, its marker last (so a half-removed one is still
    recognised and finished by the next clean-up)."""
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def clean_stale(parent: Path) -> list[Path]:
    """Remove the staging folders and lock files of ours in ``parent`` whose process is
    dead (after a SIGKILL or a power cut); if a staging folder holds the previous results
    of a destination that is now missing (killed mid-swap), put them back first. Returns
    what was removed."""
    removed = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if _remove_stale_lock(entry):
            removed.append(entry)
            continue
        owner = _our_staging(entry)
        if owner is None or not _dead(owner, entry / MARKER):
            continue
        with suppress(OSError), _uninterrupted():
            target = parent / str(owner.get("target", ""))
            old = entry / "old"
            if owner.get("target") and old.is_dir() and not os.path.lexists(target):
                old.rename(target)
            _remove_staging(entry)
            removed.append(entry)
    return removed


@contextmanager
def _staging(path: Path) -> Iterator[Path]:
    """A new staging folder beside ``path`` with our marker (flocked while we live);
    removed on the way out, whatever happens. Signals wait while it is being made, so
    no staging folder ever lacks its marker."""
    folder: Path | None = None
    fd: int | None = None
    try:
        with _uninterrupted():
            folder, fd = _make_staging(path)
        yield folder
    finally:
        try:
            if folder is not None:
                with _uninterrupted():
                    _remove_staging(folder)
        finally:
            if fd is not None:
                os.close(fd)


def _make_staging(path: Path) -> tuple[Path, int]:
    while True:
        folder = path.parent / f".{path.name}.partial-{secrets.token_hex(8)}"
        try:
            folder.mkdir()
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise _refuse(
                path, f"cannot write in its folder {path.parent} ({exc.strerror})"
            ) from None
    owner = {
        "producer": PRODUCER,
        "pid": os.getpid(),
        "host": _host(),
        "boot": _boot(),
        "target": path.name,
    }
    fd = -1
    try:
        fd = os.open(folder / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps(owner).encode())
    except OSError as exc:  # e.g. a full disk: take the empty folder back
        if fd >= 0:
            os.close(fd)
        with suppress(OSError):
            (folder / MARKER).unlink(missing_ok=True)
            folder.rmdir()
        raise _io_error(path, exc) from None
    return folder, fd


def _io_error(path: Path, exc: OSError) -> OutputError:
    return _refuse(path, f"could not be written ({exc.strerror or exc})")


@contextmanager
def replace_folder(destination: str | Path, keep: Sequence[str] = ()) -> Iterator[Path]:
    """Yield an empty folder to fill; on success it becomes ``destination``.

    ``destination`` must pass the rule (absent, empty, or a results folder of ours). The
    previous folder stays whole until the new one is complete; an exception or a signal
    leaves it as it was, with no staging left behind. ``keep`` subfolders of the previous
    folder are moved into the new one.
    """
    destination = Path(destination)
    check_folder(destination, keep)
    parent = _ensure_parent(destination)
    with _locked(destination):
        check_folder(destination, keep)
        clean_stale(parent)
        with _staging(destination) as staging:
            new = staging / "new"
            new.mkdir()  # the umask applies: the user's usual permissions, not 0700
            yield new
            with _uninterrupted():
                check_folder(destination, keep)  # it may have changed during the run
                _swap(new, destination, staging / "old", keep)


def _swap(new: Path, destination: Path, old: Path, keep: Sequence[str]) -> None:
    moved = False
    try:
        if destination.exists():
            destination.rename(old)
            moved = True
            for name in keep:
                if (old / name).is_dir():
                    (old / name).rename(new / name)
        new.rename(destination)
    except OSError as exc:
        if moved:  # put the previous folder back as it was
            for name in keep:
                if (new / name).is_dir() and not (old / name).exists():
                    (new / name).rename(old / name)
            if not os.path.lexists(destination):
                old.rename(destination)
        raise _io_error(destination, exc) from None


@contextmanager
def replace_file(path: str | Path, kind: FileKind) -> Iterator[Path]:
    """Yield a path (same name, in a staging folder) to write; on success it replaces
    ``path``, which must be absent, empty or a file of ``kind`` that we wrote."""
    path = Path(path)
    check_file(path, kind)
    parent = _ensure_parent(path)
    with _locked(path):
        check_file(path, kind)
        clean_stale(parent)
        with _staging(path) as staging:
            temp = staging / path.name  # same suffix: matplotlib picks the format from it
            yield temp
            with _uninterrupted():
                check_file(path, kind)
                try:
                    os.replace(temp, path)
                except OSError as exc:
                    raise _io_error(path, exc) from None


def write_text(path: str | Path, text: str, kind: FileKind) -> Path:
    """Write one text file of ``kind`` under the rule; returns the path."""
    with replace_file(path, kind) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)
