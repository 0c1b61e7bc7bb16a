"""Which actors a world is built with: the members, the DPRK and the outside powers.

The actor list is data the model is built with, not a fact baked into its arrays: the
batched engine (model/world/batched.py) takes an :class:`ActorSet` and sizes every array,
column slice and random stream from it. So a test can build a world of three members and
one power and check its quarters against numbers worked by hand, while the shipped world
is :data:`DEFAULT_ACTORS`, the README's actors (model/vocabulary.py), with exactly the
rows, streams and outputs it always had.

Rows follow one order, members first, then the DPRK, then the powers, so members and
powers are slices (numpy takes fast views of slices, not of index arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from model.vocabulary import DPRK, MEMBERS, POWERS


@dataclass(frozen=True)
class ActorSet:
    """The codes of a world's ASEAN members (in rotation order), of the DPRK and of the
    outside powers, with the array rows derived from them. Frozen and hashable, so what
    depends only on the set (event templates, stream layouts) can be cached on it."""

    members: tuple[str, ...]
    dprk: str = DPRK
    powers: tuple[str, ...] = POWERS

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "powers", tuple(self.powers))
        if not self.members:
            raise ValueError("a world needs at least one ASEAN member")
        codes = self.agents
        if len(set(codes)) != len(codes):
            raise ValueError(f"actor codes must be distinct, got {codes}")
        if not all(isinstance(c, str) and c for c in codes):
            raise ValueError(f"actor codes must be non-empty strings, got {codes}")

    @property
    def agents(self) -> tuple[str, ...]:
        """Every actor in row order: the members, the DPRK, the powers."""
        return (*self.members, self.dprk, *self.powers)

    @cached_property
    def index(self) -> dict[str, int]:
        """Each actor's row in the stance and tie arrays."""
        return {code: i for i, code in enumerate(self.agents)}

    @property
    def n_members(self) -> int:
        return len(self.members)

    @property
    def n_powers(self) -> int:
        return len(self.powers)

    @property
    def n_agents(self) -> int:
        return len(self.members) + 1 + len(self.powers)

    @property
    def member_rows(self) -> slice:
        return slice(0, self.n_members)

    @property
    def dprk_row(self) -> int:
        return self.n_members

    @property
    def power_rows(self) -> slice:
        return slice(self.n_members + 1, self.n_agents)


DEFAULT_ACTORS = ActorSet(MEMBERS, DPRK, POWERS)
"""The shipped world: the eleven members, the DPRK and the five powers of the README."""
