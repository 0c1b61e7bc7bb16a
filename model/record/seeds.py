"""Load and validate the event record in ``seeds/`` (seeds/README.md documents every file).

Every table is read as text first so that each problem can be reported with its file,
line and column; only a record with no problems is converted into typed DataFrames.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.vocabulary import ALL_CODES, MEMBERS, STATEMENT_MEETINGS, VOICES, InputError

SEEDS_ENV = "ASEAN_SIM_SEEDS"
ARTICLE_KINDS = ("news", "opinion", "official", "analysis")
DATE_PRECISIONS = ("day", "month", "quarter", "year")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YEAR = re.compile(r"[0-9]{4}")
FIRST_YEAR = 1967
"""ASEAN was founded on 8 August 1967: no statement or chair can be older."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "articles.csv": ("article", "title", "outlet", "published", "kind"),
    "events.csv": (
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
    ),
    "statements.csv": ("year", "meeting", "chair", "tone", "voice", "article", "summary"),
    "actors.csv": ("actor", "fact", "value", "article"),
    "goldstein.csv": ("cameo", "goldstein", "description", "plover"),
    "chairs.csv": ("year", "chair", "basis"),
}


def default_seeds_dir() -> Path:
    """The record shipped with the project, or the folder named by ``$ASEAN_SIM_SEEDS``."""
    override = os.environ.get(SEEDS_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class Problem:
    """One defect in one cell (or row, or file) of the record."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class RecordError(InputError):
    """The record has problems; ``problems`` lists each one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Record:
    """The five calibration tables (plus the chair history) as typed DataFrames."""

    articles: pd.DataFrame
    events: pd.DataFrame
    statements: pd.DataFrame
    actors: pd.DataFrame
    goldstein: pd.DataFrame
    chairs: pd.DataFrame
    goldstein_provenance: str

    def chair_of(self, year: int) -> str | None:
        """The recorded chair of ``year``, or None outside the recorded years."""
        row = self.chairs.loc[self.chairs["year"] == year, "chair"]
        return None if row.empty else str(row.iloc[0])


@dataclass
class _Table:
    name: str
    frame: pd.DataFrame
    lines: list[int]  # file line on which each data row starts

    def line(self, index: int) -> int:
        return self.lines[int(index)]


def _read(folder: Path, name: str, problems: list[Problem]) -> _Table | None:
    """Read a CSV as text with the file line of every row (quoted fields may span lines;
    blank lines are skipped), after any leading '#' comment lines."""
    path = folder / name
    if not path.is_file():
        problems.append(Problem(name, None, None, f"file not found in {folder}"))
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                name,
                line,
                None,
                f"is not UTF-8 text: byte "
                f"0x{data[exc.start]:02x} at offset {exc.start} {exc.reason}; "
                "expected a UTF-8 file",
            )
        )
        return None
    all_lines = text.splitlines(keepends=True)
    comments = 0
    while comments < len(all_lines) and all_lines[comments].startswith("#"):
        comments += 1
    reader = csv.reader(all_lines[comments:])
    rows: list[list[str]] = []
    starts: list[int] = []
    try:
        previous_end = comments
        for row in reader:
            start, previous_end = previous_end + 1, comments + reader.line_num
            if row and any(cell.strip() for cell in row):
                rows.append([cell.strip() for cell in row])
                starts.append(start)
    except csv.Error as exc:
        problems.append(
            Problem(name, comments + reader.line_num, None, f"cannot be parsed as CSV: {exc}")
        )
        return None
    if not rows:
        problems.append(Problem(name, None, None, "is empty; expected a header row"))
        return None
    header, body, lines = rows[0], rows[1:], starts[1:]
    first_at: dict[str, int] = {}
    repeated = False
    for position, column in enumerate(header, start=1):
        if column in first_at:
            repeated = True
            problems.append(
                Problem(
                    name,
                    starts[0],
                    column,
                    f"duplicate column (fields {first_at[column]} and "
                    f"{position} of the header); expected each column once",
                )
            )
        first_at.setdefault(column, position)
    if repeated:
        return None
    missing = [c for c in COLUMNS[name] if c not in header]
    if missing:
        problems.append(
            Problem(
                name,
                starts[0],
                None,
                f"missing column(s) {', '.join(missing)}; "
                f"expected at least {', '.join(COLUMNS[name])}",
            )
        )
        return None
    ragged = [
        (line, len(row)) for row, line in zip(body, lines, strict=True) if len(row) != len(header)
    ]
    for line, width in ragged:
        problems.append(
            Problem(name, line, None, f"has {width} fields; the header has {len(header)}")
        )
    if ragged:
        return None
    frame = pd.DataFrame(body, columns=header, dtype=str)
    return _Table(name, frame, lines)


