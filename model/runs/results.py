"""Write a run's results folder (README, "Output files") atomically and in a streaming way.

Each task (a span of blocks, model/runs/blocks.py) turns its own replicates into the
finished bytes of its rows of the four CSV files and into typed Arrow tables for the two
Parquet files, column by column (model/runs/tables.py: the numbers are ``%.6g`` text,
the bytes the row-by-row writer gave), plus the compact arrays of model/runs/outcomes.py.
So with ``--workers N`` the formatting is spread over the workers too, and the main
process only appends bytes, writes Parquet row groups and copies arrays into place: it
never unpickles replicate objects nor formats a number. Tasks come back in replicate
order, so the files are the same bytes for any number of workers or executor.

The per-replicate event log (``events.csv``, ``events.parquet``) is optional: see
:func:`events_wanted`. Without it the engine does not record events at all.

Everything is written into a staging folder next to the destination, which replaces the
destination only once complete and only if it is ours to replace (model/files/safe_output.py):
an interrupted run leaves no half result and no run overwrites a folder of other files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from model.files.safe_output import replace_folder
from model.runs.blocks import SpanArrays, meeting_slots, run_span
from model.runs.outcomes import VOICE_CODE, Outcomes
from model.runs.tables import csv_body, field, g6, header, ints, labels, row_text
from model.vocabulary import MEETINGS, MEMBERS, METRICS, VOICES, Quarter
from model.world.replicate import ParameterDraw
from model.world.scenario import Scenario
from model.world.simevents import COLUMNS as EVENT_COLUMNS
from model.world.simevents import goldstein_weights

TIMESERIES_COLUMNS = ("replicate", "quarter", "chair", *METRICS)
MEMBER_COLUMNS = ("replicate", "quarter", "actor", "pressure", "engagement", "exchanges")
STATEMENT_COLUMNS = ("replicate", "year", "meeting", "chair", "tone", "voice", "target", "support")
CSV_FILES = {
    "timeseries": TIMESERIES_COLUMNS,
    "members": MEMBER_COLUMNS,
    "statements": STATEMENT_COLUMNS,
    "events": EVENT_COLUMNS,
}

EVENTS_LIMIT = 1000
"""Up to this many replicates a run writes its event log by default (about 20 kB of
``events.csv`` per replicate of the baseline); above it, only with ``--events``."""


def events_wanted(replicates: int, events: bool | None) -> bool:
    """Whether a run writes the per-replicate event log: ``events`` when given
    (``--events`` / ``--no-events``), else only up to EVENTS_LIMIT replicates."""
    return replicates <= EVENTS_LIMIT if events is None else events


def events_rule(replicates: int, events: bool | None) -> dict[str, Any]:
    """The manifest's record of whether the event log was written, and why."""
    written = events_wanted(replicates, events)
    if events is None:
        why = f"default: written up to {EVENTS_LIMIT} replicates"
    else:
        why = "--events" if events else "--no-events"
    return {"written": written, "rule": why}


MEMBER_SCHEMA = pa.schema(
    [
        ("replicate", pa.int32()),
        ("quarter", pa.string()),
        ("actor", pa.string()),
        ("pressure", pa.float64()),
        ("engagement", pa.float64()),
        ("exchanges", pa.int32()),
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("replicate", pa.int32()),
        ("id", pa.string()),
        ("date", pa.string()),
        ("date_precision", pa.string()),
        ("source", pa.string()),
        ("target", pa.string()),
        ("cameo", pa.string()),
        ("goldstein", pa.float64()),
        ("plover", pa.string()),
        ("summary", pa.string()),
        ("article", pa.string()),
    ]
)
PARQUET_SCHEMAS = {"members": MEMBER_SCHEMA, "events": EVENT_SCHEMA}


