"""Who chairs ASEAN each year: the record's history, a scenario's overrides, then rotation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from model.vocabulary import MEMBERS, TLS_ACCESSION_QUARTER, Quarter

TLS_FIRST_CHAIR_YEAR = Quarter.parse(TLS_ACCESSION_QUARTER).year + 1


def members_in(year: int, members: Sequence[str] = MEMBERS) -> tuple[str, ...]:
    """Members eligible to chair in ``year``, in rotation (alphabetical English) order."""
    return tuple(m for m in members if m != "TLS" or year >= TLS_FIRST_CHAIR_YEAR)


def chair_schedule(
    years: Iterable[int], known: Mapping[int, str], members: Sequence[str] = MEMBERS
) -> dict[int, str]:
    """The chair of each year: ``known`` where given, else the alphabetical rotation.

    Rotation continues from the nearest earlier known year; a member that chaired out of
    turn is simply followed by the next name in the alphabet (ASEAN's practice).
    ``members`` is the rotation (a world built with other actors rotates over its own).
    """
    schedule: dict[int, str] = {}
    for year in sorted(years):
        if year in known:
            schedule[year] = known[year]
            continue
        previous = schedule.get(year - 1)
        if previous is None:
            earlier = [y for y in known if y < year]
            if not earlier:
                raise ValueError(f"no chair known on or before {year} to rotate from")
            anchor = max(earlier)
            previous = known[anchor]
            for between in range(anchor + 1, year):
                previous = _next(previous, between, members)
        schedule[year] = _next(previous, year, members)
    return schedule


def _next(previous: str, year: int, members: Sequence[str] = MEMBERS) -> str:
    order = members_in(year, members)
    if previous not in order:
        return order[0]
    return order[(order.index(previous) + 1) % len(order)]