def _check_unique(table: _Table, column: str, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for idx, value in table.frame[column].items():
        if value == "":
            problems.append(Problem(table.name, table.line(idx), column, "is empty"))
        elif value in seen:
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    column,
                    f"duplicate {column} {value!r} (first on line {seen[value]})",
                )
            )
        else:
            seen[value] = table.line(idx)


def _check_choice(table: _Table, column: str, allowed, problems: list[Problem]) -> None:
    for idx, value in table.frame[column].items():
        if value not in allowed:
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    column,
                    f"{value!r} is not one of {', '.join(map(str, allowed))}",
                )
            )


def _check_articles_cited(
    table: _Table, known: set[str], problems: list[Problem], allow_empty: bool = False
) -> None:
    for idx, value in table.frame["article"].items():
        cited = [a.strip() for a in value.split(";") if a.strip()]
        if not cited and not allow_empty:
            problems.append(Problem(table.name, table.line(idx), "article", "cites no article"))
        for article in cited:
            if article not in known:
                problems.append(
                    Problem(
                        table.name,
                        table.line(idx),
                        "article",
                        f"unknown article {article!r}; expected one of articles.csv",
                    )
                )


def _as_float(value: str) -> float | None:
    """A plain decimal number (not 'nan', '1_0' or non-ASCII digits), else None."""
    return float(value) if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", value) else None


def _as_int(value: str) -> int | None:
    return int(value) if re.fullmatch(r"-?[0-9]{1,9}", value) else None


def _check_year(table: _Table, column: str, problems: list[Problem]) -> None:
    for idx, value in table.frame[column].items():
        if not YEAR.fullmatch(value) or int(value) < FIRST_YEAR:
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    column,
                    f"{value[:40]!r} is not a year; expected four digits, {FIRST_YEAR} or later",
                )
            )


def _check_iso_date(
    table: _Table, column: str, problems: list[Problem], allow_year: bool = False
) -> None:
    for idx, value in table.frame[column].items():
        ok = bool(ISO_DATE.fullmatch(value)) and not pd.isna(pd.to_datetime(value, errors="coerce"))
        if not ok and not (allow_year and YEAR.fullmatch(value)):
            expected = "an ISO date YYYY-MM-DD" + (" or a year" if allow_year else "")
            problems.append(
                Problem(table.name, table.line(idx), column, f"{value!r} is not {expected}")
            )


def _check_goldstein_table(table: _Table, problems: list[Problem]) -> dict[str, tuple[float, str]]:
    _check_unique(table, "cameo", problems)
    weights: dict[str, tuple[float, str]] = {}
    for idx, row in table.frame.iterrows():
        weight = _as_float(row["goldstein"])
        if weight is None or not -10 <= weight <= 10:
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    "goldstein",
                    f"{row['goldstein']!r} is not a number in [-10, 10]",
                )
            )
            continue
        if not re.fullmatch(r"\d{2,4}", row["cameo"]):
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    "cameo",
                    f"{row['cameo']!r} is not a 2- to 4-digit CAMEO code",
                )
            )
            continue
        weights[row["cameo"]] = (weight, row["plover"])
    return weights


