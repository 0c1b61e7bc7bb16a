"""The Mesa model: ASEAN members, the DPRK and the outside powers, quarter by quarter.

The model owns the numpy arrays (stances, anchors, ties) and the calendar; agents
(model/world/actors.py) own the decisions; model/world/dynamics.py holds the arithmetic. One
step is one calendar quarter:

1. dated shocks for the quarter fire (Mesa events scheduled half a step earlier);
2. the DPRK sends delegations and may provoke;
3. the outside powers choose whom to lobby;
4. members' stances move by one Friedkin-Johnsen update (plus small noise);
5. in Q3 (ministerial meeting) and Q4 (summit) the members take positions and the
   chair drafts ASEAN's statement (model/world/negotiation.py);
6. the quarter's state is recorded; the memory of provocations, the dialogue frame and
   the memory of recent DPRK visits fade by their monthly half-lives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import mesa
import numpy as np

from model.vocabulary import (
    AGENTS,
    DPRK,
    MEMBERS,
    METRICS,
    POWERS,
    TLS_ACCESSION_QUARTER,
    Quarter,
    meeting_in,
    meetings_due,
    quarter_range,
)
from model.world.actors import Member, Power, build_agents
from model.world.chairs import chair_schedule
from model.world.dynamics import fj_step, influence_matrix
from model.world.initial import (
    DPRK_ROW,
    ENGAGEMENT,
    INDEX,
    MEMBER_ROWS,
    POWER_ROWS,
    PRESSURE,
    InitialState,
    initial_state,
    record_ties,
    recorded_chairs,
)  # fmt: skip
from model.world.levers import default_levers, power_stances
from model.world.negotiation import ChairProfile, Draft, Positions, draft_text
from model.world.parameters import Parameters, default_parameters
from model.world.scenario import ActorOverride, Scenario, ShockSpec
from model.world.shocks import SHOCK_TYPES
from model.world.simevents import KIND_CAMEO, STATEMENT_CAMEO, SimEvent

VISIT_CAMEO = KIND_CAMEO["delegation"]
CARRIED_LEVERS = ("sanctions_tightness", "china_shield", "russia_alignment")
"""Levers that are part of the world's state (shocks move them: resolutions, alliances),
so a warm start carries them on; the others are a scenario's own settings."""
FRAME_BREAKERS = ("icbm_test", "nuclear_test", "armed_attack")
"""Provocations that break a dialogue frame. Short-range launches do not: in 2019 the
ASEAN foreign ministers and the ARF still welcomed the Panmunjom meeting a week after
such launches (Korea Herald, 4 Aug 2019, http://www01.koreaherald.com/view.php?mp=1&np=4&ud=20190804000024)."""
SHOCK_HANDLERS: dict[str, str] = {
    "missile_test": "_shock_provocation",
    "icbm_test": "_shock_provocation",
    "nuclear_test": "_shock_provocation",
    "armed_attack": "_shock_provocation",
    "escalation": "_shock_escalation",
    "moratorium": "_shock_moratorium",
    "unsc_resolution": "_shock_sanctions",
    "us_dprk_summit": "_shock_dialogue",
    "inter_korean_summit": "_shock_dialogue",
    "talks": "_shock_dialogue",
    "dprk_delegation": "_shock_delegation",
    "incident": "_shock_incident",
    "break_relations": "_shock_relations",
    "restore_relations": "_shock_relations",
    "alliance": "_shock_alignment",
    "strain": "_shock_alignment",
    "chair_change": "_shock_chair_change",
    "accession": "_shock_accession",
    "lever": "_shock_lever",
}
"""Each shock type's handler (a method name, so both engines share the table's keys)."""
VISIT_MEMORY_HALF_LIFE = 6.0
"""Months over which a DPRK delegation still counts as recent for a member's veto."""


def threat_of(memory, scale):
    """The threat remembered provocations pose, 0-1 (see DiplomacyModel.threat)."""
    squared = memory * memory
    return squared / (squared + scale * scale)


def _unit(values):
    """Clip to [0, 1] (np.minimum/np.maximum: cheaper than np.clip on tiny arrays)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class Statement:
    """ASEAN's text at one meeting: its tone (None without text) and voice, the tone the
    chair aimed at, the share of members that did not block it, and who blocked the
    chair's aim (member codes)."""

    year: int
    meeting: str
    chair: str
    tone: int | None
    voice: str
    target: float
    support: float
    blockers: tuple[str, ...] = ()