@dataclass(frozen=True)
class SpanOutput:
    """A task's share of a results folder: finished CSV bytes, Parquet tables and the
    arrays Outcomes keeps (all replicate first), and how long its two phases took."""

    first: int
    csv: dict[str, bytes]
    parquet: dict[str, pa.Table]
    chairs: dict[int, str]
    metrics: np.ndarray  # (R, Q, len(METRICS))
    stances: np.ndarray  # (R, Q, members, 2) float32
    exchanges: np.ndarray  # (R, Y, members) int32
    tone: np.ndarray  # (R, Y, meetings) float, NaN without text
    voice: np.ndarray  # (R, Y, meetings) int8
    seconds: tuple[float, float]  # simulating, formatting


def _outcome_arrays(a: SpanArrays, years: list[int]) -> tuple[np.ndarray, ...]:
    """The arrays Outcomes.add would build from these replicates' results."""
    r, ny = len(a.indices), len(years)
    year_of = np.array([years.index(q.year) for q in a.quarters])
    exchanges = np.zeros((r, ny, len(MEMBERS)), dtype=np.int32)
    for y in range(ny):
        exchanges[:, y] = a.exchanges[:, year_of == y].sum(axis=1)
    tone = np.full((r, ny, len(MEETINGS)), np.nan)
    voice = np.full((r, ny, len(MEETINGS)), VOICE_CODE["none"], dtype=np.int8)
    for k, slot in enumerate(meeting_slots(a.statements, years)):
        tone[(slice(None), *slot)] = np.where(a.tone[:, k] < 0, np.nan, a.tone[:, k])
        voice[(slice(None), *slot)] = a.voice[:, k]
    return exchanges, tone, voice


def _timeseries(a: SpanArrays, reps: pa.Array) -> bytes:
    nq = len(a.quarters)
    cells = [field(str(q)) for q in a.quarters]
    chairs = [field(a.chairs[q.year]) for q in a.quarters]
    q_index = np.tile(np.arange(nq), len(a.indices))
    columns = [
        reps.take(pa.array(np.repeat(np.arange(len(a.indices)), nq))),
        labels(cells, q_index),
        labels(chairs, q_index),
    ]
    columns += [g6(a.metrics[:, :, k]) for k in range(len(METRICS))]
    return csv_body(columns)


def _members(a: SpanArrays, reps: pa.Array) -> tuple[bytes, pa.Table]:
    nq, nm = a.members.shape[1:3]
    present = np.flatnonzero(~np.isnan(a.members[:, :, :, 0]).ravel())
    rep_row, rest = np.divmod(present, nq * nm)
    q_index, m_index = np.divmod(rest, nm)
    pressure = a.members[:, :, :, 0].ravel()[present].astype(np.float64)
    engagement = a.members[:, :, :, 1].ravel()[present].astype(np.float64)
    exchanges = a.exchanges.ravel()[present]
    quarter_text = labels([field(str(q)) for q in a.quarters], q_index)
    actor_text = labels([field(m) for m in MEMBERS], m_index)
    body = csv_body(
        [
            reps.take(pa.array(rep_row)),
            quarter_text,
            actor_text,
            g6(pressure),
            g6(engagement),
            ints(exchanges),
        ]
    )
    table = pa.Table.from_arrays(
        [
            pa.array((a.indices.start + rep_row).astype(np.int32)),
            labels([str(q) for q in a.quarters], q_index),
            labels(list(MEMBERS), m_index),
            pa.array(pressure),
            pa.array(engagement),
            pa.array(exchanges.astype(np.int32)),
        ],
        schema=MEMBER_SCHEMA,
    )
    return body, table


def _statements(a: SpanArrays, reps: pa.Array) -> bytes:
    r, s = a.tone.shape
    if s == 0:
        return b""
    rows = np.repeat(np.arange(r), s)
    k = np.tile(np.arange(s), r)
    tone = a.tone.ravel()
    tone_text = ints(tone)
    tone_text = pc.if_else(pa.array(tone < 0), pa.scalar(""), tone_text)
    return csv_body(
        [
            reps.take(pa.array(rows)),
            labels([str(y) for y, _, _ in a.statements], k),
            labels([field(m) for _, m, _ in a.statements], k),
            labels([field(c) for _, _, c in a.statements], k),
            tone_text,
            labels([field(v) for v in VOICES], a.voice.ravel()),
            g6(a.target.ravel()),
            g6(a.support.ravel()),
        ]
    )


