"""Calendar quarters ('2024Q3'), the model's unit of time."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
