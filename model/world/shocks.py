"""Shock types: dated events a scenario injects (scenarios/README.md, "Shocks").

This module is the registry (name, who may act, default magnitude); the effects are
applied by :meth:`model.world.diplomacy.DiplomacyModel.apply_shock`, and
``model.world.diplomacy.ScheduledShock`` binds one shock to one model so Mesa's
``schedule_event`` gets a bound method.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.vocabulary import DPRK, MEMBERS


@dataclass(frozen=True)
class ShockType:
    """What a shock type does, who may be its actor, and its magnitude's meaning."""

    name: str
    meaning: str
    actors: tuple[str, ...]
    default_actor: str | None
    magnitude: float
    low: float
    high: float
    magnitude_meaning: str


PROVOCATION_ACTORS = (DPRK,)
SHOCK_TYPES: dict[str, ShockType] = {
    s.name: s
    for s in (
        ShockType("missile_test", "The DPRK launches ballistic missiles.", PROVOCATION_ACTORS,
                  DPRK, 0.25, 0.0, 1.0, "provocation impulse"),
        ShockType("icbm_test", "The DPRK tests an intercontinental ballistic missile.",
                  PROVOCATION_ACTORS, DPRK, 0.5, 0.0, 1.0, "provocation impulse"),
        ShockType("nuclear_test", "The DPRK conducts a nuclear test.", PROVOCATION_ACTORS, DPRK,
                  1.0, 0.0, 1.0, "provocation impulse"),
        ShockType("armed_attack", "A DPRK military attack, e.g. the sinking of the Cheonan "
                  "or the shelling of Yeonpyeong (2010).", PROVOCATION_ACTORS, DPRK, 1.0, 0.0,
                  2.0, "provocation impulse"),
        ShockType("unsc_resolution", "The UN Security Council adopts a sanctions resolution.",
                  ("UNSC",), "UNSC", 0.1, -0.5, 0.5,
                  "change in sanctions_tightness (negative eases sanctions)"),
        ShockType("us_dprk_summit", "A US-DPRK leaders' summit; `host` names a member that "
                  "hosts it (optional).", ("USA",), "USA", 1.0, 0.0, 1.0,
                  "strength of the dialogue frame it opens and of the calm it brings"),
        ShockType("inter_korean_summit", "The leaders of the two Koreas meet (2000, 2007, "
                  "2018): a dialogue frame opens.", ("KOR",), "KOR", 1.0, 0.0, 1.0,
                  "strength of the dialogue frame it opens"),
        ShockType("talks", "Negotiations with the DPRK make progress (a six-party joint "
                  "statement, envoys meeting again).", ("USA", "CHN", "KOR", DPRK),
                  "CHN", 0.6, 0.0, 1.0, "strength of the dialogue frame it opens"),
        ShockType("moratorium", "The DPRK declares a pause on nuclear and long-range tests "
                  "(1999, 2012, 2018): the dialogue frame it opens does not fade while the "
                  "pause holds, and the DPRK's own launches are short-range only, until an "
                  "ICBM or nuclear test or an attack ends it.", PROVOCATION_ACTORS, DPRK, 0.5,
                  0.0, 1.0, "strength of the dialogue frame the pause sustains"),
        ShockType("escalation", "The DPRK escalates without a test: it quits the NPT, "
                  "restarts its reactor, declares nuclear weapons or renounces a moratorium "
                  "(2002-2005).", PROVOCATION_ACTORS, DPRK, 0.5, 0.0, 1.0,
                  "provocation impulse (it also ends a pause and breaks the frame)"),
        ShockType("dprk_delegation", "The DPRK sends a senior delegation to a member (actor).",
                  MEMBERS, None, 1.0, 1.0, 10.0, "number of delegations"),
        ShockType("incident", "A bilateral incident sours a member on the DPRK (e.g. the 2017 "
                  "killing at Kuala Lumpur airport).", MEMBERS, None, 0.3, 0.0, 1.0,
                  "engagement lost (and half of it gained as pressure)"),
        ShockType("break_relations", "A member breaks off diplomatic relations with the DPRK.",
                  MEMBERS, None, 1.0, 1.0, 1.0, "unused"),
        ShockType("restore_relations", "A member restores relations with the DPRK.", MEMBERS,
                  None, 1.0, 1.0, 1.0, "unused"),
        ShockType("alliance", "An outside power moves closer to the DPRK (e.g. the 2024 "
                  "Russia-DPRK treaty).", ("RUS", "CHN"), "RUS", 0.3, 0.0, 1.0,
                  "rise of the power's alignment lever"),
        ShockType("strain", "An outside power's relations with the DPRK cool.", ("RUS", "CHN"),
                  "CHN", 0.3, 0.0, 1.0, "fall of the power's alignment lever"),
        ShockType("chair_change", "Another member takes the chair for the rest of the year.",
                  MEMBERS, None, 1.0, 1.0, 1.0, "unused"),
        ShockType("accession", "A new member joins ASEAN (e.g. Timor-Leste, 2025Q4).",
                  MEMBERS, None, 1.0, 1.0, 1.0, "unused"),
        ShockType("lever", "Set a lever (`lever`, `value`) from this quarter on.", (), None,
                  1.0, 1.0, 1.0, "unused"),
    )
}  # fmt: skip

ALIGNMENT_LEVER = {"RUS": "russia_alignment", "CHN": "china_shield"}
"""The lever an alliance or strain moves, per power."""