def _events(a: SpanArrays, reps: pa.Array) -> tuple[bytes, pa.Table]:
    rows = a.event_replicates
    if len(rows) == 0:
        return b"", EVENT_SCHEMA.empty_table()
    first_of = np.searchsorted(rows, np.arange(len(a.indices)))
    number = np.arange(len(rows)) - first_of[rows] + 1  # ids count within the replicate
    quarters, q_index = np.unique(a.event_quarters, return_inverse=True)
    dates = [Quarter.from_index(int(q)).first_day() for q in quarters]
    weights = goldstein_weights()
    tail = [row_text([s, t, c, *weights[c], text, "simulated"]) for s, t, c, text in a.templates]
    rep_text = reps.take(pa.array(rows))
    ids = pc.binary_join_element_wise(
        pc.binary_join_element_wise("S", rep_text, ""),
        pc.utf8_lpad(ints(number), 5, padding="0"),
        "-",
    )
    date_text = labels([field(d) for d in dates], q_index)
    body = csv_body([rep_text, ids, date_text, "quarter", labels(tail, a.event_templates)])

    def column(values: list) -> pa.Array:
        return pa.array(values).take(pa.array(a.event_templates))

    source, target, cameo, summary = (list(c) for c in zip(*a.templates, strict=True))
    table = pa.Table.from_arrays(
        [
            pa.array((a.indices.start + rows).astype(np.int32)),
            ids,
            labels(dates, q_index),
            pa.array(np.full(len(rows), "quarter")),
            column(source),
            column(target),
            column(cameo),
            column([float(weights[c][0]) for c in cameo]),
            column([weights[c][1] for c in cameo]),
            column(summary),
            pa.array(np.full(len(rows), "simulated")),
        ],
        schema=EVENT_SCHEMA,
    )
    return body, table


def format_span(a: SpanArrays, years: list[int], events: bool) -> SpanOutput:
    """A span's rows of every results file, and its Outcomes arrays."""
    reps = ints(np.arange(a.indices.start, a.indices.stop))
    members, member_table = _members(a, reps)
    csv = {
        "timeseries": _timeseries(a, reps),
        "members": members,
        "statements": _statements(a, reps),
    }
    parquet = {"members": member_table}
    if events:
        csv["events"], parquet["events"] = _events(a, reps)
    exchanges, tone, voice = _outcome_arrays(a, years)
    return SpanOutput(
        a.indices.start,
        csv,
        parquet,
        dict(a.chairs),
        a.metrics,
        a.members,
        exchanges,
        tone,
        voice,
        (0.0, 0.0),
    )


def write_span(
    scenario: Scenario,
    blocks: range,
    n_replicates: int,
    root_seed: int,
    draw: ParameterDraw | None,
    events: bool,
) -> SpanOutput:
    """One task of a run, in whatever process runs it: simulate the span, then format it."""
    t0 = time.process_time()
    arrays = run_span(scenario, blocks, n_replicates, root_seed, draw, record_events=events)
    t1 = time.process_time()
    years = list(range(scenario.start.year, scenario.end.year + 1))
    out = format_span(arrays, years, events)
    t2 = time.process_time()
    return replace(out, seconds=(t1 - t0, t2 - t1))


