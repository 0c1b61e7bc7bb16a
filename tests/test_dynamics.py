"""Mechanism tests for the Friedkin-Johnsen stance dynamics (pure numpy)."""

import numpy as np

from model.world.dynamics import fj_equilibrium, fj_step, influence_matrix


def test_fj_step_hand_worked_three_actors():
    # Actor 0 listens half to actor 1; actor 1 to actor 2; actor 2 is stubborn.
    w = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    lam = np.array([0.5, 0.5, 0.0])
    x0 = np.array([[0.0], [0.5], [1.0]])
    x1 = fj_step(x0, x0, w, lam)
    np.testing.assert_allclose(x1[:, 0], [0.5 * 0.5 + 0.5 * 0.0, 0.5 * 1.0 + 0.5 * 0.5, 1.0])
    x2 = fj_step(x1, x0, w, lam)
    np.testing.assert_allclose(x2[:, 0], [0.5 * 0.75 + 0.0, 0.5 * 1.0 + 0.25, 1.0])


def test_stubborn_actors_do_not_move():
    rng = np.random.default_rng(1)
    w = influence_matrix(rng.random((6, 6)), np.ones((6, 6)), np.ones(6, dtype=bool))
    lam = np.array([0.0, 0.0, 0.7, 0.7, 0.9, 0.3])
    anchor = rng.random((6, 2))
    x = rng.random((6, 2))
    x[:2] = anchor[:2]
    for _ in range(50):
        x = fj_step(x, anchor, w, lam)
    np.testing.assert_array_equal(x[:2], anchor[:2])


def test_without_shocks_stances_converge_to_the_closed_form_equilibrium():
    rng = np.random.default_rng(7)
    n = 8
    w = influence_matrix(rng.random((n, n)), np.ones((n, n)), np.ones(n, dtype=bool))
    lam = rng.uniform(0.2, 0.9, n)
    lam[0] = 0.0
    anchor = rng.random((n, 2))
    x = anchor.copy()
    for _ in range(400):
        x = fj_step(x, anchor, w, lam)
    np.testing.assert_allclose(x, fj_equilibrium(anchor, w, lam), atol=1e-10)
    # and the equilibrium is a fixed point of one step
    eq = fj_equilibrium(anchor, w, lam)
    np.testing.assert_allclose(fj_step(eq, anchor, w, lam), eq, atol=1e-12)


def test_influence_matrix_is_row_stochastic_and_ignores_inactive_sources():
    ties = np.ones((3, 3)) - np.eye(3)
    active = np.array([True, True, False])
    w = influence_matrix(ties, np.ones((3, 3)), active)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert (w[:, 2] == 0).all()
    # actor 0 only hears actor 1; an actor with no active source keeps itself
    assert w[0, 1] == 1.0
    lonely = influence_matrix(np.zeros((2, 2)), np.ones((2, 2)), np.ones(2, dtype=bool))
    np.testing.assert_array_equal(lonely, np.eye(2))
