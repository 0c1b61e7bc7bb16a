"""Dyad scores on a small hand-made event list whose sums are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.record.dyads import QUAD_CLASSES, dyad_scores, quad_class, undirected_ties
from model.record.seeds import SEEDS_ENV, load_record

QUADS = list(QUAD_CLASSES)


@pytest.fixture
def events() -> pd.DataFrame:
    rows = [
        # date,        source, target, cameo, goldstein   quad class
        ("2020-03-01", "LAO", "PRK", "042", 1.9),  # verbal_coop (04)
        ("2020-06-01", "LAO", "PRK", "163", -8.0),  # material_conflict (16)
        ("2020-07-01", "PRK", "LAO", "112", -2.0),  # verbal_conflict (11)
        ("2020-12-31", "PRK", "LAO", "190", -10.0),  # material_conflict (19)
        ("2021-01-15", "LAO", "PRK", "057", 8.0),  # verbal_coop (05)
        ("2021-02-01", "LAO", "VNM", "061", 6.4),  # material_coop (06)
        ("2021-12-31", "VNM", "LAO", "1053", -5.0),  # verbal_conflict (10)
    ]
    return pd.DataFrame(rows, columns=["date", "source", "target", "cameo", "goldstein"])


# (source, target, year): net, events, verbal_coop, material_coop, verbal_conflict, material_c.
EXPECTED = {
    ("LAO", "PRK", 2020): (1.9 - 8.0, 2, 1, 0, 0, 1),
    ("PRK", "LAO", 2020): (-2.0 - 10.0, 2, 0, 0, 1, 1),
    ("LAO", "PRK", 2021): (8.0, 1, 1, 0, 0, 0),
    ("LAO", "VNM", 2021): (6.4, 1, 0, 1, 0, 0),
    ("VNM", "LAO", 2021): (-5.0, 1, 0, 0, 1, 0),
}


def _check_cell(scores: pd.DataFrame, key, expected) -> None:
    net, count, *quads = expected
    row = scores.loc[key]
    assert row["net_goldstein"] == pytest.approx(net), key
    assert row["events"] == count, key
    assert [row[q] for q in QUADS] == quads, key


def test_observed_dyads_only_without_grid(events):
    scores = dyad_scores(events)
    assert list(scores.index.names) == ["source", "target", "year"]
    assert set(scores.index) == set(EXPECTED)
    assert list(scores.columns) == ["net_goldstein", "events", *QUADS]
    for key, expected in EXPECTED.items():
        _check_cell(scores, key, expected)
    assert scores.index.is_monotonic_increasing


def test_column_types(events):
    scores = dyad_scores(events)
    assert pd.api.types.is_float_dtype(scores["net_goldstein"])
    for column in ["events", *QUADS]:
        assert scores[column].dtype == "Int64", column


def test_direction_matters(events):
    scores = dyad_scores(events)
    there = scores.loc[("LAO", "PRK", 2020), "net_goldstein"]
    back = scores.loc[("PRK", "LAO", 2020), "net_goldstein"]
    assert there == pytest.approx(-6.1)
    assert back == pytest.approx(-12.0)
    assert ("PRK", "LAO", 2021) not in scores.index  # only LAO -> PRK happened in 2021


def test_quad_counts_add_up_to_events(events):
    scores = dyad_scores(events)
    assert (scores[QUADS].sum(axis=1) == scores["events"]).all()
    assert int(scores["events"].sum()) == len(events)
    assert scores["net_goldstein"].sum() == pytest.approx(events["goldstein"].sum())


def test_full_grid_leaves_unobserved_cells_missing(events):
    actors, years = ["LAO", "PRK", "VNM"], [2020, 2021, 2022]
    scores = dyad_scores(events, actors=actors, years=years)
    # 3 actors -> 6 directed pairs (no self-pairs), times 3 years
    assert len(scores) == 18
    assert not any(s == t for s, t, _ in scores.index)
    for key, expected in EXPECTED.items():
        _check_cell(scores, key, expected)
    empty = [k for k in scores.index if k not in EXPECTED]
    assert len(empty) == 18 - len(EXPECTED)
    for key in empty:
        row = scores.loc[key]
        assert pd.isna(row["net_goldstein"]), key
        assert pd.isna(row["events"]), key
        for q in QUADS:
            assert pd.isna(row[q]), (key, q)
    # "no news" is not neutral news: nothing was filled with zero
    assert scores["net_goldstein"].isna().sum() == len(empty)
    assert scores["events"].isna().sum() == len(empty)
    assert scores.loc[("PRK", "VNM", 2021), "events"] is pd.NA
    assert scores["events"].dtype == "Int64"


def test_observed_cell_keeps_zero_quad_counts(events):
    """A cell with events has 0 (not missing) in quad classes it has none of."""
    scores = dyad_scores(events, actors=["LAO", "PRK", "VNM"], years=[2020, 2021])
    assert scores.loc[("LAO", "VNM", 2021), "verbal_coop"] == 0
    assert not pd.isna(scores.loc[("LAO", "VNM", 2021), "verbal_coop"])


def test_grid_restricts_to_given_actors_and_years(events):
    scores = dyad_scores(events, actors=["LAO", "PRK"], years=[2021])
    assert list(scores.index) == [("LAO", "PRK", 2021), ("PRK", "LAO", 2021)]
    _check_cell(scores, ("LAO", "PRK", 2021), EXPECTED[("LAO", "PRK", 2021)])
    assert pd.isna(scores.loc[("PRK", "LAO", 2021), "net_goldstein"])


def test_zero_net_is_not_missing():
    events = pd.DataFrame(
        [("2019-05-01", "KHM", "PRK", "051", 3.4), ("2019-06-01", "KHM", "PRK", "1243", -3.4)],
        columns=["date", "source", "target", "cameo", "goldstein"],
    )
    scores = dyad_scores(events, actors=["KHM", "PRK"], years=[2019])
    assert scores.loc[("KHM", "PRK", 2019), "net_goldstein"] == pytest.approx(0.0)
    assert scores.loc[("KHM", "PRK", 2019), "events"] == 2
    assert pd.isna(scores.loc[("PRK", "KHM", 2019), "net_goldstein"])


def test_quad_class_boundaries():
    expected = {
        "01": "verbal_coop", "010": "verbal_coop", "0211": "verbal_coop", "057": "verbal_coop",
        "06": "material_coop", "061": "material_coop", "087": "material_coop",
        "09": "verbal_conflict", "1053": "verbal_conflict", "138": "verbal_conflict",
        "14": "material_conflict", "163": "material_conflict", "204": "material_conflict",
    }  # fmt: skip
    for code, name in expected.items():
        assert quad_class(code) == name, code


@pytest.mark.parametrize("code", ["00", "001", "21", "210", "2101"])
def test_quad_class_rejects_roots_outside_01_20(code):
    with pytest.raises(ValueError, match="01-20"):
        quad_class(code)


def test_unknown_root_in_events_raises(events):
    bad = pd.concat(
        [events, pd.DataFrame([("2020-01-01", "LAO", "PRK", "210", 0.0)], columns=events.columns)]
    )
    with pytest.raises(ValueError):
        dyad_scores(bad)


def test_undirected_ties_sum_both_directions_over_years(events):
    actors = ["LAO", "PRK", "VNM", "KHM"]
    ties = undirected_ties(dyad_scores(events), actors)
    assert ties.shape == (4, 4)
    np.testing.assert_array_equal(ties, ties.T)
    lao, prk, vnm, khm = range(4)
    # LAO<->PRK: 1.9 - 8.0 (2020) + 8.0 (2021) one way, -2.0 - 10.0 (2020) the other
    assert ties[lao, prk] == pytest.approx(1.9 - 8.0 + 8.0 - 2.0 - 10.0)
    assert ties[lao, vnm] == pytest.approx(6.4 - 5.0)
    assert np.isnan(ties[prk, vnm])
    assert np.isnan(ties[khm]).all() and np.isnan(ties[:, khm]).all()
    assert np.isnan(np.diag(ties)).all()


def test_undirected_ties_ignore_grid_gaps_and_outside_actors(events):
    scores = dyad_scores(events, actors=["LAO", "PRK", "VNM"], years=[2020, 2021, 2022])
    ties = undirected_ties(scores, ["PRK", "LAO"])  # VNM left out, order changed
    assert ties.shape == (2, 2)
    assert ties[0, 1] == pytest.approx(-10.1)
    assert ties[1, 0] == pytest.approx(-10.1)
    assert np.isnan(ties[0, 0]) and np.isnan(ties[1, 1])


def test_undirected_tie_of_zero_is_observed():
    events = pd.DataFrame(
        [("2019-05-01", "KHM", "PRK", "051", 3.4), ("2020-06-01", "PRK", "KHM", "1243", -3.4)],
        columns=["date", "source", "target", "cameo", "goldstein"],
    )
    ties = undirected_ties(dyad_scores(events), ["KHM", "PRK"])
    assert ties[0, 1] == pytest.approx(0.0)
    assert not np.isnan(ties[0, 1])


def test_scores_of_the_shipped_record(monkeypatch):
    monkeypatch.delenv(SEEDS_ENV, raising=False)
    record = load_record()
    scores = dyad_scores(record.events)
    assert int(scores["events"].sum()) == len(record.events)
    assert scores["net_goldstein"].sum() == pytest.approx(record.events["goldstein"].sum())
    lao_prk = record.events[(record.events["source"] == "LAO") & (record.events["target"] == "PRK")]
    for year, group in lao_prk.groupby("year"):
        assert scores.loc[("LAO", "PRK", year), "net_goldstein"] == pytest.approx(
            group["goldstein"].sum()
        )
        assert scores.loc[("LAO", "PRK", year), "events"] == len(group)
