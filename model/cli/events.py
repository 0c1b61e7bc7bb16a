"""``asean-sim events``: list, filter and plot the event record."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from model.record.seeds import load_record
from model.vocabulary import ALL_CODES, InputError, UsageError
from model.world.scenario import did_you_mean

LIST_COLUMNS = ["id", "date", "source", "target", "cameo", "goldstein", "plover", "summary"]


class FilterError(InputError):
    """A filter names something the record cannot contain."""


def filter_events(
    events: pd.DataFrame, actors=None, years=None, articles=None, known_articles=()
) -> pd.DataFrame:
    """Events matching every given filter (each filter: any of its values)."""
    mask = pd.Series(True, index=events.index)
    if actors:
        actors = [code.strip().upper() for code in actors]  # "lao" and "LAO" alike
        for code in actors:
            if code not in ALL_CODES:
                raise FilterError(f"--actor: unknown actor {code!r}{did_you_mean(code, ALL_CODES)}")
        mask &= events["source"].isin(actors) | events["target"].isin(actors)
    if years:
        mask &= events["year"].isin(years)
    if articles:
        for article in articles:
            if article not in known_articles:
                raise FilterError(
                    f"--article: unknown article {article!r}{did_you_mean(article, known_articles)}"
                )
        cited = events["article"].map(lambda field: {a.strip() for a in field.split(";")})
        mask &= cited.map(lambda ids: any(a in ids for a in articles))
    return events[mask]


def list_events(actors, years, articles, plot: str | None, as_csv: bool) -> int:
    record = load_record()
    chosen = filter_events(
        record.events, actors, years, articles, tuple(record.articles["article"])
    )
    table = chosen.assign(date=chosen["date"].dt.strftime("%Y-%m-%d"))[LIST_COLUMNS]
    if as_csv:
        table.to_csv(sys.stdout, index=False)
    else:
        for row in table.itertuples(index=False):
            print(
                f"{row.id}  {row.date}  {row.source:>5} -> {row.target:<5} {row.cameo:<4} "
                f"{row.goldstein:+5.1f}  {row.plover or '-':<9} {row.summary}"
            )
        if table.empty:
            print("no events match")
        print(f"{len(table)} of {len(record.events)} events", file=sys.stderr)
    if plot:
        if chosen.empty:
            raise UsageError("--plot: no events match the filters, nothing to draw")
        from model.files.safe_output import PNG, replace_file
        from model.runs.plots import timeline_figure

        path = Path(plot)
        if path.suffix.lower() != ".png":
            raise UsageError(f"--plot: {path}: expected a file name ending in .png")
        with replace_file(path, PNG) as temp:
            timeline_figure(chosen, record.chairs, temp)
        print(f"timeline -> {path}", file=sys.stderr)
    return 0