class ScheduledShock:
    """One shock bound to one model, so Mesa can schedule its bound ``fire`` method."""

    def __init__(self, model: DiplomacyModel, shock: ShockSpec):
        self.model = model
        self.shock = shock

    def fire(self) -> None:
        """Apply the shock to the model (called by Mesa's event list)."""
        self.model.apply_shock(self.shock)


class DiplomacyModel(mesa.Model):
    """ASEAN's collective stance on the DPRK under a rotating chair.

    The keyword-only constructor is the schema shared by the scenario runner, the
    ensemble and the classroom app (one constructor is the schema). It is built with the
    default actors (model/world/actor_set.DEFAULT_ACTORS); BatchedModel takes any set.
    """

    def __init__(
        self,
        *,
        start: str = "2024Q1",
        end: str = "2030Q4",
        chairs: Mapping[int, str] | None = None,
        levers: Mapping[str, float] | None = None,
        shocks: Iterable[ShockSpec] = (),
        actors: Mapping[str, ActorOverride] | None = None,
        parameters: Parameters | None = None,
        initial: InitialState | None = None,
        record_events: bool = True,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.record_events = record_events  # sweeps that keep only outcomes skip the log
        self.params = parameters if parameters is not None else default_parameters()
        p = self.params  # quarterly fading of the memories, from monthly half-lives
        self._memory_decay = 0.5 ** (3.0 / p.memory_half_life)
        self._frame_decay = 0.5 ** (3.0 / p.frame_half_life)
        self._visit_decay = 0.5 ** (3.0 / VISIT_MEMORY_HALF_LIFE)
        self.start, self.end = Quarter.parse(start), Quarter.parse(end)
        self.quarters = quarter_range(self.start, self.end)
        state = initial if initial is not None else initial_state(self.params, self.start.year)
        self.levers = {**default_levers(), **state.levers, **(levers or {})}

        self.stance = state.stance.copy()
        self.ties = state.ties
        self.lam = np.zeros(len(AGENTS))
        self.lam[MEMBER_ROWS] = self.params.susceptibility
        self.veto_override = np.full(len(MEMBERS), np.nan)  # NaN: the model decides
        self.relations = state.relations.copy()
        self.active = state.active.copy()
        self.lobbying = np.zeros(len(AGENTS))
        self.anchor = state.anchor.copy() if state.anchor is not None else self.stance.copy()
        self._origin = (
            state.origin.copy() if state.origin is not None else self.anchor[MEMBER_ROWS].copy()
        )  # where anchors relax to
        self._apply_actor_overrides(actors or {})
        self._apply_levers()

        self.members, self.dprk, self.powers = build_agents(self, MEMBERS, POWERS)
        self.chair_override: dict[int, str] = {}
        known = {**recorded_chairs(), **{int(y): c for y, c in (chairs or {}).items()}}
        self.chairs = chair_schedule(range(self.start.year, self.end.year + 1), known)
        self._chair_focus = {year: self._focus(code) for year, code in self.chairs.items()}
        self._weights = np.zeros((len(MEMBERS), len(AGENTS)))

        self.memory = state.memory  # stock of remembered provocations (impulse units)
        self.frame = state.frame  # strength of the dialogue frame, 0-1
        self.calm = state.calm  # how much a summit still restrains DPRK launches
        self.pause = state.pause  # frame a declared testing pause sustains (0: no pause)
        self.visit_memory = state.visit_memory.copy()  # recent exchanges per member
        self.last_tone = state.last_tone
        self.events: list[SimEvent] = []
        self.statements: list[Statement] = []
        self.clock: Quarter | None = None
        self._done = 0  # quarters simulated so far
        self._now = self.start  # the quarter being simulated (for event dates)
        self._shocks = list(shocks)
        self._tls_joins(self._shocks)
        self._scheduled = [ScheduledShock(self, s) for s in self._shocks]
        for scheduled in self._scheduled:
            self.schedule_event(scheduled.fire, at=(scheduled.shock.quarter - self.start) + 0.5)

        self._ties_year = self.start.year
        self._refresh_masks()
        n = len(self.quarters)
        self.member_history = np.full((n, len(MEMBERS), 2), np.nan)
        self.exchange_history = np.zeros((n, len(MEMBERS)), dtype=np.int32)
        self._quarter_exchanges = np.zeros(len(MEMBERS), dtype=np.int64)
        self._quarter_provocations = {
            "missile_test": 0,
            "icbm_test": 0,
            "nuclear_test": 0,
            "armed_attack": 0,
        }
        self._metrics_row = self.metrics()
        self.datacollector = mesa.DataCollector(model_reporters={"metrics": "_metrics_row"})

    # --- set-up -----------------------------------------------------------------
    def _apply_actor_overrides(self, overrides: Mapping[str, ActorOverride]) -> None:
        """Members' overrides change their starting state; powers' are kept and applied
        over the lever-derived stance each time the levers change."""
        self._power_overrides = {c: o for c, o in overrides.items() if c in POWERS}
        for code, o in overrides.items():
            row = INDEX[code]
            for column, value in ((PRESSURE, o.pressure), (ENGAGEMENT, o.engagement)):
                if value is not None:  # a new starting stance, and the anchor it holds to
                    self.stance[row, column] = self.anchor[row, column] = value
                    if code in MEMBERS:
                        self._origin[MEMBERS.index(code), column] = value
            if code in MEMBERS:
                position = MEMBERS.index(code)
                if o.susceptibility is not None:
                    self.lam[row] = o.susceptibility
                if o.veto is not None:
                    self.veto_override[position] = o.veto
                if o.relations is not None:
                    self.relations[position] = o.relations

    def _apply_levers(self) -> None:
        """Turn levers into the outside powers' stances and lobbying strengths."""
        stance = power_stances(self.params, self.levers)
        for code, (pressure, engagement, lobbying) in stance.items():
            row, o = INDEX[code], self._power_overrides.get(code)
            if o is not None:
                pressure = pressure if o.pressure is None else o.pressure
                engagement = engagement if o.engagement is None else o.engagement
                lobbying = lobbying if o.lobbying is None else o.lobbying
            self.stance[row] = np.clip((pressure, engagement), 0.0, 1.0)
            self.lobbying[row] = lobbying
        self.anchor[POWER_ROWS] = self.stance[POWER_ROWS]
        self._power_pressure = self.stance[POWER_ROWS, PRESSURE][None, :].copy()
        self._power_lobbying = self.lobbying[POWER_ROWS][None, :].copy()

    def _tls_joins(self, shocks: list[ShockSpec]) -> None:
        """Timor-Leste is a member only from its accession (2025Q4 unless a shock says)."""
        tls = INDEX["TLS"]
        explicit = [s for s in shocks if s.type == "accession" and s.actor == "TLS"]
        joins = explicit[0].quarter if explicit else Quarter.parse(TLS_ACCESSION_QUARTER)
        if joins > self.start:
            self.active[tls] = False
            if not explicit and joins <= self.end:
                shocks.append(
                    ShockSpec(
                        at=str(joins),
                        type="accession",
                        actor="TLS",
                        note="Timor-Leste admitted 26 October 2025",
                    )
                )

    def _focus(self, chair: str) -> np.ndarray:
        """Column of lobbying multipliers: ``1 + chair_focus`` for the chair, 1 elsewhere."""
        return 1.0 + self.params.chair_focus * np.array([[float(c == chair)] for c in MEMBERS])

    def _refresh_ties(self, year: int) -> None:
        """Each January the ties reflect the record's exchanges before that year (the
        same rule as the starting state, model/world/initial.py)."""
        self.ties = record_ties(self.params, year)
        self._ties_year = year
        self._refresh_masks()

    def snapshot(self) -> InitialState:
        """The state a run leaves, as a warm starting state for another run (the next
        quarter's scenario starts from it: model/world/warmstart.py)."""
        return InitialState(
            stance=self.stance.copy(),
            ties=self.ties,
            closeness={},
            record_score={},
            last_tone=self.last_tone,
            anchor=self.anchor.copy(),
            origin=self._origin.copy(),
            levers={k: self.levers[k] for k in CARRIED_LEVERS},
            relations=self.relations.copy(),
            active=self.active.copy(),
            memory=self.memory,
            frame=self.frame,
            calm=self.calm,
            pause=self.pause,
            visit_memory=self.visit_memory.copy(),
            warm=True,
        )

    # --- state views --------------------------------------------------------------
    def _refresh_masks(self) -> None:
        """Recompute what depends on membership and relations (they change only by shocks),
        so the quarterly loop does no boolean bookkeeping."""
        present = self.active[MEMBER_ROWS]
        self.present = present.copy()
        self.all_present = bool(present.all())
        self.reachable = (present & self.relations).astype(float)
        self.all_related = bool(self.relations.all())
        self._present_col = present.astype(float)[:, None]
        self._member_ties = self.ties[MEMBER_ROWS] * self.active

    @property
    def next_quarter(self) -> Quarter | None:
        """The quarter the next step will simulate (None when the run is over)."""
        return self.quarters[self._done] if self._done < len(self.quarters) else None

    def chair(self, year: int) -> str:
        """The member chairing ASEAN in ``year`` (a chair_change shock overrides)."""
        return self.chair_override.get(year) or self.chairs[year]

    # --- actions agents and shocks call --------------------------------------------
    def emit(
        self,
        kind: str,
        source: str,
        target: str,
        summary: str,
        quarter: Quarter | None = None,
        cameo: str | None = None,
    ) -> None:
        """Log a simulated event in the record's schema."""
        if not self.record_events:
            return
        q = quarter or self._now
        self.events.append(SimEvent(q, source, target, cameo or KIND_CAMEO[kind], summary))

    def exchange(self, visits: np.ndarray) -> None:
        """The DPRK sends ``visits[i]`` delegations to member i; members may return them."""
        returns = Member.returned_visits(self, visits).astype(visits.dtype)
        total = visits + returns
        events, now = self.events, self._now
        for position in np.flatnonzero(total).tolist() if self.record_events else ():
            code = MEMBERS[position]
            going = SimEvent(now, DPRK, code, VISIT_CAMEO, f"DPRK delegation visits {code}")
            coming = SimEvent(now, code, DPRK, VISIT_CAMEO, f"{code} delegation visits Pyongyang")
            events.extend([going] * int(visits[position]) + [coming] * int(returns[position]))
        self._quarter_exchanges += total
        self._nudge(
            MEMBER_ROWS, ENGAGEMENT, self.params.visit_effect * total, self.params.visit_persistence
        )

    def provoke(
        self, kind: str, impulse: float | None = None, quarter: Quarter | None = None
    ) -> None:
        """A DPRK launch, test or attack: it adds to the memory of provocations (no cap:
        repeated ICBM tests accumulate toward grave concern); an ICBM or nuclear test or
        an attack breaks the dialogue frame in proportion to its weight; members harden,
        less so the engaged ones."""
        impulse = SHOCK_TYPES[kind].magnitude if impulse is None else impulse
        self.memory += impulse
        if kind in FRAME_BREAKERS:
            self.break_frame(impulse)
        damping = 1.0 - 0.5 * self.stance[MEMBER_ROWS, ENGAGEMENT]
        effect = self.params.provocation_effect * impulse * damping * self.present
        self._nudge(MEMBER_ROWS, PRESSURE, effect, self.params.provocation_persistence)
        self._quarter_provocations[kind] += 1
        label = kind.replace("_", " ")
        self.emit(kind, DPRK, "UNSC", f"DPRK conducts a {label}", quarter)

    def break_frame(self, impulse: float) -> None:
        """An ICBM or nuclear test, an attack or an escalation breaks the dialogue frame in
        proportion to its weight and ends any declared testing pause (the April 2012
        launch ended the Leap Day moratorium; the 2022 ICBM tests, the 2018 one)."""
        self.frame *= max(0.0, 1.0 - self.params.frame_break * impulse)
        self.pause = 0.0

    def escalate(self, impulse: float, quarter: Quarter | None = None) -> None:
        """A nuclear escalation without a test (quitting the NPT in January 2003, the
        declaration of nuclear weapons in February 2005): remembered like a provocation,
        it breaks the frame, but it is not a launch and is not counted as one."""
        self.memory += impulse
        self.break_frame(impulse)
        damping = 1.0 - 0.5 * self.stance[MEMBER_ROWS, ENGAGEMENT]
        effect = self.params.provocation_effect * impulse * damping * self.present
        self._nudge(MEMBER_ROWS, PRESSURE, effect, self.params.provocation_persistence)
        self.emit("escalation", DPRK, "UNSC", "DPRK escalates its nuclear programme", quarter)

    def declare_pause(self, strength: float, quarter: Quarter | None = None) -> None:
        """A declared pause on nuclear and long-range tests (September 1999, the February
        2012 Leap Day deal, April 2018) is itself a dialogue signal: it opens a frame that
        does not fade while the pause holds, so ASEAN kept welcoming diplomacy through
        2019-2021 despite short-range launches (seeds/validation/statements.csv)."""
        self.open_dialogue(strength)
        self.pause = max(self.pause, min(1.0, strength))
        self.emit(
            "moratorium",
            DPRK,
            "UNSC",
            "DPRK declares a pause on nuclear and long-range tests",
            quarter,
        )

    def open_dialogue(self, strength: float) -> None:
        """A summit or progress in talks opens a dialogue frame: while it lasts ASEAN's
        natural text welcomes the diplomacy (the 2000, 2018 and 2019 AMM texts welcomed
        the inter-Korean and US-DPRK summits, 002_3f642831f2580d0e), and members ease off
        a little."""
        self.frame = max(self.frame, min(1.0, strength))
        self._nudge(MEMBER_ROWS, PRESSURE, -0.1 * strength * self.present, 0.0)

    def _nudge(self, rows, column: int, amount, persistence: float) -> None:
        self.stance[rows, column] = _unit(self.stance[rows, column] + amount)
        if persistence:
            self.anchor[rows, column] = _unit(self.anchor[rows, column] + persistence * amount)

    def apply_shock(self, shock: ShockSpec) -> None:
        """Apply one dated shock: the handler ``SHOCK_HANDLERS`` names for its type (the
        types and their magnitudes are in model/world/shocks.py; a test checks that every
        type has a handler in both engines)."""
        getattr(self, SHOCK_HANDLERS[shock.type])(shock)

    def _shock_provocation(self, shock: ShockSpec) -> None:
        self.provoke(shock.type, shock.magnitude, shock.quarter)

    def _shock_escalation(self, shock: ShockSpec) -> None:
        self.escalate(shock.magnitude, shock.quarter)

    def _shock_moratorium(self, shock: ShockSpec) -> None:
        self.declare_pause(shock.magnitude, shock.quarter)

    def _shock_sanctions(self, shock: ShockSpec) -> None:
        tight = float(np.clip(self.levers["sanctions_tightness"] + shock.magnitude, 0.0, 1.0))
        self.levers["sanctions_tightness"] = tight
        self.emit(
            "sanctions", "UNSC", DPRK, "UN Security Council adopts new sanctions", shock.quarter
        )

    def _shock_dialogue(self, shock: ShockSpec) -> None:
        kind, size, q = shock.type, shock.magnitude, shock.quarter
        self.open_dialogue(size)
        if kind == "us_dprk_summit":
            self.calm = max(self.calm, self.params.summit_calm * size)
        what = {
            "us_dprk_summit": ("USA", "US and DPRK leaders hold a summit"),
            "inter_korean_summit": ("KOR", "Leaders of the two Koreas hold a summit"),
            "talks": (shock.actor or "USA", "Talks with the DPRK make progress"),
        }[kind]
        self.emit("summit", what[0], DPRK, what[1], q)
        if shock.host:
            self._nudge(INDEX[shock.host], ENGAGEMENT, 0.1 * size, 0.5)
            self.emit("host_summit", shock.host, DPRK, f"{shock.host} hosts the US-DPRK summit", q)

    def _shock_delegation(self, shock: ShockSpec) -> None:
        visits = np.zeros(len(MEMBERS), dtype=np.int64)
        visits[MEMBERS.index(shock.actor)] = int(shock.magnitude)
        self.exchange(visits)

    def _shock_incident(self, shock: ShockSpec) -> None:
        actor, size, row = shock.actor, shock.magnitude, INDEX[shock.actor]
        self._nudge(row, ENGAGEMENT, -size, 1.0)
        self._nudge(row, PRESSURE, size / 2, 1.0)
        self.emit(
            "incident", actor, DPRK, f"{actor} sours on the DPRK after an incident", shock.quarter
        )

    def _shock_relations(self, shock: ShockSpec) -> None:
        kind, actor = shock.type, shock.actor
        restore = kind == "restore_relations"
        self.relations[MEMBERS.index(actor)] = restore
        self._refresh_masks()
        row = INDEX[actor]
        level = self.params.engagement_prior if restore else 0.0
        self.stance[row, ENGAGEMENT] = self.anchor[row, ENGAGEMENT] = level
        self._origin[MEMBERS.index(actor), ENGAGEMENT] = level
        verb = "restores" if restore else "breaks off"
        self.emit(
            kind, actor, DPRK, f"{actor} {verb} diplomatic relations with the DPRK", shock.quarter
        )

    def _shock_alignment(self, shock: ShockSpec) -> None:
        lever, sign = shock.alignment_lever, 1.0 if shock.type == "alliance" else -1.0
        self.levers[lever] = float(np.clip(self.levers[lever] + sign * shock.magnitude, 0.0, 1.0))
        self._apply_levers()
        verb = "deepen" if sign > 0 else "cool"
        self.emit(
            shock.type, shock.actor, DPRK, f"{shock.actor}-DPRK relations {verb}", shock.quarter
        )

    def _shock_chair_change(self, shock: ShockSpec) -> None:
        self.chair_override[shock.quarter.year] = shock.actor
        self._chair_focus[shock.quarter.year] = self._focus(shock.actor)

    def _shock_accession(self, shock: ShockSpec) -> None:
        self.active[INDEX[shock.actor]] = True
        self._refresh_masks()
        self.emit("accession", shock.actor, "ASEAN", f"{shock.actor} joins ASEAN", shock.quarter)

    def _shock_lever(self, shock: ShockSpec) -> None:
        self.levers[shock.lever] = shock.value
        self._apply_levers()

    # --- the quarter ----------------------------------------------------------------
    def step(self) -> None:
        """Simulate one calendar quarter."""
        quarter = self.next_quarter
        if quarter is None:
            self.running = False
            return
        self._now = quarter
        if quarter.q == 1 and quarter.year != self._ties_year:
            self._refresh_ties(quarter.year)
        self.dprk.act()
        self._update_stances(quarter)
        if meeting := meeting_in(quarter):
            self._meeting(quarter, meeting)
        self.clock = quarter
        self._done += 1
        self._record(quarter)
        self.visit_memory = self.visit_memory * self._visit_decay + self._quarter_exchanges
        self._quarter_exchanges.fill(0)  # counters include shocks fired just before the step
        self._quarter_provocations = dict.fromkeys(self._quarter_provocations, 0)
        self.memory *= self._memory_decay
        self.frame = max(self.frame * self._frame_decay, self.pause)
        self.calm *= self._frame_decay
        if quarter == self.end:
            self.running = False

    def _update_stances(self, quarter: Quarter) -> None:
        p, centrality = self.params, self.levers["asean_centrality"]
        members = MEMBER_ROWS
        lobby = Power.lobbying(self, self._chair_focus[quarter.year])
        if not self.all_present:
            lobby *= self._present_col
        if meetings_due(quarter):  # lobbying contacts are logged before the two meetings
            targets = lobby.argmax(axis=0).tolist()
            for power, target in zip(self.powers, targets, strict=True):
                power.contact(MEMBERS[target])
        weights = self._weights  # member rows only: the other actors are stubborn
        weights[:, MEMBER_ROWS] = centrality
        weights[:, POWER_ROWS] = (1.0 - centrality) * p.lobbying_weight * lobby
        weights[:, DPRK_ROW] = (
            (1.0 - centrality) * p.dprk_pull * self.stance[members, ENGAGEMENT] * self.relations
        )
        memory = p.anchor_memory  # durable shifts fade back toward the starting anchors
        self.anchor[members] = memory * self.anchor[members] + (1.0 - memory) * self._origin
        w = influence_matrix(self._member_ties, weights)
        updated = fj_step(self.stance, self.anchor[members], w, self.lam[members])
        updated += self.rng.normal(0.0, p.stance_noise, size=(len(MEMBERS), 2))
        self.stance[members] = _unit(updated)
        if not self.all_related:
            self.stance[members, ENGAGEMENT] *= self.relations  # no relations, no warmth

    @property
    def threat(self) -> float:
        """How heavily remembered provocations weigh, 0-1: ``m^2 / (m^2 + scale^2)``.

        A dose-response curve, not a saturating one: one test is news and moves the text
        a little (ASEAN kept to "concern" after the 2013 and 2016 nuclear tests, seeds
        statements.csv), while a series accumulates toward grave concern (2017 and
        2022-2023, after repeated ICBM tests, 004_e4ddf58322e5607c). The memory is the
        impulse of past provocations fading with ``memory_half_life``."""
        return threat_of(self.memory, self.params.memory_scale)

    def cover(self) -> np.ndarray:
        """The protection each member expects from China or Russia (0-1): its tie to the
        power times the power's readiness to shield the DPRK (the levers)."""
        ties = self.ties[MEMBER_ROWS]
        return _unit(
            self.levers["china_shield"] * ties[:, INDEX["CHN"]]
            + self.levers["russia_alignment"] * ties[:, INDEX["RUS"]]
        )

    def veto(self) -> np.ndarray:
        """Each member's willingness to block a text harsher than it wants (0-1).

        It grows with engagement with the DPRK, with the cover expected from China or
        Russia, and with recent DPRK delegations (outreach buys a friend at the table:
        the 2013 Yonhap report, 001_8407838183904e85, and Pyongyang's courting of the
        2024 Lao chair, 004_e4ddf58322e5607c). A scenario's ``veto`` override wins.
        """
        p = self.params
        engagement = self.stance[MEMBER_ROWS, ENGAGEMENT]
        visits = 1.0 - np.exp(-self.visit_memory / 2.0)
        veto = _unit(
            p.veto_base
            + p.veto_engagement * engagement
            + p.veto_cover * self.cover()
            + p.veto_visits * visits
        )
        return np.where(np.isnan(self.veto_override), veto, self.veto_override)

    def positions(self, mood: bool = True) -> Positions:
        """Every member's position for this meeting (MEMBERS order), in tone units.

        - The tone it wants rises with the threat of remembered provocations, less so
          the more engaged it is with the DPRK (Pyongyang's friends play its tests down:
          Laos kept to neutral language through the 2016-2017 tests,
          004_e4ddf58322e5607c), and with its pressure: ``tone_floor + tone_span *
          threat * (1 - threat_discount * engagement) + tone_pressure * (pressure -
          0.5)``, plus a meeting-day draw (``mood_noise``) for how its delegation reads
          the moment.
        - A dialogue frame pulls every wish toward welcoming the talks (tone 0).
        - It blocks texts harsher than its wish by more than ``slack * (1 - veto)``, and
          texts softer by more than ``slack * (1 - hawk)``, where a hawk's refusal grows
          with its pressure and the threat (no member defends silence after an ICBM
          test, but only those who care block softness).
        - Salience (how much it cares) is the larger of its stake in criticism and its
          engagement (KTAB, Wise et al. 2015).

        ``mood=False`` gives the expected positions without the meeting-day draw (and
        without touching the random stream), e.g. for a preview.
        """
        p = self.params
        pressure = self.stance[MEMBER_ROWS, PRESSURE]
        engagement = self.stance[MEMBER_ROWS, ENGAGEMENT]
        threat = self.threat
        concern = (
            p.tone_floor
            + p.tone_span * threat * (1.0 - p.threat_discount * engagement)
            + p.tone_pressure * (pressure - 0.5)
        )
        wish = (1.0 - self.frame) * concern
        if mood and p.mood_noise > 0:
            wish = wish + self.rng.normal(0.0, p.mood_noise, size=len(MEMBERS))
        wish = np.clip(wish, 0.0, 4.0)
        hawk = _unit(p.hawk_veto * pressure * threat * (1.0 - self.frame))
        upper = wish + p.slack * (1.0 - self.veto())
        lower = wish - p.slack * (1.0 - hawk)
        salience = _unit(0.2 + 0.8 * np.maximum(pressure * threat, engagement))
        return Positions(wish, lower, upper, salience)

    def chair_profile(self, code: str, position: int) -> ChairProfile:
        """How the chair holds the pen: a chair that wants the DPRK criticised defends the
        previous text's language (``chair_stake`` times its pressure), one close to
        Pyongyang does not; a dialogue frame suspends old language."""
        p, row = self.params, INDEX[code]
        stake = p.chair_stake * float(self.stance[row, PRESSURE]) * (1.0 - self.frame)
        return ChairProfile(position, p.chair_pull, stake, self.chair_softening(code))

    def chair_softening(self, code: str) -> float:
        """How far the chair softens within what no one blocks: by how much its will to
        block a harsher text exceeds the typical member's (the median veto of the members
        present). A chair closer to Pyongyang than the room uses the pen to soften (the
        2016 and 2024 Lao chairs, seeds/statements.csv and 004_e4ddf58322e5607c); a chair
        no closer than the room keeps its aim."""
        veto = self.veto()
        return max(0.0, float(veto[MEMBERS.index(code)] - np.median(veto[self.present])))

    def meeting_positions(self, quarter: Quarter, meeting: str) -> Positions:
        """The positions members bring to this meeting: a public hook (the classroom puts
        the student teams' positions in place of their members' here)."""
        return self.positions()

    def _meeting(self, quarter: Quarter, meeting: str) -> None:
        statement = self.hold_meeting(quarter, meeting, self.meeting_positions(quarter, meeting))
        self.statements.append(statement)
        if statement.tone is not None:
            self.last_tone = statement.tone
            self.emit(
                "statement",
                "ASEAN",
                DPRK,
                f"ASEAN {meeting} statement ({statement.voice}, tone {statement.tone})",
                quarter,
                cameo=STATEMENT_CAMEO[statement.tone],
            )

    def hold_meeting(self, quarter: Quarter, meeting: str, positions: Positions) -> Statement:
        """The text the chair drafts from ``positions`` (MEMBERS order; absent members are
        left out). Pure: it changes nothing, so the classroom can ask "what if"."""
        chair_code = self.chair(quarter.year)
        codes = list(MEMBERS)
        if not self.all_present:
            keep = self.present
            positions = Positions(
                positions.preferred[keep],
                positions.lower[keep],
                positions.upper[keep],
                positions.salience[keep],
            )
            codes = [c for c, here in zip(MEMBERS, keep, strict=True) if here]
        position = codes.index(chair_code) if chair_code in codes else 0
        draft: Draft = draft_text(
            positions,
            self.chair_profile(codes[position], position),
            self.last_tone,
            self.params.split_quorum,
        )
        return Statement(
            quarter.year,
            meeting,
            chair_code,
            draft.tone,
            draft.voice,
            draft.target,
            draft.support,
            tuple(codes[i] for i in draft.blockers),
        )

    def metrics(self) -> np.ndarray:
        """This quarter's model-level metrics, in METRICS order (the DataCollector reads
        them as one array attribute: Mesa deep-copies each report, and one small array is
        far cheaper to copy than a tuple or eight separate reporters)."""
        members = self.stance[MEMBER_ROWS]
        if not self.all_present:
            members = members[self.present]
        pressure = members[:, PRESSURE]
        provocations = self._quarter_provocations
        return np.array(
            (
                pressure.sum() / len(pressure),
                members[:, ENGAGEMENT].sum() / len(pressure),
                pressure.max() - pressure.min(),
                self.threat,
                self.levers["sanctions_tightness"],
                self._quarter_exchanges.sum(),
                sum(provocations.values()),
                provocations["nuclear_test"],
                self.frame,
            ),
            dtype=float,
        )

    def _record(self, quarter: Quarter) -> None:
        i = self._done - 1  # step() has just counted this quarter
        if self.all_present:
            self.member_history[i] = self.stance[MEMBER_ROWS]
        else:
            self.member_history[i][self.present] = self.stance[MEMBER_ROWS][self.present]
        self.exchange_history[i] = self._quarter_exchanges
        self._metrics_row = self.metrics()
        self.datacollector.collect(self)

    def metric_history(self) -> np.ndarray:
        """(quarters run, len(METRICS)) array of the collected metrics."""
        return np.asarray(self.datacollector.model_vars["metrics"], dtype=float).reshape(
            -1, len(METRICS)
        )

    def run(self) -> DiplomacyModel:
        """Run to the end of the period (one Mesa time advance over all remaining steps)."""
        if self._done < len(self.quarters):
            self.run_for(len(self.quarters) - self._done)
        return self


def model_from_scenario(
    scenario: Scenario,
    parameters: Parameters | None = None,
    rng: np.random.Generator | int | None = None,
    initial: InitialState | None = None,
    record_events: bool = True,
) -> DiplomacyModel:
    """Build the model a scenario describes (the same constructor the app uses)."""
    params = parameters if parameters is not None else default_parameters()
    if scenario.parameters:
        params = params.replace(**scenario.parameters)
    return DiplomacyModel(
        start=scenario.period.start,
        end=scenario.period.end,
        chairs=scenario.chairs,
        levers=scenario.levers,
        shocks=scenario.shocks,
        actors=scenario.actors,
        parameters=params,
        initial=initial,
        record_events=record_events,
        rng=rng,
    )
