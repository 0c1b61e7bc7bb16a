"""The classroom page in a real browser (Debian's chromium driven by Playwright).

Checks what a teacher relies on: the page renders with no request leaving 127.0.0.1, a
step moves the clock, an event card reaches the timeline, a lever slider changes the
outcome, and two browser sessions do not share a model; and of the server: closed tabs
give their memory back, Ctrl-C stops it with a tab still playing, and its log shows no
traceback. Skipped, with the reason, when chromium or the [classroom] extra is missing
(CI installs both: see .ci/run).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOAD_TIMEOUT_MS = 30_000

pytestmark = pytest.mark.slow  # a server and a browser per test

REQUIRE_ENV = "ASEAN_SIM_REQUIRE_BROWSER"
"""Set (to 1) by .ci/run: there a missing browser or extra is a failure, not a skip."""


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}, and {REQUIRE_ENV} is set", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


if not CHROMIUM.exists():
    _unavailable("Debian's chromium is not installed (apt-get install chromium)")
try:
    from playwright import sync_api
except ImportError:
    _unavailable("playwright is not installed (the [test] extra)")
from model.classroom.server import missing_dependencies  # noqa: E402

if missing_dependencies():
    _unavailable(
        "the [classroom] extra is not installed (missing " + ", ".join(missing_dependencies()) + ")"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`python -m model.classroom` on a free local port, its output in files."""

    def __init__(self, folder: Path):
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/"
        self.stdout, self.stderr = folder / "stdout.log", folder / "stderr.log"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "model.classroom", "--port", str(port)],
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 45
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("classroom server did not answer:\n" + self.stderr.read_text())
            time.sleep(0.3)

    def rss_mb(self) -> float:
        """The server's resident memory (VmRSS), in MB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024

    def kernels(self) -> int:
        """Sessions (Solara virtual kernels) the server holds, as its /resourcez says."""
        with urllib.request.urlopen(self.url + "resourcez", timeout=10) as response:
            return json.load(response)["kernels"]["total"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by `python -m model.classroom` on a free local port."""
    served = Served(tmp_path_factory.mktemp("server"))
    yield served.url
    served.stop()
    assert "Traceback" not in served.stderr.read_text()  # e.g. on the browsers' disconnects


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class Session:
    """One browser context (one student) with every request and failure recorded."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failures.append(f"{r.status} {r.url}")
        )
        self.page.on("requestfailed", lambda r: self.failures.append(f"failed {r.url}"))
        self.page.goto(url)
        self.expect_text("Quarter: not started")

    def expect_text(self, text: str) -> None:
        self.page.get_by_text(text).first.wait_for(timeout=LOAD_TIMEOUT_MS)

    def click(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).first.click()

    def text_of(self, css: str) -> str:
        return self.page.locator(css).first.inner_text()

    def outcome(self) -> float:
        """Mean member pressure as the page reports it."""
        match = re.search(r"mean member pressure ([0-9.]+)", self.text_of(".classroom-outcome"))
        assert match, self.text_of(".classroom-outcome")
        return float(match.group(1))

    def run_a_year(self) -> None:
        """Run 2024 and wait for the outcome line (one widget, updated at once) to say so."""
        self.click("Run a year")
        self.page.wait_for_function(
            "() => document.querySelector('.classroom-outcome').innerText"
            ".startsWith('After 2024Q4:')",
            timeout=LOAD_TIMEOUT_MS,
        )

    def external_requests(self) -> list[str]:
        parsed = (urlparse(u) for u in self.requests)
        return [
            p.geturl()
            for p in parsed
            if p.scheme in ("http", "https", "ws", "wss") and p.hostname not in LOCAL_HOSTS
        ]


def test_classroom_page_offline_and_per_session(server, browser, tmp_path):
    alice = Session(browser, server)
    alice.page.screenshot(path=tmp_path / "loaded.png", full_page=True)
    alice.expect_text("Baseline: ASEAN and the DPRK, 2024-2030")  # the scenario's title

    alice.click("Step one quarter")
    alice.expect_text("simulated up to 2024Q1")

    alice.click("Nuclear test")
    alice.page.wait_for_function(
        "() => document.querySelector('.classroom-timeline').innerText"
        ".includes('2024Q2: Nuclear test')",
        timeout=LOAD_TIMEOUT_MS,
    )
    alice.page.screenshot(path=tmp_path / "card.png", full_page=True)

    # A second student opens the page: a fresh model, untouched by Alice's moves.
    bob = Session(browser, server)
    assert "not started" in bob.text_of(".classroom-clock")
    assert "none" in bob.text_of(".classroom-timeline")

    # Bob triples the DPRK's propensity to provoke, then runs a year.
    slider = bob.page.locator(".v-input", has_text="dprk provocation").locator(
        ".v-slider__thumb-container"
    )
    slider.focus()
    bob.page.keyboard.press("End")
    bob.expect_text("dprk provocation (3.00)")
    bob.run_a_year()
    pushed = bob.outcome()
    # Only Bob's move is on the timeline: levers the model moved itself (history's
    # sanctions, the 2024 alliance) are not reported as the class's moves.
    timeline = bob.text_of(".classroom-timeline")
    assert "dprk provocation set to 3" in timeline, timeline
    assert "sanctions" not in timeline and "russia" not in timeline, timeline
    bob.page.screenshot(path=tmp_path / "slider.png", full_page=True)

    # Alice resets (same scenario and seed) and runs the same year with the default lever.
    alice.click("Reset")
    alice.expect_text("Quarter: not started")
    alice.run_a_year()
    default = alice.outcome()
    assert "simulated up to 2024Q4" in alice.text_of(".classroom-clock")
    assert pushed > default, (pushed, default)  # more launches, more pressure (seed 2024)

    # The role-play page of the same session.
    bob.page.get_by_role("tab", name="Page 1").click()
    bob.expect_text("Next meeting:")
    bob.page.wait_for_timeout(800)  # the tab's slide-in transition
    bob.page.screenshot(path=tmp_path / "roleplay.png", full_page=True)

    for student in (alice, bob):
        assert student.external_requests() == []
        assert student.failures == []
        student.context.close()
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "card.png",
        "loaded.png",
        "roleplay.png",
        "slider.png",
    ]


SESSIONS = 10
AT_ONCE = 2
"""Sessions open together: two pages at a time keep the browser and the server both busy."""
SESSION_MB = 9
"""What one session's model, widgets and figures take on the server, if never freed."""
NOISE_MB = 20
"""Allocator noise after closed sessions are freed (8-20 MB measured, whatever their number)."""
LEAK_MB_PER_SESSION = 1.5
"""Growth per closed session tolerated beyond the noise: issue 10's bound of 50 MB after 20
sessions is this rate (20 + 1.5 x 20), so fewer sessions keep its per-session sensitivity."""
RSS_SLACK_MB = NOISE_MB + LEAK_MB_PER_SESSION * SESSIONS
assert SESSIONS * SESSION_MB > 2 * RSS_SLACK_MB  # sessions kept would fail by a wide margin
SETTLE_S = 2.0
"""Time for the server's janitor to collect after the last close (it waits 0.5 s)."""
STOP_TIMEOUT = 5
"""The server ends at most 2.5 s after a signal; the margin is for a loaded CI machine."""


