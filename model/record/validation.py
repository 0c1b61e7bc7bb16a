"""Load the validation record, ``seeds/validation/statements.csv``.

The file holds ASEAN's statements on the DPRK taken from public sources outside the
calibration articles. It exists only to check the model against texts calibration never
saw, so calibration must not read it; this module is its one reader. Every problem is
reported with the file, line and column, using the record's own error class.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from model.record.seeds import ISO_DATE, Problem, RecordError, default_seeds_dir, load_record
from model.vocabulary import MEMBERS, VOICES

COLUMNS: tuple[str, ...] = (
    "year", "date", "body", "chair", "tone", "voice", "phrase", "summary", "source", "url",
)  # fmt: skip
BODIES: tuple[str, ...] = ("AMM", "summit", "ARF", "FMs")
"""AMM joint communiques, summit chair's statements, ARF chair's statements and
standalone statements on the DPRK (by the foreign ministers, or the chair for them)."""
YEARS = (2000, 2030)
TONES = range(0, 5)
URL = re.compile(r"^https?://\S+$")
TEXT_COLUMNS = ("phrase", "summary", "source")


def default_path() -> Path:
    """The validation record shipped with the project (or under ``$ASEAN_SIM_SEEDS``)."""
    return default_seeds_dir() / "validation" / "statements.csv"


def load_validation_statements(
    path: Path | str | None = None, chairs: Mapping[int, str] | None = None
) -> pd.DataFrame:
    """Read and check the validation record; raise :class:`RecordError` listing every problem.

    ``chairs`` maps year to the ASEAN chair; by default it is the record's
    ``seeds/chairs.csv`` as read by :func:`model.record.seeds.load_record`.
    Returns one row per text with ``year`` int, ``date`` a Timestamp and ``tone`` a
    nullable integer (empty only where ``voice`` is ``none``: no text, so no tone).
    """
    path = Path(path) if path is not None else default_path()
    name = str(path)
    problems: list[Problem] = []
    rows, lines = _read(path, name, problems)
    if problems:
        raise RecordError(problems)
    if chairs is None:
        chairs = _record_chairs()
    seen: dict[tuple[str, str, str], int] = {}
    for row, line in zip(rows, lines, strict=True):
        _check_row(row, line, name, chairs, problems)
        key = (row["year"], row["body"], row["date"])
        if key in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    "date",
                    f"duplicate row for year {key[0]}, body {key[1]}, date "
                    f"{key[2]} (first on line {seen[key]}); expected one row "
                    "per text",
                )
            )
        else:
            seen[key] = line
    if problems:
        raise RecordError(problems)
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=str)
    frame["year"] = frame["year"].astype(int)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["tone"] = pd.array([int(t) if t else None for t in frame["tone"]], dtype="Int64")
    return frame


def _record_chairs() -> dict[int, str]:
    chairs = load_record().chairs
    return {int(y): str(c) for y, c in zip(chairs["year"], chairs["chair"], strict=True)}


def _read(path: Path, name: str, problems: list[Problem]) -> tuple[list[dict[str, str]], list[int]]:
    """The data rows as dicts of stripped text, with the file line each starts on."""
    if not path.is_file():
        problems.append(Problem(name, None, None, "file not found"))
        return [], []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, None, f"is not UTF-8 text: {exc}"))
        return [], []
    reader = csv.reader(text.splitlines(keepends=True))
    records: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in row):
                records.append((start, [cell.strip() for cell in row]))
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, f"cannot be parsed as CSV: {exc}"))
        return [], []
    if not records:
        problems.append(
            Problem(name, None, None, f"is empty; expected the header {', '.join(COLUMNS)}")
        )
        return [], []
    (header_line, header), body = records[0], records[1:]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for column in duplicated:
        problems.append(
            Problem(
                name,
                header_line,
                column,
                "appears more than once in the header; expected each column once",
            )
        )
    if tuple(header) != COLUMNS:
        problems.append(
            Problem(
                name,
                header_line,
                None,
                f"header is {', '.join(header)}; expected exactly {', '.join(COLUMNS)}",
            )
        )
    if problems:
        return [], []
    for line, row in body:
        if len(row) != len(COLUMNS):
            problems.append(
                Problem(name, line, None, f"has {len(row)} fields; expected {len(COLUMNS)}")
            )
    if problems:
        return [], []
    return [dict(zip(COLUMNS, row, strict=True)) for _, row in body], [line for line, _ in body]


def _check_row(
    row: dict[str, str], line: int, name: str, chairs: Mapping[int, str], problems: list[Problem]
) -> None:
    def bad(column: str, message: str) -> None:
        problems.append(Problem(name, line, column, message))

    year = int(row["year"]) if re.fullmatch(r"\d{4}", row["year"]) else None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        bad("year", f"{row['year']!r} is not a year; expected an integer {YEARS[0]}-{YEARS[1]}")
        year = None
    date = row["date"]
    parsed = pd.to_datetime(date, errors="coerce") if ISO_DATE.match(date) else pd.NaT
    if pd.isna(parsed):
        bad("date", f"{date!r} is not an ISO date; expected YYYY-MM-DD")
    elif year is not None and parsed.year != year:
        bad("date", f"{date} is not in {year}; expected the date's year to equal the year column")
    if row["body"] not in BODIES:
        bad("body", f"{row['body']!r} is not one of {', '.join(BODIES)}")
    chair = row["chair"]
    if chair not in MEMBERS:
        bad("chair", f"{chair!r} is not an ASEAN member code; expected one of {', '.join(MEMBERS)}")
    elif year is not None and year not in chairs:
        bad("chair", f"seeds/chairs.csv records no chair for {year}; expected a recorded year")
    elif year is not None and chairs[year] != chair:
        bad(
            "chair",
            f"{chair} does not match {chairs[year]}, the chair of {year} in seeds/chairs.csv",
        )
    voice = row["voice"]
    if voice not in VOICES:
        bad("voice", f"{voice!r} is not one of {', '.join(VOICES)}")
    tone = row["tone"]
    if voice == "none":
        if tone:
            bad("tone", f"{tone!r} given for voice none; expected it empty (no text, no tone)")
    elif not (re.fullmatch(r"\d", tone) and int(tone) in TONES):
        bad("tone", f"{tone!r} is not a tone; expected an integer 0-4")
    for column in TEXT_COLUMNS:
        if not row[column]:
            bad(column, "is empty; expected text")
    if not URL.match(row["url"]):
        bad(
            "url", f"{row['url']!r} is not a web address; expected one starting http:// or https://"
        )
