"""A world of three members, the DPRK and one power, checked against numbers worked by hand.

The actor set is data the batched engine is built with (model/world/actor_set.py), so
the update rule can be checked on a world small enough to work out on paper. Nothing in
it is random: no stance noise, the DPRK's outreach and provocation levers at 0 (no
delegations, no launches), no shocks, and a start in 2024Q1 so that the two quarters run
(Q1, Q2) hold no meeting. A world of other actors than the record's keeps its starting
ties all run, so ``W`` changes only through the stances.

The rule (BatchedModel._update_stances, _refresh_masks and _lobby_scale; the same as
DiplomacyModel._update_stances with model/world/dynamics.py) for member i, each quarter:

    weight of member j   = tie(i, j) * c                         (c = asean_centrality)
    weight of power k    = tie(i, k) * (1 - c) * lobbying_weight * L_k * focus_i
                           * (0.5 + |pressure_i - pressure_k|)
    weight of the DPRK   = tie(i, DPRK) * (1 - c) * dprk_pull * engagement_i
    anchor_i             <- origin_i + anchor_memory * (anchor_i - origin_i)
    x_i'                 = lam * (sum_j weight_j x_j) / (sum_j weight_j) + (1 - lam) * anchor_i

with every weight taken at the quarter's starting stances, ``focus_i = 1 + chair_focus``
for the year's chair and 1 otherwise, and the US lobbying strength
``L = lobbying_USA * 2 * us_pressure`` (model/world/levers.power_stances). The DPRK sits
at (pressure 0, engagement 1) and the United States at (pressure_USA, engagement_USA).
"""

from __future__ import annotations

import numpy as np
import pytest

from model.world.actor_set import DEFAULT_ACTORS, ActorSet
from model.world.batched import BatchedModel, Streams
from model.world.initial import ENGAGEMENT, PRESSURE, given_state
from model.world.parameters import Parameters

ACTORS = ActorSet(members=("AAA", "BBB", "CCC"), dprk="PRK", powers=("USA",))
AAA, BBB, CCC, PRK, USA = range(5)  # rows: members, the DPRK, the power

PARAMS = Parameters(
    {
        "susceptibility": 0.6,  # lam
        "anchor_memory": 0.8,
        "lobbying_weight": 1.0,
        "dprk_pull": 0.5,
        "chair_focus": 1.0,  # the chair (AAA in 2024) is lobbied twice as hard
        "lobbying_USA": 1.0,  # L = 1.0 * 2 * 0.5 = 1.0
        "pressure_USA": 0.9,
        "engagement_USA": 0.2,
        "stance_noise": 0.0,
        "mood_noise": 0.0,
    }
)
LEVERS = {
    "asean_centrality": 0.5,  # c
    "us_pressure": 0.5,
    "dprk_outreach": 0.0,  # no delegations
    "dprk_provocation": 0.0,  # no launches
}
TOL = 1e-12


def start_state():
    """Stances (pressure, engagement), anchors, origins and ties of the three-member world."""
    stance = [
        [0.2, 0.8],  # AAA
        [0.5, 0.4],  # BBB
        [0.8, 0.2],  # CCC
        [0.0, 1.0],  # PRK
        [0.0, 0.0],  # USA: the levers set it to (pressure_USA, engagement_USA)
    ]
    anchor = [[0.4, 0.6], [0.45, 0.45], [0.6, 0.4], [0.0, 1.0], [0.0, 0.0]]
    origin = [[0.3, 0.7], [0.5, 0.4], [0.7, 0.3]]  # where the members' anchors relax to
    ties = np.array(
        [
            # AAA  BBB  CCC  PRK   USA
            [0.0, 0.6, 0.4, 0.5, 0.3],  # AAA
            [0.6, 0.0, 0.8, 0.2, 0.6],  # BBB
            [0.4, 0.8, 0.0, 0.1, 0.9],  # CCC
            [0.5, 0.2, 0.1, 0.0, 0.05],  # PRK
            [0.3, 0.6, 0.9, 0.05, 0.0],  # USA
        ]
    )
    return given_state(ACTORS, stance, ties, anchor=anchor, origin=origin)


def build(replicates: int, columns: bool = False, seed: int = 7) -> BatchedModel:
    state = start_state()
    return BatchedModel(
        start="2024Q1",
        end="2024Q2",
        chairs={2024: "AAA"},
        levers=LEVERS,
        parameters=[PARAMS] * replicates,
        initial=[state] * replicates,
        rng=seed,
        parameter_columns=columns,
        actor_set=ACTORS,
    )


