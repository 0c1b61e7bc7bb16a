"""The ``asean-sim`` command line (README, "Command line"): a thin layer over the modules.

Exit codes: 0 success, 2 bad input (the message names file, key and what was expected,
or the output path and why it is not ours to replace), 1 internal error (or, for
``debrief-numbers --check``, a debrief whose numbers are stale), 130 or 143
interrupted by SIGINT or SIGTERM (nothing half-written is kept).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from model.vocabulary import InputError, UsageError

BAD_INPUT = 2  # an internal error propagates: Python prints the traceback and exits 1


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1], got {text}")
    return value


def _cmd_events(args: argparse.Namespace) -> int:
    from model.cli.events import list_events

    return list_events(args.actor, args.year, args.article, args.plot, args.csv)


def _cmd_validate(args: argparse.Namespace) -> int:
    from model.world.scenario import ScenarioError, load_scenario

    failed = False
    for file in args.files:
        try:
            s = load_scenario(file)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        print(
            f"ok: {file}: {s.name} ({s.period.start}-{s.period.end}, {len(s.shocks)} shocks, "
            f"{s.replicates} replicates)"
        )
        _warn_dates([file])
    return BAD_INPUT if failed else 0


def _warn_dates(files: Sequence[str]) -> None:
    """Warn (on stderr, without refusing) where a scenario's title or description
    disagrees with its dates (model/world/scenario_dates.py)."""
    from model.world.scenario import ScenarioError
    from model.world.scenario_dates import date_problems

    for file in files:
        try:
            problems = date_problems(file)
        except ScenarioError:
            continue  # reported as an error by whoever loads it
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)


def _load_all(files: Sequence[str], replicates: int | None, seed: int | None):
    from model.world.scenario import ScenarioError, load_scenario

    scenarios, problems = [], []
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        changes = {k: v for k, v in (("replicates", replicates), ("seed", seed)) if v is not None}
        scenarios.append(scenario.with_changes(**changes) if changes else scenario)
    if problems:
        raise ScenarioError(problems)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(
            "two scenarios share a name; their results folders would collide: "
            + ", ".join(sorted({n for n in names if names.count(n) > 1}))
        )
    return scenarios


def _destinations(scenarios, out: str | None) -> list[Path]:
    if out is None:
        return [Path("results") / s.name for s in scenarios]
    if len(scenarios) == 1:
        return [Path(out)]
    return [Path(out) / s.name for s in scenarios]


def _cmd_run(args: argparse.Namespace) -> int:
    from model.files.safe_output import check_folder
    from model.runs.runner import run_scenario, summarise_scenario

    if args.summary_only and args.events:
        raise UsageError(
            "--events cannot be combined with --summary-only, which writes no per-replicate rows"
        )
    scenarios = _load_all(args.scenarios, args.replicates, args.seed)
    _warn_dates(args.scenarios)
    destinations = _destinations(scenarios, args.out)
    for destination in destinations:  # refuse before running anything
        check_folder(destination)
    mode = _parameter_mode(args.parameters)
    for scenario, destination, file in zip(scenarios, destinations, args.scenarios, strict=True):
        options = {
            "workers": args.workers,
            "scheduler": args.scheduler,
            "parameters": mode,
            "scenario_file": file,
        }
        if args.summary_only:
            summarise_scenario(scenario, destination, **options)
            print(
                f"{scenario.name}: {scenario.replicates} replicates ({mode} parameters) -> "
                f"{destination}/tones.csv"
            )
            continue
        run_scenario(scenario, destination, events=args.events, **options)
        print(
            f"{scenario.name}: {scenario.replicates} replicates ({mode} parameters) -> "
            f"{destination}/report.md and report.html"
        )
    return 0


def _parameter_mode(requested: str | None) -> str:
    """``--parameters`` as given, else the default: the calibrated posterior when there is
    one (said on stderr when there is not)."""
    from model.runs.runner import default_parameter_mode

    if requested is not None:
        return requested
    mode = default_parameter_mode()
    if mode == "point":
        print(
            "note: no calibrated posterior (model/params/calibrated.yaml has no samples): "
            "using point parameters; the bands show chance alone",
            file=sys.stderr,
        )
    return mode


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from model.analysis.calibrate import calibrate, default_setup, leave_one_out, predictive
    from model.analysis.calibration_report import write_parameter_file, write_report
    from model.files.safe_output import YAML, check_file, check_folder
    from model.world.parameters import CALIBRATED_FILE

    out = Path(args.out) if args.out else CALIBRATED_FILE
    check_file(out, YAML)  # refuse before hours of fitting, not after
    check_folder(args.report)
    setup = default_setup()
    workers = args.workers

    def progress(generation: int, epsilon: float) -> None:
        print(
            f"generation {generation + 1}/{args.generations}: tolerance {epsilon:.3f}",
            file=sys.stderr,
        )

    population = calibrate(
        setup,
        particles=args.particles,
        generations=args.generations,
        seed=args.seed,
        workers=workers,
        scheduler=args.scheduler,
        progress=progress,
    )
    thetas, sims = predictive(setup, population, args.draws, args.seed, workers, args.scheduler)
    loo = None
    if args.loo:
        print("leave-one-out: refitting once per statement year", file=sys.stderr)
        loo = leave_one_out(
            setup,
            particles=max(50, args.particles // 2),
            generations=max(2, args.generations - 1),
            draws=args.draws,
            seed=args.seed,
            workers=workers,
            scheduler=args.scheduler,
        )
    content = write_parameter_file(
        out, population, setup, args.seed, args.particles, args.generations
    )
    write_report(Path(args.report), population, setup, thetas, sims, content, loo)
    for name, row in content["parameters"].items():
        print(f"{name:22s} median {row['median']:.4g}  80% [{row['p10']:.4g}, {row['p90']:.4g}]")
    print(f"parameters -> {out}; report -> {args.report}/report.md")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    import json

    from model.analysis.backtest import (
        HISTORY,
        backtest_frame,
        backtest_table,
        chair_effects,
        reachability,
        render_backtest,
        score_lines,
        skill,
        validation_scores,
    )
    from model.runs.plots import backtest_figure
    from model.runs.runner import run_scenario
    from model.world.initial import cached_record
    from model.world.scenario import load_scenario

    scenario = load_scenario(HISTORY)
    if args.replicates:
        scenario = scenario.with_changes(replicates=args.replicates)
    out = Path(args.out)
    keys = ("year", "chair", "tone_mean", "tone_probs", "voice_probs", "observed_tone")
    rows: list[dict] = []
    document: dict = {}
    scores: dict = {}

    def tables(folder: Path, outcomes) -> list[str]:
        """The year table, the scores and their figure, written inside the results
        folder (so the manifest lists them as ours)."""
        rows.extend(backtest_table(outcomes))
        scores.update(validation_scores(outcomes))
        backtest_figure(
            outcomes,
            scores["occasions"],
            cached_record().statements,
            folder / "figures" / "backtest.png",
        )
        (folder / "backtest.csv").write_text(
            backtest_frame(rows).to_csv(index=False), encoding="utf-8"
        )
        document.update(
            {
                "years": [{k: r[k] for k in keys} for r in rows],
                "scores": {k: v for k, v in scores.items() if k != "occasions"},
                "validation": scores["occasions"],
            }
        )
        (folder / "backtest.json").write_text(
            json.dumps(document, indent=1) + "\n", encoding="utf-8"
        )
        document["chair_effects"] = chair_effects(
            len(outcomes.tone), args.workers, parameters=args.parameters
        )
        document["reachability"] = reachability(outcomes)
        (folder / "backtest.md").write_text(
            render_backtest(rows, scores, document["chair_effects"], document["reachability"]),
            encoding="utf-8",
        )
        return ["backtest.csv", "backtest.json", "backtest.md", "figures/backtest.png"]

    run_scenario(
        scenario,
        out,
        workers=args.workers,
        parameters=args.parameters,
        progress=False if args.json else None,
        extra=tables,
    )
    if args.json:
        print(json.dumps(document))
        return 0
    print(
        f"{'year':>4} {'chair':>5} {'meeting':>11} {'tone':>5} {'P(0..4)':>29} "
        f"{'consensus':>9} {'observed':>8}"
    )
    for r in rows:
        probs = " ".join(f"{p:.2f}" for p in r["tone_probs"])
        observed = "" if r["observed_tone"] is None else str(r["observed_tone"])
        mean = "-" if r["tone_mean"] is None else f"{r['tone_mean']:.2f}"
        print(
            f"{r['year']:>4} {r['chair']:>5} {r['meeting']:>11} {mean:>5} {probs:>29} "
            f"{r['voice_probs']['consensus']:>9.2f} {observed:>8}"
        )
    fit = skill(rows)
    if fit:
        print(
            f"observed years: {fit['years']}; mean absolute tone error {fit['mae']:.2f}; "
            f"mean P(observed tone) {fit['p_observed']:.2f}"
        )
    print(score_lines(scores))
    print(
        f"report -> {out}/backtest.md; figures -> {out}/figures/ (backtest.png: simulated "
        "against observed texts)"
    )
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from model.analysis.compare import compare_scenarios, load_scenarios

    load_scenarios(args.scenarios)  # bad files are refused before any warning
    _warn_dates(args.scenarios)
    out = compare_scenarios(
        args.scenarios,
        args.out,
        args.workers,
        args.scheduler,
        seed=args.seed,
        replicates=args.replicates,
        parameters=_parameter_mode(args.parameters),
        log=print,
    )
    print(f"comparison -> {out}/report.md")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from model.analysis.sweep import run_sweep

    out = run_sweep(
        args.scenario,
        args.method,
        args.n,
        args.out,
        args.workers,
        args.scheduler,
        seed=args.seed,
        replicates=args.replicates,
    )
    print(f"sweep -> {out}/report.md")
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    from model.analysis.discover import run_discover

    out = run_discover(
        args.sweep,
        args.outcome,
        threshold=args.threshold,
        min_density=args.min_density,
        box=args.box,
        out=args.out,
    )
    print(f"discover -> {out}/report.md")
    return 0


def _cmd_classroom(args: argparse.Namespace) -> int:
    from model.classroom.server import ClassroomUnavailable, serve

    try:
        return serve(args.port, args.lan, args.sessions)
    except ClassroomUnavailable as exc:
        raise UsageError(str(exc)) from exc


def _cmd_role_cards(args: argparse.Namespace) -> int:
    from model.classroom.role_cards import (
        START,
        default_exercise,
        load_exercise,
        write_role_cards,
    )
    from model.vocabulary import Quarter

    if args.at is not None:
        try:
            Quarter.parse(args.at)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from exc
    if args.exercise:
        from model.analysis.debrief_numbers import exercise_folder

        exercise = load_exercise(exercise_folder(args.exercise), args.at)
    else:
        exercise = default_exercise(args.at or START)
    print(f"role cards ({exercise.at}) -> {write_role_cards(args.out, exercise)}")
    return 0


def _cmd_debrief_numbers(args: argparse.Namespace) -> int:
    from model.analysis.debrief_numbers import (
        compute,
        current_section,
        exercise_folder,
        is_current,
        update,
    )

    folder = exercise_folder(args.exercise)
    current_section(folder / "README.md")  # refuse a README without the section first
    numbers = compute(folder, args.replicates, args.seed)
    readme = folder / "README.md"
    if args.check:
        if is_current(folder, numbers):
            print(f"{readme}: the debrief numbers are current")
            return 0
        print(
            f"{readme}: the debrief numbers are stale; run `asean-sim debrief-numbers "
            f"{folder.name}`",
            file=sys.stderr,
        )
        return 1
    changed = update(folder, numbers)
    print(
        f"debrief numbers ({numbers.replicates} runs, seed {numbers.seed}) -> {readme}"
        + ("" if changed else " (unchanged)")
    )
    return 0


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="local worker processes (results are identical for any number)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed scheduler (needs the [distributed] extra)",
    )


def _parameter_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--parameters",
        choices=("point", "posterior"),
        default=None,
        help="posterior (the default when the model is calibrated): each replicate "
        "draws one calibrated posterior sample, so bands carry parameter "
        "uncertainty; point: every replicate uses the posterior medians",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asean-sim",
        description="Simulate ASEAN's collective stance on the DPRK (see README.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("events", help="list or plot the event record in seeds/")
    p.add_argument("--actor", action="append", help="only events with this actor (repeatable)")
    p.add_argument("--year", type=int, action="append", help="only events in this year")
    p.add_argument("--article", action="append", help="only events citing this article")
    p.add_argument("--plot", metavar="FILE", help="draw a timeline PNG of the listed events")
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=_cmd_events)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="run scenario ensembles and write results folders")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.add_argument("--replicates", type=_positive, help="override the scenario's replicates")
    p.add_argument("--seed", type=_seed, help="override the scenario's root seed")
    p.add_argument(
        "--out",
        help="results folder (default results/<name>; with several scenarios, a parent folder)",
    )
    _executor_options(p)
    _parameter_option(p)
    p.add_argument(
        "--events",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write (or not) the per-replicate event log, events.csv and "
        "events.parquet (default: only up to 1000 replicates; "
        "manifest.json records which)",
    )
    p.add_argument(
        "--summary-only",
        action="store_true",
        help="keep only statement counts, for ensembles of any size: writes "
        "summary.csv (the statement rows), tones.csv (per year and meeting: "
        "P(tone 0-4), mean tone, P(grave concern), P(consensus/split/none)) "
        "and manifest.json; no per-replicate rows, figures or report",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="run scenarios with common random numbers and compare them")
    p.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more; the first is the reference"
    )
    p.add_argument("--out", help="comparison folder (default results/compare-<a>-vs-<b>...)")
    p.add_argument(
        "--replicates", type=_positive, help="replicates for every scenario (default: the first's)"
    )
    p.add_argument("--seed", type=_seed, help="common root seed (default: the first scenario's)")
    _executor_options(p)
    _parameter_option(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("sweep", help="sensitivity of outcomes to the scenario's levers (SALib)")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    p.add_argument(
        "--n",
        type=_positive,
        default=256,
        help="SALib base samples: sobol runs N*(D+2), morris N*(D+1); D = levers",
    )
    p.add_argument(
        "--replicates",
        type=_positive,
        help="replicates averaged at each sampled point (1-64, default 16; the "
        "scenario's own replicates are not used)",
    )
    p.add_argument("--out", help="sweep folder (default results/<name>-sweep-<method>)")
    p.add_argument("--seed", type=_seed, help="sampling and run seed (default: the scenario's)")
    _executor_options(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser(
        "discover",
        help="lever ranges that lead to an outcome, from a sweep "
        "folder (PRIM; needs the [discover] extra)",
    )
    p.add_argument("sweep", metavar="SWEEP_DIR", help="a folder written by asean-sim sweep")
    p.add_argument(
        "--outcome",
        required=True,
        choices=("grave", "split_or_none", "welcoming"),
        help="grave concern, a split or no text, or a welcoming text at the summit",
    )
    p.add_argument(
        "--threshold",
        type=_share,
        default=0.5,
        help="a point is a case when at least this share of its summits has the "
        "outcome (default 0.5)",
    )
    p.add_argument(
        "--min-density",
        type=_share,
        default=0.8,
        help="choose the widest box in which at least this share of points are cases (default 0.8)",
    )
    p.add_argument(
        "--box",
        type=_seed,
        metavar="ID",
        help="choose this box of the peeling trajectory instead (its id in "
        "tradeoff.png and trajectory.csv)",
    )
    p.add_argument("--out", help="output folder (default results/<sweep>-discover-<outcome>)")
    p.set_defaults(func=_cmd_discover)

    p = sub.add_parser("calibrate", help="fit the free parameters to the record (ABC-SMC)")
    p.add_argument(
        "--out",
        help="parameter file (default model/params/calibrated.yaml, "
        "which the model then uses by default)",
    )
    p.add_argument("--report", default="results/calibration", help="fit report folder")
    p.add_argument("--particles", type=_positive, default=200)
    p.add_argument("--generations", type=_positive, default=4)
    p.add_argument(
        "--draws",
        type=_positive,
        default=100,
        help="posterior predictive simulations for the report",
    )
    p.add_argument("--seed", type=_seed, default=2025)
    _executor_options(p)
    p.add_argument(
        "--loo", action="store_true", help="also refit without each statement year and predict it"
    )
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("backtest", help="run history 2000-2025 against the record")
    p.add_argument("--json", action="store_true", help="print the year table as JSON")
    p.add_argument("--replicates", type=_positive)
    p.add_argument("--workers", type=_positive, default=1)
    p.add_argument(
        "--parameters",
        choices=("point", "posterior"),
        default="posterior",
        help="one posterior draw per replicate (default), or the calibrated point estimates",
    )
    p.add_argument("--out", default="results/backtest")
    p.set_defaults(func=_cmd_backtest)

    p = sub.add_parser(
        "classroom",
        help="serve the classroom web app on 127.0.0.1, offline (needs the [classroom] extra)",
    )
    p.add_argument("--port", type=_positive, default=8765)
    p.add_argument(
        "--lan",
        action="store_true",
        help="serve to the local network: teams join from their own laptops or "
        "phones with the class's code (default: this machine only)",
    )
    p.add_argument(
        "--sessions",
        metavar="DIR",
        help="folder the classes are saved in (default results/classroom)",
    )
    p.set_defaults(func=_cmd_classroom)

    p = sub.add_parser(
        "role-cards", help="write the printable role cards (one HTML page, one A4 page per card)"
    )
    p.add_argument("--out", default="results/role_cards.html")
    p.add_argument(
        "--exercise",
        metavar="EXERCISE",
        help="an exercise (folder name under scenarios/classroom, or its path): "
        "its scenario, its roles.csv quarter and the teams' objectives",
    )
    p.add_argument(
        "--at",
        metavar="QUARTER",
        help="the quarter the cards describe (default: the exercise's roles.csv "
        "quarter, else 2024Q1)",
    )
    p.set_defaults(func=_cmd_role_cards)

    p = sub.add_parser(
        "debrief-numbers",
        help="compute the model numbers an exercise's "
        "debrief quotes and write them into its README",
    )
    p.add_argument(
        "exercise",
        metavar="EXERCISE",
        help="folder name under scenarios/classroom, or the folder's path",
    )
    p.add_argument("--replicates", type=_positive, help="default: the exercise's scenario's")
    p.add_argument("--seed", type=_seed, help="default: the exercise's scenario's")
    p.add_argument(
        "--check",
        action="store_true",
        help="only compare with the README (exit 1 when stale); write nothing",
    )
    p.set_defaults(func=_cmd_debrief_numbers)
    return parser


@cache
def _parser() -> argparse.ArgumentParser:
    """The parser, built once per process (main() may be called many times in-process)."""
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    parser = _parser()
    args = parser.parse_args(argv)  # --help and usage errors exit here, importing nothing
    from model.files.safe_output import interruptible

    try:
        with interruptible():  # SIGTERM like Ctrl-C: unfinished outputs go, old ones stay
            return args.func(args)
    except InputError as exc:
        for problem in getattr(exc, "problems", None) or [exc]:
            print(f"error: {problem}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(
            f"interrupted ({signal.Signals(signum).name}): unfinished outputs were "
            "discarded; earlier results are as they were",
            file=sys.stderr,
        )
        return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
