"""The statistics of a sweep: samples, indices, and how far the indices can be trusted.

Nothing here runs the model or writes a file (model/analysis/sweep.py does both): given the
lever ranges it draws SALib's sample, and given the outcomes of every sampled point (each
an average of K replicates) it computes the indices and three honest checks on them.

- **Sampling error** (from the N points): SALib's bootstrap 95% intervals, ``S1_conf``,
  ``ST_conf`` (or ``mu_star_conf``), half-widths.
- **Replicate noise** (from the K replicates per point): the *noise share*, the part of
  the variance between points that is replicate noise (runs at the same levers differ by
  their random draws alone), estimated from the spread within points as
  ``mean(s²_within) / K / var(point means)``; the levers together cannot explain more
  than ``1 - noise share``. And the *index noise*: the indices are computed again on two
  independent halves of the replicates; the halves share the lever samples, so their
  difference is replicate noise alone, and an index from all K replicates moves by about
  ``rms(difference) / 2`` (each half has twice the noise variance of the whole).
- **Size checks**: Sobol' samples are Sobol' sequences, balanced only at a power of two
  (SALib and scipy warn otherwise), so another N is refused; below ``MIN_N`` points the
  bootstrap intervals are themselves unreliable, so a warning says so, as it does when
  even the largest index of an outcome is within its interval of zero. A negative S1 is
  explained: the true index is never negative, so a negative estimate within its
  interval of zero is estimation noise, and one beyond it means N is too small.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.vocabulary import InputError

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
CONF_LEVEL = 0.95
RESAMPLES = 200
MIN_N = {"sobol": 64, "morris": 10}
"""Below this many base points (Sobol') or trajectories (Morris; 10-50 is the usual
screening range, Campolongo et al. 2007) a warning says the indices are not meaningful."""
NOISE_SHARE_WARNING = 0.5
"""Above this noise share the outcome is mostly replicate noise: a warning asks for more
replicates per point."""


class SweepError(InputError):
    """A sweep request that cannot be run (unknown method, a bad N)."""


@dataclass(frozen=True)
class Problem:
    """The levers swept and their ranges, in SALib's terms."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict:
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def block_size(method: str, levers: int) -> int:
    """Rows that share a base sample (and so a seed): D+2 for Sobol', D+1 for Morris."""
    return levers + 2 if method == "sobol" else levers + 1


def check_n(method: str, n: int) -> list[str]:
    """Refuse an N the method cannot use (SweepError); return the warnings of a small one."""
    if method not in METHODS:
        raise SweepError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if n < 2:
        raise SweepError(f"--n must be at least 2, got {n}")
    if method == "sobol" and n & (n - 1):
        below = 1 << (n.bit_length() - 1)
        raise SweepError(
            f"--n {n}: Sobol' sampling needs a power of two (its sequence is "
            f"balanced only then); use --n {below} or --n {2 * below}"
        )
    if n < MIN_N[method]:
        what = "base points" if method == "sobol" else "trajectories"
        return [
            f"N = {n} {what} is below {MIN_N[method]}: the indices and their bootstrap "
            f"intervals are too noisy to rank levers; use --n {MIN_N[method]} or more"
        ]
    return []


def sample(problem: Problem, method: str, n: int, seed: int) -> np.ndarray:
    """SALib's sample matrix: ``n`` base points (Sobol', first and total order only:
    ``n * (D + 2)`` rows) or ``n`` trajectories (Morris: ``n * (D + 1)`` rows)."""
    check_n(method, n)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem.salib(), n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)


def index_columns(method: str) -> list[str]:
    return (
        ["S1", "S1_conf", "ST", "ST_conf"]
        if method == "sobol"
        else ["mu", "mu_star", "mu_star_conf", "sigma"]
    )


def main_index(method: str) -> tuple[str, str]:
    """The index levers are ranked by, and its interval's column."""
    return ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")


