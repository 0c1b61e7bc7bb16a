"""The classroom server itself: who it answers, how it stops, what a closed session leaves.

Real requests to `python -m model.classroom` on a free local port (needs the [classroom]
extra); the browser-driven checks are in tests/browser/.
"""

from __future__ import annotations

import base64
import gc
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import weakref
from pathlib import Path

import pytest

pytest.importorskip("solara", reason="the [classroom] extra is not installed")

from model.classroom import server as classroom_server
from model.classroom.server import LoopbackOnly, allowed_hosts
from model.vocabulary import UsageError

START_TIMEOUT = 60
STOP_TIMEOUT = 5
"""The server stops within STOP_SECONDS (2.5 s) of a signal; the margin is for a loaded CI."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int, host: str, path: str = "/", headers: dict | None = None
) -> http.client.HTTPResponse:
    """One GET to 127.0.0.1:port with an explicit Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    if response.status != 101:  # a switched connection has no body to read
        response.read()
    conn.close()
    return response


def upgrade(port: int, host: str, origin: str | None = None) -> int:
    """The status of a websocket upgrade to the kernel channel a page would open."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }
    if origin:
        headers["Origin"] = origin
    path = f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    return request(port, host, path, headers).status


class Served:
    """`python -m model.classroom --port P` with its output in files."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.stdout = folder / "stdout.log"
        self.stderr = folder / "stderr.log"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "model.classroom", "--port", str(self.port)],
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if request(self.port, f"127.0.0.1:{self.port}").status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("classroom server did not answer:\n" + self.stderr.read_text())
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    running = Served(tmp_path_factory.mktemp("served"))
    yield running
    running.stop()


def test_answers_only_its_own_loopback_host(served):
    port = served.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert request(port, host).status == 200, host
    other = port + 1 if port < 65535 else port - 1
    for host in (
        f"evil.example:{port}",
        f"127.0.0.1:{other}",
        "127.0.0.1",
        "evil.example",
        f"127.0.0.1.evil.example:{port}",
        "",
    ):
        response = request(port, host)
        assert response.status == 403, host
    # Solara's own routes are behind the same check.
    assert request(port, f"evil.example:{port}", "/resourcez").status == 403
    assert request(port, f"localhost:{port}", "/resourcez").status == 200


def test_websocket_upgrades_checked_too(served):
    port = served.port
    assert upgrade(port, f"evil.example:{port}") == 403
    assert upgrade(port, f"127.0.0.1:{port + 1}") == 403
    # Our host, but opened by a page from another site (cross-site websocket).
    assert upgrade(port, f"127.0.0.1:{port}", origin="http://evil.example") == 403
    assert upgrade(port, f"127.0.0.1:{port}", origin=f"http://127.0.0.1:{port}") == 101
    assert "Traceback" not in served.stderr.read_text()


def test_allowed_hosts():
    assert allowed_hosts(8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert "localhost" in allowed_hosts(80)  # a browser leaves the default port out
    assert "localhost" not in allowed_hosts(8765)


async def _call(app, scope):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_lifespan_passes_through():
    """The guard wraps only requests: Solara's start-up and shut-down still reach it."""
    import asyncio

    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(_call(LoopbackOnly(inner, 8765), {"type": "lifespan"}))
    asyncio.run(
        _call(
            LoopbackOnly(inner, 8765), {"type": "http", "headers": [(b"host", b"127.0.0.1:8765")]}
        )
    )
    sent = asyncio.run(
        _call(
            LoopbackOnly(inner, 8765),
            {"type": "http", "headers": [(b"host", b"evil.example:8765")]},
        )
    )
    assert seen == ["lifespan", "http"]
    assert sent[0]["status"] == 403


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_the_server(tmp_path, sig):
    running = Served(tmp_path)
    try:
        # an open connection (as a browser keeps) must not hold the stop up
        idle = socket.create_connection(("127.0.0.1", running.port))
        running.proc.send_signal(sig)
        status = running.proc.wait(timeout=STOP_TIMEOUT)
        idle.close()
    finally:
        running.stop()
    assert status == 0
    assert "Traceback" not in running.stderr.read_text()
    assert running.stdout.read_text().rstrip().endswith("classroom: stopped")


def test_port_out_of_range_is_a_usage_error(capsys):
    assert classroom_server.main(["--port", "70000"]) == 2
    assert "--port: expected a port number 1-65535, got 70000" in capsys.readouterr().err
    with pytest.raises(UsageError, match="1-65535"):
        classroom_server.serve(0)


def _session_task(held: object) -> None:
    """Make a task (as solara.lab.use_task does) whose function holds ``held``."""
    import solara

    solara.lab.task(lambda: held)


def test_closed_session_releases_what_it_registered():
    """A task made inside a session (as Mesa's Play loop makes one) is let go when the
    session's kernel closes, and the janitor then collects it."""
    import solara
    import solara.lifecycle
    import solara.server.app  # applies Solara's widget patches
    from solara.server import kernel, kernel_context

    classroom_server.free_closed_sessions()
    janitor = classroom_server._JANITOR
    registered = len(solara.lifecycle._on_kernel_start_callbacks)

    class Payload:  # stands for the session's model
        pass

    payload = Payload()
    alive = weakref.ref(payload)
    context = kernel_context.VirtualKernelContext(
        id=str(uuid.uuid4()), kernel=kernel.Kernel(), session_id="test"
    )
    with context:
        _session_task(payload)
    assert len(solara.lifecycle._on_kernel_start_callbacks) == registered + 1
    del payload
    gc.collect()
    assert alive() is not None  # the module-wide callback list holds it

    collections = janitor.collections
    context.close()
    del context  # as the server drops a closed session
    assert len(solara.lifecycle._on_kernel_start_callbacks) == registered
    deadline = time.monotonic() + 10
    while janitor.collections == collections and time.monotonic() < deadline:
        time.sleep(0.1)
    assert janitor.collections > collections
    assert alive() is None
