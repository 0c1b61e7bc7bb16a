"""Actor codes and the tone/voice scale: the contracts the README documents
("Actors" and "Tone and voice").

Kept in one module so that the record validator, the scenario loader and the model
agree on exactly one list of names.
"""

from __future__ import annotations

MEMBERS: tuple[str, ...] = (
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM",
)  # fmt: skip
"""ASEAN members in the alphabetical order of their English names (the rotation order)."""

DPRK = "PRK"
POWERS: tuple[str, ...] = ("USA", "CHN", "RUS", "KOR", "JPN")
BODIES: tuple[str, ...] = ("ASEAN", "ARF", "UNSC")

AGENTS: tuple[str, ...] = (*MEMBERS, DPRK, *POWERS)
"""Every actor the model represents as a Mesa agent; array rows follow this order."""

ALL_CODES: tuple[str, ...] = (*AGENTS, *BODIES)

NAMES: dict[str, str] = {
    "BRN": "Brunei", "KHM": "Cambodia", "IDN": "Indonesia", "LAO": "Laos",
    "MYS": "Malaysia", "MMR": "Myanmar", "PHL": "Philippines", "SGP": "Singapore",
    "THA": "Thailand", "TLS": "Timor-Leste", "VNM": "Vietnam", "PRK": "North Korea (DPRK)",
    "USA": "United States", "CHN": "China", "RUS": "Russia", "KOR": "South Korea",
    "JPN": "Japan", "ASEAN": "ASEAN", "ARF": "ASEAN Regional Forum",
    "UNSC": "UN Security Council",
}  # fmt: skip

TLS_ACCESSION_QUARTER = "2025Q4"
"""Timor-Leste was admitted on 26 October 2025."""

TONES: dict[int, str] = {
    0: "welcomes engagement or summits",
    1: "urges restraint or dialogue without singling the DPRK out",
    2: "expresses concern",
    3: "expresses serious or deep concern",
    4: "expresses grave concern or condemns",
}
VOICES: tuple[str, ...] = ("consensus", "split", "none")
MEETINGS: tuple[str, ...] = ("ministerial", "summit")
"""The two ASEAN meetings per year the model simulates: mid-year (Q3) and year-end (Q4)."""

STATEMENT_MEETINGS: dict[str, str] = {
    "AMM": "ministerial",  # ASEAN Foreign Ministers' Meeting, mid-year
    "ADMM": "ministerial",  # ASEAN Defence Ministers' Meeting
    "ARF": "ministerial",  # ASEAN Regional Forum, held with the AMM (the DPRK takes part)
    "ministerial": "ministerial",
    "Summit": "summit",  # an ASEAN Summit or the chair's statement after it, year-end
    "summit": "summit",
}
"""The only ``meeting`` values seeds/statements.csv may use, each with the simulated
meeting (one of MEETINGS) its statement is compared with."""