class ParquetSink:
    """Tables appended to one Parquet file in row groups of at least ``rows`` rows, so a
    large run is written as it goes; groups follow replicate order, never the executor."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int = 65_536):
        self.path, self.schema, self.rows = path, schema, rows
        self._tables: list[pa.Table] = []
        self._count = 0
        self._writer: pq.ParquetWriter | None = None

    def add(self, table: pa.Table) -> None:
        self._tables.append(table)
        self._count += len(table)
        if self._count >= self.rows:
            self.flush()

    def flush(self) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        if self._tables:
            self._writer.write_table(pa.concat_tables(self._tables), row_group_size=1 << 30)
            self._tables, self._count = [], 0

    def close(self) -> None:
        self.flush()
        self._writer.close()


class RunWriter:
    """Appends each task's bytes to the CSV files and its tables to the Parquet files,
    and copies its arrays into Outcomes."""

    def __init__(
        self,
        folder: Path,
        replicates: int,
        start: Quarter,
        end: Quarter,
        events: bool,
        stack: ExitStack,
    ):
        self.outcomes = Outcomes.empty(replicates, start, end)
        self.names = [n for n in CSV_FILES if events or n != "events"]
        self._csv: dict[str, BinaryIO] = {}
        for name in self.names:
            handle = stack.enter_context((folder / f"{name}.csv").open("wb"))
            handle.write(header(CSV_FILES[name]))
            self._csv[name] = handle
        self._parquet = {
            name: ParquetSink(folder / f"{name}.parquet", PARQUET_SCHEMAS[name])
            for name in PARQUET_SCHEMAS
            if name in self.names
        }
        for sink in self._parquet.values():
            stack.callback(sink.close)
        self.seconds = {"simulation": 0.0, "formatting": 0.0, "writing": 0.0}

    @property
    def files(self) -> list[str]:
        return [f"{n}.csv" for n in self.names] + [f"{n}.parquet" for n in self._parquet]

    def add(self, part: SpanOutput) -> None:
        t0 = time.process_time()
        for name, handle in self._csv.items():
            handle.write(part.csv[name])
        for name, sink in self._parquet.items():
            sink.add(part.parquet[name])
        out, rows = self.outcomes, slice(part.first, part.first + len(part.metrics))
        out.metrics[rows] = part.metrics
        out.stances[rows] = part.stances
        out.exchanges[rows] = part.exchanges
        out.tone[rows] = part.tone
        out.voice[rows] = part.voice
        if not out.chairs:
            out.chairs = dict(part.chairs)
        self.seconds["simulation"] += part.seconds[0]
        self.seconds["formatting"] += part.seconds[1]
        self.seconds["writing"] += time.process_time() - t0


def write_run(
    destination: Path,
    parts: Iterable[SpanOutput],
    replicates: int,
    start: Quarter,
    end: Quarter,
    manifest: Callable[[list[str]], dict[str, Any]],
    finish: Callable[[Path, Outcomes], list[str]],
    events: bool = True,
    timings: dict[str, float] | None = None,
) -> Outcomes:
    """Stream ``parts`` (in replicate order) into a complete results folder.

    ``finish`` writes figures and the report into the staging folder and returns the
    files it wrote; ``manifest`` builds the manifest from the final list of files.
    ``timings``, when given, receives the seconds spent simulating and formatting (CPU
    time in whichever process ran each task), writing (this process) and on the
    summary, figures and report (wall time).
    """
    with replace_folder(destination) as staging:
        with ExitStack() as stack:
            writer = RunWriter(staging, replicates, start, end, events, stack)
            for part in parts:
                writer.add(part)
        outcomes = writer.outcomes
        t0 = time.perf_counter()
        outcomes.summary_frame().to_csv(staging / "summary.csv", index=False, float_format="%.6g")
        t1 = time.perf_counter()
        extra = finish(staging, outcomes)
        files = sorted([*writer.files, "summary.csv", "manifest.json", *extra])
        (staging / "manifest.json").write_text(
            json.dumps(manifest(files), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if timings is not None:
            timings.update(writer.seconds)
            timings["summary"] = t1 - t0
            timings["figures"] = time.perf_counter() - t1
    return outcomes
