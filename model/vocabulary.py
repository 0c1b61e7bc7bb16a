"""The project's shared vocabulary: the bottom layer, which every other module may import.

Actor codes and the tone/voice scale (the contracts the README documents under "Actors"
and "Tone and voice"), the two meetings and their quarters, calendar quarters, the
model-level metric names and the base class for bad input. Kept in one module that
imports nothing from the project, so that the record validator, the scenario loader, the
model and the reports agree on exactly one list of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

GRAVE = 4
"""The top of the tone scale: "expresses grave concern or condemns"."""

TONE_LABELS: tuple[str, ...] = ("0 welcomes", "1 restraint", "2 concern", "3 serious", "4 grave")
"""Short axis labels for the tone scale, in TONES order."""

METRICS: tuple[str, ...] = (
    "mean_pressure", "mean_engagement", "pressure_spread", "threat", "sanctions_tightness",
    "exchanges", "provocations", "nuclear_tests", "dialogue",
)  # fmt: skip
"""Model-level metrics recorded each quarter (timeseries.csv): ``threat`` is the weight
of remembered provocations (0-1), ``dialogue`` the strength of the dialogue frame (0-1)."""


# --- calendar quarters -------------------------------------------------------------
QUARTER = re.compile(r"([0-9]{4})Q([1-4])")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; ``index`` counts quarters since year 0 for arithmetic."""

    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse ``'2024Q3'``; raise ValueError naming the expected form otherwise."""
        match = QUARTER.fullmatch(str(text).strip())
        if not match:
            shown = repr(text) if len(repr(text)) <= 40 else repr(text)[:37] + "..."
            raise ValueError(f"{shown} is not a quarter like 2024Q3 (a year, Q and 1-4)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        return cls(index // 4, index % 4 + 1)

    @property
    def index(self) -> int:
        return self.year * 4 + self.q - 1

    def __add__(self, quarters: int) -> Quarter:
        return Quarter.from_index(self.index + quarters)

    def __sub__(self, other: Quarter) -> int:
        return self.index - other.index

    def first_day(self) -> str:
        """ISO date of the quarter's first day (the date simulated events carry)."""
        return f"{self.year:04d}-{3 * self.q - 2:02d}-01"

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def quarter_range(start: Quarter, end: Quarter) -> list[Quarter]:
    """Every quarter from start to end inclusive."""
    return [Quarter.from_index(i) for i in range(start.index, end.index + 1)]


# --- meetings by quarter -------------------------------------------------------------
MEETING_QUARTER: dict[str, int] = {"ministerial": 3, "summit": 4}
"""The quarter of the year each of MEETINGS falls in (mid-year and year-end)."""


def meeting_in(quarter: Quarter) -> str | None:
    """The meeting held in ``quarter`` ("ministerial" in Q3, "summit" in Q4), else None."""
    for meeting, q in MEETING_QUARTER.items():
        if quarter.q == q:
            return meeting
    return None


def meetings_due(quarter: Quarter) -> bool:
    """Whether ``quarter`` is in the meetings half of the year (Q3 or Q4): lobbying
    contacts are logged then, before the meetings."""
    return quarter.q >= MEETING_QUARTER["ministerial"]


def next_meeting(quarter: Quarter) -> tuple[Quarter, str]:
    """The first meeting held in or after ``quarter``, and the quarter it falls in."""
    if quarter.q <= MEETING_QUARTER["ministerial"]:
        return Quarter(quarter.year, MEETING_QUARTER["ministerial"]), "ministerial"
    return Quarter(quarter.year, MEETING_QUARTER["summit"]), "summit"


# --- bad input ---------------------------------------------------------------------
class InputError(ValueError):
    """The user's input (a file, a flag, the environment) cannot be used as given."""


class UsageError(InputError):
    """A command-line value that is well-formed but unusable."""
