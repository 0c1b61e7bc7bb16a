"""The model's numbers an exercise's debrief quotes, computed, never typed.

``asean-sim debrief-numbers EXERCISE`` runs the exercise's scenario and the baseline
(scenarios/baseline.yaml) with the parameters ``asean-sim run`` uses by default (one
calibrated posterior draw per replicate; the medians without a posterior) and the exercise's
own replicates and seed, and writes the table into the exercise's README.md between the
markers below. With the same replicates and seed, ``asean-sim run`` on the exercise's
scenario gives the same ensemble. ``--check`` only compares (exit 1 when the README is
stale), so a test can say the debrief quotes the current model.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.runs.ensemble import Plan, iterate
from model.runs.outcomes import VOICE_CODE, Outcomes
from model.runs.runner import default_parameter_mode, parameter_draw
from model.vocabulary import MEETINGS, InputError
from model.world.parameters import CALIBRATED_FILE
from model.world.scenario import Scenario, load_scenario
from model.world.warmstart import HISTORY_FILE

EXERCISES_DIR = HISTORY_FILE.parent / "classroom"
BASELINE_FILE = HISTORY_FILE.parent / "baseline.yaml"
BEGIN = "<!-- debrief-numbers: begin (written by `asean-sim debrief-numbers`; do not edit) -->"
END = "<!-- debrief-numbers: end -->"
MEETING_WORDS = {"ministerial": "ministerial (Q3)", "summit": "summit (Q4)"}


def _without_levers(scenario: Scenario) -> Scenario:
    return scenario.model_copy(
        update={"shocks": tuple(s for s in scenario.shocks if s.type != "lever")}
    )


VARIANTS: dict[str, tuple[str, Callable[[Scenario], Scenario]]] = {
    "summit_diplomacy": ("mean tone if Washington keeps pressing", _without_levers),
}
"""A third ensemble some debriefs ask about: the exercise with one thing changed (same
seed, so the difference is that change alone)."""


class DebriefError(InputError):
    """An exercise folder or its README cannot be used."""


@dataclass(frozen=True)
class Row:
    """One meeting's numbers over the ensemble."""

    year: int
    meeting: str
    chair: str
    mean: float
    low: float
    high: float
    consensus: float
    split: float
    none: float
    baseline: float | None
    variant: float | None = None


@dataclass(frozen=True)
class Numbers:
    """An exercise's debrief numbers and how they were made."""

    exercise: str
    scenario: Scenario
    replicates: int
    seed: int
    source: str
    rows: list[Row]
    variant: str | None = None


def exercise_folder(name: str | Path) -> Path:
    """An exercise by folder name (under scenarios/classroom) or by path."""
    path = Path(name)
    folder = path if path.is_dir() else EXERCISES_DIR / str(name)
    if not (folder / "scenario.yaml").is_file() or not (folder / "README.md").is_file():
        known = ", ".join(sorted(p.parent.name for p in EXERCISES_DIR.glob("*/scenario.yaml")))
        raise DebriefError(
            f"{name}: not an exercise folder (expected scenario.yaml and "
            f"README.md in it); the exercises are {known}"
        )
    return folder


def _ensemble(scenario: Scenario, replicates: int, seed: int) -> Outcomes:
    draw, _ = parameter_draw(default_parameter_mode())
    out = Outcomes.empty(replicates, scenario.start, scenario.end)
    for slot, result in enumerate(iterate(Plan(scenario, replicates, seed, draw))):
        out.add(slot, result)
    return out


