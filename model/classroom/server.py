"""Serve the classroom app on 127.0.0.1 with every asset local (no CDN, no telemetry).

Solara's browser code asks its server for ``/_solara/cdn/...``; the server answers from
its cache folder, which the ``solara-assets`` package fills at install time. We point the
fall-back CDN at a closed local port so a missing asset fails at once instead of leaking
a request to the internet, and we turn off Solara's telemetry and version check.

We run Solara's Starlette app under our own uvicorn server (what ``solara run`` does, minus
its CLI) so that we can harden it for a classroom laptop:

- :class:`LoopbackOnly` answers only requests addressed to this server by a loopback name
  and its own port, so a web page elsewhere cannot reach the model through DNS rebinding;
- :func:`free_closed_sessions` lets a closed browser tab take its model with it, and a
  browser that vanished without closing is let go after CULL_TIMEOUT (not Solara's 24h);
- Ctrl-C or SIGTERM stops the server within STOP_SECONDS, exit status 0, no traceback.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from model.vocabulary import UsageError

APP = "model.classroom.app"
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
CULL_TIMEOUT = "10m"
"""How long Solara keeps a session whose browser vanished without closing its tab (a laptop
put to sleep, a dropped network), so a student who comes back in time finds the model as
it was. Solara's default is 24h: a day of abandoned models in memory."""
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_KERNEL_CULL_TIMEOUT": CULL_TIMEOUT,
    "MPLBACKEND": "Agg",
}
"""Settings read when solara is first imported, so they are set before that (each can be
overridden from the environment)."""
NEEDED = ("solara", "solara_assets", "ipyvuetify", "mesa.visualization", "networkx")
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


def allowed_hosts(port: int) -> frozenset[str]:
    """Host header values that address this server: a loopback name with our port (and
    the bare name when the port is HTTP's default, which browsers then leave out)."""
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:
        hosts.update(LOOPBACK_NAMES)
    return frozenset(hosts)


class LoopbackOnly:
    """ASGI wrapper refusing (HTTP 403) any request whose Host is not ours.

    DNS rebinding: a page from evil.example can re-point its own name at 127.0.0.1 and then
    talk to this server as same-origin, but its requests still say ``Host: evil.example``.
    Websocket upgrades are checked too, and must also come from one of our own pages
    (``Origin``), since a browser lets any site open a websocket to 127.0.0.1.
    """

    def __init__(self, app: ASGIApp, port: int) -> None:
        self.app = app
        self.hosts = allowed_hosts(port)
        self.origins = frozenset(f"http://{host}" for host in self.hosts)

    def _allowed(self, scope: Scope) -> bool:
        headers = {}
        for name, value in scope.get("headers", ()):
            headers.setdefault(name.lower(), value.decode("latin-1"))
        if headers.get(b"host", "").lower() not in self.hosts:
            return False
        origin = headers.get(b"origin")
        return scope["type"] != "websocket" or origin is None or origin.lower() in self.origins

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] in ("http", "websocket") and not self._allowed(scope):
            if scope["type"] == "websocket":
                # Closing before accepting makes the ASGI server refuse the upgrade with 403.
                await send({"type": "websocket.close", "code": 1008, "reason": ""})
                return
            body = b"403 Forbidden: this classroom server answers only 127.0.0.1 or localhost\n"
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


SETTLE_SECONDS = 0.5
"""After a session closes, how long the janitor waits for the threads that closed it to
let go of it, and for other tabs closing at the same moment, before collecting."""


class _Janitor:
    """Frees the memory of closed sessions: one daemon thread that, after kernels close,
    runs the cyclic garbage collector (a Mesa model and its agents refer to each other, so
    only it frees them) and hands the freed heap back to the system (glibc's malloc_trim)."""

    def __init__(self) -> None:
        self.closing: list[threading.Event] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.collections = 0
        try:
            self.trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc: the collector alone
            self.trim = None
        threading.Thread(target=self._run, name="classroom-janitor", daemon=True).start()

    def session_closing(self, closed: threading.Event) -> None:
        """Called while a session's kernel closes; ``closed`` is set once it has."""
        with self.lock:
            self.closing.append(closed)
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.lock:
                closing, self.closing = self.closing, []
            for closed in closing:
                closed.wait(timeout=10)
            time.sleep(SETTLE_SECONDS)
            gc.collect()
            if self.trim is not None:
                self.trim(0)
            self.collections += 1


_JANITOR: _Janitor | None = None


