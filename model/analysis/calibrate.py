"""Fit the model's free parameters to the event record by ABC-SMC (model/analysis/abc.py).

The simulator is the history scenario (scenarios/history.yaml, 2000-2025); each
candidate parameter set runs it ``REPLICATES`` times (one replicate alone is too noisy
to identify the statement parameters) and the replicates' summaries are scored against
the record's (model/record/targets.py). Parameters marked ``fit: true`` in params/defaults.yaml
get uniform priors on their documented ranges; the rest stay at their documented values.

Only the record coded from the five articles (``seeds/*.csv``) is read; the validation
record in ``seeds/validation/`` is never used here (tests/test_calibrate.py proves it).

Why the project's own ABC-SMC (model/analysis/abc.py) and not pyABC or ELFI: pyABC's parallel
samplers schedule dynamically and accept particles in the order workers finish, so a
posterior depends on the number of cores and their timing (its documentation offers
only the single-core sampler for deterministic runs); this project promises identical
output for any ``--workers`` and on Dask, which the fixed-budget scheme gives for free.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.analysis.abc import Population, UniformPrior, abc_smc
from model.record.targets import Targets, member_goldstein, observed_targets, shares
from model.runs.executors import run_ordered
from model.runs.window import windowed
from model.world.initial import cached_record, initial_state
from model.world.parameters import Parameters, specs
from model.world.scenario import Scenario, load_scenario
from model.world.simevents import goldstein_weights

HISTORY = Path(__file__).resolve().parents[2] / "scenarios" / "history.yaml"
WEIGHTS = {"tone": 1.0, "voice": 0.5, "exchanges": 0.5, "goldstein": 0.5}
"""Weights of the distance components (each scaled to [0, 1]): statement tones are what
the model is for, so they count double."""
EXCHANGE_FACTOR = 4.0
"""A simulated exchange count off by this factor scores the maximum distance of 1."""
CHUNK = 16
"""Candidates per task (and per batched model): a chunk's replicates run as one batch."""
REPLICATES = 8
"""History runs per candidate parameter set; its summaries are their averages."""


def fitted_names() -> tuple[str, ...]:
    return tuple(name for name, spec in specs().items() if spec.fit)


def prior_for(names: Sequence[str]) -> UniformPrior:
    table = specs()
    return UniformPrior(
        tuple(names),
        np.array([table[n].low for n in names]),
        np.array([table[n].high for n in names]),
    )


@dataclass(frozen=True)
class Setup:
    """Everything a worker needs to score a candidate (picklable)."""

    scenario: Scenario
    base: Parameters
    names: tuple[str, ...]
    targets: Targets
    replicates: int = REPLICATES


@dataclass(frozen=True)
class Summary:
    """A candidate's counterparts of the targets over its replicates: each meeting's
    tones and voices (one per replicate; None without text), the mean exchange count
    per target year and the members' shares of the mean net cooperative Goldstein."""

    tones: dict[tuple[int, str], tuple[int | None, ...]]
    voices: dict[tuple[int, str], tuple[str, ...]]
    exchanges: dict[int, float]
    goldstein_share: np.ndarray


def default_setup(names: Sequence[str] | None = None, scenario: Path = HISTORY) -> Setup:
    """History scenario, hand-default base parameters and the record's targets."""
    history = load_scenario(scenario)
    targets = observed_targets(cached_record(), history.start.year, history.end.year)
    return Setup(history, Parameters(), tuple(names or fitted_names()), targets)


def simulate(setup: Setup, theta: np.ndarray, seed: np.random.SeedSequence) -> Summary:
    """Run the history ``setup.replicates`` times with parameters ``theta`` and summarise
    the runs like the record."""
    return simulate_many(setup, np.asarray(theta)[None, :], [seed])[0]


