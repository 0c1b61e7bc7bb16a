"""Forecast scores (model/analysis/scores.py) on hand-worked cases."""

import numpy as np
import pandas as pd
import pytest

from model.analysis.scores import (
    Forecast,
    climatology,
    forecast_from_samples,
    persistence,
    score,
)
from model.record.occasions import Occasion, meeting_of, validation_occasions


def occasion(year, tone, voice="consensus", meeting="summit"):
    return Occasion(year, meeting, tone, voice, "AMM", "")


def certain(tone, voice="consensus"):
    return Forecast(np.eye(5)[tone], np.eye(3)[["consensus", "split", "none"].index(voice)])


def test_a_perfect_forecast_scores_zero_and_a_miss_by_two_scores_two():
    seen = [occasion(2000, 0), occasion(2001, 2), occasion(2002, 4)]
    perfect = score([certain(0), certain(2), certain(4)], seen)
    assert perfect["mae"] == 0 and perfect["rps"] == 0 and perfect["brier_voice"] == 0
    assert perfect["spearman"] == pytest.approx(1.0) and perfect["modal_accuracy"] == 1.0
    off = score([certain(2), certain(4), certain(2)], seen)
    # RPS of a certain forecast two tones away: two cumulative steps of 1
    assert off["rps"] == pytest.approx(2.0) and off["mae"] == pytest.approx(2.0)


def test_rps_rewards_spread_toward_the_truth():
    seen = [occasion(2000, 2)]
    near = Forecast(np.array([0, 0.25, 0.5, 0.25, 0]), np.array([1.0, 0, 0]))
    # cumulative (0, .25, .75, 1, 1) against (0, 0, 1, 1, 1): .25^2 + .25^2
    assert score([near], seen)["rps"] == pytest.approx(0.125)
    assert score([certain(3)], seen)["rps"] == pytest.approx(1.0)


def test_voice_brier_and_texts_without_a_tone():
    seen = [occasion(2012, None, "none"), occasion(2013, 2)]
    result = score([certain(2, "consensus"), certain(2)], seen)
    assert result["with_text"] == 1 and result["occasions"] == 2
    assert result["brier_voice"] == pytest.approx(1.0)  # (1 + 1 + 0) / 2 occasions


def test_persistence_forecasts_the_previous_text():
    seen = [occasion(2000, 0), occasion(2001, 3), occasion(2002, 1, "split")]
    fallback = certain(2)
    made = persistence(seen, fallback)
    assert made[0] is fallback
    assert made[1].mode == 0 and made[2].mode == 3
    assert persistence([*seen, occasion(2003, 2)], fallback)[3].voice_probs[1] == 1.0


def test_climatology_and_samples():
    record = pd.DataFrame({"tone": [2, 2, 4, 4], "voice": ["consensus"] * 4})
    clim = climatology(record)
    assert clim.tone_probs.tolist() == [0, 0, 0.5, 0, 0.5] and clim.mean == 3.0
    f = forecast_from_samples(np.array([1.0, 1.0, np.nan, 3.0]), np.array([0, 0, 2, 1]))
    assert f.tone_probs.tolist() == pytest.approx([0, 2 / 3, 0, 1 / 3, 0])
    assert f.voice_probs.tolist() == [0.5, 0.25, 0.25]


def test_occasions_take_asean_texts_before_the_arf():
    frame = pd.DataFrame(
        {
            "year": [2010, 2010, 2010, 2016],
            "date": pd.to_datetime(["2010-07-23", "2010-07-20", "2010-10-28", "2016-01-08"]),
            "body": ["ARF", "AMM", "summit", "FMs"],
            "tone": pd.array([3, 2, 1, 2], "Int64"),
            "voice": ["consensus"] * 4,
            "phrase": ["a", "b", "c", "d"],
        }
    )
    found = {(o.year, o.meeting): (o.body, o.tone) for o in validation_occasions(frame)}
    assert found == {
        (2010, "ministerial"): ("AMM", 2),
        (2010, "summit"): ("summit", 1),
        (2016, "ministerial"): ("FMs", 2),
    }
    assert meeting_of("FMs", pd.Timestamp("2006-10-12")) == "summit"


def test_a_summit_text_goes_to_the_next_simulated_meeting_after_its_date():
    """The model's one summit is at the year's end: a January or April summit's text is
    compared with the mid-year ministerial, which follows it, not the year-end summit."""
    assert meeting_of("summit", pd.Timestamp("2007-01-13")) == "ministerial"
    assert meeting_of("summit", pd.Timestamp("2017-04-29")) == "ministerial"
    assert meeting_of("summit", pd.Timestamp("2017-11-13")) == "summit"
    assert meeting_of("ARF", pd.Timestamp("2024-07-27")) == "ministerial"