def free_closed_sessions() -> None:
    """Make a closed browser session give back its model and the memory it used.

    Mesa's ModelController starts its Play loop with ``solara.lab.use_task``; each use makes
    a task whose reactive state registers a "reset on kernel start" callback in Solara's
    module-wide list (``solara.lifecycle.on_kernel_start``), and nothing ever removes it.
    That callback holds the task, the task its step function, and the step function the
    session's model, so every closed tab used to leave its model (about 9 MB) behind for
    the life of the server. Callbacks registered from inside a session are that session's
    own; we remove them when its kernel closes. Module-level registrations (made outside
    any session) are untouched. Then the janitor collects what the session left.
    Idempotent.
    """
    global _JANITOR
    if _JANITOR is not None:
        return
    import solara.lifecycle
    from solara.server import kernel_context

    register = solara.lifecycle.on_kernel_start

    def on_kernel_start(callback: Callable[[], Callable[[], None] | None]) -> Callable[[], None]:
        unregister = register(callback)
        if kernel_context.has_current_context():

            def forget() -> None:
                with contextlib.suppress(ValueError):  # already removed
                    unregister()

            kernel_context.get_current_context().on_close(forget)
        return unregister

    solara.lifecycle.on_kernel_start = on_kernel_start
    janitor = _JANITOR = _Janitor()

    def each_session() -> Callable[[], None]:
        closed = kernel_context.get_current_context().closed_event
        return lambda: janitor.session_closing(closed)

    register(each_session)  # module-wide: runs as every session's kernel starts


def quiet_known_warnings() -> None:
    """Silence one harmless warning Solara prints on every page load.

    solara.server.starlette warns "Cookies with samesite=none require https" whenever the
    page is not served over https or as ``localhost``: it is about embedding the app in an
    iframe on another site, which a loopback classroom server never is.
    """
    warnings.filterwarnings(
        "ignore",
        message="Cookies with samesite=none require https",
        category=UserWarning,
        module="solara.server.starlette",
    )


def _uvicorn_server(app: ASGIApp, host: str, port: int):
    """A uvicorn server that, once a signal has stopped it, returns instead of re-raising
    the signal (uvicorn re-raises it, which turns Ctrl-C into a KeyboardInterrupt traceback
    and SIGTERM into death by signal)."""
    import uvicorn
    from solara.__main__ import LOGGING_CONFIG

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
                print(
                    f"classroom: open http://{host}:{port}/ in a browser (Ctrl-C stops the server)",
                    flush=True,
                )

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                _exit_after(STOP_SECONDS)
            self.signalled = True
            super().handle_exit(sig, frame)

    log_config = {
        **LOGGING_CONFIG,
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "solara": {"handlers": ["default"], "level": "WARNING"},
        },
    }
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="asyncio",
        lifespan="on",
        log_config=log_config,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )  # configures logging
    logging.getLogger("uvicorn.error").addFilter(_not_cancelled_on_stop)
    return Server(config)


def _not_cancelled_on_stop(record: logging.LogRecord) -> bool:
    """Drop uvicorn's "Cancel N running task(s), timeout graceful shutdown exceeded": on a
    stop it cancels the websockets of sessions still busy after GRACE_SECONDS, as meant."""
    return "timeout graceful shutdown exceeded" not in record.getMessage()


def serve(port: int = DEFAULT_PORT, host: str = HOST) -> int:
    """Run the app until Ctrl-C or SIGTERM; returns the exit status (0 once stopped)."""
    missing = missing_dependencies()
    if missing:
        raise ClassroomUnavailable(
            "the classroom needs the [classroom] extra (missing: "
            + ", ".join(missing)
            + "); install it with: pip install -e '.[classroom]'"
        )
    if not 1 <= port <= 65535:
        raise UsageError(f"--port: expected a port number 1-65535, got {port}")
    server = None
    interrupted = False
    try:
        for key, value in OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        # What `solara run APP --production` sets up before it starts uvicorn.
        os.environ.update(SOLARA_APP=APP, SERVER_NAME=host, SERVER_PORT=str(port))
        from solara.server import settings

        settings.main.mode = "production"
        quiet_known_warnings()
        free_closed_sessions()
        import solara.server.starlette

        server = _uvicorn_server(LoopbackOnly(solara.server.starlette.app, port), host, port)
        server.run()
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        interrupted = True
    if not interrupted and (server is None or not server.signalled):
        return 1  # it stopped on its own: uvicorn has logged why
    _leave_session_threads()
    print("classroom: stopped", flush=True)
    return 0


def _exit_after(seconds: float) -> None:
    """End the process ``seconds`` from now if it is still running then.

    Once uvicorn has stopped taking requests, Solara closes every session; closing one
    whose Play loop is running waits for the loop's render to let go, which Mesa's loop
    (it steps until the scenario's last quarter) keeps taking. A teacher's Ctrl-C should
    not wait for that: nothing is left to save, so we leave.
    """

    def expire() -> None:
        time.sleep(seconds)
        _leave()

    threading.Thread(target=expire, name="classroom-stop", daemon=True).start()


def _leave_session_threads() -> None:
    """Exit now if session threads (a Play loop still stepping a closed session's model:
    Solara's task threads are not daemons) would hold the process open."""
    current = threading.current_thread()
    if any(t is not current and not t.daemon and t.is_alive() for t in threading.enumerate()):
        _leave()


def _leave() -> None:
    print("classroom: stopped", flush=True)
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """`python -m model.classroom [--port P]` (until the CLI wiring lands)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m model.classroom", description="Serve the classroom web app offline."
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        return serve(args.port)
    except (ClassroomUnavailable, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
