"""Run a scenario ensemble end to end: replicates, results folder, figures, report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from model.files.manifest import build_manifest
from model.runs.ensemble import Plan, iterate_spans
from model.runs.html import write_html_report
from model.runs.outcomes import Outcomes
from model.runs.results import SpanOutput, events_rule, events_wanted, write_run, write_span
from model.runs.stream import Tally, tally_span, write_summary
from model.world.parameters import CALIBRATED_FILE, default_parameters
from model.world.replicate import ParameterDraw, PointDraw
from model.world.scenario import Scenario


def parameter_draw(mode: str) -> tuple[ParameterDraw, dict]:
    """The replicates' parameter source and its description for the manifest.

    ``point``: every replicate uses the calibrated medians (or the hand defaults before
    calibration). ``posterior``: each replicate draws one posterior sample.
    """
    if mode == "posterior":
        from model.world.posterior import posterior_draw

        draw, info = posterior_draw()
        return draw, info
    if mode != "point":
        raise ValueError(f"unknown parameter mode {mode!r}; expected point or posterior")
    params = default_parameters()
    source = "calibrated medians" if CALIBRATED_FILE.is_file() else "hand defaults"
    return PointDraw(params), {"mode": "point", "source": source, "values": params.as_dict()}


def default_parameter_mode() -> str:
    """What `run` and `compare` use without ``--parameters``: ``posterior`` (so every band
    carries parameter uncertainty), or ``point`` when there is no calibrated posterior."""
    from model.world.posterior import has_posterior

    return "posterior" if has_posterior() else "point"


def run_scenario(
    scenario: Scenario,
    out: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    parameters: str = "point",
    progress: bool | None = None,
    scenario_file: str | None = None,
    extra: Callable[[Path, Outcomes], list[str]] | None = None,
    events: bool | None = None,
    timings: dict[str, float] | None = None,
) -> Outcomes:
    """Run ``scenario`` and write its complete results folder at ``out``.

    ``extra(folder, outcomes)`` may add files (returning their names) before the
    manifest is written, so they are part of the folder and listed as ours. ``events``
    forces the event log on or off (None: model/runs/results.py's ``events_wanted``);
    ``timings`` receives where the time went (``write_run``).
    """
    draw, info = parameter_draw(parameters)
    if scenario.parameters:
        info = {**info, "scenario_overrides": dict(scenario.parameters)}
    plan = Plan(scenario, scenario.replicates, scenario.seed, draw)
    with_events = events_wanted(plan.replicates, events)
    bar = tqdm(
        total=plan.replicates,
        desc=scenario.name,
        unit="rep",
        disable=None if progress is None else not progress,
        leave=False,
    )

    def parts() -> Iterator[SpanOutput]:
        for part in iterate_spans(
            plan, write_span, with_events, workers=workers, scheduler=scheduler
        ):
            bar.update(len(part.metrics))
            yield part

    def finish(folder: Path, outcomes: Outcomes) -> list[str]:
        # matplotlib only once the tables are out
        from model.runs.plots import observed_statements, run_figures
        from model.runs.report import render_report

        observed = observed_statements(scenario.start.year, scenario.end.year)
        figures = run_figures(outcomes, folder / "figures", scenario.title, observed)
        names = [f"figures/{p.name}" for p in figures]
        (folder / "report.md").write_text(
            render_report(scenario, outcomes, info["mode"], names), encoding="utf-8"
        )
        page = write_html_report(folder)  # after the figures: it embeds them
        return [*names, "report.md", page, *(extra(folder, outcomes) if extra else [])]

    def manifest(files: list[str]) -> dict:
        data = _manifest(scenario, info, files, scenario_file)
        data["events"] = events_rule(plan.replicates, events)
        return data

    try:
        return write_run(
            out,
            parts(),
            plan.replicates,
            scenario.start,
            scenario.end,
            manifest,
            finish,
            events=with_events,
            timings=timings,
        )
    finally:
        bar.close()


def _manifest(scenario: Scenario, info: dict, files: list[str], scenario_file: str | None) -> dict:
    data = build_manifest(
        scenario.resolved(), scenario.digest(), scenario.seed, scenario.replicates, info, files
    )
    if scenario_file:
        data["scenario_file"] = scenario_file
    return data


def summarise_scenario(
    scenario: Scenario,
    out: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    parameters: str = "point",
    progress: bool | None = None,
    scenario_file: str | None = None,
) -> Tally:
    """Run ``scenario`` keeping only statement counts (model/runs/stream.py) and write
    summary.csv, tones.csv and the manifest at ``out``: any number of replicates in
    constant memory, no per-replicate rows."""
    draw, info = parameter_draw(parameters)
    if scenario.parameters:
        info = {**info, "scenario_overrides": dict(scenario.parameters)}
    plan = Plan(scenario, scenario.replicates, scenario.seed, draw)
    tally = Tally.empty(list(range(scenario.start.year, scenario.end.year + 1)))
    with tqdm(
        total=plan.replicates,
        desc=scenario.name,
        unit="rep",
        disable=None if progress is None else not progress,
        leave=False,
    ) as bar:
        for part in iterate_spans(plan, tally_span, workers=workers, scheduler=scheduler):
            tally.add(part)
            bar.update(part.replicates)

    def manifest(files: list[str]) -> dict:
        data = _manifest(scenario, info, files, scenario_file)
        data["summary_only"] = True
        data["events"] = {"written": False, "rule": "--summary-only"}
        return data

    write_summary(out, tally, manifest)
    return tally
