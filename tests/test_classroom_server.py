"""`python -m model.classroom` as a teacher runs it: what it prints, whom it answers, how it
stops (needs the [classroom] extra); the browser-driven checks are in tests/browser/."""

from __future__ import annotations

import asyncio
import http.client
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the [classroom] extra is not installed")

from model.classroom import server as classroom_server
from model.classroom.server import HostGuard, allowed_hosts, lan_names
from model.vocabulary import UsageError

START_TIMEOUT = 90
STOP_TIMEOUT = 5
"""The server stops within STOP_SECONDS (2.5 s) of a signal; the margin is for a loaded CI."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, host: str, path: str = "/") -> int:
    """The status of one GET to 127.0.0.1:port with an explicit Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


class Served:
    """`python -m model.classroom --port P --sessions DIR` with its output in files."""

    def __init__(self, folder: Path, *extra: str):
        self.port = free_port()
        self.stdout = folder / "stdout.log"
        self.stderr = folder / "stderr.log"
        self.sessions = folder / "classes"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "model.classroom",
                    "--port",
                    str(self.port),
                    "--sessions",
                    str(self.sessions),
                    *extra,
                ],
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while "token=" not in self.stdout.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("classroom server did not start:\n" + self.stderr.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    running = Served(tmp_path_factory.mktemp("served"))
    yield running
    running.stop()


def test_prints_the_teacher_link_and_the_join_address(served):
    out = served.stdout.read_text()
    assert re.search(rf"teacher, open http://127\.0\.0\.1:{served.port}/start\?token=\S+", out)
    assert f"teams open http://127.0.0.1:{served.port}/ and type" in out
    assert str(served.sessions) in out


def test_answers_only_its_own_loopback_host(served):
    port = served.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert request(port, host) == 200, host
    other = port + 1 if port < 65535 else port - 1
    for host in (
        f"evil.example:{port}",
        f"127.0.0.1:{other}",
        "127.0.0.1",
        "evil.example",
        f"127.0.0.1.evil.example:{port}",
        "",
    ):
        assert request(port, host) == 403, host
    assert request(port, f"evil.example:{port}", "/assets/app.js") == 403


def test_sigterm_stops_the_server(served):
    # an open connection (as a browser keeps) must not hold the stop up
    idle = socket.create_connection(("127.0.0.1", served.port))
    served.proc.send_signal(signal.SIGTERM)
    status = served.proc.wait(timeout=STOP_TIMEOUT)
    idle.close()
    assert status == 0
    assert "Traceback" not in served.stderr.read_text()
    assert "Cookies" not in served.stderr.read_text()
    assert served.stdout.read_text().rstrip().endswith("classroom: stopped")


def test_allowed_hosts():
    assert allowed_hosts(8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert "localhost" in allowed_hosts(80)  # a browser leaves the default port out
    assert "localhost" not in allowed_hosts(8765)
    lan = allowed_hosts(8765, lan_names())
    assert allowed_hosts(8765) <= lan
    assert all(not h.startswith("0.0.0.0") for h in lan)


async def _call(app, scope):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_guard_passes_only_our_hosts():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    guard = HostGuard(inner, allowed_hosts(8765))
    asyncio.run(_call(guard, {"type": "lifespan"}))
    asyncio.run(_call(guard, {"type": "http", "headers": [(b"host", b"127.0.0.1:8765")]}))
    sent = asyncio.run(_call(guard, {"type": "http", "headers": [(b"host", b"evil.example")]}))
    closed = asyncio.run(_call(guard, {"type": "websocket", "headers": []}))
    assert seen == ["lifespan", "http"]
    assert sent[0]["status"] == 403 and closed[0]["type"] == "websocket.close"


def test_port_out_of_range_is_a_usage_error(capsys):
    assert classroom_server.main(["--port", "70000"]) == 2
    assert "--port: expected a port number 1-65535, got 70000" in capsys.readouterr().err
    with pytest.raises(UsageError, match="1-65535"):
        classroom_server.serve(0)


def test_sessions_must_be_a_folder(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    assert classroom_server.main(["--port", "8765", "--sessions", str(notes)]) == 2
    assert f"--sessions: {notes} is a file" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "mine"
