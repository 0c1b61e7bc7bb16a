"""Event cards: the shocks a teacher can play during the lesson, in the next quarter.

Each card is a shock type from model/world/shocks.py with a label students read. Cards are
played through :meth:`ClassroomModel.play`, dated the next quarter to be simulated, so
they act exactly as a scenario's dated shock would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.vocabulary import NAMES
from model.world.levers import LEVERS
from model.world.scenario import ShockSpec

if TYPE_CHECKING:
    from model.classroom.session import ClassroomModel


@dataclass(frozen=True)
class EventCard:
    """A card: its key, the button label, the shock type and whether it names a member."""

    key: str
    label: str
    shock_type: str
    member: str | None = None
    """'host' or 'actor': the ShockSpec field the chosen member fills (None: no member)."""


CARDS: dict[str, EventCard] = {
    card.key: card
    for card in (
        EventCard("missile", "Missile test", "missile_test"),
        EventCard("icbm", "ICBM test", "icbm_test"),
        EventCard("nuclear", "Nuclear test", "nuclear_test"),
        EventCard("unsc", "New UNSC resolution", "unsc_resolution"),
        EventCard("summit", "US-DPRK summit", "us_dprk_summit", member="host"),
        EventCard("chair", "Chair change", "chair_change", member="actor"),
    )
}


class GameOver(ValueError):
    """The run has reached its last quarter: nothing more can happen in it."""


def _next(model: ClassroomModel) -> str:
    if model.next_quarter is None:
        raise GameOver("the run is over; press Reset to play again")
    return str(model.next_quarter)


def play_card(model: ClassroomModel, key: str, member: str | None = None) -> str:
    """Play a card in the next quarter; returns the label recorded on the timeline."""
    card = CARDS[key]
    fields: dict[str, str] = {}
    label = card.label
    if card.member is not None:
        if member is None:
            raise ValueError(f"the {card.label} card needs a member")
        fields[card.member] = member
        label += f" ({NAMES[member]})"
    shock = ShockSpec(at=_next(model), type=card.shock_type, note="classroom card", **fields)
    model.play(shock, label)
    return label


def move_lever(model: ClassroomModel, name: str, value: float) -> str:
    """Set a lever from the next quarter on (a `lever` shock), recorded on the timeline."""
    lever = LEVERS[name]
    value = round(min(max(float(value), lever.low), lever.high), 2)
    shock = ShockSpec(at=_next(model), type="lever", lever=name, value=value,
                      note="classroom slider")
    label = f"{name.replace('_', ' ')} set to {value:g}"
    model.play(shock, label, key=f"lever:{name}")
    return label
