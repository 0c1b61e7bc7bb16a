"""What the two walks of the classroom exercises share: the steps
(tests/classroom_exercises.yaml), the dispatch of each action to the walker's own way of
doing it, and the loop that walks an exercise step by step and says where it failed.

Two walkers use it: tests/test_classroom_exercises.py posts what the page's script would
(over HTTP), tests/browser/test_classroom_exercises_browser.py lets the page's own script
do it in chromium. Each subclass of :class:`Walk` says how to start a class, follow a
link, click, join, set a position and check what the class sees; the order and the
meaning of the actions live here once. The server both walk on is the session fixture
``exercise_server`` (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WALKS: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "classroom_exercises.yaml").read_text("utf-8")
)
"""Each exercise's teams and its "In class" steps, each a list of actions."""


class Walk:
    """One exercise walked on the classroom server; subclasses do the actions."""

    def start(self) -> None:
        raise NotImplementedError

    def link(self, label: str) -> None:
        raise NotImplementedError

    def click(self, label: str) -> None:
        raise NotImplementedError

    def join(self, country: str) -> None:
        raise NotImplementedError

    def position(self, country: str, tone: int, flexibility: int) -> None:
        raise NotImplementedError

    def see(self, expected: dict[str, Any]) -> None:
        raise NotImplementedError

    def do(self, action: dict[str, Any]) -> None:
        """One action of a step (tests/classroom_exercises.yaml lists them)."""
        if "start" in action:
            self.start()
        elif "link" in action:
            self.link(action["link"])
        elif "click" in action:
            for _ in range(int(action.get("times", 1))):
                self.click(action["click"])
        elif "join" in action:
            for country in action["join"]:
                self.join(country)
        elif "position" in action:
            for country, (tone, flexibility) in action["position"].items():
                self.position(country, tone, flexibility)
        elif "see" in action:
            self.see(action["see"])
        else:
            raise AssertionError(f"unknown action {action}")

    def walk(self, exercise: str) -> None:
        """Every step of the exercise in order; a failure names the step and the action."""
        for number, actions in enumerate(WALKS[exercise]["steps"], start=1):
            for action in actions:
                try:
                    self.do(action)
                except AssertionError as exc:
                    raise AssertionError(f"{exercise}, step {number}, {action}: {exc}") from exc
