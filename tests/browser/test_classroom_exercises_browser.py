"""Each classroom exercise followed step by step in a real browser (Debian's chromium via
Playwright, loopback only), as tests/classroom_exercises.yaml writes its README's steps.

Why beside the HTTP walk (tests/test_classroom_exercises.py): that one posts what the
page's script would; here the page's own script does it. One chromium, one context for
the teacher, one per team and one for the projector: teams type the join code and pick
their country, the teacher clicks the controls by their visible labels, positions go
through the team form. After each meeting the projector must show the text, the model
alone, each team's position and effect ("(held 2 times)" and the earlier attempts after
a redo), and each team its own position and effect but no other team's. Nothing may be
requested from outside 127.0.0.1. Every wait is on page content, never a fixed sleep, so
the pages here poll four times a second (POLL_MS, 1 s when served): a check that waits
for a screen to show something meets it sooner, and nothing else changes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _exercise_walk import WALKS, Walk
from test_classroom_app import START, Running
from test_classroom_browser import (  # the skip when chromium or an extra is missing
    CHROMIUM,
    ENSEMBLE_TIMEOUT_MS,
    FLAGS,
    TIMEOUT_MS,
    Screen,
    sync_api,
)

from model.classroom import assets
from model.classroom.narrate import meeting_title, range_words
from model.vocabulary import NAMES

SIZE = (1280, 900)
POLL_MS = 250
"""How often the pages poll their state here (the served app: assets.POLL_MS, 1000)."""
expect = sync_api.expect


def name(country: str) -> str:
    return f"{NAMES[country]} ({country})"


@pytest.fixture(scope="module", autouse=True)
def quick_polls():
    """The pages' script polls every POLL_MS while this module's walks run (the script is
    filled in per request, so the shared server serves it at once)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "POLL_MS", POLL_MS)
        yield


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