def analyze(
    problem: Problem,
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """Indices of one outcome ``y`` per lever, with bootstrap confidence intervals.

    An outcome that never varies, or is undefined at some point, has no variance to
    apportion: its indices are NaN.
    """
    columns = index_columns(method)
    frame = pd.DataFrame({"lever": list(problem.names)})
    if not np.isfinite(y).all() or np.ptp(y) == 0:
        return frame.assign(**dict.fromkeys(columns, np.nan))
    if method == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():  # a block of identical runs is fine (a null lever)
            warnings.filterwarnings("ignore", "Constant values encountered")
            found = sobol.analyze(
                problem.salib(),
                y,
                calc_second_order=False,
                num_resamples=resamples,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
    else:
        from SALib.analyze import morris

        found = morris.analyze(
            problem.salib(),
            x,
            y,
            num_resamples=resamples,
            conf_level=CONF_LEVEL,
            num_levels=MORRIS_LEVELS,
            seed=seed,
        )
    return frame.assign(**{c: np.asarray(found[c], dtype=float) for c in columns})


# --- replicate noise -------------------------------------------------------------------
def point_means(values: np.ndarray) -> np.ndarray:
    """(points, K) replicate values to (points,) means; NaN where no replicate has one."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=1)


def noise_share(values: np.ndarray) -> float:
    """The share of the variance between point means that is replicate noise.

    ``values`` is (points, K). The variance of a point's mean that is noise is its
    within-point variance over K; averaged over points and divided by the variance of
    the means it is the part no lever can explain. NaN with K < 2 or no variation.
    """
    finite = np.isfinite(values)
    counts = finite.sum(axis=1)
    usable = counts >= 2
    means = point_means(values)
    if not usable.any() or not np.isfinite(means).any():
        return float("nan")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        within = np.nanvar(values[usable], axis=1, ddof=1) / counts[usable]
        between = np.nanvar(means, ddof=1)
    if not between > 0:
        return float("nan")
    return float(min(1.0, np.mean(within) / between))


def index_noise(
    problem: Problem, method: str, x: np.ndarray, values: np.ndarray, seed: int
) -> float:
    """How much the main index (ST or mu*) of one outcome moves with the replicates drawn:
    rms over levers of half the difference between the indices of two independent halves
    of the replicates (module docstring). NaN with fewer than 2 replicates per point."""
    k = values.shape[1] // 2
    if k < 1:
        return float("nan")
    key, _ = main_index(method)
    halves = [
        analyze(problem, method, x, point_means(part), seed, resamples=2)[key].to_numpy()
        for part in (values[:, :k], values[:, k : 2 * k])
    ]
    difference = halves[0] - halves[1]
    if not np.isfinite(difference).any():
        return float("nan")
    return float(np.sqrt(np.nanmean(difference**2)) / 2.0)


# --- reading the indices -----------------------------------------------------------------
def fmt(value: float, digits: int = 2) -> str:
    """A number to ``digits`` decimals, never as ``-0.00``."""
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text


@dataclass(frozen=True)
class Reading:
    """What one outcome's indices can and cannot say: the checks of the module docstring."""

    outcome: str
    noise_share: float
    index_noise: float
    widest_conf: float
    undefined: int  # points where the outcome has no value (e.g. no summit text at all)
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


def read_indices(
    method: str,
    n: int,
    outcome: str,
    indices: pd.DataFrame,
    share: float,
    noise: float,
    undefined: int,
) -> Reading:
    """Warnings (not meaningful, mostly noise) and notes (negative S1) for one outcome."""
    key, conf = main_index(method)
    found, notes = [], []
    label = outcome.replace("_", " ")
    if undefined:
        found.append(
            f"{label}: undefined at {undefined} point(s) (no value in any replicate); no indices"
        )
    elif indices[key].notna().any():
        top = indices.loc[indices[key].idxmax()]
        if top[key] - top[conf] <= 0:
            found.append(
                f"{label}: even the largest index ({top['lever']} {key} = "
                f"{fmt(top[key])} ± {fmt(top[conf])}) is within its 95% interval of "
                f"zero at N = {n}: no lever's effect can be told from noise"
            )
        if np.isfinite(share) and share > NOISE_SHARE_WARNING:
            found.append(
                f"{label}: {share:.0%} of its variance between points is replicate "
                "noise; more --replicates per point would sharpen the indices"
            )
    if method == "sobol":
        for _, row in indices[indices["S1"] < -0.0005].iterrows():  # shown as negative
            text = (
                f"S1 of {row['lever']} on {label} is {fmt(row['S1'], 3)} ± {fmt(row['S1_conf'], 3)}"
            )
            if row["S1"] + row["S1_conf"] >= 0:
                notes.append(
                    f"{text}: negative only by estimation noise (a true S1 is never "
                    "below zero and this interval includes zero); read it as 0"
                )
            else:
                found.append(
                    f"{text}: negative beyond its interval, so the estimator is "
                    "unstable at this N; use a larger --n"
                )
    widest = float(indices[conf].max()) if indices[conf].notna().any() else float("nan")
    return Reading(outcome, share, noise, widest, undefined, tuple(found), tuple(notes))
