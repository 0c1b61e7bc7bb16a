"""How ASEAN's text on the DPRK is made: positions, vetoes and the chair's pen.

Pure numpy on the members present at one meeting, in tone units (the 0-4 scale of the
README: 0 welcomes engagement, 1 urges restraint, 2 concern, 3 serious concern, 4 grave
concern). The model (model/world/diplomacy.py) computes each member's position; this module turns
positions into a text. Where each rule comes from:

- **Positions with salience and a veto** follow the spatial bargaining models of Bueno
  de Mesquita (expected utility model, 1994; 2002) and KTAB (Wise, Lumsdaine & Efird,
  2015): each actor has a position on one issue dimension, a salience (how much it
  cares) and, under a unanimity rule, the power to block. ASEAN decides by consensus
  (ASEAN Charter, art. 20): any member can block a text, so consensus means that no
  member blocks, not that preferences overlap.
- **The chair's pen** follows ASEAN practice: the chair drafts the communique or the
  chairman's statement. With consensus it may soften or harden within what no one
  blocks, softening the more, the further its own will to block a harsher text exceeds
  the room's (DiplomacyModel.chair_softening); without it, it issues a chairman's
  statement that speaks for "many" or "some" ministers (voice ``split``: the 2024 ARF
  chairman's statement spoke for "many ministers", and in December 2012 the chair
  recorded that the ministers could not agree on the DPRK's launch) or drops the item
  (voice ``none``, as the 2012 Phnom Penh AMM, which issued no joint communique at all;
  seeds/validation/statements.csv). A chair never pens a text it would itself block.
- **Established language**: a chair that wants the DPRK criticised defends the previous
  text's wording (no chair wants to be the one who dropped "grave concern"); a chair
  close to Pyongyang does not (the 2016 Lao chair kept to plain "concern" in the year of
  two nuclear tests, 004_e4ddf58322e5607c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TONE_LEVELS = np.arange(5, dtype=float)
"""The five tones a text can have (README, "Tone and voice")."""


@dataclass(frozen=True, slots=True)
class Positions:
    """Each present member's stake in the text, in tone units (arrays of one length).

    ``preferred``: the tone it wants; ``lower``/``upper``: the softest and harshest text
    it does not block; ``salience``: how much it cares (0-1), which weighs its voice in
    the chair's reading of the room.
    """

    preferred: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    salience: np.ndarray

    def blocks(self, tone: float) -> np.ndarray:
        """Which members would block a text of ``tone``."""
        return (tone < self.lower - 1e-9) | (tone > self.upper + 1e-9)

    def replace_rows(self, rows: dict[int, tuple[float, float, float, float]]) -> Positions:
        """A copy with some members' (preferred, lower, upper, salience) replaced."""
        arrays = [a.copy() for a in (self.preferred, self.lower, self.upper, self.salience)]
        for i, values in rows.items():
            for array, value in zip(arrays, values, strict=True):
                array[i] = value
        return Positions(*arrays)


@dataclass(frozen=True, slots=True)
class Draft:
    """The text one meeting adopts.

    ``tone`` is None without text. ``target`` is the tone the chair aimed at before
    the vetoes; ``support`` the share of members that do not block the adopted text (or,
    with no text, the best share any tone had); ``blockers`` the members (positions in
    the arrays given) that block the tone the chair aimed at.
    """

    tone: int | None
    voice: str
    target: float
    support: float
    blockers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ChairProfile:
    """What the chair brings to the pen: its own position and how it weighs the room."""

    position: int
    """Index of the chair among the members present."""
    pull: float
    """Weight of its own preferred tone in its target (versus the room's)."""
    stake: float
    """Pull toward the previous text's tone (defending established language), 0-1."""
    soften: float = 0.0
    """How far it softens toward the softest text no member blocks, 0-1 (a chair closer
    to Pyongyang than the room uses the pen to soften: DiplomacyModel.chair_softening)."""


def room_tone(positions: Positions) -> float:
    """The salience-weighted mean preferred tone: the room as the chair reads it (the
    weighted mean position of the expected utility model's median-voter forecast)."""
    weights = positions.salience + 1e-9
    return float((weights * positions.preferred).sum() / weights.sum())


def chair_target(positions: Positions, chair: ChairProfile, previous_tone: int | None) -> float:
    """The tone the chair aims at: between the room and its own preference, pulled toward
    the previous text when it defends established language."""
    own = float(positions.preferred[chair.position])
    target = (1.0 - chair.pull) * room_tone(positions) + chair.pull * own
    if previous_tone is not None:
        target = (1.0 - chair.stake) * target + chair.stake * previous_tone
    return float(np.clip(target, 0.0, 4.0))


def draft_text(
    positions: Positions, chair: ChairProfile, previous_tone: int | None, split_quorum: float
) -> Draft:
    """The chair's choice among a consensus text, a chairman's statement and no text.

    1. Consensus: of the tones no member blocks, the one nearest the chair's target,
       moved ``soften`` of the way toward the softest of them (a chair close to
       Pyongyang softens within what no one blocks: the 2016 Lao chair kept to plain
       concern in a year of two nuclear tests, seeds/statements.csv; a chair that wants
       the DPRK criticised has little will to block and keeps its aim).
    2. Otherwise a chairman's statement (voice ``split``): the tone nearest the target
       that the chair itself accepts and at least ``split_quorum`` of the members do not
       block ("many ministers expressed ...").
    3. Otherwise the item is dropped (voice ``none``).
    """
    target = chair_target(positions, chair, previous_tone)
    blocked = (TONE_LEVELS[:, None] < positions.lower[None, :] - 1e-9) | (
        TONE_LEVELS[:, None] > positions.upper[None, :] + 1e-9
    )  # (tones, members)
    distance = np.abs(TONE_LEVELS - target)
    nearest = int(np.argmin(distance))
    blockers = tuple(np.flatnonzero(blocked[nearest]).tolist())
    support = 1.0 - blocked.mean(axis=1)
    agreed = ~blocked.any(axis=1)
    if agreed.any():
        softest = float(TONE_LEVELS[agreed].min())
        aim = target - chair.soften * max(0.0, target - softest)
        tone = int(np.argmin(np.where(agreed, np.abs(TONE_LEVELS - aim), np.inf)))
        return Draft(tone, "consensus", target, 1.0, blockers)
    chair_accepts = ~blocked[:, chair.position]
    quorate = chair_accepts & (support >= split_quorum - 1e-9)
    if quorate.any():
        tone = int(np.argmin(np.where(quorate, distance, np.inf)))
        return Draft(tone, "split", target, float(support[tone]), blockers)
    return Draft(None, "none", target, float(support.max()), blockers)
