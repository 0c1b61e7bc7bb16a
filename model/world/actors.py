"""Mesa agents: ASEAN members, the DPRK and the outside powers.

Agents are thin: stances live in the model's numpy arrays (one row per agent) and the
agents own the decisions — whom the DPRK visits and when it provokes, whom a power
lobbies, whether a member returns a visit, how the chair drafts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import mesa
import numpy as np

from model.vocabulary import DPRK
from model.world.initial import ENGAGEMENT, INDEX, MEMBER_ROWS, PRESSURE
from model.world.parameters import Parameters


class World(Protocol):
    """What the agents read and call on their model (model.world.diplomacy.DiplomacyModel
    provides it): named here so that the agents need not import the model that builds them.
    """

    params: Parameters
    rng: np.random.Generator
    stance: np.ndarray
    levers: Mapping[str, float]
    calm: Any
    pause: Any
    lobbying: np.ndarray
    reachable: Any
    _power_pressure: np.ndarray
    _power_lobbying: np.ndarray

    def emit(self, *args: Any, **kwargs: Any) -> Any: ...
    def exchange(self, *args: Any, **kwargs: Any) -> Any: ...
    def provoke(self, *args: Any, **kwargs: Any) -> Any: ...


class Country(mesa.Agent):
    """An actor with an ISO code and a row in the model's stance arrays."""

    model: World

    def __init__(self, model: World, code: str):
        super().__init__(model)
        self.code = code
        self.row = INDEX[code]

    @property
    def pressure(self) -> float:
        return float(self.model.stance[self.row, PRESSURE])

    @property
    def engagement(self) -> float:
        return float(self.model.stance[self.row, ENGAGEMENT])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code})"


class Member(Country):
    """An ASEAN member state."""

    @staticmethod
    def returned_visits(model: World, visits: np.ndarray) -> np.ndarray:
        """Which visited members send a delegation back to Pyongyang this quarter (at most
        one each): the chance grows with the member's engagement. Decided for all members
        at once, since this runs every quarter of every replicate."""
        chance = model.params.reciprocity * model.stance[MEMBER_ROWS, ENGAGEMENT]
        return (visits > 0) & (model.rng.random(len(visits)) < chance)


class Power(Country):
    """An outside power: a near-stubborn node that lobbies members."""

    @staticmethod
    def lobbying(model: World, focus: np.ndarray) -> np.ndarray:
        """Lobbying weight of each power (columns, POWERS order) on each member (rows).

        A power presses harder on the chair (``focus``: a column with ``1 + chair_focus``
        in the chair's row) and on members whose pressure is far from its own. Computed
        for all powers at once, since it runs every quarter of every replicate.
        """
        distance = np.abs(model.stance[MEMBER_ROWS, PRESSURE][:, None] - model._power_pressure)
        return model._power_lobbying * focus * (0.5 + distance)

    def contact(self, target: str) -> None:
        """Record the power's most intense lobbying contact (``target``) before a meeting."""
        if self.model.lobbying[self.row] > 0:
            self.model.emit(
                "lobbying",
                self.code,
                target,
                f"{self.code} lobbies {target} on the DPRK ahead of ASEAN meetings",
            )


class NorthKorea(Country):
    """The DPRK: chooses outreach to members and provocations each quarter."""

    def outreach_rates(self) -> np.ndarray:
        """Expected delegations per member this quarter (the 2013 report: outreach rises
        with sanctions, as Pyongyang seeks friends to weaken them)."""
        m, p = self.model, self.model.params
        sanctions = m.levers["sanctions_tightness"]
        base = (
            p.outreach_rate
            * m.levers["dprk_outreach"]
            * (1.0 + p.outreach_sanctions_response * sanctions)
        )
        warmth = (0.05 + m.stance[MEMBER_ROWS, ENGAGEMENT]) ** p.outreach_focus
        return base * warmth * m.reachable

    def provocation_hazard(self) -> float:
        """Expected launches this quarter: up with sanctions and Russian backing, down
        after a summit."""
        m, p = self.model, self.model.params
        boldness = 1.0 + 0.5 * (m.levers["russia_alignment"] - 0.5)
        sanctions = 1.0 + p.provocation_sanctions_response * (m.levers["sanctions_tightness"] - 0.5)
        return max(
            0.0,
            p.provocation_rate
            * m.levers["dprk_provocation"]
            * boldness
            * sanctions
            * (1.0 - m.calm),
        )

    def act(self) -> None:
        """Send delegations, then maybe launch missiles or test a weapon. While a declared
        testing pause holds, its launches are short-range only: from April 2018 until the
        ICBM test of March 2022 the DPRK fired short-range missiles but tested no ICBM or
        nuclear device (scenarios/history.yaml)."""
        m = self.model
        visits = m.rng.poisson(self.outreach_rates())
        if visits.any():
            m.exchange(visits)
        for _ in range(_poisson(m.rng, self.provocation_hazard())):
            draw = m.rng.random()
            if m.pause:  # a declared pause holds: short-range launches only (2019-2021)
                kind = "missile_test"
            elif draw < m.params.nuclear_share:
                kind = "nuclear_test"
            elif draw < m.params.nuclear_share + m.params.icbm_share:
                kind = "icbm_test"
            else:
                kind = "missile_test"
            m.provoke(kind)


def _poisson(rng: np.random.Generator, rate: float) -> int:
    """A Poisson draw by Knuth's product of uniforms: for the small rates used here it is
    several times cheaper than ``rng.poisson`` on a scalar, and just as exact."""
    limit, k, product = np.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def build_agents(model: World, members, powers) -> tuple[list[Member], NorthKorea, list[Power]]:
    """Create one agent per actor, in the model's row order."""
    return (
        [Member(model, c) for c in members],
        NorthKorea(model, DPRK),
        [Power(model, c) for c in powers],
    )
