"""Pure numpy mechanics of how stances spread: Friedkin-Johnsen opinion dynamics.

Nothing here knows about Mesa; the model owns the arrays and calls these functions,
which keeps the arithmetic vectorised and the rules testable on tiny hand-made cases.
How a statement is made from the stances is in model/world/negotiation.py.

Reference: Friedkin & Johnsen (1990, 1999), "Social influence and opinions".
"""

from __future__ import annotations

import numpy as np


def fj_step(x: np.ndarray, anchor: np.ndarray, w: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """One Friedkin-Johnsen update: ``x' = Lambda W x + (I - Lambda) x0``.

    ``x`` is the (n, k) stance array and ``w`` a row-stochastic influence matrix; ``w``
    may hold only the rows of the actors that move (m, n), with ``anchor`` (m, k) and
    susceptibilities ``lam`` (m,) for those rows. An actor with susceptibility 0 is
    stubborn and stays at its anchor.
    """
    lam_col = lam[:, None]
    return lam_col * (w @ x) + (1.0 - lam_col) * anchor


def fj_equilibrium(anchor: np.ndarray, w: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Closed-form fixed point ``(I - Lambda W)^-1 (I - Lambda) x0`` (when it exists)."""
    n = w.shape[0]
    return np.linalg.solve(np.eye(n) - lam[:, None] * w, (1.0 - lam)[:, None] * anchor)


def influence_matrix(
    ties: np.ndarray, weights: np.ndarray, active: np.ndarray | None = None
) -> np.ndarray:
    """Row-stochastic influence matrix from tie strength and each source's weight.

    ``W[i, j]`` is proportional to ``ties[i, j] * weights[i, j]`` over active ``j`` (all
    sources when ``active`` is None, e.g. when ``ties`` already zeroes inactive ones). A
    row with no active influence is all zeros unless the matrix is square, in which case
    the actor keeps full weight on itself.
    """
    raw = ties * weights if active is None else ties * weights * active
    totals = raw.sum(axis=1)
    lonely = totals <= 0
    if not lonely.any():
        return raw / totals[:, None]
    w = raw / np.where(lonely, 1.0, totals)[:, None]
    if w.shape[0] == w.shape[1]:
        rows = np.flatnonzero(lonely)
        w[rows, rows] = 1.0
    return w
