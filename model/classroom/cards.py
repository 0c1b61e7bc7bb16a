"""Event cards: the shocks a teacher can play during the lesson, in the next quarter.

Each card is a shock type from model/world/shocks.py with a label students read. Cards are
played through :meth:`ClassroomModel.play`, dated the next quarter to be simulated, so
they act exactly as a scenario's dated shock would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from model.vocabulary import MEMBERS, NAMES, Quarter
from model.world.levers import LEVERS
from model.world.scenario import ShockSpec
from model.world.shocks import SHOCK_TYPES


class Table(Protocol):
    """What a card is played on (model.classroom.session.ClassroomModel): named here so
    that the cards need not import the session that plays them."""

    @property
    def next_quarter(self) -> Quarter | None: ...

    def play(self, shock: ShockSpec, label: str, key: str = "") -> None: ...


@dataclass(frozen=True)
class EventCard:
    """A card: its key, the button label, the shock type and whether it names a member."""

    key: str
    label: str
    shock_type: str
    member: str | None = None
    """'host' or 'actor': the ShockSpec field the chosen member fills (None: no member)."""
    meaning: str = ""
    """One line on what the card does in the model, for the teacher's console."""


CARDS: dict[str, EventCard] = {
    card.key: card
    for card in (
        EventCard(
            "missile",
            "Missile test",
            "missile_test",
            meaning="Short-range launches: a little more remembered threat.",
        ),
        EventCard(
            "icbm",
            "ICBM test",
            "icbm_test",
            meaning="A long-range test: more threat, and it breaks a dialogue frame.",
        ),
        EventCard(
            "nuclear",
            "Nuclear test",
            "nuclear_test",
            meaning="The strongest provocation: members harden, talks are off.",
        ),
        EventCard(
            "unsc",
            "New UNSC resolution",
            "unsc_resolution",
            meaning="The Security Council tightens sanctions a step.",
        ),
        EventCard(
            "summit",
            "US-DPRK summit",
            "us_dprk_summit",
            member="host",
            meaning="Opens a dialogue frame: ASEAN's texts turn to welcoming talks.",
        ),
        EventCard(
            "chair",
            "Chair change",
            "chair_change",
            member="actor",
            meaning="Another member takes ASEAN's chair for the rest of the year.",
        ),
    )
}


class GameOver(ValueError):
    """The run has reached its last quarter: nothing more can happen in it."""


def _next(model: Table) -> str:
    if model.next_quarter is None:
        raise GameOver("the run is over: start a new class to play again")
    return str(model.next_quarter)


def play_card(model: Table, key: str, member: str | None = None) -> str:
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


SHOCK_WORDS = {
    "missile_test": "Missile test",
    "icbm_test": "ICBM test",
    "nuclear_test": "Nuclear test",
    "armed_attack": "DPRK armed attack",
    "unsc_resolution": "New UNSC resolution",
    "us_dprk_summit": "US-DPRK summit",
    "inter_korean_summit": "Inter-Korean summit",
    "talks": "Talks make progress",
    "moratorium": "DPRK testing pause",
    "escalation": "DPRK nuclear escalation",
    "dprk_delegation": "DPRK delegation",
    "incident": "Incident",
    "break_relations": "Relations broken",
    "restore_relations": "Relations restored",
    "alliance": "Alliance with the DPRK",
    "strain": "Strain with the DPRK",
    "chair_change": "Chair change",
    "accession": "Joins ASEAN",
    "lever": "Lever",
}
"""Timeline labels of the scenario's own shocks, worded as the cards are."""


def shock_label(shock: ShockSpec) -> str:
    """A scenario shock labelled like a played card: 'Nuclear test', 'Chair change
    (Singapore)', 'Alliance with the DPRK (Russia)', 'sanctions tightness set to 0.8'."""
    if shock.type == "lever":
        return f"{LEVER_WORDS.get(shock.lever, shock.lever)} set to {shock.value:g}"
    label = SHOCK_WORDS.get(shock.type, shock.type.replace("_", " "))
    who = shock.host if shock.type == "us_dprk_summit" else shock.actor
    if who is None and shock.type in ("alliance", "strain"):
        who = SHOCK_TYPES[shock.type].default_actor
    if who in MEMBERS or (who in NAMES and shock.type in ("alliance", "strain", "talks")):
        label += f" ({NAMES[who]})"
    return label


LEVER_WORDS = {
    "sanctions_tightness": "UN sanctions enforcement",
    "us_pressure": "US pressure on ASEAN",
    "china_shield": "China shields the DPRK",
    "russia_alignment": "Russia sides with the DPRK",
    "dprk_outreach": "DPRK diplomatic outreach",
    "dprk_provocation": "DPRK provocations",
    "asean_centrality": "ASEAN solidarity",
}
"""Each lever in words (the one-line meaning is the lever's own, model/world/levers.py)."""


def move_lever(model: Table, name: str, value: float) -> str:
    """Set a lever from the next quarter on (a `lever` shock), recorded on the timeline."""
    lever = LEVERS[name]
    value = round(min(max(float(value), lever.low), lever.high), 2)
    shock = ShockSpec(
        at=_next(model), type="lever", lever=name, value=value, note="classroom slider"
    )
    label = f"{LEVER_WORDS.get(name, name)} set to {value:g}"
    model.play(shock, label, key=f"lever:{name}")
    return label
