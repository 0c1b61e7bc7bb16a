"""Each classroom exercise runs as its README says: the "In class" steps walked over HTTP,
as the teacher's console, the teams' screens and the projector do them (a real uvicorn on
loopback, the real ensemble), pressing each button by the label the step names, and
checking what the class would see.

The steps live in tests/classroom_exercises.yaml; each README step must name, in bold and
in order, exactly the controls its walk presses, so the exercises and the app cannot drift
apart silently. The guide in scenarios/classroom/README.md may only name controls the app
shows. The first test in a process pays for the warm starts (history, about ten seconds).
"""

from __future__ import annotations

import html
import json
import re
import time
from html.parser import HTMLParser
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the [classroom] extra is not installed")
pytest.importorskip("uvicorn", reason="the [classroom] extra is not installed")

from _exercise_walk import WALKS, Walk
from test_classroom_app import START, Browser, Running

from model.classroom.cards import CARDS
from model.vocabulary import NAMES

ROOT = Path(__file__).resolve().parent.parent
EXERCISES_DIR = ROOT / "scenarios" / "classroom"
ENSEMBLE_WAIT = 120.0
"""Seconds the projector may take to show an ensemble (the first one runs history)."""
LEADS = re.compile(r"^\s*- \*\*([^*]+)\*\*", re.M)


# --- what a browser sees --------------------------------------------------------------
class Controls(HTMLParser):
    """The forms (their fields and buttons) and links of a page, as a browser offers them."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: list[tuple[str, str]] = []
        self._form: dict[str, Any] | None = None
        self._button: dict[str, Any] | None = None
        self._link: list[str] | None = None
        self._select: str | None = None
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = {"post": a.get("data-post"), "fields": {}, "buttons": []}
            self.forms.append(self._form)
        elif tag == "button" and self._form is not None:
            self._button = {**a, "text": ""}
            self._form["buttons"].append(self._button)
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type") == "hidden" or (a.get("type") == "radio" and "checked" in a):
                self._form["fields"][a["name"]] = a.get("value")
        elif tag == "select" and self._form is not None:
            self._select = a.get("name")
        elif tag == "option" and self._select and self._form is not None:
            self._form["fields"].setdefault(self._select, a.get("value"))  # the first: shown
        elif tag == "a":
            self._link = [a.get("href") or "", ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._select = None
        elif tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] += data
        if self._link is not None:
            self._link[1] += data

    def labels(self) -> set[str]:
        buttons = {" ".join(b["text"].split()) for f in self.forms for b in f["buttons"]}
        return buttons | {text for text, _ in self.links}

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The form and the button a user presses by its label (it must be enabled)."""
        found = [
            (f, b) for f in self.forms for b in f["buttons"] if " ".join(b["text"].split()) == label
        ]
        assert found, f"no button {label!r}; the page offers {sorted(self.labels())}"
        form, button = found[0]
        assert "disabled" not in button, f"the button {label!r} is disabled"
        return form, button

    def opener(self) -> str:
        """The label of the console's button that opens the coming meeting."""
        found = [label for label in self.labels() if label.startswith("Open the 2")]
        assert len(found) == 1, sorted(self.labels())
        return found[0]

    def link(self, label: str) -> str:
        found = [href for text, href in self.links if text == label]
        assert found, f"no link {label!r}; the page offers {sorted(self.labels())}"
        return found[0]


def press(browser: Browser, page: str, label: str, fields: dict | None = None) -> dict:
    """Press a button of ``page`` as the page's script would: the form's fields, the
    button's own name and value, JSON to the form's address."""
    form, button = Controls(page).button(label)
    body = {**form["fields"], **(fields or {})}
    if button.get("name"):
        body[button["name"]] = button.get("value")
    status, answer = browser.post(form["post"], body)
    assert status == 200, f"{label!r}: {status} {answer}"
    return answer


def words(markup: str) -> str:
    """What a screen reads: the markup without tags, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def bold(text: str) -> list[str]:
    return [" ".join(b.split()) for b in re.findall(r"\*\*(.+?)\*\*", text, re.S)]


def collapsed(labels: list[str]) -> list[str]:
    return [label for label, _ in groupby(labels)]


def readme_steps(folder: Path) -> list[str]:
    """The numbered steps of the README's "In class" section, each as one string."""
    guide = (folder / "README.md").read_text(encoding="utf-8")
    section = guide.split("## In class", 1)[1].split("\n## ", 1)[0]
    return [s.strip() for s in re.split(r"^\d+\. ", section, flags=re.M)[1:]]


