"""Serve the classroom (model/classroom/app.py) with uvicorn: 127.0.0.1 by default,
the local network with ``--lan``; nothing is fetched from or sent to the internet.

Hardening for a classroom laptop:

- :class:`HostGuard` answers only requests addressed to this server by one of its own
  names and its port (loopback names; with ``--lan`` also the machine's LAN addresses and
  host name), so a web page elsewhere cannot reach a class through DNS rebinding; the
  app itself refuses POSTs whose ``Origin`` is not one of those;
- on start the server prints the teacher's link (with a start token, new each run) and
  the address teams open; classes are saved under ``results/classroom/`` and loaded
  again on the next start;
- Ctrl-C or SIGTERM stops the server within STOP_SECONDS, exit status 0, no traceback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from model.vocabulary import UsageError

HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"
DEFAULT_PORT = 8765
NEEDED = ("starlette", "uvicorn")
GRACE_SECONDS = 1.0
"""How long a stop waits for open browser connections before closing them."""
STOP_SECONDS = 2.5
"""A stop ends the process this long after the signal at the latest (see _exit_after)."""
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


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


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on the local network (no packet is sent: a UDP
    socket's connect only picks the interface a route would use)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, contextlib.suppress(OSError):
            s.connect((probe, 1))
            found.add(s.getsockname()[0])
    return sorted(a for a in found if not a.startswith(("127.", "0.")))


def allowed_hosts(port: int, names: tuple[str, ...] = LOOPBACK_NAMES) -> frozenset[str]:
    """Host header values that address this server: one of ``names`` with our port (and
    the bare name when the port is HTTP's default, which browsers then leave out)."""
    hosts = {f"{name.lower()}:{port}" for name in names}
    if port == 80:
        hosts.update(name.lower() for name in names)
    return frozenset(hosts)


def lan_names() -> tuple[str, ...]:
    """The names a student's browser may use for this machine on the LAN."""
    host = socket.gethostname().lower()
    return (*LOOPBACK_NAMES, *lan_addresses(), host, f"{host}.local")


class HostGuard:
    """ASGI wrapper refusing (HTTP 403) any request whose Host is not one of ours.

    DNS rebinding: a page from evil.example can re-point its own name at 127.0.0.1 and then
    talk to this server as same-origin, but its requests still say ``Host: evil.example``.
    """

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    def _allowed(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name.lower() == b"host":
                return value.decode("latin-1").lower() in self.hosts
        return False

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "websocket" and not self._allowed(scope):
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        if scope["type"] == "http" and not self._allowed(scope):
            body = b"403 Forbidden: this classroom server answers only its own addresses\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


LoopbackOnly = HostGuard  # the name earlier code used


def build(
    port: int, lan: bool = False, folder: str | Path | None = None, start_token: str | None = None
):
    """The guarded ASGI app and what it serves: (app, classroom, hosts, addresses)."""
    from model.classroom.app import Classroom, create_app
    from model.classroom.store import DEFAULT_FOLDER, ClassStore

    names = lan_names() if lan else LOOPBACK_NAMES
    hosts = allowed_hosts(port, names)
    store = ClassStore(folder if folder is not None else DEFAULT_FOLDER)
    store.load()
    shown = [a for a in names if a[0].isdigit() and not a.startswith("127.")] if lan else []
    address = shown[0] if shown else HOST
    room = Classroom(
        store=store,
        start_token=start_token or secrets.token_urlsafe(18),
        origins=frozenset(f"http://{h}" for h in hosts),
        join_url=f"http://{address}:{port}/",
    )
    if room.forecaster is not None:  # a restarted class's first card answers at once
        for session in store.classes.values():
            room.forecaster.warm(session.scenario)
    return HostGuard(create_app(room), hosts), room, shown


def _uvicorn_server(app: ASGIApp, host: str, port: int, lines: list[str]):
    """A uvicorn server that, once a signal has stopped it, returns instead of re-raising
    the signal (uvicorn re-raises it, which turns Ctrl-C into a KeyboardInterrupt traceback
    and SIGTERM into death by signal)."""
    import uvicorn

    class Server(uvicorn.Server):
        signalled = False

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                print("\n".join(lines), flush=True)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                _exit_after(STOP_SECONDS)
            self.signalled = True
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="asyncio",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    logging.getLogger("uvicorn.error").addFilter(_not_cancelled_on_stop)
    return Server(config)


def _not_cancelled_on_stop(record: logging.LogRecord) -> bool:
    """Drop uvicorn's "Cancel N running task(s), timeout graceful shutdown exceeded": on a
    stop it cancels the pages' open requests after GRACE_SECONDS, as meant."""
    return "timeout graceful shutdown exceeded" not in record.getMessage()


def serve(port: int = DEFAULT_PORT, lan: bool = False, folder: str | Path | None = None) -> int:
    """Run the classroom until Ctrl-C or SIGTERM; returns the exit status (0 once stopped)."""
    missing = missing_dependencies()
    if missing:
        raise ClassroomUnavailable(
            "the classroom needs the [classroom] extra (missing: "
            + ", ".join(missing)
            + "); install it with: pip install -e '.[classroom]'"
        )
    if not 1 <= port <= 65535:
        raise UsageError(f"--port: expected a port number 1-65535, got {port}")
    if folder is not None and Path(folder).exists() and not Path(folder).is_dir():
        raise UsageError(f"--sessions: {folder} is a file; expected a folder for the classes")
    app, room, shown = build(port, lan, folder)
    local = f"http://{HOST}:{port}"
    lines = [
        f"classroom: teacher, open {local}/start?token={room.start_token} "
        "(Ctrl-C stops the server)",
        f"classroom: teams open {room.join_url} and type the class's join code",
        f"classroom: classes are saved in {room.store.folder}/",
    ]
    if lan and not shown:
        lines.append("classroom: no local network address found; teams on this machine only")
    if room.store.classes:
        lines.append("classroom: classes loaded: " + ", ".join(sorted(room.store.classes)))
    for problem in room.store.skipped:
        lines.append(f"classroom: not loaded: {problem}")
    server = None
    interrupted = False
    try:
        server = _uvicorn_server(app, LAN_HOST if lan else HOST, port, lines)
        server.run()
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        interrupted = True
    finally:
        if room.forecaster is not None:
            room.forecaster.shutdown()
    if not interrupted and (server is None or not server.signalled):
        return 1  # it stopped on its own: uvicorn has logged why
    _leave_busy_threads()
    print("classroom: stopped", flush=True)
    return 0


def _exit_after(seconds: float) -> None:
    """End the process ``seconds`` from now if it is still running then (an ensemble still
    running on its worker thread should not hold a teacher's Ctrl-C up: the classes are
    saved after every move, so nothing is lost)."""

    def expire() -> None:
        time.sleep(seconds)
        _leave()

    threading.Thread(target=expire, name="classroom-stop", daemon=True).start()


def _leave_busy_threads() -> None:
    """Exit now if worker threads (an ensemble run) would hold the process open."""
    current = threading.current_thread()
    if any(t is not current and not t.daemon and t.is_alive() for t in threading.enumerate()):
        _leave()


def _leave() -> None:
    print("classroom: stopped", flush=True)
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """`python -m model.classroom [--port P] [--lan] [--sessions DIR]`."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m model.classroom", description="Serve the classroom offline."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(args.port, args.lan, args.sessions)
    except (ClassroomUnavailable, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def add_arguments(parser) -> None:
    """The classroom's flags (shared with `asean-sim classroom`)."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--lan",
        action="store_true",
        help="serve to the local network (students' laptops and phones join "
        "with the class's code); default: this machine only",
    )
    parser.add_argument(
        "--sessions",
        default=None,
        metavar="DIR",
        help="folder the classes are saved in (default results/classroom)",
    )
