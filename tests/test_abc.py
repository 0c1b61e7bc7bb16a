"""ABC-SMC on problems with known posteriors."""

import numpy as np
import pytest

from model.analysis.abc import UniformPrior, abc_smc


def normal_mean_distances(observed_mean: float, n: int = 50):
    """Data: n draws from N(mu, 1); summary: their mean; distance: |sim - obs|."""

    def distances(theta, seeds):
        out = []
        for (mu,), seed in zip(theta, seeds, strict=True):
            sample = np.random.default_rng(seed).normal(mu, 1.0, n)
            out.append(abs(sample.mean() - observed_mean))
        return np.array(out)

    return distances


def test_recovers_a_normal_mean_with_the_analytic_posterior_width():
    prior = UniformPrior(("mu",), np.array([-5.0]), np.array([5.0]))
    pop = abc_smc(prior, normal_mean_distances(1.3), particles=300, generations=5, seed=3)
    median = pop.quantile(0.5)[0]
    p10, p90 = pop.quantile([0.1, 0.9])[:, 0]
    # Analytic posterior (flat prior): N(1.3, 1/sqrt(50)) -> 80% interval half-width 0.18
    assert median == pytest.approx(1.3, abs=0.1)
    assert 0.12 < (p90 - p10) / 2 < 0.35
    assert p10 < 1.3 < p90
    assert pop.simulations == 5 * 1200
    assert list(pop.epsilons) == sorted(pop.epsilons, reverse=True)  # tolerance shrinks
    assert pop.weights.sum() == pytest.approx(1.0)
    assert pop.effective_size() > 50


def test_same_seed_same_posterior_and_prior_bounds_respected():
    prior = UniformPrior(("mu", "nuisance"), np.array([0.0, 0.0]), np.array([2.0, 1.0]))

    def distances(theta, seeds):
        return np.abs(theta[:, 0] - 1.0) + 0.0 * theta[:, 1]

    a = abc_smc(prior, distances, particles=50, generations=3, seed=9)
    b = abc_smc(prior, distances, particles=50, generations=3, seed=9)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert prior.inside(a.theta).all()
    # the informative parameter concentrates; the nuisance one keeps its prior spread
    assert np.ptp(a.theta[:, 0]) < 0.5
    assert np.ptp(a.theta[:, 1]) > 0.6
