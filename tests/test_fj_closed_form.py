"""Model-level check: without noise or shocks, members' stances reach the FJ closed form.

The update the model applies to the members each quarter (model/world/dynamics.py
``fj_step``, called by DiplomacyModel._update_stances and mirrored by BatchedModel) is

    x_m' = Lambda W x + (I - Lambda) u

over the member rows m only, where ``W`` (members x actors) is row-stochastic over
members, outside powers and the DPRK, ``u`` the members' anchors and ``Lambda`` their
susceptibilities; the powers and the DPRK (rows s) are stubborn: nothing updates them.
Splitting ``W = [W_mm | W_ms]``, a fixed point satisfies

    x_m* = (I - Lambda W_mm)^-1 (Lambda W_ms x_s + (I - Lambda) u).

With ``asean_centrality = 1`` members listen only to each other (``W_ms = 0``) and this
is the textbook ``x* = (I - Lambda W)^-1 (I - Lambda) u``, computable before the run.
With the outside powers and the DPRK in the room ``W`` depends on the stances (powers
press harder on distant members, the DPRK pulls by engagement), so the check is that
the limit solves the closed form with ``W`` evaluated at the limit.

"No noise, no shocks" means: ``stance_noise = 0``, no scenario shocks, the DPRK's
outreach and provocation levers at 0 (no delegations, no launches), and a start after
the record's last year so that the yearly tie refresh changes nothing (asserted). The
anchors stay at their starting values (no nudges), which is asserted too.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.vocabulary import AGENTS, MEMBERS
from model.world.batched import BatchedModel
from model.world.diplomacy import DiplomacyModel
from model.world.initial import DPRK_ROW, ENGAGEMENT, MEMBER_ROWS, POWER_ROWS, PRESSURE

START, END = "2027Q1", "2040Q4"  # 56 quarters: the residual falls far below TOL
SUSCEPTIBILITIES = (0.3, 0.55, 0.8)
QUIET = {"dprk_outreach": 0.0, "dprk_provocation": 0.0}
N = len(MEMBERS)
OTHERS = np.ones(len(AGENTS), dtype=bool)
OTHERS[MEMBER_ROWS] = False  # the stubborn rows: DPRK and outside powers
TOL = 1e-9


def influence(stance, ties, active, relations, lobbying, levers, params) -> np.ndarray:
    """(members, actors) row-stochastic influence matrix at ``stance``, from the rules the
    model documents (diplomacy.py _update_stances, actors.py Power.lobbying), with the
    chair's focus off (``chair_focus = 0``) so that it does not change with the year."""
    centrality = levers["asean_centrality"]
    member_ties = ties[MEMBER_ROWS] * active
    weights = np.zeros((N, len(AGENTS)))
    weights[:, MEMBER_ROWS] = centrality
    distance = np.abs(stance[MEMBER_ROWS, PRESSURE][:, None] - stance[POWER_ROWS, PRESSURE])
    weights[:, POWER_ROWS] = (
        (1.0 - centrality) * params.lobbying_weight * lobbying[POWER_ROWS] * (0.5 + distance)
    )
    weights[:, DPRK_ROW] = (
        (1.0 - centrality) * params.dprk_pull * stance[MEMBER_ROWS, ENGAGEMENT] * relations
    )
    raw = member_ties * weights
    return raw / raw.sum(axis=1, keepdims=True)


def closed_form(w: np.ndarray, lam: np.ndarray, anchor: np.ndarray, stance: np.ndarray):
    """``(I - Lambda W_mm)^-1 (Lambda W_ms x_s + (I - Lambda) u)`` (module docstring)."""
    lam_col = lam[:, None]
    rhs = lam_col * (w[:, OTHERS] @ stance[OTHERS]) + (1.0 - lam_col) * anchor
    return np.linalg.solve(np.eye(N) - lam_col * w[:, MEMBER_ROWS], rhs)