class BrowserLesson(Walk):
    """One class on the server, each participant in their own browser context."""

    def __init__(self, served: Running, chromium, scenario: str) -> None:
        self.running = served
        self.chromium = chromium
        self.scenario = scenario
        self.url = f"http://127.0.0.1:{served.port}"
        self.teacher: Screen | None = None
        self.projector_screen: Screen | None = None
        self.teams: dict[str, Screen] = {}
        self.code = ""
        self.debriefed = False

    @property
    def session(self):
        return self.running.room.store.get(self.code)

    def screens(self) -> list[Screen]:
        return [s for s in (self.teacher, self.projector_screen, *self.teams.values()) if s]

    def main(self, screen: Screen):
        return screen.page.locator("main")

    # --- actions ---------------------------------------------------------------------
    def start(self) -> None:
        self.teacher = Screen(self.chromium, f"{self.url}/start?token={START}", SIZE)
        self.teacher.page.select_option("#scenario", self.scenario)
        self.teacher.click("Start the class")
        self.teacher.page.wait_for_url(re.compile(r"/c/[A-Z0-9]{6}/teacher$"))
        self.code = self.teacher.page.url.split("/c/")[1].split("/")[0]

    def href(self, label: str) -> str:
        link = self.teacher.page.get_by_role("link", name=label, exact=True).first
        return self.url + link.get_attribute("href")

    def link(self, label: str) -> None:
        href = self.href(label)
        if href.endswith("/projector"):
            self.projector_screen = Screen(self.chromium, href, SIZE)
            self.projector_screen.page.locator("#r-meeting").wait_for(timeout=TIMEOUT_MS)
            return
        assert href.endswith("/debrief"), href
        page = self.teacher.context.new_page()  # the teacher's cookies, the console kept
        page.goto(href)
        self.debrief = page.locator("body").inner_text()
        page.close()
        for entry in self.session.record:  # every attempt at every meeting
            assert f"in the chair, attempt {entry['attempt']}" in self.debrief
        self.debriefed = True

    def click(self, label: str) -> None:
        before = len(self.session.record)
        page = self.teacher.page
        with page.expect_response(
            lambda r: r.request.method == "POST" and "/api/" in r.url, timeout=TIMEOUT_MS
        ) as answer:
            self.teacher.click(label)
        assert answer.value.ok, f"{label!r}: {answer.value.status}"
        if len(self.session.record) > before:
            self.check_held()

    def join(self, country: str) -> None:
        screen = Screen(self.chromium, self.url + "/", SIZE)
        screen.page.fill("#code", self.code.lower())  # typed as heard
        screen.click("Join")
        screen.page.wait_for_url(re.compile(rf"/c/{self.code}/join$"))
        screen.page.get_by_label(name(country)).check()
        screen.click("Take this seat")
        screen.page.wait_for_url(re.compile(rf"/c/{self.code}/team$"))
        screen.text(f"you speak for {name(country)}")
        self.teams[country] = screen
        expect(self.main(self.teacher)).to_contain_text(name(country))  # the console lists it

    def position(self, country: str, tone: int, flexibility: int) -> None:
        page = self.teams[country].page
        page.locator(f"input[name=tone][value='{tone}']").check()
        page.locator(f"input[name=flexibility][value='{flexibility}']").check()
        self.teams[country].click("Save my position")
        mine = page.locator("#r-mine")
        expect(mine).to_contain_text(f"Your position: {range_words(tone, flexibility)}")

    # --- what the class sees ---------------------------------------------------------
    def check_held(self) -> None:
        """The projector and every team's screen once the chair has drafted."""
        entry = self.session.record[-1]
        shown = self.projector_screen.page.locator("#r-meeting")
        title = f"{meeting_title(entry['year'], entry['meeting'], capital=True)}, "
        title += f"{name(entry['chair'])} in the chair"
        if entry["attempt"] > 1:
            title += f" (held {entry['attempt']} times)"
        # this attempt's heading first: until its next poll the projector shows the last one
        expect(shown.locator("h2").first).to_have_text(title, timeout=TIMEOUT_MS)
        expect(shown).to_contain_text(entry["sentence"])
        expect(shown).to_contain_text("Without any team (the model alone)")
        if entry["attempt"] > 1:
            earlier = [
                r
                for r in self.session.record[:-1]
                if (r["year"], r["meeting"]) == (entry["year"], entry["meeting"])
            ]
            assert earlier
            for r in earlier:
                expect(shown).to_contain_text(f"Attempt {r['attempt']}: {r['sentence']}")
        effects = {t["country"]: t for t in entry["teams"]}
        for country in self.teams:
            if country not in effects:
                text = f"{name(country)} set no position: the model spoke for it"
                expect(shown).to_contain_text(text)
                continue
            t = effects[country]
            expect(shown).to_contain_text(
                f"{name(country)} asked for tone {t['tone']} (±{t['flexibility']}) "
                f"and {t['effect']}"
            )
        for country, screen in self.teams.items():
            result = screen.page.locator("#r-result")
            expect(result).to_contain_text(entry["sentence"], timeout=TIMEOUT_MS)
            if country in effects:
                t = effects[country]
                expect(result).to_contain_text(f"Your position {t['effect']}")
                expect(screen.page.locator("#r-mine")).to_contain_text(
                    f"Your position: {range_words(t['tone'], t['flexibility'])}"
                )
            else:
                expect(result).to_contain_text("You set no position")
            seen = self.main(screen).inner_text()
            for other in self.teams:
                if other != country:  # another team's position is private to it
                    assert f"{name(other)} asked for tone" not in seen, (country, other, seen)
                    assert f"{name(other)} tone" not in seen, (country, other, seen)

    def see(self, expected: dict[str, Any]) -> None:
        for text in expected.get("console", []):
            expect(self.main(self.teacher)).to_contain_text(text, timeout=TIMEOUT_MS)
        for text in expected.get("projector", []):
            expect(self.main(self.projector_screen)).to_contain_text(text, timeout=TIMEOUT_MS)
        for country, texts in expected.get("team", {}).items():
            for text in texts:
                expect(self.main(self.teams[country])).to_contain_text(text, timeout=TIMEOUT_MS)
        if "texts" in expected:
            assert len(self.session.model.statements) == expected["texts"]
        if "ensemble" in expected:
            self.see_ensemble(int(expected["ensemble"]))
        for text in expected.get("debrief", []):
            assert text in " ".join(self.debrief.split()), f"the debrief page lacks {text!r}"

    def see_ensemble(self, year: int) -> None:
        page = self.projector_screen.page
        ensemble = page.locator("#r-ensemble")
        heading = f"Beside the class: the model's ensemble, {year}"
        expect(ensemble).to_contain_text(heading, timeout=ENSEMBLE_TIMEOUT_MS)
        page.locator("#r-ensemble svg.distribution").wait_for(timeout=ENSEMBLE_TIMEOUT_MS)
        if any(s.year == year for s in self.session.model.statements):
            outlined = page.locator("#r-ensemble svg.distribution rect.class-outcome")
            outlined.first.wait_for(timeout=ENSEMBLE_TIMEOUT_MS)  # the class's texts


@pytest.mark.slow
@pytest.mark.parametrize("exercise", sorted(WALKS))
def test_the_exercise_in_the_browser(exercise_server, chromium, exercise):
    lesson = BrowserLesson(exercise_server, chromium, f"classroom/{exercise}/scenario.yaml")
    try:
        lesson.walk(exercise)
        assert sorted(lesson.teams) == sorted(WALKS[exercise]["teams"])
        assert lesson.debriefed, f"{exercise}: the walk never exports the debrief page"
        for screen in lesson.screens():
            assert screen.external() == [], screen.external()
            assert screen.failures == [], screen.failures
    finally:
        for screen in lesson.screens():
            screen.context.close()