def _check_events(
    table: _Table, weights: dict[str, tuple[float, str]], problems: list[Problem]
) -> None:
    _check_unique(table, "id", problems)
    _check_iso_date(table, "date", problems)
    _check_choice(table, "date_precision", DATE_PRECISIONS, problems)
    _check_choice(table, "source", ALL_CODES, problems)
    _check_choice(table, "target", ALL_CODES, problems)
    for idx, row in table.frame.iterrows():
        line = table.line(idx)
        if row["source"] == row["target"]:
            problems.append(Problem(table.name, line, "target", "equals the source"))
        if not row["summary"]:
            problems.append(Problem(table.name, line, "summary", "is empty"))
        weight = _as_float(row["goldstein"])
        if weight is None or not -10 <= weight <= 10:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "goldstein",
                    f"{row['goldstein']!r} is not a number in [-10, 10]",
                )
            )
        if row["cameo"] not in weights:
            problems.append(
                Problem(table.name, line, "cameo", f"{row['cameo']!r} is not in goldstein.csv")
            )
            continue
        expected, plover = weights[row["cameo"]]
        if weight is not None and abs(weight - expected) > 1e-9:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "goldstein",
                    f"{weight:g} does not match the table's weight {expected:g} "
                    f"for CAMEO {row['cameo']}",
                )
            )
        if row["plover"] != plover:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "plover",
                    f"{row['plover']!r} does not match the table's {plover!r} "
                    f"for CAMEO {row['cameo']}",
                )
            )


def _check_statements(table: _Table, problems: list[Problem]) -> None:
    _check_choice(table, "chair", MEMBERS, problems)
    _check_choice(table, "voice", VOICES, problems)
    _check_choice(table, "meeting", tuple(STATEMENT_MEETINGS), problems)
    _check_year(table, "year", problems)
    for idx, row in table.frame.iterrows():
        tone = _as_int(row["tone"])
        if tone is None or not 0 <= tone <= 4:
            problems.append(
                Problem(
                    table.name,
                    table.line(idx),
                    "tone",
                    f"{row['tone']!r} is not an integer tone 0-4",
                )
            )
    keys = table.frame["year"] + "/" + table.frame["meeting"]
    for idx in keys[keys.duplicated()].index:
        problems.append(
            Problem(table.name, table.line(idx), "meeting", f"duplicate statement for {keys[idx]}")
        )


def _check_chairs(table: _Table, problems: list[Problem]) -> None:
    _check_unique(table, "year", problems)
    _check_choice(table, "chair", MEMBERS, problems)
    _check_year(table, "year", problems)


def load_record(folder: Path | str | None = None) -> Record:
    """Read and validate the record; raise :class:`RecordError` listing every problem."""
    folder = Path(folder) if folder is not None else default_seeds_dir()
    problems: list[Problem] = []
    tables = {name: _read(folder, name, problems) for name in COLUMNS}
    if problems:
        raise RecordError(problems)
    articles, events, statements = (
        tables["articles.csv"],
        tables["events.csv"],
        tables["statements.csv"],
    )
    actors, gold, chairs = tables["actors.csv"], tables["goldstein.csv"], tables["chairs.csv"]

    _check_unique(articles, "article", problems)
    _check_choice(articles, "kind", ARTICLE_KINDS, problems)
    _check_iso_date(articles, "published", problems, allow_year=True)
    known = set(articles.frame["article"])
    weights = _check_goldstein_table(gold, problems)
    _check_events(events, weights, problems)
    _check_articles_cited(events, known, problems)
    _check_statements(statements, problems)
    _check_articles_cited(statements, known, problems)
    _check_choice(actors, "actor", ALL_CODES, problems)
    _check_articles_cited(actors, known, problems, allow_empty=True)
    _check_chairs(chairs, problems)
    _check_articles_cited(chairs, known, problems, allow_empty=True)
    if problems:
        raise RecordError(problems)

    provenance = "; ".join(
        line.lstrip("# ").strip()
        for line in (folder / "goldstein.csv").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    ev = events.frame.copy()
    ev["date"] = pd.to_datetime(ev["date"])
    ev["goldstein"] = ev["goldstein"].astype(float)
    ev["year"] = ev["date"].dt.year
    st = statements.frame.copy()
    st[["year", "tone"]] = st[["year", "tone"]].astype(int)
    gs = gold.frame.copy()
    gs["goldstein"] = gs["goldstein"].astype(float)
    ch = chairs.frame.copy()
    ch["year"] = ch["year"].astype(int)
    return Record(
        articles=articles.frame.copy(),
        events=ev,
        statements=st,
        actors=actors.frame.copy(),
        goldstein=gs,
        chairs=ch.sort_values("year", ignore_index=True),
        goldstein_provenance=provenance,
    )
