"""The ``asean-sim`` command line (DESIGN.md section 6): a thin layer over the modules.

Exit codes: 0 success, 2 bad input (the message names file, key and what was expected),
1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from model.record import RecordError
from model.scenario import ScenarioError

BAD_INPUT, INTERNAL = 2, 1


class UsageError(ValueError):
    """A command-line value that is well-formed but unusable."""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _cmd_events(args: argparse.Namespace) -> int:
    from model.events_cli import list_events

    return list_events(args.actor, args.year, args.article, args.plot, args.csv)


def _cmd_validate(args: argparse.Namespace) -> int:
    from model.scenario import load_scenario

    failed = False
    for file in args.files:
        try:
            s = load_scenario(file)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        print(f"ok: {file}: {s.name} ({s.period.start}-{s.period.end}, {len(s.shocks)} shocks, "
              f"{s.replicates} replicates)")
    return BAD_INPUT if failed else 0


def _load_all(files: Sequence[str], replicates: int | None, seed: int | None):
    from model.scenario import load_scenario

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
        raise UsageError("two scenarios share a name; their results folders would collide: "
                         + ", ".join(sorted({n for n in names if names.count(n) > 1})))
    return scenarios


def _destinations(scenarios, out: str | None) -> list[Path]:
    if out is None:
        return [Path("results") / s.name for s in scenarios]
    if len(scenarios) == 1:
        return [Path(out)]
    return [Path(out) / s.name for s in scenarios]


def _cmd_run(args: argparse.Namespace) -> int:
    from model.runner import run_scenario

    scenarios = _load_all(args.scenarios, args.replicates, args.seed)
    for scenario, destination, file in zip(scenarios, _destinations(scenarios, args.out),
                                           args.scenarios, strict=True):
        run_scenario(scenario, destination, workers=args.workers, scheduler=args.scheduler,
                     parameters=args.parameters, scenario_file=file)
        print(f"{scenario.name}: {scenario.replicates} replicates -> {destination}/report.md")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asean-sim",
        description="Simulate ASEAN's collective stance on the DPRK (see README.md).")
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
    p.add_argument("--seed", type=int, help="override the scenario's root seed")
    p.add_argument("--out", help="results folder (default results/<name>; with several "
                                 "scenarios, a parent folder)")
    p.add_argument("--workers", type=_positive, default=1,
                   help="local worker processes (results are identical for any number)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed scheduler (needs the [distributed] extra)")
    p.add_argument("--parameters", choices=("point", "posterior"), default="point",
                   help="calibrated point estimates, or one posterior draw per replicate")
    p.set_defaults(func=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, RecordError) as exc:
        problems = getattr(exc, "problems", [exc])
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return BAD_INPUT
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
