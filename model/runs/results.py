"""Write a run's results folder (README, "Output files") atomically and in a streaming way.

Replicate results are appended to the CSV files as they arrive and reduced into compact
arrays (model/runs/outcomes.py), so no replicate's events or agent rows are kept in memory.
Everything is written into a staging folder next to the destination, which replaces the
destination only once complete and only if it is ours to replace (model/files/safe_output.py):
an interrupted run leaves no half result and no run overwrites a folder of other files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from model.files.safe_output import replace_folder
from model.runs.outcomes import Outcomes
from model.vocabulary import MEMBERS, METRICS, Quarter
from model.world.replicate import ReplicateResult
from model.world.simevents import COLUMNS as EVENT_COLUMNS
from model.world.simevents import event_rows

TIMESERIES_COLUMNS = ("replicate", "quarter", "chair", *METRICS)
MEMBER_COLUMNS = ("replicate", "quarter", "actor", "pressure", "engagement", "exchanges")
STATEMENT_COLUMNS = ("replicate", "year", "meeting", "chair", "tone", "voice", "target",
                     "support")


def _num(value: float) -> str:
    """Stable, compact text for a number ('' for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{float(value):.6g}"


class ParquetSink:
    """Rows appended in batches to one Parquet file (row groups of ``batch`` rows), so a
    large run is written as it goes and read back fast and typed."""

    def __init__(self, path: Path, schema: pa.Schema, batch: int = 65_536):
        self.path, self.schema, self.batch = path, schema, batch
        self._rows: list[tuple] = []
        self._writer: pq.ParquetWriter | None = None

    def extend(self, rows: Iterable[tuple]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        if self._rows:
            columns = list(zip(*self._rows, strict=True))
            self._writer.write_table(pa.Table.from_arrays(
                [pa.array(c, type=f.type) for c, f in zip(columns, self.schema, strict=True)],
                schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


MEMBER_SCHEMA = pa.schema([("replicate", pa.int32()), ("quarter", pa.string()),
                           ("actor", pa.string()), ("pressure", pa.float64()),
                           ("engagement", pa.float64()), ("exchanges", pa.int32())])
EVENT_SCHEMA = pa.schema([("replicate", pa.int32()), ("id", pa.string()), ("date", pa.string()),
                          ("date_precision", pa.string()), ("source", pa.string()),
                          ("target", pa.string()), ("cameo", pa.string()),
                          ("goldstein", pa.float64()), ("plover", pa.string()),
                          ("summary", pa.string()), ("article", pa.string())])
PARQUET_FILES = ("members.parquet", "events.parquet")


class StreamingWriter:
    """Appends each replicate's rows to the CSV files (the contract) and to Parquet
    copies of the two large tables, and reduces it into Outcomes."""

    def __init__(self, folder: Path, replicates: int, start: Quarter, end: Quarter,
                 stack: ExitStack):
        self.outcomes = Outcomes.empty(replicates, start, end)
        self.folder = folder
        self._writers = {}
        for name, columns in (("timeseries", TIMESERIES_COLUMNS), ("members", MEMBER_COLUMNS),
                              ("statements", STATEMENT_COLUMNS), ("events", EVENT_COLUMNS)):
            path = folder / f"{name}.csv"
            handle = stack.enter_context(path.open("w", newline="", encoding="utf-8"))
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._writers[name] = writer
        self._parquet = {"members": ParquetSink(folder / "members.parquet", MEMBER_SCHEMA),
                         "events": ParquetSink(folder / "events.parquet", EVENT_SCHEMA)}
        for sink in self._parquet.values():
            stack.callback(sink.close)
        self._slot = 0

    def add(self, result: ReplicateResult) -> None:
        rep = result.replicate
        quarters = self.outcomes.quarters
        self._writers["timeseries"].writerows(
            (rep, str(q), result.chairs[q.year], *map(_num, row))
            for q, row in zip(quarters, result.metrics, strict=True))
        rows = []
        for qi, q in enumerate(quarters):
            label = str(q)
            for mi, member in enumerate(MEMBERS):
                pressure, engagement = result.members[qi, mi]
                if np.isnan(pressure):
                    continue
                rows.append((rep, label, member, float(pressure), float(engagement),
                             int(result.exchanges[qi, mi])))
        self._parquet["members"].extend(rows)
        self._writers["members"].writerows(
            (r, q, a, _num(p), _num(e), x) for r, q, a, p, e, x in rows)
        self._writers["statements"].writerows(
            (rep, year, meeting, chair, "" if tone is None else tone, voice, _num(target),
             _num(support))
            for year, meeting, chair, tone, voice, target, support in result.statements)
        events = event_rows(rep, result.events)
        self._writers["events"].writerows(events)
        self._parquet["events"].extend(events)
        self.outcomes.add(self._slot, result)
        self._slot += 1


def write_run(
    destination: Path,
    results: Iterable[ReplicateResult],
    replicates: int,
    start: Quarter,
    end: Quarter,
    manifest: Callable[[list[str]], dict[str, Any]],
    finish: Callable[[Path, Outcomes], list[str]],
) -> Outcomes:
    """Stream ``results`` into a complete results folder at ``destination``.

    ``finish`` writes figures and the report into the staging folder and returns the
    files it wrote; ``manifest`` builds the manifest from the final list of files.
    """
    with replace_folder(destination) as staging:
        with ExitStack() as stack:
            writer = StreamingWriter(staging, replicates, start, end, stack)
            for result in results:
                writer.add(result)
        outcomes = writer.outcomes
        outcomes.summary_frame().to_csv(staging / "summary.csv", index=False,
                                        float_format="%.6g")
        extra = finish(staging, outcomes)
        files = sorted(["timeseries.csv", "members.csv", "statements.csv", "events.csv",
                        "summary.csv", "manifest.json", *PARQUET_FILES, *extra])
        (staging / "manifest.json").write_text(
            json.dumps(manifest(files), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return outcomes
