"""Pure numpy mechanics: Friedkin-Johnsen stance dynamics and ASEAN's consensus rule.

Nothing here knows about Mesa; the model owns the arrays and calls these functions,
which keeps the arithmetic vectorised and the rules testable on tiny hand-made cases.

References: Friedkin & Johnsen (1990, 1999), "Social influence and opinions";
the consensus rule follows the ASEAN practice described in DESIGN.md section 2:
members decide by consensus, the chair drafts, and with no common ground the text is a
chair's statement ("some ministers") or nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def influence_matrix(ties: np.ndarray, weights: np.ndarray,
                     active: np.ndarray | None = None) -> np.ndarray:
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


def severity_to_tone(severity: float, thresholds) -> int:
    """Tone 0-4: how many of the four ascending thresholds the severity reaches."""
    return sum(1 for t in thresholds if severity >= t)


@dataclass(frozen=True)
class Draft:
    """The outcome of one ASEAN meeting: tone 0-4 (None without text) and voice."""

    tone: int | None
    voice: str
    severity: float | None
    support: float
    """Share of members whose acceptable range contains the adopted severity."""


def consensus_statement(
    preferred: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    chair: int,
    anchor_severity: float,
    chair_pull: float,
    chair_stake: float,
    thresholds: np.ndarray,
    split_quorum: float,
) -> Draft:
    """Draft ASEAN's statement from the members' acceptable severity ranges.

    The chair aims at a target between the members' mean preference and its own
    (``chair_pull``), pulled further toward the previous statement's severity by its
    reputation stake (``chair_stake``: a chair does not want to be the one who drops
    established language). With a common range ``[max(lower), min(upper)]`` the text is
    the target clipped into it: consensus. Without one, the chair looks for the tone
    acceptable to the most members; if at least ``split_quorum`` of them accept it, the
    text is a chair's statement (split); otherwise there is no agreed text (none).
    """
    own = (1.0 - chair_pull) * float(preferred.sum()) / len(preferred) + chair_pull * float(
        preferred[chair])
    target = (1.0 - chair_stake) * own + chair_stake * anchor_severity
    lo, hi = float(lower.max()), float(upper.min())
    if lo <= hi:
        severity = min(max(target, lo), hi)
        return Draft(severity_to_tone(severity, thresholds), "consensus", severity, 1.0)
    # No common ground: the severity acceptable to most members, nearest the target.
    candidates = np.clip(np.concatenate(([target], lower, upper)), 0.0, 1.0)
    accepted = (lower[None, :] <= candidates[:, None]) & (candidates[:, None] <= upper[None, :])
    support = accepted.mean(axis=1)
    best = support.max()
    ties = np.flatnonzero(support == best)
    severity = float(candidates[ties[np.argmin(np.abs(candidates[ties] - target))]])
    if best >= split_quorum:
        return Draft(severity_to_tone(severity, thresholds), "split", severity, float(best))
    return Draft(None, "none", None, float(best))