def _until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_closed_sessions_free_their_models(browser, tmp_path):
    """Tabs opened and closed leave the server as they found it, and Ctrl-C with a tab
    still playing stops it at once; nothing in its log is a traceback."""
    served = Served(tmp_path)
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})

        def open_and_close(count: int) -> None:
            pages = [context.new_page() for _ in range(count)]
            for page in pages:
                page.goto(served.url, wait_until="commit")
            for page in pages:
                page.get_by_text("Quarter: not started").first.wait_for(timeout=LOAD_TIMEOUT_MS)
            assert served.kernels() == count
            for page in pages:  # as closing the tab does: the page sends its close beacon
                page.close(run_before_unload=True)
            _until(lambda: served.kernels() == 0, "the closed sessions to end")

        open_and_close(1)  # warm-up: the first session fills the server's caches
        time.sleep(SETTLE_S)
        before = served.rss_mb()
        for _ in range(SESSIONS // AT_ONCE):
            open_and_close(AT_ONCE)
        time.sleep(SETTLE_S)
        after = served.rss_mb()
        print(f"server RSS {before:.0f} MB after warm-up, {after:.0f} MB after {SESSIONS} sessions")
        assert after - before < RSS_SLACK_MB, (before, after)

        page = context.new_page()
        page.goto(served.url)
        page.get_by_text("Quarter: not started").first.wait_for(timeout=LOAD_TIMEOUT_MS)
        page.get_by_role("button", name="▶").first.click()
        page.get_by_text("simulated up to").first.wait_for(timeout=LOAD_TIMEOUT_MS)
        served.proc.send_signal(signal.SIGINT)
        assert served.proc.wait(timeout=STOP_TIMEOUT) == 0
        context.close()
    finally:
        served.stop()
    log = served.stderr.read_text()
    assert "Traceback" not in log, log
    assert served.stdout.read_text().rstrip().endswith("classroom: stopped")
