"""The event record in seeds/: its contents, and the loader's rejection of broken copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from model.record.seeds import SEEDS_ENV, RecordError, load_record
from model.vocabulary import ALL_CODES, MEMBERS, VOICES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FILES = (
    "articles.csv",
    "events.csv",
    "statements.csv",
    "actors.csv",
    "goldstein.csv",
    "chairs.csv",
)


@pytest.fixture(autouse=True)
def _shipped_seeds(monkeypatch):
    """Every test starts from the shipped record, whatever the caller's environment says."""
    monkeypatch.delenv(SEEDS_ENV, raising=False)


def _n_comments(lines: list[str]) -> int:
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    return n


def read_raw(folder: Path, name: str) -> pd.DataFrame:
    """A seeds table as text, the way a human sees it (comment lines skipped)."""
    path = folder / name
    skip = _n_comments(path.read_text(encoding="utf-8").splitlines())
    return pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=skip)


def write_raw(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Rewrite a seeds table, keeping its leading comment lines."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = lines[: _n_comments(lines)]
    body = frame.to_csv(index=False, lineterminator="\n")
    path.write_text("".join(c + "\n" for c in comments) + body, encoding="utf-8")


def first_data_line(folder: Path, name: str) -> int:
    """File line of the table's first data row (header is one line after the comments)."""
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    return _n_comments(lines) + 2


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    return {name: read_raw(SEEDS, name) for name in FILES}


# --- the shipped record ---------------------------------------------------------------


def test_shipped_record_loads_with_typed_columns():
    record = load_record()
    assert len(record.events) == len(read_raw(SEEDS, "events.csv"))
    assert pd.api.types.is_datetime64_any_dtype(record.events["date"])
    assert pd.api.types.is_float_dtype(record.events["goldstein"])
    assert (record.events["year"] == record.events["date"].dt.year).all()
    assert pd.api.types.is_integer_dtype(record.statements["tone"])
    assert "Goldstein" in record.goldstein_provenance


def test_rewriting_helper_round_trips(seeds_copy):
    """The helpers used below change nothing by themselves (guards the corruption tests)."""
    for name in FILES:
        write_raw(seeds_copy, name, read_raw(seeds_copy, name))
    assert (seeds_copy / "goldstein.csv").read_text().startswith("# source:")
    load_record(seeds_copy)


def test_event_count_in_range(raw):
    assert 40 <= len(raw["events.csv"]) <= 60


def test_ids_unique(raw):
    assert raw["events.csv"]["id"].is_unique
    assert raw["articles.csv"]["article"].is_unique
    assert raw["goldstein.csv"]["cameo"].is_unique
    assert raw["chairs.csv"]["year"].is_unique
    assert (raw["statements.csv"]["year"] + "/" + raw["statements.csv"]["meeting"]).is_unique


def _cited(field: str) -> list[str]:
    return [a.strip() for a in field.split(";") if a.strip()]


def test_every_article_is_cited_by_an_event(raw):
    cited = {a for field in raw["events.csv"]["article"] for a in _cited(field)}
    articles = set(raw["articles.csv"]["article"])
    assert articles <= cited, f"never cited by an event: {sorted(articles - cited)}"
    assert cited <= articles, f"events cite unknown articles: {sorted(cited - articles)}"


def test_every_record_row_cites_known_articles(raw):
    articles = set(raw["articles.csv"]["article"])
    for name in ("events.csv", "statements.csv"):
        for field in raw[name]["article"]:
            assert _cited(field), f"{name}: a row cites no article"
            assert set(_cited(field)) <= articles


def test_event_goldstein_and_plover_follow_the_table(raw):
    table = raw["goldstein.csv"].set_index("cameo")
    for _, event in raw["events.csv"].iterrows():
        assert event["cameo"] in table.index, event["id"]
        row = table.loc[event["cameo"]]
        assert float(event["goldstein"]) == pytest.approx(float(row["goldstein"])), event["id"]
        assert event["plover"] == row["plover"], event["id"]
        assert -10 <= float(event["goldstein"]) <= 10


def test_event_actors_are_valid_codes(raw):
    events = raw["events.csv"]
    assert set(events["source"]) <= set(ALL_CODES)
    assert set(events["target"]) <= set(ALL_CODES)
    assert not (events["source"] == events["target"]).any()


def test_event_dates_are_iso(raw):
    dates = raw["events.csv"]["date"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce").notna().all()


def test_statements_tones_and_voices(raw):
    st = raw["statements.csv"]
    tones = st["tone"].astype(int)
    assert tones.between(0, 4).all()
    assert set(st["voice"]) <= set(VOICES)
    assert set(st["chair"]) <= set(MEMBERS)


def test_chairs_cover_2000_to_2027():
    record = load_record()
    years = sorted(record.chairs["year"])
    assert years == list(range(2000, 2028))
    assert set(record.chairs["chair"]) <= set(MEMBERS)
    assert record.chair_of(2024) == "LAO"
    assert record.chair_of(2025) == "MYS"
    assert record.chair_of(1999) is None


def test_statement_chairs_agree_with_chair_history():
    record = load_record()
    for _, st in record.statements.iterrows():
        assert record.chair_of(int(st["year"])) == st["chair"], st["summary"]


def test_2025_parade_correction_names_to_lam(raw):
    events = raw["events.csv"]
    visit = events[
        (events["source"] == "VNM")
        & (events["target"] == "PRK")
        & events["date"].str.startswith("2025-10")
    ]
    assert len(visit) == 1
    row = visit.iloc[0]
    assert "To Lam" in row["summary"]
    assert "Nguyen Phu Trong" not in row["summary"]
    assert "Nguyen Phu Trong" in row["note"]
    assert "correction" in row["note"]


# --- broken copies ----------------------------------------------------------------------

Mutation = Callable[[Path], tuple[str, int | None, str | None, str]]
"""Corrupt one thing in the folder; return (file, line, column, message fragment)."""


def _edit_cell(name: str, index: int, column: str, value: str, fragment: str) -> Mutation:
    def mutate(folder: Path):
        frame = read_raw(folder, name)
        assert frame.loc[index, column] != value
        frame.loc[index, column] = value
        write_raw(folder, name, frame)
        return name, first_data_line(folder, name) + index, column, fragment

    return mutate


def _goldstein_mismatch(folder: Path):
    events = read_raw(folder, "events.csv")
    index = 13
    weight = float(events.loc[index, "goldstein"])
    events.loc[index, "goldstein"] = f"{weight + 1:g}"
    write_raw(folder, "events.csv", events)
    return (
        "events.csv",
        index + 2,
        "goldstein",
        f"does not match the table's weight {weight:g} for CAMEO {events.loc[index, 'cameo']}",
    )


def _duplicate_event_id(folder: Path):
    events = read_raw(folder, "events.csv")
    first = events.loc[2, "id"]
    events.loc[10, "id"] = first
    write_raw(folder, "events.csv", events)
    return "events.csv", 12, "id", f"duplicate id '{first}' (first on line 4)"


def _duplicate_cameo(folder: Path):
    table = read_raw(folder, "goldstein.csv")
    copy = table.iloc[[40]]
    write_raw(folder, "goldstein.csv", pd.concat([table, copy], ignore_index=True))
    # two comment lines, a header, then len(table) rows: the appended row is the next line
    line = 2 + 1 + len(table) + 1
    return "goldstein.csv", line, "cameo", f"duplicate cameo '{copy['cameo'].iloc[0]}'"


def _drop_summary(folder: Path):
    events = read_raw(folder, "events.csv").drop(columns="summary")
    write_raw(folder, "events.csv", events)
    return "events.csv", 1, None, "missing column(s) summary"


def _delete_file(folder: Path):
    (folder / "statements.csv").unlink()
    return "statements.csv", None, None, "file not found"


def _duplicate_header_column(name: str, renamed: str, twice: str) -> Mutation:
    """Rename one header column to another's name (pandas would then crash on the frame)."""

    def mutate(folder: Path):
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        n = _n_comments(lines)
        header = lines[n].rstrip("\n").split(",")
        header[header.index(renamed)] = twice
        lines[n] = ",".join(header) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        return name, n + 1, twice, "duplicate column"

    return mutate


def _not_utf8(folder: Path):
    path = folder / "actors.csv"
    data = path.read_bytes().split(b"\n")
    data[2] = data[2].replace(b",", b",\xff", 1)
    path.write_bytes(b"\n".join(data))
    return "actors.csv", 3, None, "is not UTF-8 text: byte 0xff"


CORRUPTIONS: dict[str, Mutation] = {
    "unknown-actor": _edit_cell("events.csv", 5, "source", "XXX", "'XXX' is not one of"),
    "unknown-target": _edit_cell("events.csv", 20, "target", "NKR", "'NKR' is not one of"),
    "non-iso-date": _edit_cell("events.csv", 3, "date", "01/10/2007", "not an ISO date"),
    "impossible-date": _edit_cell("events.csv", 8, "date", "2012-02-30", "not an ISO date"),
    "goldstein-mismatch": _goldstein_mismatch,
    "goldstein-out-of-range": _edit_cell(
        "events.csv", 6, "goldstein", "11", "'11' is not a number in [-10, 10]"
    ),
    "goldstein-not-a-number": _edit_cell(
        "events.csv", 6, "goldstein", "high", "'high' is not a number"
    ),
    "plover-mismatch": _edit_cell("events.csv", 0, "plover", "COERCE", "does not match"),
    "cameo-not-in-table": _edit_cell("events.csv", 4, "cameo", "999", "not in goldstein.csv"),
    "source-equals-target": _edit_cell("events.csv", 2, "target", "UNSC", "equals the source"),
    "duplicate-event-id": _duplicate_event_id,
    "unknown-article": _edit_cell(
        "events.csv", 7, "article", "999_0000000000000000", "unknown article '999_0000000000000000'"
    ),
    "unknown-article-in-list": _edit_cell(
        "events.csv", 1, "article", "000_1a1e7ed0629fb66f;999_bad", "unknown article '999_bad'"
    ),
    "event-cites-nothing": _edit_cell("events.csv", 9, "article", "", "cites no article"),
    "tone-7": _edit_cell("statements.csv", 2, "tone", "7", "'7' is not an integer tone 0-4"),
    "unknown-voice": _edit_cell(
        "statements.csv",
        4,
        "voice",
        "unanimous",
        "'unanimous' is not one of consensus, split, none",
    ),
    "statement-unknown-article": _edit_cell(
        "statements.csv", 0, "article", "nope", "unknown article 'nope'"
    ),
    "chair-not-member": _edit_cell("chairs.csv", 24, "chair", "PRK", "'PRK' is not one of"),
    "chair-year-not-a-year": _edit_cell(
        "chairs.csv", 3, "year", "two thousand three", "is not a year"
    ),
    "duplicate-cameo": _duplicate_cameo,
    "goldstein-table-out-of-range": _edit_cell(
        "goldstein.csv", 10, "goldstein", "-12", "'-12' is not a number in [-10, 10]"
    ),
    "article-kind": _edit_cell("articles.csv", 3, "kind", "blog", "'blog' is not one of"),
    "actor-unknown": _edit_cell("actors.csv", 6, "actor", "KMH", "'KMH' is not one of"),
    "statement-year-20-digits": _edit_cell(
        "statements.csv", 1, "year", "2" * 20, "is not a year; expected four digits"
    ),
    "chair-year-20-digits": _edit_cell(
        "chairs.csv", 5, "year", "20050000000000000000", "is not a year; expected four digits"
    ),
    "chair-year-before-asean": _edit_cell("chairs.csv", 0, "year", "1900", "1967 or later"),
    "unknown-meeting": _edit_cell(
        "statements.csv", 3, "meeting", "dinner", "'dinner' is not one of AMM, ADMM, ARF"
    ),
    "duplicate-header-column": _duplicate_header_column("events.csv", "note", "date"),
    "duplicate-chairs-column": _duplicate_header_column("chairs.csv", "basis", "year"),
    "not-utf8": _not_utf8,
    "missing-column": _drop_summary,
    "missing-file": _delete_file,
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_loader_rejects_broken_copy(seeds_copy, corruption):
    file, line, column, fragment = CORRUPTIONS[corruption](seeds_copy)
    with pytest.raises(RecordError) as caught:
        load_record(seeds_copy)
    problems = caught.value.problems
    assert problems, "RecordError without problems"
    where = file + (f", line {line}" if line is not None else "")
    where += f", column {column!r}" if column is not None else ""
    matching = [
        p
        for p in problems
        if (p.file, p.line, p.column) == (file, line, column) and fragment in str(p)
    ]
    assert matching, f"expected {where}: ...{fragment}... in {[str(p) for p in problems]}"
    assert str(matching[0]).startswith(where + ": ")
    # one corruption, one place: nothing elsewhere in the record is blamed
    assert {(p.file, p.line) for p in problems} == {(file, line)}
    # the exception text lists the problem too
    assert str(matching[0]) in str(caught.value)


def test_missing_file_names_the_folder(seeds_copy):
    (seeds_copy / "chairs.csv").unlink()
    with pytest.raises(RecordError) as caught:
        load_record(seeds_copy)
    (problem,) = caught.value.problems
    assert problem.file == "chairs.csv"
    assert problem.line is None and problem.column is None
    assert str(seeds_copy) in problem.message


def test_every_problem_is_reported_not_only_the_first(seeds_copy):
    events = read_raw(seeds_copy, "events.csv")
    events.loc[3, "source"] = "XXX"
    events.loc[30, "goldstein"] = "11"
    write_raw(seeds_copy, "events.csv", events)
    statements = read_raw(seeds_copy, "statements.csv")
    statements.loc[1, "tone"] = "7"
    write_raw(seeds_copy, "statements.csv", statements)
    with pytest.raises(RecordError) as caught:
        load_record(seeds_copy)
    where = {(p.file, p.line, p.column) for p in caught.value.problems}
    assert ("events.csv", 5, "source") in where
    assert ("events.csv", 32, "goldstein") in where
    assert ("statements.csv", 3, "tone") in where


def test_missing_files_are_all_reported(seeds_copy):
    (seeds_copy / "events.csv").unlink()
    (seeds_copy / "chairs.csv").unlink()
    with pytest.raises(RecordError) as caught:
        load_record(seeds_copy)
    assert {p.file for p in caught.value.problems} == {"events.csv", "chairs.csv"}


def test_environment_variable_points_the_loader_elsewhere(seeds_copy, monkeypatch):
    events = read_raw(seeds_copy, "events.csv")
    write_raw(seeds_copy, "events.csv", events.iloc[:45])
    monkeypatch.setenv(SEEDS_ENV, str(seeds_copy))
    assert len(load_record().events) == 45
    assert len(load_record(SEEDS).events) == len(events)


def test_cli_on_broken_record_exits_2_with_problem_on_stderr(seeds_copy):
    _edit_cell("events.csv", 5, "source", "XXX", "")(seeds_copy)
    env = {**os.environ, SEEDS_ENV: str(seeds_copy)}
    done = subprocess.run(
        [sys.executable, "-m", "model", "events"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("error: events.csv, line 7, column 'source': 'XXX'")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "corruption",
    [
        "statement-year-20-digits",
        "chair-year-20-digits",
        "unknown-meeting",
        "duplicate-header-column",
        "not-utf8",
    ],
)
def test_cli_events_exits_2_on_inputs_that_used_to_crash(
    seeds_copy, corruption, monkeypatch, capsys
):
    from model.cli.commands import main

    file, line, column, fragment = CORRUPTIONS[corruption](seeds_copy)
    monkeypatch.setenv(SEEDS_ENV, str(seeds_copy))
    assert main(["events"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    where = f"error: {file}, line {line}" + (f", column {column!r}" if column else "")
    assert where in captured.err and fragment in captured.err, captured.err


def test_statement_meetings_are_one_explicit_set(raw):
    from model.record.targets import model_meeting
    from model.vocabulary import MEETINGS, STATEMENT_MEETINGS

    assert set(raw["statements.csv"]["meeting"]) <= set(STATEMENT_MEETINGS)
    assert set(STATEMENT_MEETINGS.values()) == set(MEETINGS)
    assert model_meeting("ADMM") == "ministerial" and model_meeting("Summit") == "summit"


# --- known defects ----------------------------------------------------------------------


def test_line_numbers_survive_a_multiline_field(seeds_copy):
    events = read_raw(seeds_copy, "events.csv")
    events.loc[0, "summary"] = "Laos and the DPRK\nset up diplomatic relations."
    events.loc[5, "source"] = "XXX"
    write_raw(seeds_copy, "events.csv", events)
    lines = (seeds_copy / "events.csv").read_text().splitlines()
    actual = next(i for i, text in enumerate(lines, start=1) if ",XXX," in text)
    assert actual == 8
    with pytest.raises(RecordError) as caught:
        load_record(seeds_copy)
    (problem,) = caught.value.problems
    assert problem.line == actual
