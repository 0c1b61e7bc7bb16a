"""Mechanism tests for the pure numpy rules: Friedkin-Johnsen and the consensus rule."""

import numpy as np
import pytest

from model.dynamics import (
    consensus_statement,
    fj_equilibrium,
    fj_step,
    influence_matrix,
    severity_to_tone,
)

THRESHOLDS = np.array([0.2, 0.4, 0.6, 0.8])


def draft(preferred, tolerance=0.1, chair=0, anchor=None, chair_pull=0.0, chair_stake=0.0,
          quorum=0.7, upper_tolerance=None):
    preferred = np.asarray(preferred, dtype=float)
    lower = preferred - tolerance
    upper = preferred + (tolerance if upper_tolerance is None else np.asarray(upper_tolerance))
    return consensus_statement(preferred, lower, upper, chair,
                               preferred.mean() if anchor is None else anchor,
                               chair_pull, chair_stake, THRESHOLDS, quorum)


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


@pytest.mark.parametrize(("severity", "tone"), [(0.0, 0), (0.19, 0), (0.2, 1), (0.5, 2),
                                                  (0.6, 3), (0.79, 3), (0.8, 4), (1.0, 4)])
def test_severity_to_tone(severity, tone):
    assert severity_to_tone(severity, THRESHOLDS) == tone


def test_overlap_gives_consensus_at_the_mean_when_chair_is_neutral():
    d = draft([0.5, 0.55, 0.6])
    assert d.voice == "consensus"
    assert d.severity == pytest.approx(0.55)
    assert d.tone == 2


def test_a_lone_dissenter_blocks_consensus():
    agree = [0.7, 0.72, 0.74, 0.7, 0.71, 0.73, 0.72, 0.7, 0.71, 0.72]
    assert draft(agree).voice == "consensus"
    with_dissenter = [*agree, 0.2]
    d = draft(with_dissenter)
    assert d.voice == "split"  # ten of eleven accept a chair's text: not consensus
    assert d.support == pytest.approx(10 / 11)
    assert d.tone == 3  # the majority's language, not the dissenter's


def test_the_chair_pulls_the_text_toward_its_preference():
    preferred = [0.3, 0.45, 0.6]  # with tolerance 0.2 the common ground is [0.4, 0.5]
    low_chair = draft(preferred, tolerance=0.2, chair=0, chair_pull=0.8)
    high_chair = draft(preferred, tolerance=0.2, chair=2, chair_pull=0.8)
    assert low_chair.voice == high_chair.voice == "consensus"
    assert low_chair.severity < high_chair.severity
    # but never outside the common ground [max(lower), min(upper)] = [0.4, 0.5]
    assert low_chair.severity == pytest.approx(0.4)
    assert high_chair.severity == pytest.approx(0.5)
    assert high_chair.tone == 2


def test_chair_stake_pulls_toward_the_previous_statement():
    preferred = [0.3, 0.5, 0.7]
    free = draft(preferred, tolerance=0.3, anchor=0.9, chair_stake=0.0)
    bound = draft(preferred, tolerance=0.3, anchor=0.9, chair_stake=1.0)
    assert free.severity == pytest.approx(0.5)
    assert bound.severity == pytest.approx(0.6)  # clipped at min(upper) = 0.3 + 0.3


def test_no_overlap_gives_split_or_none_by_quorum():
    polarised = [0.1, 0.1, 0.1, 0.9, 0.9, 0.9]
    assert draft(polarised, quorum=0.5).voice == "split"
    nothing = draft(polarised, quorum=0.7)
    assert nothing.voice == "none"
    assert nothing.tone is None and nothing.severity is None
    assert nothing.support == pytest.approx(0.5)


def test_engaged_members_block_harsher_text_through_their_upper_bound():
    # Same preferences; member 2 tolerates nothing harsher than it wants.
    preferred = [0.7, 0.7, 0.5]
    open_upper = draft(preferred, tolerance=0.25, chair=0, chair_pull=1.0)
    shielded = draft(preferred, tolerance=0.25, chair=0, chair_pull=1.0,
                     upper_tolerance=[0.25, 0.25, 0.0])
    assert open_upper.severity == pytest.approx(0.7)
    assert shielded.severity == pytest.approx(0.5)
    assert open_upper.tone > shielded.tone
