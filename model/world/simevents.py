"""Simulated events in the record's schema, so one scoring code serves both.

Each kind of thing the model does maps to one CAMEO code; the Goldstein weight and the
PLOVER type come from ``seeds/goldstein.csv`` like the observed events'.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import pandas as pd

from model.vocabulary import Quarter
from model.world.initial import cached_record

STATEMENT_CAMEO = {0: "051", 1: "0256", 2: "012", 3: "111", 4: "114"}
"""ASEAN statement tone to CAMEO: praise (0), appeal for de-escalation (1), pessimistic
comment (2), criticise (3), complain officially (4)."""

KIND_CAMEO: dict[str, str] = {
    "delegation": "042",          # make a visit
    "missile_test": "150",        # demonstrate military power
    "icbm_test": "150",
    "nuclear_test": "150",
    "armed_attack": "190",        # use conventional military force
    "lobbying": "040",            # consult
    "sanctions": "163",           # impose embargo, boycott or sanctions
    "summit": "044",              # meet at a third location
    "host_summit": "043",         # host a visit
    "break_relations": "161",     # reduce or break diplomatic relations
    "restore_relations": "046",   # engage in negotiation
    "incident": "160",            # reduce relations
    "alliance": "057",            # sign formal agreement
    "strain": "160",
    "accession": "057",
    "moratorium": "087",          # de-escalate military engagement
    "escalation": "130",          # threaten
}  # fmt: skip

COLUMNS = (
    "replicate",
    "id",
    "date",
    "date_precision",
    "source",
    "target",
    "cameo",
    "goldstein",
    "plover",
    "summary",
    "article",
)


class SimEvent(NamedTuple):
    """One simulated event; its date is the first day of its quarter."""

    quarter: Quarter
    source: str
    target: str
    cameo: str
    summary: str


@cache
def goldstein_weights() -> dict[str, tuple[float, str]]:
    """CAMEO code -> (Goldstein weight, PLOVER type), from seeds/goldstein.csv."""
    table = cached_record().goldstein
    return {
        c: (float(g), p)
        for c, g, p in zip(table["cameo"], table["goldstein"], table["plover"], strict=True)
    }


def event_rows(replicate: int, events: list[SimEvent]) -> list[tuple]:
    """Rows in COLUMNS order for one replicate's events (ids count within the replicate)."""
    weights = goldstein_weights()
    return [
        (
            replicate,
            f"S{replicate}-{i + 1:05d}",
            e.quarter.first_day(),
            "quarter",
            e.source,
            e.target,
            e.cameo,
            *weights[e.cameo],
            e.summary,
            "simulated",
        )
        for i, e in enumerate(events)
    ]


def events_frame(replicate: int, events: list[SimEvent]) -> pd.DataFrame:
    """One replicate's simulated events as a DataFrame in the record's schema."""
    return pd.DataFrame(event_rows(replicate, events), columns=list(COLUMNS))