def action_labels(action: dict[str, Any]) -> list[str]:
    """The controls an action of the walk presses, by label."""
    if "start" in action:
        return ["Start the class"]
    if "link" in action:
        return [action["link"]]
    if "click" in action:
        return [action["click"]] * int(action.get("times", 1))
    if "join" in action:
        return ["Join", "Take this seat"]
    if "position" in action:
        return ["Save my position"]
    return []


# --- a class walked step by step ----------------------------------------------------------
class Lesson(Walk):
    """One class on the server: the teacher's browser, one per team and the projector."""

    def __init__(self, running: Running, scenario: str) -> None:
        self.running = running
        self.scenario = scenario
        self.teacher = Browser(running)
        self.teams: dict[str, Browser] = {}
        self.code = ""
        self.debrief = ""

    @property
    def session(self):
        return self.running.room.store.get(self.code)

    def console(self) -> str:
        status, page = self.teacher.get(f"/c/{self.code}/teacher")
        assert status == 200
        return page

    def regions(self, browser: Browser, view: str) -> dict[str, str]:
        status, text = browser.get(f"/c/{self.code}/state?view={view}")
        assert status == 200, text
        return json.loads(text)["regions"]

    def projector(self) -> str:
        return words("".join(self.regions(Browser(self.running), "projector").values()))

    # --- actions ---------------------------------------------------------------------
    def start(self) -> None:
        assert self.teacher.get(f"/start?token={START}")[0] == 303
        status, page = self.teacher.get("/start")
        assert status == 200 and f'<option value="{self.scenario}">' in page
        answer = press(self.teacher, page, "Start the class", {"scenario": self.scenario})
        self.code = answer["redirect"].split("/")[2]

    def link(self, label: str) -> None:
        href = Controls(self.console()).link(label)
        status, page = self.teacher.get(href)
        assert status == 200, page
        if href.endswith("/debrief"):
            saved = self.running.room.store.folder / f"{self.code}-debrief.html"
            assert saved.read_text(encoding="utf-8") == page  # the export is written
            self.debrief = page
            for entry in self.session.record:  # every attempt at every meeting
                assert f"in the chair, attempt {entry['attempt']}</h3>" in page

    def click(self, label: str) -> None:
        before = len(self.session.record)
        answer = press(self.teacher, self.console(), label)
        assert answer.get("message"), answer
        if len(self.session.record) > before:
            self.check_held()

    def join(self, country: str) -> None:
        browser = Browser(self.running)
        status, page = browser.get("/")
        assert status == 200
        answer = press(browser, page, "Join", {"code": self.code.lower()})  # typed as heard
        status, page = browser.get(answer["redirect"])
        assert status == 200 and f'value="{country}"' in page, f"{country} cannot be picked"
        answer = press(browser, page, "Take this seat", {"country": country})
        assert answer["redirect"] == f"/c/{self.code}/team"
        self.teams[country] = browser

    def position(self, country: str, tone: int, flexibility: int) -> None:
        browser = self.teams[country]
        status, page = browser.get(f"/c/{self.code}/team")
        assert status == 200
        press(browser, page, "Save my position", {"tone": tone, "flexibility": flexibility})
        mine = words(self.regions(browser, "team")["r-mine"])
        assert f"Your position: tone {tone}" in mine, mine

    def check_held(self) -> None:
        """The projector after the chair drafts: the attempt, the model alone, and each
        seated team's position and effect (or that the model spoke for it)."""
        entry = self.session.record[-1]
        shown = self.projector()
        assert "Without any team (the model alone)" in shown and entry["sentence"] in shown
        assert ("(held 2 times)" in shown) == (entry["attempt"] == 2)
        for country, team in self.session.teams.items():
            name = f"{NAMES[country]} ({country})"
            if team.position is None:
                assert f"{name} set no position: the model spoke for it" in shown
                continue
            effect = next(t["effect"] for t in entry["teams"] if t["country"] == country)
            p = team.position
            assert f"{name} asked for tone {p.tone} (±{p.flexibility}) and {effect}" in shown

    # --- what the class sees ---------------------------------------------------------
    def see(self, expected: dict[str, Any]) -> None:
        if "console" in expected:
            console = words("".join(self.regions(self.teacher, "teacher").values()))
            for text in expected["console"]:
                assert text in console, f"console lacks {text!r}: {console}"
        if "projector" in expected:
            shown = self.projector()
            for text in expected["projector"]:
                assert text in shown, f"projector lacks {text!r}: {shown}"
        for country, texts in expected.get("team", {}).items():
            screen = words("".join(self.regions(self.teams[country], "team").values()))
            for text in texts:
                assert text in screen, f"{country}'s screen lacks {text!r}: {screen}"
        if "texts" in expected:
            assert len(self.session.model.statements) == expected["texts"]
        if "ensemble" in expected:
            self.see_ensemble(int(expected["ensemble"]))
        for text in expected.get("debrief", []):
            assert text in words(self.debrief), f"the debrief page lacks {text!r}"

    def see_ensemble(self, year: int) -> None:
        projector = Browser(self.running)
        deadline = time.monotonic() + ENSEMBLE_WAIT
        while True:
            status, text = projector.get(f"/c/{self.code}/state?view=projector")
            assert status == 200, text
            payload = json.loads(text)
            if payload["version"]:  # ready
                break
            assert time.monotonic() < deadline, "the projector never showed the ensemble"
            time.sleep(0.1)
        ensemble = payload["regions"]["r-ensemble"]
        assert f"Beside the class: the model's ensemble, {year}" in words(ensemble), ensemble
        assert 'class="chart distribution"' in ensemble, ensemble
        held = any(s.year == year for s in self.session.model.statements)
        assert ("class-outcome" in ensemble) == held  # the class's texts among the runs


