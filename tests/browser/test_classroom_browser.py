"""The classroom in a real browser (Debian's chromium driven by Playwright, loopback only).

One class as a lesson runs it: the teacher opens the printed link and starts a class, two
teams join from their own browsers with the code and set their positions privately, the
teacher holds the meeting, the teams change their minds and the meeting is held again,
a card is played and the projector shows the ensemble beside the class; pages are
reloaded and keep their state. At 1024x768 and 1920x1080 every view is checked for
sideways overflow, overlapping panels and chart text under 14 px, and nothing is
requested from outside 127.0.0.1. Skipped, with the reason, when chromium or the
[classroom] extra is missing (CI installs both: see .ci/run).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
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
TIMEOUT_MS = 30_000
ENSEMBLE_TIMEOUT_MS = 120_000
"""The first ensemble in a server also runs history for the warm starts (seconds)."""
SIZES = ((1024, 768), (1920, 1080))
MIN_CHART_PX = 14
STOP_TIMEOUT = 5
SCENARIO = "classroom/seventh_nuclear_test/scenario.yaml"

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


POLL_MS = 250
"""How often the pages poll their state in these tests (the app's own: 1000 ms). Every wait
here is on page content, so a quicker poll only makes the checks meet it sooner."""
PROGRAM = (
    "import runpy; import model.classroom.assets as assets; "
    f"assets.POLL_MS = {POLL_MS}; "
    "runpy.run_module('model.classroom', run_name='__main__', alter_sys=True)"
)
"""`python -m model.classroom` (runpy is what -m runs) with the pages polling every POLL_MS."""


class Served:
    """`python -m model.classroom` on a free local port (polling every POLL_MS), its output
    in files."""

    def __init__(self, folder: Path):
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.stdout, self.stderr = folder / "stdout.log", folder / "stderr.log"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    PROGRAM,
                    "--port",
                    str(port),
                    "--sessions",
                    str(folder / "classes"),
                ],
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 90
        while not (found := re.search(r"open (\S+/start\?token=\S+)", self.stdout.read_text())):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("classroom server did not start:\n" + self.stderr.read_text())
            time.sleep(0.2)
        self.teacher_link = found.group(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Screen:
    """One browser context (a teacher, a team or the projector), every request recorded."""

    def __init__(self, browser, url: str, size: tuple[int, int]):
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failures.append(f"{r.status} {r.url}")
        )
        self.page.on("requestfailed", self._failed)
        self.page.on("pageerror", lambda e: self.failures.append(f"script error {e}"))
        self.page.goto(url)

    def _failed(self, request) -> None:
        if request.failure != "net::ERR_ABORTED":  # a poll cut short by a reload
            self.failures.append(f"failed {request.url}: {request.failure}")

    def text(self, text: str, timeout: int = TIMEOUT_MS) -> None:
        self.page.get_by_text(text).first.wait_for(timeout=timeout)

    def click(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).first.click()

    def region(self, rid: str) -> str:
        return self.page.locator(f"#{rid}").inner_text()

    def external(self) -> list[str]:
        parsed = (urlparse(u) for u in self.requests)
        return [
            p.geturl()
            for p in parsed
            if p.scheme in ("http", "https", "ws", "wss") and p.hostname not in LOCAL_HOSTS
        ]


LAYOUT = """() => {
  const doc = document.documentElement;
  const boxes = [...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect())
    .filter(b => b.width > 0 && b.height > 0);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
        && b.top < a.bottom - 1) overlaps.push([i, j]);
  }
  const chart = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text'))
      chart.push(parseFloat(t.getAttribute('font-size')) * scale);
  }
  const small = [...document.querySelectorAll('main *')].filter(el =>
    el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
    && !el.closest('svg') && el.getClientRects().length
    && parseFloat(getComputedStyle(el).fontSize) < 14).map(el => el.textContent.slice(0, 40));
  return {scroll: doc.scrollWidth, width: doc.clientWidth, panels: boxes.length, overlaps,
          charts: document.querySelectorAll('svg.chart').length,
          smallest: chart.length ? Math.min(...chart) : null, small};
}"""


def check_layout(screen: Screen, size: tuple[int, int], shots: Path, name: str) -> dict:
    """No sideways scrolling, no panel over another, chart text at least 14 px."""
    screen.page.set_viewport_size({"width": size[0], "height": size[1]})
    screen.page.wait_for_timeout(150)
    found = screen.page.evaluate(LAYOUT)
    screen.page.screenshot(path=shots / f"{name}-{size[0]}x{size[1]}.png", full_page=True)
    where = f"{name} at {size[0]}x{size[1]}: {found}"
    assert found["scroll"] <= found["width"], where
    assert found["panels"] >= 2 and found["overlaps"] == [], where
    assert found["smallest"] is None or found["smallest"] >= MIN_CHART_PX, where
    assert found["small"] == [], where
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    running = Served(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def test_a_class_in_the_browser(served, browser, tmp_path):
    small, large = SIZES
    teacher = Screen(browser, served.teacher_link, small)
    teacher.text("Start a class")
    teacher.page.select_option("#scenario", SCENARIO)
    teacher.click("Start the class")
    teacher.page.wait_for_url(re.compile(r"/c/[A-Z0-9]{6}/teacher$"))
    code = teacher.page.url.split("/c/")[1].split("/")[0]
    teacher.text("Advance one quarter")

    teams = {}
    for country, label in (("LAO", "Laos (LAO)"), ("KHM", "Cambodia (KHM)")):
        screen = Screen(browser, served.url + "/", small)
        screen.page.fill("#code", code.lower())  # typed as heard
        screen.click("Join")
        screen.page.wait_for_url(re.compile(rf"/c/{code}/join$"))
        screen.page.get_by_label(label).check()
        screen.click("Take this seat")
        screen.page.wait_for_url(re.compile(rf"/c/{code}/team$"))
        screen.text(f"you speak for {label}")
        teams[country] = screen
    projector = Screen(browser, f"{served.url}/c/{code}/projector", large)
    teacher.text("Cambodia (KHM)")  # the console lists the teams as they join

    def position(country: str, tone: int, flexibility: int) -> None:
        page = teams[country].page
        page.locator(f"input[name=tone][value='{tone}']").check()
        page.locator(f"input[name=flexibility][value='{flexibility}']").check()
        teams[country].click("Save my position")
        teams[country].text(f"Your position: tone {tone}")

    teacher.click("Advance to the next meeting")
    teacher.text("Simulated up to 2024Q2")
    teacher.click("Open the 2024 foreign ministers' meeting (2024Q3)")
    projector.text("On the table")
    position("LAO", 3, 1)
    position("KHM", 3, 1)
    teacher.text("2 of 2 teams have set a position")
    assert "position set" in teacher.region("r-teams")
    assert "tone 3 ±1" not in teacher.region("r-teams")  # private until the chair drafts
    teacher.click("Hold the meeting (the chair drafts)")
    projector.text("Without any team (the model alone)")
    first = projector.region("r-meeting")
    assert "Laos (LAO) asked for tone 3 (±1)" in first, first

    # The teams change their minds; the meeting is held again, the year not replayed.
    position("LAO", 0, 0)
    position("KHM", 0, 0)
    teacher.click("Hold it again with the teams' new positions")
    projector.text("(held 2 times)")
    second = projector.region("r-meeting")
    assert "Laos (LAO) asked for tone 0 (±0)" in second and second != first, second
    teacher.text("Simulated up to 2024Q3")  # the same quarter: the year was not replayed
    teams["LAO"].text("The chair has issued the text")

    # A reload (or a new tab) keeps the class where it is.
    for screen in (teacher, teams["LAO"], projector):
        screen.page.reload()
    teacher.text("Simulated up to 2024Q3")
    projector.text("(held 2 times)")
    teams["LAO"].text("Your position: tone 0")
    assert teams["LAO"].page.locator("input[name=tone][value='0']").is_checked()

    # A card is played: the projector shows the ensemble beside the class's path.
    teacher.click("Nuclear test")
    teacher.text("2024Q4 Nuclear test")
    # The timeline and the ensemble come in one refresh: once the card is on the projector's
    # timeline, the distribution shown (when ready) is the one with the card.
    card = projector.page.locator("svg.timeline text", has_text="2024Q4 Nuclear test")
    card.first.wait_for(timeout=TIMEOUT_MS)
    projector.text("Beside the class: the model's ensemble, 2024")
    outlined = projector.page.locator("svg.distribution rect.class-outcome")
    outlined.first.wait_for(timeout=ENSEMBLE_TIMEOUT_MS)  # the class's text among the runs

    teacher.page.locator("svg.distribution").wait_for(timeout=TIMEOUT_MS)
    found = {}
    for name, screen in (("teacher", teacher), ("team", teams["LAO"]), ("projector", projector)):
        for size in SIZES:
            found[name, size] = check_layout(screen, size, tmp_path, name)
    phone = (390, 844)  # a student's phone: the team view still fits its width
    found["team", phone] = check_layout(teams["KHM"], phone, tmp_path, "team")
    assert found["teacher", small]["charts"] == 2 and found["projector", large]["charts"] == 2

    for screen in (teacher, projector, *teams.values()):
        assert screen.external() == []
        assert screen.failures == []
        screen.context.close()

    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(timeout=STOP_TIMEOUT) == 0
    log = served.stderr.read_text()
    assert "Traceback" not in log and "Cookies" not in log, log
    assert served.stdout.read_text().rstrip().endswith("classroom: stopped")
