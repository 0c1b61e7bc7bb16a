"""``asean-sim events``: listing, filters, CSV output, bad filters and the timeline plot."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.cli.commands import main
from model.record.seeds import SEEDS_ENV, load_record

ROOT = Path(__file__).resolve().parent.parent
LAOS_ARTICLE = "004_e4ddf58322e5607c"
CSV_COLUMNS = ["id", "date", "source", "target", "cameo", "goldstein", "plover", "summary"]


@pytest.fixture(autouse=True)
def _shipped_seeds(monkeypatch):
    monkeypatch.delenv(SEEDS_ENV, raising=False)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    saved = os.environ.pop(SEEDS_ENV, None)
    try:
        return load_record().events
    finally:
        if saved is not None:
            os.environ[SEEDS_ENV] = saved


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["events", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listed_ids(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()]


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["id"])


def cites(field: str, article: str) -> bool:
    return article in [a.strip() for a in field.split(";")]


# --- listing and filters ------------------------------------------------------------------


def test_lists_every_event(capsys, events):
    code, out, err = run(capsys)
    assert code == 0
    assert len(out.splitlines()) == len(events)
    assert listed_ids(out) == ids(events)
    assert f"{len(events)} of {len(events)} events" in err


def test_listing_line_shows_the_event(capsys, events):
    _, out, _ = run(capsys)
    first = out.splitlines()[0]
    event = events.iloc[0]
    assert first.startswith(event["id"])
    assert event["date"].strftime("%Y-%m-%d") in first
    assert f"{event['source']} -> {event['target']}" in first.replace("  ", " ").replace("  ", " ")
    assert f"{event['goldstein']:+.1f}" in first
    assert event["summary"] in first


def test_actor_filter(capsys, events):
    code, out, err = run(capsys, "--actor", "LAO")
    assert code == 0
    expected = events[(events["source"] == "LAO") | (events["target"] == "LAO")]
    assert 0 < len(expected) < len(events)
    assert listed_ids(out) == ids(expected)
    assert f"{len(expected)} of {len(events)} events" in err


def test_actor_codes_are_not_case_sensitive(capsys, events):
    _, upper, _ = run(capsys, "--actor", "LAO")
    code, lower, _ = run(capsys, "--actor", "lao")
    assert code == 0 and listed_ids(lower) == listed_ids(upper) and listed_ids(upper)


def test_repeated_actor_filter_is_a_union(capsys, events):
    _, out, _ = run(capsys, "--actor", "LAO", "--actor", "VNM")
    involved = events["source"].isin(["LAO", "VNM"]) | events["target"].isin(["LAO", "VNM"])
    assert listed_ids(out) == ids(events[involved])


def test_year_filter(capsys, events):
    code, out, _ = run(capsys, "--year", "2024")
    assert code == 0
    expected = events[events["date"].dt.year == 2024]
    assert len(expected) > 0
    assert listed_ids(out) == ids(expected)
    for line in out.splitlines():
        assert line.split()[1].startswith("2024-")


def test_article_filter(capsys, events):
    code, out, _ = run(capsys, "--article", LAOS_ARTICLE)
    assert code == 0
    expected = events[events["article"].map(lambda f: cites(f, LAOS_ARTICLE))]
    assert 0 < len(expected) < len(events)
    assert listed_ids(out) == ids(expected)


def test_article_filter_finds_events_citing_several_articles(capsys, events):
    article = "003_a653246c8d8d2734"
    expected = events[events["article"].map(lambda f: cites(f, article))]
    assert (expected["article"].str.contains(";")).any()  # the case under test exists
    _, out, _ = run(capsys, "--article", article)
    assert listed_ids(out) == ids(expected)


def test_combined_filters_intersect(capsys, events):
    lao = (events["source"] == "LAO") | (events["target"] == "LAO")
    cited = events["article"].map(lambda f: cites(f, LAOS_ARTICLE))
    for year in (2013, 2024):
        in_year = events["date"].dt.year == year
        _, out, _ = run(capsys, "--actor", "LAO", "--year", str(year))
        expected = events[lao & in_year]
        assert 0 < len(expected) < min(lao.sum(), in_year.sum())
        assert listed_ids(out) == ids(expected)
    # 2013: three Laos events from the Lao article, out of ten that year
    _, out, _ = run(capsys, "--actor", "LAO", "--year", "2013", "--article", LAOS_ARTICLE)
    assert listed_ids(out) == ids(events[lao & (events["year"] == 2013) & cited])
    assert listed_ids(out) == ["E018", "E019", "E020"]
    # 2024: of Laos's events only one (the DPRK courting the chair) is from the Lao article
    _, out, _ = run(capsys, "--actor", "LAO", "--year", "2024", "--article", LAOS_ARTICLE)
    assert listed_ids(out) == ["E062"]


def test_filters_matching_nothing(capsys, events):
    code, out, err = run(capsys, "--year", "1990")
    assert code == 0
    assert out.strip() == "no events match"
    assert f"0 of {len(events)} events" in err


def test_csv_output(capsys, events):
    code, out, _ = run(capsys, "--csv", "--actor", "PRK")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert list(table.columns) == CSV_COLUMNS
    expected = events[(events["source"] == "PRK") | (events["target"] == "PRK")]
    assert list(table["id"]) == ids(expected)
    assert list(table["date"]) == list(expected["date"].dt.strftime("%Y-%m-%d"))
    assert list(table["cameo"]) == list(expected["cameo"])  # leading zeros kept
    np.testing.assert_allclose(table["goldstein"].astype(float), expected["goldstein"])
    assert list(table["summary"]) == list(expected["summary"])  # commas and quotes survive


def test_csv_of_whole_record(capsys, events):
    _, out, _ = run(capsys, "--csv")
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert len(table) == len(events)
    assert list(table["plover"]) == list(events["plover"])


def test_python_dash_m_model_events():
    env = {k: v for k, v in os.environ.items() if k != SEEDS_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "model", "events", "--year", "2025"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(line.split()[1].startswith("2025-") for line in lines)


# --- bad filters -----------------------------------------------------------------------------


def test_unknown_actor_suggests_the_close_one(capsys):
    code, out, err = run(capsys, "--actor", "LOA")
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert "'LOA'" in err
    assert "did you mean 'LAO'" in err


def test_unknown_article_exits_2(capsys):
    code, out, err = run(capsys, "--article", "999_0000000000000000")
    assert code == 2
    assert out == ""
    assert "error: --article: unknown article '999_0000000000000000'" in err


def test_misspelt_article_suggests_the_close_one(capsys):
    code, _, err = run(capsys, "--article", "004_e4ddf58322e5607d")
    assert code == 2
    assert f"did you mean '{LAOS_ARTICLE}'" in err


def test_non_integer_year_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["events", "--year", "twenty"])
    assert caught.value.code == 2
    assert "--year" in capsys.readouterr().err


# --- the timeline plot -------------------------------------------------------------------------


def _image(path: Path) -> np.ndarray:
    import matplotlib.image

    return matplotlib.image.imread(path)


def test_plot_writes_a_real_png(capsys, tmp_path):
    target = tmp_path / "t.png"
    code, _, err = run(capsys, "--plot", str(target))
    assert code == 0
    assert target.is_file()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(target) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png"]  # no partial file left
    pixels = _image(target)
    height, width = pixels.shape[:2]
    assert width > 600 and height > 200
    rgb = pixels[..., :3]
    assert rgb.std() > 0.05
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # the record has both cooperation (green) and conflict (red) events
    assert (green - np.maximum(red, blue) > 0.2).sum() > 50
    assert (red - np.maximum(green, blue) > 0.2).sum() > 50


def test_plot_of_filtered_events(capsys, tmp_path):
    target = tmp_path / "sub" / "lao.png"
    code, _, _ = run(capsys, "--actor", "LAO", "--year", "2024", "--plot", str(target))
    assert code == 0
    pixels = _image(target)
    assert pixels.shape[1] > 600
    assert pixels[..., :3].std() > 0.05


def test_plot_with_no_matching_events_exits_2_and_writes_nothing(capsys, tmp_path):
    target = tmp_path / "t.png"
    code, _, err = run(capsys, "--year", "1990", "--plot", str(target))
    assert code == 2
    assert "error: --plot" in err
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_plot_with_bad_filter_writes_nothing(capsys, tmp_path):
    target = tmp_path / "t.png"
    code, _, _ = run(capsys, "--actor", "LOA", "--plot", str(target))
    assert code == 2
    assert not target.exists()


# --- known defects -----------------------------------------------------------------------------


def test_article_filter_tolerates_space_after_semicolon(capsys, tmp_path, monkeypatch, events):
    import shutil

    folder = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", folder)
    path = folder / "events.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = table.index[table["article"].str.contains(";")][0]
    table.loc[row, "article"] = table.loc[row, "article"].replace(";", "; ")
    table.to_csv(path, index=False)
    monkeypatch.setenv(SEEDS_ENV, str(folder))
    second = table.loc[row, "article"].split("; ")[1]
    expected = events[events["article"].map(lambda f: cites(f, second))]
    code, out, _ = run(capsys, "--article", second)
    assert code == 0  # the record with the space is valid
    assert listed_ids(out) == ids(expected)