# Quarter 1 (2024Q1), by hand. c = 0.5, so members weigh each other at tie * 0.5 and the
# outside at (1 - c) = 0.5; the US stands at (0.9, 0.2), the DPRK at (0, 1).
#
# AAA (0.2, 0.8), the chair (focus 2):
#   BBB 0.6 * 0.5 = 0.3; CCC 0.4 * 0.5 = 0.2
#   USA 0.3 * 0.5 * 1.0 * 1.0 * 2 * (0.5 + |0.2 - 0.9|) = 0.3 * 1.2 = 0.36
#   PRK 0.5 * 0.5 * 0.5 * 0.8 = 0.1;                    total 0.96
#   pressure:   0.3*0.5 + 0.2*0.8 + 0.36*0.9 + 0.1*0 = 0.634  -> mean 0.634/0.96
#   engagement: 0.3*0.4 + 0.2*0.2 + 0.36*0.2 + 0.1*1 = 0.332  -> mean 0.332/0.96
#   anchor: 0.3 + 0.8*(0.4 - 0.3) = 0.38;  0.7 + 0.8*(0.6 - 0.7) = 0.62
#   x1 = 0.6*0.634/0.96 + 0.4*0.38 = 0.39625 + 0.152 = 0.54825
#        0.6*0.332/0.96 + 0.4*0.62 = 0.2075  + 0.248 = 0.4555
# BBB (0.5, 0.4):
#   AAA 0.3; CCC 0.8 * 0.5 = 0.4
#   USA 0.6 * 0.5 * (0.5 + 0.4) = 0.27;  PRK 0.2 * 0.25 * 0.4 = 0.02;  total 0.99
#   pressure:   0.3*0.2 + 0.4*0.8 + 0.27*0.9 = 0.623
#   engagement: 0.3*0.8 + 0.4*0.2 + 0.27*0.2 + 0.02 = 0.394
#   anchor: 0.5 + 0.8*(0.45 - 0.5) = 0.46;  0.4 + 0.8*(0.45 - 0.4) = 0.44
#   x1 = 0.6*0.623/0.99 + 0.4*0.46 = 4633/8250 = 0.561575...
#        0.6*0.394/0.99 + 0.4*0.44 = 1711/4125 = 0.414787...
# CCC (0.8, 0.2):
#   AAA 0.2; BBB 0.4
#   USA 0.9 * 0.5 * (0.5 + 0.1) = 0.27;  PRK 0.1 * 0.25 * 0.2 = 0.005;  total 0.875
#   pressure:   0.2*0.2 + 0.4*0.5 + 0.27*0.9 = 0.483
#   engagement: 0.2*0.8 + 0.4*0.4 + 0.27*0.2 + 0.005 = 0.379
#   anchor: 0.7 + 0.8*(0.6 - 0.7) = 0.62;  0.3 + 0.8*(0.4 - 0.3) = 0.38
#   x1 = 0.6*0.483/0.875 + 0.4*0.62 = 0.3312 + 0.248 = 0.5792
#        0.6*0.379/0.875 + 0.4*0.38 = 1802/4375 = 0.411885...
QUARTER_1 = [
    (0.54825, 0.4555),
    (4633 / 8250, 1711 / 4125),
    (0.5792, 1802 / 4375),
]

# Quarter 2 (2024Q2): the same rule at the quarter-1 stances and anchors.
#
# AAA (0.54825, 0.4555): BBB 0.3, CCC 0.2
#   USA 0.3 * 0.5 * 2 * (0.5 + |0.54825 - 0.9|) = 0.3 * 0.85175 = 0.255525
#   PRK 0.125 * 0.4555 = 0.0569375;  total 0.8124625
#   pressure:   0.3*4633/8250 + 0.2*0.5792 + 0.255525*0.9 = 0.514285227...
#   engagement: 0.3*1711/4125 + 0.2*1802/4375 + 0.255525*0.2 + 0.0569375 = 0.314856006...
#   anchor: 0.3 + 0.8*(0.38 - 0.3) = 0.364;  0.7 + 0.8*(0.62 - 0.7) = 0.636
#   x2 = 0.6*0.514285227.../0.8124625 + 0.4*0.364 = 234776122/446854375  = 0.525397389...
#        0.6*0.314856006.../0.8124625 + 0.4*0.636 = 1523075646/3127980625 = 0.486919782...
# BBB (4633/8250, 1711/4125): AAA 0.3, CCC 0.4
#   USA 0.6 * 0.5 * (0.5 + 0.9 - 4633/8250) = 0.251527272...
#   PRK 0.05 * 1711/4125 = 0.020739393...;  total 0.972266666...
#   pressure:   0.3*0.54825 + 0.4*0.5792 + 0.251527272...*0.9 = 0.622529545...
#   engagement: 0.3*0.4555 + 0.4*1802/4375 + 0.251527272...*0.2 + 0.020739393...
#               = 0.372449134...
#   anchor: 0.5 + 0.8*(0.46 - 0.5) = 0.468;  0.4 + 0.8*(0.44 - 0.4) = 0.432
#   x2 = 0.6*0.622529545.../0.972266666... + 0.4*0.468 = 458308989/802120000   = 0.571372100...
#        0.6*0.372449134.../0.972266666... + 0.4*0.432 = 1130390301/2807420000 = 0.402643815...
# CCC (0.5792, 1802/4375): AAA 0.2, BBB 0.4
#   USA 0.9 * 0.5 * (0.5 + 0.9 - 0.5792) = 0.36936
#   PRK 0.025 * 1802/4375 = 0.010297142...;  total 0.979657142...
#   pressure:   0.2*0.54825 + 0.4*4633/8250 + 0.36936*0.9 = 0.666704303...
#   engagement: 0.2*0.4555 + 0.4*1711/4125 + 0.36936*0.2 + 0.010297142... = 0.341184294...
#   anchor: 0.7 + 0.8*(0.62 - 0.7) = 0.636;  0.3 + 0.8*(0.38 - 0.3) = 0.364
#   x2 = 0.6*0.666704303.../0.979657142... + 0.4*0.636 = 624900583/942920000 = 0.662729163...
#        0.6*0.341184294.../0.979657142... + 0.4*0.364 = 167161541/471460000 = 0.354561449...
QUARTER_2 = [
    (234776122 / 446854375, 1523075646 / 3127980625),
    (458308989 / 802120000, 1130390301 / 2807420000),
    (624900583 / 942920000, 167161541 / 471460000),
]
ANCHORS_2 = [(0.364, 0.636), (0.468, 0.432), (0.636, 0.364)]


