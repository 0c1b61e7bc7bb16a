"""The statement rule on hand-worked cases (model/world/negotiation.py): vetoes, the chair's
pen, chairman's statements and dropped items; and the model's positions."""

import numpy as np
import pytest

from model.vocabulary import Quarter
from model.world.diplomacy import DiplomacyModel
from model.world.negotiation import ChairProfile, Positions, chair_target, draft_text, room_tone
from model.world.parameters import default_parameters
from model.world.scenario import ShockSpec


def positions(preferred, lower=None, upper=None, salience=None):
    preferred = np.asarray(preferred, dtype=float)
    lower = preferred - 4 if lower is None else np.asarray(lower, dtype=float)
    upper = preferred + 4 if upper is None else np.asarray(upper, dtype=float)
    salience = np.ones_like(preferred) if salience is None else np.asarray(salience, float)
    return Positions(preferred, lower, upper, salience)


def chair(position=0, pull=0.0, stake=0.0):
    return ChairProfile(position, pull, stake)


def test_the_room_is_the_salience_weighted_mean():
    room = positions([1.0, 3.0], salience=[0.25, 0.75])
    assert room_tone(room) == pytest.approx(2.5)


def test_consensus_when_nobody_blocks_the_nearest_tone():
    d = draft_text(positions([2.0, 2.4, 2.2]), chair(), None, 0.7)
    assert (d.tone, d.voice, d.support, d.blockers) == (2, "consensus", 1.0, ())
    assert d.target == pytest.approx(2.2)


def test_a_veto_softens_the_consensus_text():
    # The room wants 3.3; member 2 (engaged, veto) blocks anything above 2.
    room = positions([3.5, 3.5, 2.9], upper=[4, 4, 2.0])
    d = draft_text(room, chair(), None, 0.7)
    assert d.voice == "consensus" and d.tone == 2
    assert d.blockers == (2,)  # it blocked the chair's aim (tone 3)


def test_vetoes_on_both_sides_give_a_chairmans_statement_or_nothing():
    # Hawks block anything below 3, one engaged member anything above 2: no consensus.
    room = positions([3.6, 3.6, 3.6, 3.6, 2.0], lower=[3, 3, 3, 3, 0], upper=[4, 4, 4, 4, 2])
    split = draft_text(room, chair(position=0), None, 0.7)
    assert (split.tone, split.voice) == (3, "split")  # the room: (4 x 3.6 + 2) / 5 = 3.28
    assert split.support == pytest.approx(0.8)
    # The same room with the engaged member in the chair: it will not pen a text it
    # blocks, and no text it accepts has a quorum, so the item is dropped.
    dropped = draft_text(room, chair(position=4), None, 0.7)
    assert (dropped.tone, dropped.voice) == (None, "none")
    assert dropped.support == pytest.approx(0.8)


def test_the_chair_pull_and_the_stake_of_established_language():
    room = positions([1.0, 2.0, 3.0])
    assert chair_target(room, chair(position=2, pull=1.0), None) == pytest.approx(3.0)
    assert chair_target(room, chair(position=0, pull=0.5), None) == pytest.approx(1.5)
    # Defending last year's grave concern (4) pulls the aim up.
    assert chair_target(room, chair(stake=0.5), 4) == pytest.approx(3.0)
    assert draft_text(room, chair(stake=0.5), 4, 0.7).tone == 3


def _model(**kwargs):
    levers = {"dprk_provocation": 0.0, "dprk_outreach": 0.0}
    params = kwargs.pop("params", None)
    model = DiplomacyModel(start="2026Q1", end="2026Q4", levers=levers, rng=1, **kwargs)
    if params is not None:
        model.params = params
    return model


def test_provocations_accumulate_without_a_cap():
    one = _model(shocks=[ShockSpec(at="2026Q1", type="icbm_test")])
    four = _model(shocks=[ShockSpec(at="2026Q1", type="icbm_test") for _ in range(4)])
    one.step(), four.step()
    assert four.memory == pytest.approx(4 * one.memory)
    assert four.threat > one.threat  # no cap at one test's worth


def test_a_test_early_in_the_year_still_counts_at_the_summit():
    early = _model(shocks=[ShockSpec(at="2026Q1", type="nuclear_test")])
    quiet = _model()
    for model in (early, quiet):
        for _ in range(3):
            model.step()
    # three quarters (nine months) of fading by the monthly half-life, worked by hand
    half_life = early.params.memory_half_life
    assert early.memory == pytest.approx(0.5 ** (9 / half_life))
    assert early.memory > 0.5  # at the default half-lives, more than half is left
    early.step(), quiet.step()  # the Q4 summit
    assert early.statements[-1].target > quiet.statements[-1].target


def test_a_summit_opens_a_welcoming_frame_that_an_icbm_test_breaks():
    summit = [ShockSpec(at="2026Q2", type="us_dprk_summit")]
    tested = [ShockSpec(at="2026Q1", type="nuclear_test")]
    # A chair with no will to block, so the frame alone moves the text (the chair's
    # softening has its own test above).
    firm = default_parameters().replace(veto_engagement=0.0, veto_cover=0.0, veto_visits=0.0)
    without = _model(shocks=tested, params=firm).run()
    calm = _model(shocks=[*tested, *summit], params=firm).run()
    broken = _model(
        shocks=[*tested, *summit, ShockSpec(at="2026Q3", type="icbm_test")], params=firm
    ).run()
    assert calm.statements[0].tone <= 1 < without.statements[0].tone  # welcome or restraint
    assert calm.statements[0].target < 0.5 * without.statements[0].target
    assert broken.statements[0].tone > calm.statements[0].tone
    assert broken.frame < calm.frame


def test_engagement_and_recent_visits_raise_the_veto():
    model = _model()
    before = model.veto().copy()
    lao = model.members[[m.code for m in model.members].index("LAO")]
    model.exchange(np.eye(len(model.members), dtype=np.int64)[model.members.index(lao)] * 3)
    after = model.veto()
    changed = np.flatnonzero(after != before)
    assert changed.tolist() == [model.members.index(lao)]
    assert after[changed[0]] > before[changed[0]]


def test_a_hold_meeting_is_pure():
    model = _model(shocks=[ShockSpec(at="2026Q1", type="nuclear_test")])
    model.step()
    positions_now = model.positions()
    a = model.hold_meeting(Quarter(2026, 3), "ministerial", positions_now)
    b = model.hold_meeting(Quarter(2026, 3), "ministerial", positions_now)
    assert a == b and model.statements == []


def test_a_chair_that_would_block_harsher_text_softens_within_what_no_one_blocks():
    # Everyone accepts tones 2-4 and the room wants 3.6: a chair with no will to block
    # keeps its aim (4); one with a strong will softens toward the softest agreed tone (2).
    room = positions([3.6, 3.6, 3.6], lower=[1.6, 1.6, 1.6])
    keeps = draft_text(room, ChairProfile(0, 0.0, 0.0, soften=0.0), None, 0.7)
    softens = draft_text(room, ChairProfile(0, 0.0, 0.0, soften=0.8), None, 0.7)
    assert (keeps.tone, softens.tone) == (4, 2)  # aim 3.6 - 0.8 x (3.6 - 2) = 2.32
    assert softens.voice == "consensus" and softens.target == pytest.approx(3.6)
    # It never goes below what the hawks accept: with lower bounds at 2.5 the softest
    # agreed tone is 3.
    hawkish = positions([3.6, 3.6, 3.6], lower=[2.5, 2.5, 2.5])
    assert draft_text(hawkish, ChairProfile(0, 0.0, 0.0, soften=1.0), None, 0.7).tone == 3
