"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC).

The population Monte Carlo scheme of Beaumont, Cornuet, Marin & Robert (2009,
"Adaptive approximate Bayesian computation", Biometrika 96:983) with a fixed
simulation budget per generation: each generation proposes ``particles / keep``
candidates from a Gaussian kernel around the previous population (covariance twice
the weighted sample covariance), simulates them, and keeps the ``particles`` closest to
the data; the tolerance is therefore the accepted distance quantile, shrinking each
generation. Importance weights correct for the kernel: w_i ∝ prior(θ_i) /
Σ_j w_j K(θ_i | θ_j). Priors are uniform on each parameter's documented range.

The budget is deterministic (generations x candidates), and every candidate's
simulation draws from its own child of the root ``SeedSequence``, so a calibration
gives the same posterior for any number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Distances = Callable[[np.ndarray, Sequence[np.random.SeedSequence]], np.ndarray]
"""Simulate each row of a (m, k) parameter matrix with its seed; return m distances."""


@dataclass(frozen=True)
class UniformPrior:
    """Independent uniform priors on [low, high] per parameter."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=(n, len(self.names)))

    def inside(self, theta: np.ndarray) -> np.ndarray:
        return np.all((theta >= self.low) & (theta <= self.high), axis=-1)


@dataclass(frozen=True)
class Population:
    """A weighted particle population: the ABC posterior after the last generation."""

    names: tuple[str, ...]
    theta: np.ndarray  # (n, k)
    weights: np.ndarray  # (n,), sums to 1
    distances: np.ndarray  # (n,)
    epsilons: tuple[float, ...]
    simulations: int

    def quantile(self, q: float | Sequence[float]) -> np.ndarray:
        """Weighted quantiles per parameter: shape (len(q), k) or (k,)."""
        qs = np.atleast_1d(q)
        out = np.empty((len(qs), self.theta.shape[1]))
        for j in range(self.theta.shape[1]):
            order = np.argsort(self.theta[:, j])
            cum = np.cumsum(self.weights[order])
            cum /= cum[-1]
            out[:, j] = np.interp(qs, cum - self.weights[order] / 2, self.theta[order, j])
        return out if np.ndim(q) else out[0]

    def resample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` equally weighted draws from the weighted population."""
        return self.theta[rng.choice(len(self.weights), size=n, p=self.weights)]

    def effective_size(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


def _kernel_density(
    candidates: np.ndarray, population: np.ndarray, weights: np.ndarray, cov: np.ndarray
) -> np.ndarray:
    """Σ_j w_j N(candidate | θ_j, cov) for each candidate (up to a shared constant)."""
    inv = np.linalg.inv(cov)
    diff = candidates[:, None, :] - population[None, :, :]
    mahalanobis = np.einsum("mnk,kl,mnl->mn", diff, inv, diff)
    return np.exp(-0.5 * mahalanobis) @ weights


def abc_smc(
    prior: UniformPrior,
    distances: Distances,
    *,
    particles: int = 200,
    generations: int = 4,
    keep: float = 0.25,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> Population:
    """Run ABC-SMC and return the final weighted population."""
    if not 0 < keep <= 1:
        raise ValueError("keep must be in (0, 1]")
    root = np.random.SeedSequence(seed)
    rng = np.random.default_rng(root.spawn(1)[0])
    candidates_per_generation = int(np.ceil(particles / keep))
    theta = weights = None
    epsilons: list[float] = []
    simulations = 0
    for generation in range(generations):
        seeds = root.spawn(candidates_per_generation)
        if theta is None:
            proposal = prior.sample(rng, candidates_per_generation)
        else:
            cov = 2.0 * np.atleast_2d(np.cov(theta.T, aweights=weights))
            cov += np.eye(len(prior.names)) * 1e-12
            proposal = np.empty((candidates_per_generation, len(prior.names)))
            filled = 0
            while filled < candidates_per_generation:
                picks = theta[rng.choice(len(weights), size=candidates_per_generation, p=weights)]
                moved = picks + rng.multivariate_normal(
                    np.zeros(len(prior.names)), cov, size=candidates_per_generation
                )
                good = moved[prior.inside(moved)]
                take = min(len(good), candidates_per_generation - filled)
                proposal[filled : filled + take] = good[:take]
                filled += take
        d = np.asarray(distances(proposal, seeds), dtype=float)
        simulations += len(d)
        best = np.argsort(d, kind="stable")[:particles]
        new_theta, new_d = proposal[best], d[best]
        if theta is None:
            new_weights = np.full(len(best), 1.0 / len(best))
        else:
            density = _kernel_density(new_theta, theta, weights, cov)
            new_weights = 1.0 / np.maximum(density, 1e-300)
            new_weights /= new_weights.sum()
        theta, weights = new_theta, new_weights
        epsilons.append(float(new_d.max()))
        last_d = new_d
        if progress is not None:
            progress(generation, epsilons[-1])
    return Population(prior.names, theta, weights, last_d, tuple(epsilons), simulations)
