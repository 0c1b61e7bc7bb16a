"""The classroom app over real HTTP (an in-process uvicorn on a free loopback port): who
may do what, two classes kept apart, a restart that keeps the classes, and pages with no
developer chrome (needs the [classroom] extra)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.cookies import SimpleCookie

import pytest

pytest.importorskip("starlette", reason="the [classroom] extra is not installed")
pytest.importorskip("uvicorn", reason="the [classroom] extra is not installed")

import uvicorn

from model.classroom.server import build

SCENARIO = "history.yaml"
START = "start-token-for-tests"
CHROME = ("PAGE 0", "PAGE 1", "Play Interval", "Render Interval", "Use Threads", "Time:", "STEP")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """The app on a thread, as `asean-sim classroom --sessions FOLDER` would serve it."""

    def __init__(self, folder):
        self.port = free_port()
        app, self.room, _ = build(self.port, folder=folder, start_token=START)
        self.room.forecaster = None  # the ensemble has its own tests
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Browser:
    """One browser: its cookies, our Host and Origin unless told otherwise."""

    def __init__(self, running: Running):
        self.port = running.port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body=None,
        host=None,
        origin="ours",
        content_type="application/json",
    ):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": host or f"127.0.0.1:{self.port}"}
        if origin == "ours":
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        elif origin:
            headers["Origin"] = origin
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("set-cookie") or []:
            cookie = SimpleCookie(value)
            for key, morsel in cookie.items():
                assert morsel["httponly"] and morsel["samesite"].lower() == "strict"
                self.cookies[key] = morsel.value
        conn.close()
        return response.status, text

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: dict, **kw):
        status, text = self.request("POST", path, body, **kw)
        return status, (json.loads(text) if text.startswith("{") else text)


def teacher(running: Running) -> tuple[Browser, str]:
    """A teacher who opened the printed link and started a class; returns the code."""
    browser = Browser(running)
    assert browser.get(f"/start?token={START}")[0] == 303
    status, answer = browser.post("/api/classes", {"scenario": SCENARIO, "seed": "0"})
    assert status == 200, answer
    return browser, answer["redirect"].split("/")[2]


def team(running: Running, code: str, country: str) -> Browser:
    browser = Browser(running)
    status, answer = browser.post("/api/join", {"code": code.lower()})
    assert status == 200 and answer["redirect"] == f"/c/{code}/join", answer
    status, answer = browser.post(f"/api/c/{code}/team", {"country": country, "name": ""})
    assert status == 200, answer
    return browser


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    served = Running(tmp_path_factory.mktemp("classes"))
    yield served
    served.stop()


def test_only_our_host_and_our_pages(running):
    anyone = Browser(running)
    assert anyone.get("/")[0] == 200
    assert anyone.get("/", host=f"evil.example:{running.port}")[0] == 403
    assert anyone.get("/", host=f"127.0.0.1:{running.port + 1}")[0] == 403
    assert anyone.post("/api/join", {"code": "X"}, origin=None)[0] == 403
    assert anyone.post("/api/join", {"code": "X"}, origin="http://evil.example")[0] == 403
    assert anyone.post("/api/join", {"code": "X"}, content_type="text/plain")[0] == 415


def test_teacher_link_and_console(running):
    stranger = Browser(running)
    assert stranger.get("/start")[0] == 403
    assert stranger.get("/start?token=wrong")[0] == 403
    assert stranger.post("/api/classes", {"scenario": SCENARIO})[0] == 403
    browser, code = teacher(running)
    status, start = browser.get("/start")
    assert status == 200
    assert "Exercise 2: After a seventh nuclear test (2027)</option>" in start
    assert "scenario.yaml</option>" not in start  # titles, not file paths
    status, console = browser.get(f"/c/{code}/teacher")
    assert status == 200 and code in console
    assert not [c for c in CHROME if c in console]
    assert "US pressure on ASEAN" in console and "Advance one quarter" in console
    assert stranger.get(f"/c/{code}/teacher")[0] == 403


def test_teams_act_only_for_themselves(running):
    browser, code = teacher(running)
    laos, cambodia = team(running, code, "LAO"), team(running, code, "KHM")
    assert cambodia.post(f"/api/c/{code}/team", {"country": "LAO"})[1]["redirect"].endswith(
        "/team"
    )  # a team already seated keeps its seat
    assert team_post(laos, code, {"tone": 4, "flexibility": 0, "country": "KHM"}) == 200
    assert team_post(cambodia, code, {"tone": 0, "flexibility": 2}) == 200
    session = running.room.store.get(code)
    assert (session.teams["LAO"].position.tone, session.teams["KHM"].position.tone) == (4, 0)
    # A team cannot act for the teacher, nor see another team's position.
    assert laos.post(f"/api/c/{code}/act", {"act": "advance"})[0] == 403
    assert laos.get(f"/c/{code}/state?view=teacher")[0] == 403
    _, khm_view = cambodia.get(f"/c/{code}/state?view=team")
    assert "tone 0" in khm_view and "tone 4" not in khm_view
    assert Browser(running).post(f"/api/c/{code}/position", {"tone": 1})[0] == 403
    # The teacher moves the class to its first meeting and holds it.
    for act in ("to_meeting", "open", "hold"):
        status, answer = browser.post(f"/api/c/{code}/act", {"act": act})
        assert status == 200, answer
    _, projector = Browser(running).get(f"/c/{code}/projector")
    assert "Without any team" in projector and "Laos (LAO)" in projector
    status, answer = browser.post(f"/api/c/{code}/act", {"act": "advance"})
    assert status == 409 and "open it" in answer["message"]


def team_post(browser: Browser, code: str, body: dict) -> int:
    return browser.post(f"/api/c/{code}/position", body)[0]


def test_two_classes_do_not_see_each_other(running):
    _, first = teacher(running)
    other_teacher, second = teacher(running)
    assert first != second
    laos = team(running, first, "LAO")
    assert laos.get(f"/c/{second}/state?view=team")[0] == 403
    assert laos.post(f"/api/c/{second}/position", {"tone": 2})[0] == 403
    assert other_teacher.post(f"/api/c/{first}/act", {"act": "advance"})[0] == 200  # the
    # server's teacher link opens every class on this server, as the start page lists them
    plain = Browser(running)
    plain.cookies = {k: v for k, v in other_teacher.cookies.items() if k != "asean_start"}
    assert plain.post(f"/api/c/{first}/act", {"act": "advance"})[0] == 403
    assert plain.post(f"/api/c/{second}/act", {"act": "advance"})[0] == 200


def test_wrong_codes_are_rate_limited(running):
    guesser = Browser(running)
    running.room.limiter.failures.clear()
    answers = [guesser.post("/api/join", {"code": f"WRONG{i}"})[0] for i in range(21)]
    assert answers[:20] == [404] * 20 and answers[20] == 429
    running.room.limiter.failures.clear()


def test_a_restart_keeps_the_class(tmp_path):
    first = Running(tmp_path)
    try:
        browser, code = teacher(first)
        laos = team(first, code, "LAO")
        assert team_post(laos, code, {"tone": 3, "flexibility": 1}) == 200
        assert browser.post(f"/api/c/{code}/act", {"act": "to_meeting"})[0] == 200
        assert browser.post(f"/api/c/{code}/act", {"act": "open"})[0] == 200
    finally:
        first.stop()
    second = Running(tmp_path)
    try:
        laos.port = browser.port = second.port
        status, view = laos.get(f"/c/{code}/team")
        assert status == 200 and "tone 3" in view and "is open" in view
        status, answer = browser.post(f"/api/c/{code}/act", {"act": "hold"})
        assert status == 200, answer
        status, page = browser.get(f"/c/{code}/debrief")
        assert status == 200 and "Debrief" in page and "http" not in page.replace("http-equiv", "")
        assert (tmp_path / f"{code}-debrief.html").read_text(encoding="utf-8") == page
    finally:
        second.stop()
