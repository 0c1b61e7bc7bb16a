"""Does a scenario's title and description agree with its own dates?

A title such as "Tighter sanctions from 2025" over levers that act from the period start
(2024Q1) misleads every reader of the report, and no schema check sees it. The rules
(scenarios/README.md, "Dates in the title and description"):

- ``from YYYY`` or ``from YYYYQn`` (a year in or after the period; earlier years are
  history): in the title, the first change the file that wrote it makes itself falls in
  that year (or quarter); in the description, one of them does (a description may tell
  several phases). A file's own changes are its shocks and, when it extends another
  file, its top-level levers and actor overrides, which act from the period's first
  quarter. When that file makes no change of its own, the scenario's shocks count.
- ``in YYYY`` (in or after the period): the year is inside the period; ``in YYYYQn``
  must be the quarter of one of the scenario's shocks.
- In the title, a range ``YYYY-YYYY`` is the period's first and last year, and every
  other year lies inside the period.

The check reports; it does not refuse a file (``asean-sim validate``, ``run`` and
``compare`` print its findings as warnings).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from model.vocabulary import Quarter
from model.world.scenario import (
    ScenarioError,
    ScenarioProblem,
    _display,
    _load_located,
    _parse_yaml,
    load_scenario,
    scenario_root,
)

YEAR = r"(?<![\d.])((?:19|20|21)\d\d)(?:\s*Q([1-4]))?(?![\d])"
FROM = re.compile(r"\bfrom\s+" + YEAR, re.IGNORECASE)
IN = re.compile(r"\bin\s+" + YEAR, re.IGNORECASE)
RANGE = re.compile(r"(?<!\d)((?:19|20|21)\d\d)\s*[-\u2013]\s*((?:19|20|21)\d\d)(?!\d)")
BARE = re.compile(r"(?<![\d.])((?:19|20|21)\d\d)(?!\d)")


def _claim(match: re.Match[str]) -> tuple[int, Quarter | None, str]:
    year, q = int(match.group(1)), match.group(2)
    return year, Quarter(year, int(q)) if q else None, match.group(0).strip()


def _extends(file: str) -> bool:
    """Whether the scenario file (as shown in ``where``) extends another."""
    try:
        return "extends" in _parse_yaml(Path(file))[0]
    except (ScenarioError, OSError):
        return False


def date_problems(path: str | Path) -> list[ScenarioProblem]:
    """Where the title or description of the scenario at ``path`` disagrees with its
    period or the dates of its shocks and levers (an empty list when they agree).

    Raises :class:`~model.world.scenario.ScenarioError` for a file that does not load.
    """
    path = Path(path)
    scenario = load_scenario(path)
    located = _load_located(path, (), scenario_root(path))
    where = located.where
    top = _display(path.resolve())
    start, end = scenario.start, scenario.end
    shocks = [s.quarter for s in scenario.shocks]
    problems: list[ScenarioProblem] = []

    def own_changes(file: str) -> list[tuple[Quarter, str]]:
        """(quarter, what) for each change ``file`` itself makes."""
        changes = [
            (Quarter.parse(s["at"]), f"its {s['type']} shock")
            for i, s in enumerate(located.data.get("shocks", []))
            if where.get(("shocks", i), (None,))[0] == file
        ]
        if _extends(file):  # levers and actors a child sets act from the period start
            for key in ("levers", "actors"):
                for name in getattr(scenario, key):
                    if where.get((key, name), (None,))[0] == file:
                        changes.append(
                            (
                                start,
                                f"its {key[:-1]} {name} (set at the top "
                                "level, so from the period's first quarter)",
                            )
                        )
        return sorted(changes, key=lambda c: c[0].index)

    for key in ("title", "description"):
        text: Any = getattr(scenario, key)
        file, line = where.get((key,), (top, None))
        say = f"{key} says {{!r}}"

        def report(message: str, file: str = file, key: str = key, line: int | None = line) -> None:
            problems.append(ScenarioProblem(file, key, line, message))

        for match in FROM.finditer(text):
            year, quarter, phrase = _claim(match)
            if year < start.year:
                continue  # history before the period
            if year > end.year or (quarter and not start <= quarter <= end):
                report(f"{say.format(phrase)}, but the period is {start}-{end}")
                continue
            own = own_changes(file)
            changes = own or [(q, "a shock") for q in shocks]
            if not changes:
                report(
                    f"{say.format(phrase)}, but nothing is dated then: the scenario has "
                    "no shocks; expected a shock at that date"
                )
                continue
            if key == "title":  # the title names when the scenario's change begins
                first, what = changes[0]
                ok = first == quarter if quarter else first.year == year
            else:  # a description may tell several phases: one must begin then
                first, what = next(
                    ((q, w) for q, w in changes if (q == quarter if quarter else q.year == year)),
                    changes[0],
                )
                ok = first == quarter if quarter else first.year == year
            if ok:
                continue
            whose = "the file's own changes" if own else "the shocks"
            lead = (
                f"the first of {whose}"
                if key == "title"
                else f"none of {whose} starts then; the first"
            )
            report(
                f"{say.format(phrase)}, but {lead}, {what}, acts from {first}; expected "
                f"it to start in {quarter or year}: date the changes with shocks (a "
                "`type: lever` shock sets a lever from its quarter on) or correct the text"
            )
        for match in IN.finditer(text):
            year, quarter, phrase = _claim(match)
            if year < start.year:
                continue
            if year > end.year or (quarter and not start <= quarter <= end):
                report(f"{say.format(phrase)}, but the period is {start}-{end}")
            elif quarter and quarter not in shocks:
                dated = ", ".join(sorted({str(q) for q in shocks if q.year == year})) or "none"
                report(
                    f"{say.format(phrase)}, but no shock is dated {quarter} (shocks in "
                    f"{year}: {dated})"
                )
        if key != "title":
            continue
        spans = list(RANGE.finditer(text))
        for match in spans:
            first, last = int(match.group(1)), int(match.group(2))
            if (first, last) != (start.year, end.year):
                report(
                    f"{say.format(match.group(0))}, but the period is {start}-{end}; "
                    f"expected {start.year}-{end.year}"
                )
        inside = [
            range(m.start(), m.end()) for m in (*spans, *FROM.finditer(text), *IN.finditer(text))
        ]
        for match in BARE.finditer(text):
            year = int(match.group(1))
            if any(match.start() in r for r in inside):  # already checked above
                continue
            if not start.year <= year <= end.year:
                report(f"{say.format(match.group(0))}, but the period is {start}-{end}")
    return problems