def simulate_many(
    setup: Setup, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]
) -> list[Summary]:
    """Summaries of several candidates, all their replicates in one batched model
    (model/world/batched.py): candidate i's replicates are rows ``i * replicates ...``. The
    random stream comes from the first candidate's seed, so a chunk's result depends on
    its candidates and seeds only (chunks are fixed: see Scorer)."""
    from model.world.batched import batched_from_scenario

    k = setup.replicates
    params = [
        setup.base.replace(**dict(zip(setup.names, map(float, t), strict=True))) for t in thetas
    ]
    rows = [p for p in params for _ in range(k)]
    start = setup.scenario.start.year
    initial = [initial_state(p, start) for p in rows]
    model = batched_from_scenario(
        setup.scenario,
        rows,
        initial,
        rng=np.random.default_rng(seeds[0].spawn(1)[0]),
        record_events=True,
    )
    model.run()
    results = model.results()
    years = np.array([q.year for q in model.quarters])
    weights = goldstein_weights()
    summaries = []
    for i in range(len(params)):
        tones: dict[tuple[int, str], list] = {}
        voices: dict[tuple[int, str], list] = {}
        exchanges = dict.fromkeys(setup.targets.exchanges, 0.0)
        net = np.zeros(len(setup.targets.goldstein_share))
        for result in results[i * k : (i + 1) * k]:
            for year, meeting, _, tone, voice, *_ in result.statements:
                tones.setdefault((year, meeting), []).append(tone)
                voices.setdefault((year, meeting), []).append(voice)
            for y in exchanges:
                exchanges[y] += float(result.exchanges[years == y].sum()) / k
            net += member_goldstein(
                (e.source, e.target, weights[e.cameo][0]) for e in result.events
            )
        summaries.append(
            Summary(
                {key: tuple(v) for key, v in tones.items()},
                {key: tuple(v) for key, v in voices.items()},
                exchanges,
                shares(net),
            )
        )
    return summaries


def _tone_gap(simulated: tuple[int | None, ...], observed: int) -> float:
    """Mean distance of the replicates' tones from the observed one, in [0, 1]; a
    meeting without text is as far as can be."""
    return float(np.mean([1.0 if t is None else abs(t - observed) / 4.0 for t in simulated]))


def distance(summary: Summary, targets: Targets) -> float:
    """Weighted sum of tone, voice, exchange and Goldstein-share discrepancies, each in
    [0, 1]; tone and voice are averaged over the candidate's replicates."""
    tone_gaps = [_tone_gap(summary.tones.get((y, m), (None,)), obs) for y, m, obs in targets.tones]
    tone = float(np.mean(tone_gaps)) if tone_gaps else 0.0
    voice_gaps = [
        float(np.mean([v != obs for v in summary.voices.get((y, m), ("none",))]))
        for y, m, obs in targets.voices
    ]
    voice = float(np.mean(voice_gaps)) if voice_gaps else 0.0
    exchange_gaps = [
        min(1.0, abs(np.log((summary.exchanges[y] + 1) / (obs + 1))) / np.log(EXCHANGE_FACTOR))
        for y, obs in targets.exchanges.items()
    ]
    exchanges = float(np.mean(exchange_gaps)) if exchange_gaps else 0.0
    goldstein = 0.5 * float(np.abs(summary.goldstein_share - targets.goldstein_share).sum())
    return (
        WEIGHTS["tone"] * tone
        + WEIGHTS["voice"] * voice
        + WEIGHTS["exchanges"] * exchanges
        + WEIGHTS["goldstein"] * goldstein
    )


def _score_chunk(setup: Setup, thetas: np.ndarray, seeds: list) -> list[float]:
    return [distance(s, setup.targets) for s in simulate_many(setup, thetas, seeds)]


def _summaries_chunk(setup: Setup, thetas: np.ndarray, seeds: list) -> list[Summary]:
    return simulate_many(setup, thetas, seeds)


