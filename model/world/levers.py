"""Scenario levers: the documented global knobs a scenario (or a classroom slider) turns.

Levers describe the policy world (how tight sanctions are, how hard Washington
presses); parameters (params/defaults.yaml) describe behaviour and are calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lever:
    """A scenario lever: its default, its range and what it does."""

    name: str
    default: float
    low: float
    high: float
    meaning: str


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever("sanctions_tightness", 0.6, 0.0, 1.0,
              "How tightly UN sanctions on the DPRK are enforced. Raises DPRK outreach to "
              "ASEAN (to weaken sanctions) and its provocations."),
        Lever("us_pressure", 0.5, 0.0, 1.0,
              "How hard the United States (with Japan and South Korea) lobbies ASEAN to "
              "criticise the DPRK. 0.5 is the historical average."),
        Lever("china_shield", 0.5, 0.0, 1.0,
              "How far China shields the DPRK: lowers the pressure China asks of ASEAN and "
              "raises its lobbying. Low values model a China-DPRK strain."),
        Lever("russia_alignment", 0.5, 0.0, 1.0,
              "How closely Russia aligns with the DPRK: lowers the pressure Russia asks of "
              "ASEAN, raises its lobbying and emboldens DPRK provocations."),
        Lever("dprk_outreach", 1.0, 0.0, 3.0,
              "Multiplier on the DPRK's propensity to send delegations to members."),
        Lever("dprk_provocation", 1.0, 0.0, 3.0,
              "Multiplier on the DPRK's propensity to launch missiles and test weapons."),
        Lever("asean_centrality", 0.5, 0.0, 1.0,
              "Weight members give each other relative to the outside powers and the DPRK "
              "(ASEAN solidarity)."),
    )
}  # fmt: skip


def default_levers() -> dict[str, float]:
    """Every lever at its default."""
    return {name: lever.default for name, lever in LEVERS.items()}


def power_stances(p, levers) -> dict[str, tuple]:
    """Each outside power's (pressure, engagement, lobbying) under the levers, before
    clipping and scenario overrides: Washington's pressure drives its own and its allies'
    lobbying, China's shield and Russia's alignment lower what they ask of ASEAN and raise
    their engagement and lobbying. ``p`` holds the parameters and ``levers`` the lever
    values, as scalars (DiplomacyModel) or arrays over replicates (BatchedModel)."""
    us, shield, russia = levers["us_pressure"], levers["china_shield"], levers["russia_alignment"]
    return {
        "USA": (p.pressure_USA, p.engagement_USA, p.lobbying_USA * 2.0 * us),
        "JPN": (p.pressure_JPN, p.engagement_JPN, p.lobbying_JPN * (0.5 + us)),
        "KOR": (p.pressure_KOR, p.engagement_KOR, p.lobbying_KOR * (0.5 + us)),
        "CHN": (
            p.pressure_CHN * 2.0 * (1.0 - shield),
            p.engagement_CHN * (0.5 + shield),
            p.lobbying_CHN * (0.5 + shield),
        ),
        "RUS": (
            p.pressure_RUS * 2.0 * (1.0 - russia),
            p.engagement_RUS * (0.5 + russia),
            p.lobbying_RUS * (0.5 + russia),
        ),
    }
