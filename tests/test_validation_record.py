"""The validation record loads as shipped, and each check rejects a bad copy."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from model.record.seeds import RecordError, load_record
from model.record.validation import BODIES, COLUMNS, default_path, load_validation_statements

MIN_YEARS = 21  # distinct years 2000-2025 with at least one text found (see the README)


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return load_validation_statements()


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    with default_path().open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "statements.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def edited(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    """A copy with one cell changed; ``line`` is the file line (the header is line 1)."""
    copy = [list(r) for r in rows]
    copy[line - 1][COLUMNS.index(column)] = value
    return copy


def problems_of(path: Path) -> str:
    with pytest.raises(RecordError) as info:
        load_validation_statements(path)
    return str(info.value)


def test_shipped_file_loads_typed(shipped: pd.DataFrame) -> None:
    assert tuple(shipped.columns) == COLUMNS
    assert shipped["year"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(shipped["date"])
    assert (shipped["date"].dt.year == shipped["year"]).all()
    assert set(shipped["body"]) <= set(BODIES)
    spoken = shipped[shipped["voice"] != "none"]
    assert spoken["tone"].between(0, 4).all()
    assert shipped.loc[shipped["voice"] == "none", "tone"].isna().all()


def test_shipped_file_covers_the_years_found(shipped: pd.DataFrame) -> None:
    years = set(shipped["year"])
    assert len(years) >= MIN_YEARS
    assert years <= set(range(2000, 2026))


def test_shipped_chairs_match_the_record(shipped: pd.DataFrame) -> None:
    record = load_record()
    for year, chair in zip(shipped["year"], shipped["chair"], strict=True):
        assert record.chair_of(year) == chair


def test_every_tone_and_voice_is_observed(shipped: pd.DataFrame) -> None:
    assert set(shipped["tone"].dropna()) == {0, 1, 2, 3, 4}
    assert set(shipped["voice"]) == {"consensus", "split", "none"}


def test_good_copy_loads_with_explicit_chairs(tmp_path: Path, rows: list[list[str]]) -> None:
    chairs = {int(r[0]): r[3] for r in rows[1:]}
    frame = load_validation_statements(write(tmp_path, rows), chairs=chairs)
    assert len(frame) == len(rows) - 1


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("year", "1999", "column 'year': '1999' is not a year; expected an integer 2000-2030"),
        ("year", "20x0", "column 'year': '20x0' is not a year"),
        ("date", "2000/07/25", "column 'date': '2000/07/25' is not an ISO date; expected YYYY"),
        ("date", "2000-02-30", "column 'date': '2000-02-30' is not an ISO date"),
        ("date", "2001-07-25", "column 'date': 2001-07-25 is not in 2000"),
        ("body", "Summit", "column 'body': 'Summit' is not one of AMM, summit, ARF, FMs"),
        ("chair", "XYZ", "column 'chair': 'XYZ' is not an ASEAN member code"),
        ("chair", "VNM", "column 'chair': VNM does not match THA, the chair of 2000"),
        ("tone", "5", "column 'tone': '5' is not a tone; expected an integer 0-4"),
        ("tone", "", "column 'tone': '' is not a tone"),
        ("voice", "unanimous", "column 'voice': 'unanimous' is not one of consensus, split, none"),
        ("phrase", "", "column 'phrase': is empty; expected text"),
        ("summary", "", "column 'summary': is empty; expected text"),
        ("source", "", "column 'source': is empty; expected text"),
        ("url", "www.example.org", "column 'url': 'www.example.org' is not a web address"),
    ],
)
def test_bad_cell_is_named_by_file_line_and_column(
    tmp_path: Path, rows: list[list[str]], column: str, value: str, expected: str
) -> None:
    assert rows[1][0] == "2000" and rows[1][3] == "THA"  # the cases above edit this row
    path = write(tmp_path, edited(rows, 2, column, value))
    message = problems_of(path)
    assert f"{path}, line 2, {expected}" in message


def test_tone_must_be_empty_when_no_text(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = edited(rows, 2, "voice", "none")
    path = write(tmp_path, copy)
    assert f"{path}, line 2, column 'tone': '0' given for voice none" in problems_of(path)


def test_header_must_be_exact(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = [list(r) for r in rows]
    copy[0] = [
        "year",
        "date",
        "body",
        "chair",
        "tone",
        "voice",
        "phrase",
        "summary",
        "source",
        "link",
    ]
    path = write(tmp_path, copy)
    assert (
        f"{path}, line 1: header is year, date, body, chair, tone, voice, phrase, "
        "summary, source, link; expected exactly"
    ) in problems_of(path)


def test_duplicate_column_is_named(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = [list(r) for r in rows]
    copy[0][COLUMNS.index("url")] = "source"
    message = problems_of(write(tmp_path, copy))
    assert "line 1, column 'source': appears more than once in the header" in message


def test_ragged_row_is_named(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = [list(r) for r in rows]
    copy[3] = copy[3][:-1]
    assert "line 4: has 9 fields; expected 10" in problems_of(write(tmp_path, copy))


def test_duplicate_year_body_date_is_named(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = [list(r) for r in rows]
    copy.insert(3, list(copy[1]))
    message = problems_of(write(tmp_path, copy))
    assert (
        "line 4, column 'date': duplicate row for year 2000, body AMM, date 2000-07-25 "
        "(first on line 2)"
    ) in message


def test_year_missing_from_chairs_is_named(tmp_path: Path, rows: list[list[str]]) -> None:
    path = write(tmp_path, rows)
    chairs = {int(r[0]): r[3] for r in rows[1:] if r[0] != "2000"}
    with pytest.raises(RecordError) as info:
        load_validation_statements(path, chairs=chairs)
    assert "line 2, column 'chair': seeds/chairs.csv records no chair for 2000" in str(info.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    assert "file not found" in problems_of(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n", encoding="utf-8")
    assert "is empty; expected the header year, date" in problems_of(empty)


def test_every_problem_is_listed(tmp_path: Path, rows: list[list[str]]) -> None:
    copy = edited(edited(rows, 2, "tone", "9"), 3, "url", "ftp://x")
    with pytest.raises(RecordError) as info:
        load_validation_statements(write(tmp_path, copy))
    columns = {(p.line, p.column) for p in info.value.problems}
    assert {(2, "tone"), (3, "url")} <= columns