def compute(folder: Path, replicates: int | None = None, seed: int | None = None) -> Numbers:
    """Run the exercise and the baseline with common seeds and summarise each meeting."""
    scenario = load_scenario(folder / "scenario.yaml")
    replicates = replicates or scenario.replicates
    seed = scenario.seed if seed is None else seed
    out = _ensemble(scenario, replicates, seed)
    base_scenario = load_scenario(BASELINE_FILE)
    base = _ensemble(base_scenario, replicates, seed)
    label, change = VARIANTS.get(folder.name, (None, None))
    varied = _ensemble(change(scenario), replicates, seed) if change else None
    rows = []
    for y, year in enumerate(out.years):
        for k, meeting in enumerate(MEETINGS):
            tone = out.tone[:, y, k]
            voice = out.voice[:, y, k]
            shown = tone[~np.isnan(tone)]
            low, mean, high = (
                (np.percentile(shown, 10), shown.mean(), np.percentile(shown, 90))
                if shown.size
                else (np.nan, np.nan, np.nan)
            )
            baseline = None
            if year in base.years:
                b = base.tone[:, base.years.index(year), k]
                baseline = float(np.nanmean(b)) if (~np.isnan(b)).any() else None
            variant = None
            if varied is not None:
                v = varied.tone[:, y, k]
                variant = float(np.nanmean(v)) if (~np.isnan(v)).any() else None
            rows.append(
                Row(
                    year,
                    meeting,
                    out.chairs.get(year, ""),
                    float(mean),
                    float(low),
                    float(high),
                    *(
                        float((voice == VOICE_CODE[v]).mean())
                        for v in ("consensus", "split", "none")
                    ),
                    baseline,
                    variant,
                )
            )
    source = (
        "one calibrated posterior draw per replicate (model/params/calibrated.yaml)"
        if default_parameter_mode() == "posterior"
        else "calibrated medians (model/params/calibrated.yaml)"
        if CALIBRATED_FILE.is_file()
        else "hand defaults (model/params/defaults.yaml)"
    )
    return Numbers(folder.name, scenario, replicates, seed, source, rows, label)


def _num(value: float | None) -> str:
    return "-" if value is None or np.isnan(value) else f"{value:.2f}"


def render(numbers: Numbers) -> str:
    """The README section (markers included) for ``numbers``."""
    lines = [
        BEGIN,
        f"Model numbers for this debrief: `{numbers.scenario.name}` and `baseline`, "
        f"{numbers.replicates} runs each, seed {numbers.seed}, parameters: {numbers.source}. "
        f"Regenerate with `asean-sim debrief-numbers {numbers.exercise}`; "
        f"`asean-sim run scenarios/classroom/{numbers.exercise}/scenario.yaml` gives the "
        "same ensemble.",
        "",
        "| year | meeting | chair | mean tone | 80% of runs | consensus | split | no text "
        "| baseline mean tone |" + (f" {numbers.variant} |" if numbers.variant else ""),
        "|---|---|---|---|---|---|---|---|---|" + ("---|" if numbers.variant else ""),
    ]
    for r in numbers.rows:
        spread = "-" if np.isnan(r.low) else f"{r.low:.0f}-{r.high:.0f}"
        lines.append(
            f"| {r.year} | {MEETING_WORDS[r.meeting]} | {r.chair} | {_num(r.mean)} "
            f"| {spread} | {r.consensus:.0%} | {r.split:.0%} | {r.none:.0%} "
            f"| {_num(r.baseline)} |" + (f" {_num(r.variant)} |" if numbers.variant else "")
        )
    lines.append(END)
    return "\n".join(lines)


def current_section(readme: Path) -> tuple[str, int, int]:
    """The generated section of ``readme`` and where it starts and ends."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise DebriefError(
            f"{readme}: no debrief-numbers section; expected a line "
            f"{BEGIN!r} and, below it, {END!r}"
        )
    return text, start, end + len(END)


def update(folder: Path, numbers: Numbers) -> bool:
    """Write the section into the README (atomically); True when it changed."""
    readme = folder / "README.md"
    text, start, end = current_section(readme)
    new = text[:start] + render(numbers) + text[end:]
    if new == text:
        return False
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".README.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(new)
        os.replace(temp, readme)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


def is_current(folder: Path, numbers: Numbers) -> bool:
    """Does the README quote exactly ``numbers``?"""
    text, start, end = current_section(folder / "README.md")
    return text[start:end] == render(numbers)