def test_members_only_converge_to_the_textbook_closed_form_in_both_engines(quiet_parameters):
    levers = {**QUIET, "asean_centrality": 1.0}
    params = [quiet_parameters(susceptibility=s) for s in SUSCEPTIBILITIES]
    batched = BatchedModel(start=START, end=END, levers=levers, parameters=params, rng=3)
    ties = batched.ties[0].copy()
    starts = batched.stance[:, MEMBER_ROWS].copy()
    anchors = batched.anchor[:, MEMBER_ROWS].copy()
    predicted = []
    for r, p in enumerate(params):
        single = DiplomacyModel(start=START, end=END, levers=levers, parameters=p, rng=r)
        np.testing.assert_array_equal(single.stance[MEMBER_ROWS], starts[r])
        u, lam = single.anchor[MEMBER_ROWS].copy(), single.lam[MEMBER_ROWS].copy()
        np.testing.assert_array_equal(lam, p.susceptibility)
        ties_ = single.ties[MEMBER_ROWS, MEMBER_ROWS] * single.active[MEMBER_ROWS]
        w = ties_ / ties_.sum(axis=1, keepdims=True)
        x_star = np.linalg.solve(np.eye(N) - lam[:, None] * w, (1.0 - lam)[:, None] * u)
        predicted.append(x_star)
        # the starting stances are far from the limit: the run has to get there
        assert np.abs(starts[r] - x_star).max() > 0.05
        single.run()
        np.testing.assert_array_equal(single.ties, ties)  # no tie refresh moved W
        np.testing.assert_array_equal(single.anchor[MEMBER_ROWS], u)  # nothing nudged
        np.testing.assert_allclose(single.stance[MEMBER_ROWS], x_star, rtol=0, atol=TOL)
    batched.run()
    np.testing.assert_array_equal(batched.ties[0], ties)
    np.testing.assert_array_equal(batched.anchor[:, MEMBER_ROWS], anchors)
    np.testing.assert_allclose(
        batched.stance[:, MEMBER_ROWS], np.stack(predicted), rtol=0, atol=TOL
    )


@pytest.mark.parametrize("susceptibility", SUSCEPTIBILITIES)
def test_with_powers_and_the_dprk_the_limit_solves_the_closed_form(
    susceptibility, quiet_parameters
):
    params = quiet_parameters(susceptibility=susceptibility, chair_focus=0.0)
    single = DiplomacyModel(start=START, end=END, levers=QUIET, parameters=params, rng=1)
    start = single.stance.copy()
    u = single.anchor[MEMBER_ROWS].copy()
    single.run()
    x = single.stance

    def solve(stance, ties, active, relations, lobbying, lam):
        w = influence(stance, ties, active, relations, lobbying, single.levers, params)
        np.testing.assert_allclose(w.sum(axis=1), 1.0)
        assert (w[:, OTHERS] > 0).any(axis=1).all()  # every member hears an outsider
        return closed_form(w, lam, u, stance)

    lam = single.lam[MEMBER_ROWS]
    x_star = solve(x, single.ties, single.active, single.relations, single.lobbying, lam)
    np.testing.assert_array_equal(single.anchor[MEMBER_ROWS], u)
    np.testing.assert_array_equal(x[OTHERS], start[OTHERS])  # the stubborn stay put
    assert np.abs(start[MEMBER_ROWS] - x_star).max() > 0.05
    np.testing.assert_allclose(x[MEMBER_ROWS], x_star, rtol=0, atol=TOL)

    batched = BatchedModel(
        start=START, end=END, levers=QUIET, parameters=params, replicates=2, rng=4
    ).run()
    for r in range(2):
        xb = batched.stance[r]
        ties = batched.ties[0 if batched.ties.shape[0] == 1 else r]
        xb_star = solve(
            xb, ties, batched.active[r], batched.relations[r], batched.lobbying[r],
            batched.lam[r],
        )  # fmt: skip
        np.testing.assert_allclose(xb[MEMBER_ROWS], xb_star, rtol=0, atol=TOL)
        np.testing.assert_allclose(xb_star, x_star, rtol=0, atol=TOL)