class Scorer:
    """Distances for a batch of candidates, computed in ordered chunks on any executor.

    Used as a context manager it keeps one local process pool for all generations
    (starting workers costs seconds each time); results never depend on the executor.
    """

    def __init__(self, setup: Setup, workers: int = 1, scheduler: str | None = None):
        self.setup, self.workers, self.scheduler = setup, workers, scheduler
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Scorer:
        if self.scheduler is None and self.workers > 1:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("forkserver")
            )
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _map(self, func, thetas: np.ndarray, seeds: Sequence) -> list:
        tasks = [
            (self.setup, thetas[i : i + CHUNK], list(seeds[i : i + CHUNK]))
            for i in range(0, len(thetas), CHUNK)
        ]
        if self._pool is not None:
            parts = windowed(self._pool.submit, func, tasks, 4 * self.workers)
        else:
            parts = run_ordered(func, tasks, workers=self.workers, scheduler=self.scheduler)
        return [item for part in parts for item in part]

    def __call__(self, thetas: np.ndarray, seeds: Sequence) -> np.ndarray:
        return np.array(self._map(_score_chunk, thetas, seeds))

    def summaries(self, thetas: np.ndarray, seeds: Sequence) -> list[Summary]:
        return self._map(_summaries_chunk, thetas, seeds)


def calibrate(
    setup: Setup,
    *,
    particles: int = 200,
    generations: int = 4,
    seed: int = 2025,
    workers: int = 1,
    scheduler: str | None = None,
    progress=None,
) -> Population:
    """ABC-SMC posterior of ``setup.names`` given ``setup.targets``."""
    with Scorer(setup, workers, scheduler) as scorer:
        return abc_smc(
            prior_for(setup.names),
            scorer,
            particles=particles,
            generations=generations,
            seed=seed,
            progress=progress,
        )


def predictive(
    setup: Setup,
    population: Population,
    draws: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
) -> tuple[np.ndarray, list[Summary]]:
    """Posterior predictive: ``draws`` parameter sets resampled from the posterior, each
    simulated once with its own seed."""
    root = np.random.SeedSequence([seed, 1])
    thetas = population.resample(np.random.default_rng(root.spawn(1)[0]), draws)
    with Scorer(setup, workers, scheduler) as scorer:
        return thetas, scorer.summaries(thetas, root.spawn(draws))


@dataclass(frozen=True)
class LooRow:
    """One left-out statement year: what the refitted model predicts for it."""

    year: int
    meeting: str
    observed: int
    predicted_mean: float
    p_observed: float
    predicted_mode: int | None
    abs_error: float


def leave_one_out(
    setup: Setup,
    *,
    particles: int,
    generations: int,
    draws: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[LooRow]:
    """Refit without each observed statement year in turn and predict that year's tone.

    The honest measure of predictive skill: the left-out statement never informs the
    parameters that predict it. A predicted 'no text' counts as a miss (error 4).
    """
    rows = []
    for year, meeting, observed in setup.targets.tones:
        reduced = Setup(
            setup.scenario,
            setup.base,
            setup.names,
            setup.targets.without_year(year),
            setup.replicates,
        )
        population = calibrate(
            reduced,
            particles=particles,
            generations=generations,
            seed=seed + year,
            workers=workers,
            scheduler=scheduler,
        )
        _, sims = predictive(reduced, population, draws, seed + year, workers, scheduler)
        tones = [t for s in sims for t in s.tones.get((year, meeting), (None,))]
        values = np.array([np.nan if t is None else t for t in tones], dtype=float)
        counts = np.bincount(values[~np.isnan(values)].astype(int), minlength=5)
        mode = int(np.argmax(counts)) if counts.sum() else None
        errors = np.where(np.isnan(values), 4.0, np.abs(values - observed))
        rows.append(
            LooRow(
                year,
                meeting,
                observed,
                float(np.nanmean(values)),
                float(np.mean(values == observed)),
                mode,
                float(errors.mean()),
            )
        )
    return rows