def expect(rows, replicates: int) -> np.ndarray:
    return np.broadcast_to(np.array(rows), (replicates, 3, 2))


@pytest.mark.parametrize(
    ("replicates", "columns"), [(1, False), (2, False), (2, True)], ids=["R1", "R2", "R2-columns"]
)
def test_two_quarters_of_a_three_member_world_match_the_hand_worked_numbers(replicates, columns):
    model = build(replicates, columns)
    assert model.stance.shape == (replicates, 5, 2)
    assert model.chairs == {2024: "AAA"}
    np.testing.assert_array_equal(model.stance[:, USA], [[0.9, 0.2]] * replicates)

    model.run_for(1)
    members = model.stance[:, :3]
    assert members == pytest.approx(expect(QUARTER_1, replicates), abs=TOL, rel=0)

    model.run_for(1)
    members = model.stance[:, :3]
    assert members == pytest.approx(expect(QUARTER_2, replicates), abs=TOL, rel=0)
    assert model.anchor[:, :3] == pytest.approx(expect(ANCHORS_2, replicates), abs=TOL, rel=0)
    np.testing.assert_array_equal(members[0], members[-1])  # the rows are the same world

    # the outside actors are stubborn, and the quiet quarters held nothing else
    np.testing.assert_array_equal(model.stance[:, PRK], [[0.0, 1.0]] * replicates)
    np.testing.assert_array_equal(model.stance[:, USA], [[0.9, 0.2]] * replicates)
    assert model.next_quarter is None and not model.statements
    assert model.exchange_history.sum() == 0 and model._provocations.sum() == 0
    assert all(len(a) == 0 for a in model.event_arrays())
    history = model.member_history
    assert history.shape == (replicates, 2, 3, 2)
    assert history[:, 0] == pytest.approx(expect(QUARTER_1, replicates), abs=TOL, rel=0)
    assert history[:, 1] == pytest.approx(expect(QUARTER_2, replicates), abs=TOL, rel=0)


def test_the_quarters_do_not_depend_on_the_random_numbers_when_nothing_is_random():
    first, second = build(2, seed=1).run(), build(2, seed=99).run()
    np.testing.assert_array_equal(first.stance, second.stance)


def test_a_world_without_china_or_russia_gives_no_cover():
    model = build(1)
    np.testing.assert_array_equal(model.cover(), np.zeros((1, 3)))
    p = PARAMS
    engagement = model.stance[0, :3, ENGAGEMENT]
    expected = np.clip(p.veto_base + p.veto_engagement * engagement, 0.0, 1.0)
    np.testing.assert_allclose(model.veto()[0], expected, rtol=0, atol=TOL)
    assert model.stance[0, AAA, PRESSURE] == 0.2


def test_the_random_streams_are_shaped_by_the_actor_set():
    rng = np.random.default_rng(0)
    streams = Streams.draw(rng, 2, 1, 2, 4, ACTORS)
    assert streams.uniforms.shape == (2, 2, 2 * 3 + 3)  # per member a count and a return
    assert streams.normals.shape == (2, 2, 3 * 3)  # per member two noises and a mood
    assert streams.delegations.shape == (1, 2, 3)
    streams.check(2, 1, 2, ACTORS)
    default = Streams.draw(rng, 2, 0, 1, 1)
    with pytest.raises(ValueError, match="random streams"):
        BatchedModel(
            start="2024Q1",
            end="2024Q2",
            chairs={2024: "AAA"},
            parameters=[PARAMS],
            initial=[start_state()],
            streams=default,
            actor_set=ACTORS,
        )


def test_a_world_of_other_actors_needs_a_starting_state_that_fits_it():
    with pytest.raises(ValueError, match="needs initial"):
        BatchedModel(start="2024Q1", end="2024Q2", chairs={2024: "AAA"}, actor_set=ACTORS)
    with pytest.raises(ValueError, match="starting state"):
        given_state(DEFAULT_ACTORS, np.zeros((5, 2)), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="distinct"):
        ActorSet(members=("AAA", "AAA"), powers=())