@pytest.mark.parametrize("name", sorted(WALKS))
def test_the_readme_names_the_controls_its_walk_presses(name):
    """Step by step, the README's bold names are the controls the walk presses."""
    steps = readme_steps(EXERCISES_DIR / name)
    walk = WALKS[name]["steps"]
    assert len(steps) == len(walk), f"{name}: {len(steps)} steps in the README"
    for number, (text, actions) in enumerate(zip(steps, walk, strict=True), start=1):
        pressed = collapsed([label for a in actions for label in action_labels(a)])
        assert collapsed(bold(text)) == pressed, f"{name}, step {number}"
    for code in WALKS[name]["teams"]:
        assert code in "\n".join(steps), f"{name}: team {code} is not in the steps"


@pytest.mark.parametrize("name", sorted(WALKS))
def test_the_exercise_runs_as_written(exercise_server, name):
    lesson = Lesson(exercise_server, f"classroom/{name}/scenario.yaml")
    lesson.walk(name)
    assert sorted(lesson.teams) == sorted(WALKS[name]["teams"])
    assert lesson.debrief, f"{name}: the walk never exports the debrief page"


def test_the_guide_names_only_controls_the_app_shows(exercise_server):
    """scenarios/classroom/README.md and the exercises' other sections name in bold only
    controls the app shows (years in a label stand for any year)."""
    running = exercise_server
    lesson = Lesson(running, "history.yaml")
    lesson.start()
    seen = Controls(lesson.teacher.get("/start")[1]).labels()
    seen |= Controls(lesson.console()).labels()
    seen |= Controls(Browser(running).get("/")[1]).labels()
    seen |= Controls(Browser(running).get(f"/c/{lesson.code}/join")[1]).labels()
    lesson.join("LAO")
    seen |= Controls(lesson.teams["LAO"].get(f"/c/{lesson.code}/team")[1]).labels()
    for label in ("Advance to the next meeting", None, "Hold the meeting (the chair drafts)"):
        page = lesson.console()
        seen |= Controls(page).labels()
        press(lesson.teacher, page, label or Controls(page).opener())
    seen |= Controls(lesson.console()).labels()
    press(lesson.teacher, lesson.console(), "Close the meeting")
    press(lesson.teacher, lesson.console(), Controls(lesson.console()).opener())
    seen |= Controls(lesson.console()).labels()  # an open meeting's buttons
    assert {card.label for card in CARDS.values()} <= seen
    known = {re.sub(r"\d{4}", "YYYY", label) for label in seen}

    guide = (EXERCISES_DIR / "README.md").read_text(encoding="utf-8")
    named = bold(guide.split("## In the app", 1)[1])
    for folder in sorted(WALKS):
        text = (EXERCISES_DIR / folder / "README.md").read_text(encoding="utf-8")
        named += bold(LEADS.sub("", text.split("## In class", 1)[0]))
        named += bold(LEADS.sub("", text.split("\n## After", 1)[1]))
    leads = set(LEADS.findall(guide))
    unknown = [n for n in named if n not in leads and re.sub(r"\d{4}", "YYYY", n) not in known]
    assert not unknown, f"the guides name controls the app does not show: {unknown}"
