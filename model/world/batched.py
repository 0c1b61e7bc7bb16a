"""The batched engine: R replicates of
:class:`model.world.diplomacy.DiplomacyModel` advanced at once.

Same rules as the per-replicate model (model/world/diplomacy.py, model/world/actors.py,
model/world/negotiation.py), but every state array carries a leading replicate axis (stance
``(R, actors, 2)``, memories ``(R,)``, levers ``(R,)``...), so one quarter costs the same
few dozen numpy calls for 64 replicates as for one. There is still one Mesa agent per
actor; each decides for all replicates at once (the DPRK's outreach and launches, the
members' returned visits, the powers' lobbying). Dated shocks are scenario-wide: they
fire in every replicate, with effects that depend on each replicate's state. Parameters
may differ by replicate (posterior draws): each is held as a float when all replicates
agree and as an ``(R,)`` array otherwise.

Random numbers (why results depend only on the root seed and the replicate index):

- Replicates are grouped in blocks of ``BLOCK``; replicate ``r`` is row ``r % BLOCK`` of
  block ``r // BLOCK``. Block ``b`` draws from ``SeedSequence(root).spawn(b + 1)[b]``
  (that child does not depend on how many are spawned), split into a parameter seed
  (one child per row: the ``ParameterDraw`` stream of each replicate) and a model seed.
- Every quarter the model draws one fixed ``(BLOCK, DRAWS_PER_QUARTER)`` array of
  uniforms, whatever the state, and row ``r % BLOCK`` serves replicate ``r``: Poisson
  counts by inversion, normals by the inverse normal CDF, Bernoulli by comparison. A
  delegation shock draws one more fixed ``(BLOCK, members)`` array. So every replicate
  consumes the same numbers at the same places whether its block is full or the last,
  short one, and whichever process runs it: results depend on the root seed and the
  replicate index alone (not on the number of replicates, workers or executors).
- This does not reproduce the per-replicate engine's random numbers, only its
  distribution (tests/test_batched.py compares the two). Launches are drawn as three
  independent Poisson counts (missile, ICBM, nuclear; the thinning of one Poisson count
  by the kind shares), so within a quarter a replicate's launch events are listed by
  kind, not in a random order.

Events, when recorded, are kept as integer arrays (replicate, quarter, template) and
become :class:`model.world.simevents.SimEvent` rows only in :meth:`BatchedModel.results`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

import mesa
import numpy as np

from model.vocabulary import (
    MEETINGS,
    TLS_ACCESSION_QUARTER,
    VOICES,
    Quarter,
    meeting_in,
    meetings_due,
    quarter_range,
)
from model.world.actor_set import DEFAULT_ACTORS, ActorSet
from model.world.chairs import chair_schedule
from model.world.diplomacy import (
    CARRIED_LEVERS,
    FRAME_BREAKERS,
    SHOCK_HANDLERS,
    VISIT_MEMORY_HALF_LIFE,
    ScheduledShock,
    threat_of,
)
from model.world.initial import (
    ENGAGEMENT,
    PRESSURE,
    InitialState,
    initial_state,
    record_ties,
    recorded_chairs,
)  # fmt: skip
from model.world.levers import default_levers, power_stances
from model.world.negotiation import TONE_LEVELS, Positions
from model.world.parameters import Parameters, default_parameters
from model.world.replicate import ReplicateResult
from model.world.scenario import ActorOverride, Scenario, ShockSpec
from model.world.shocks import SHOCK_TYPES
from model.world.simevents import KIND_CAMEO, STATEMENT_CAMEO, SimEvent

BLOCK = 64
"""Replicates per block: the unit of random streams and of work sent to a worker."""

KINDS = ("missile_test", "icbm_test", "nuclear_test", "armed_attack")
"""Provocation kinds, in the column order of the quarterly counts."""
LAUNCH_IMPULSE = np.array([SHOCK_TYPES[k].magnitude for k in KINDS[:3]])
"""Impulse of the DPRK's own launches (missile, ICBM, nuclear test)."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Columns of one quarter's pre-drawn uniforms and normals (one row per replicate of
    the block) in a world of ``members`` members: per member a delegation count and a
    returned visit (uniforms), two stance noises and a meeting mood (normals)."""

    members: int
    visits: slice
    counts: slice  # delegations and launches: one Poisson inversion
    returns: slice
    uniforms: int  # uniforms per quarter
    noise: slice
    mood: slice
    normals: int  # normals per quarter


@cache
def stream_columns(actors: ActorSet) -> Columns:
    """The layout of a quarter's random numbers in a world of ``actors``."""
    m = actors.n_members
    return Columns(
        m,
        slice(0, m),
        slice(0, m + 3),
        slice(m + 3, 2 * m + 3),
        2 * m + 3,
        slice(0, 2 * m),
        slice(2 * m, 3 * m),
        3 * m,
    )


NO_TONE = -1
"""``last_tone`` and a meeting's tone when there is no text."""
VOICE_CODE = {voice: i for i, voice in enumerate(VOICES)}
_TEMPLATES: list[tuple[str, str, str, str]] = []
_TEMPLATE_IDS: dict[tuple[str, str, str, str], int] = {}


def template(source: str, target: str, cameo: str, summary: str) -> int:
    """The id of an event's fixed part (who, to whom, CAMEO code, text) in this process."""
    key = (source, target, cameo, summary)
    found = _TEMPLATE_IDS.get(key)
    if found is None:
        found = _TEMPLATE_IDS[key] = len(_TEMPLATES)
        _TEMPLATES.append(key)
    return found


@dataclass(frozen=True)
class EventTemplates:
    """The template ids of the events a world of given actors logs every quarter."""

    visits: np.ndarray  # member by member: going, coming
    kinds: np.ndarray  # the DPRK's launches, in KINDS order
    lobbying: np.ndarray  # (powers, members)
    statements: dict[str, np.ndarray]  # per meeting: voice * 5 + tone


@cache
def event_templates(actors: ActorSet) -> EventTemplates:
    """The templates of ``actors``' world, registered once per process (the default
    world's at import, so its ids are the same in every process)."""
    dprk = actors.dprk
    visits = np.array(
        [
            [
                template(dprk, c, KIND_CAMEO["delegation"], f"DPRK delegation visits {c}"),
                template(c, dprk, KIND_CAMEO["delegation"], f"{c} delegation visits Pyongyang"),
            ]
            for c in actors.members
        ]
    ).ravel()
    kinds = np.array(
        [
            template(dprk, "UNSC", KIND_CAMEO[k], f"DPRK conducts a {k.replace('_', ' ')}")
            for k in KINDS
        ]
    )
    lobbying = np.array(
        [
            [
                template(
                    pw,
                    c,
                    KIND_CAMEO["lobbying"],
                    f"{pw} lobbies {c} on the DPRK ahead of ASEAN meetings",
                )
                for c in actors.members
            ]
            for pw in actors.powers
        ],
        dtype=np.int64,
    ).reshape(actors.n_powers, actors.n_members)
    statements = {
        meeting: np.array(
            [
                template(
                    "ASEAN", dprk, STATEMENT_CAMEO[t], f"ASEAN {meeting} statement ({v}, tone {t})"
                )
                for v in VOICES[:2]
                for t in range(5)
            ]
        )
        for meeting in MEETINGS
    }
    return EventTemplates(visits, kinds, lobbying, statements)


event_templates(DEFAULT_ACTORS)


def _unit(values):
    """Clip to [0, 1] (np.minimum/np.maximum: cheaper than np.clip)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


def poisson_inverse(u: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion of the CDF at uniforms ``u`` (same shape as ``rate``):
    exactly Poisson, one uniform per count, so the stream's use never depends on rates.
    Iterates once per unit of the largest count drawn (a handful at the model's rates)."""
    term = np.exp(-rate)
    cdf = term.copy()
    more = u >= cdf
    count = more.astype(np.int64)
    limit = 50 + 5 * float(np.max(rate, initial=0.0))
    j = 1
    while j < limit and more.any():
        term *= rate
        term /= j
        cdf += term
        np.greater_equal(u, cdf, out=more)  # cdf only grows: once below it, always below
        count += more
        j += 1
    return count


def delegation_count(shocks: Iterable[ShockSpec]) -> int:
    """How many DPRK delegation shocks draw their own uniforms (module docstring)."""
    return sum(s.type == "dprk_delegation" for s in shocks)


@dataclass(frozen=True, slots=True)
class Streams:
    """Every random number a model of R rows uses, drawn before it starts (module
    docstring): uniforms (quarters, R, uniforms per quarter), normals (quarters, R,
    normals per quarter) and one (R, members) array of uniforms per delegation shock,
    the widths those of the model's actors (``stream_columns``). A row's numbers never
    depend on the other rows, so rows drawn for different blocks (or taken from one) can
    be put side by side in one model."""

    uniforms: np.ndarray
    normals: np.ndarray
    delegations: np.ndarray

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        quarters: int,
        delegations: int,
        rows: int,
        shape_rows: int,
        actors: ActorSet = DEFAULT_ACTORS,
    ) -> Streams:
        """Draw in ``shape_rows``-row shapes and keep the first ``rows`` rows: a short
        block draws what a full one does, so each row gets the same numbers."""
        columns = stream_columns(actors)
        return cls(
            rng.random((quarters, shape_rows, columns.uniforms))[:, :rows],
            rng.standard_normal((quarters, shape_rows, columns.normals))[:, :rows],
            rng.random((delegations, shape_rows, columns.members))[:, :rows],
        )

    @classmethod
    def side_by_side(cls, parts: Sequence[Streams]) -> Streams:
        """Several models' rows as one model's, in order."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            np.concatenate([p.uniforms for p in parts], axis=1),
            np.concatenate([p.normals for p in parts], axis=1),
            np.concatenate([p.delegations for p in parts], axis=1),
        )

    def take(self, rows: Sequence[int] | np.ndarray) -> Streams:
        """These rows only, in this order (rows may repeat)."""
        rows = np.asarray(rows, dtype=np.intp)
        return Streams(self.uniforms[:, rows], self.normals[:, rows], self.delegations[:, rows])

    def first(self, quarters: int, delegations: int) -> Streams:
        """The numbers of a shorter run over the same rows: its first quarters and
        delegation shocks use the same numbers as the longer run's."""
        return Streams(
            self.uniforms[:quarters], self.normals[:quarters], self.delegations[:delegations]
        )

    def check(
        self, quarters: int, delegations: int, rows: int, actors: ActorSet = DEFAULT_ACTORS
    ) -> None:
        """Fail early if these streams do not fit a model of this shape and these actors."""
        columns = stream_columns(actors)
        want = (
            (quarters, rows, columns.uniforms),
            (quarters, rows, columns.normals),
            (delegations, rows, columns.members),
        )
        got = (self.uniforms.shape, self.normals.shape, self.delegations.shape)
        if got != want:
            raise ValueError(f"random streams of shapes {got} for a model needing {want}")


MESA_SEED_DRAW = np.iinfo(np.int32).max
"""mesa.Model seeds its stdlib generator with one integer below this from the model's
numpy generator before anything else is drawn; a block's streams come after it."""


def block_seeds(
    root_seed: int, block: int
) -> tuple[list[np.random.SeedSequence], np.random.SeedSequence]:
    """Block ``block``'s per-row parameter seeds and its model seed. The block's seed is
    child ``block`` of ``SeedSequence(root_seed)``, built from its spawn key in constant
    time (spawning ``block + 1`` children would make a million-replicate run quadratic)."""
    child = np.random.SeedSequence(root_seed, spawn_key=(block,))
    param_seed, model_seed = child.spawn(2)
    return param_seed.spawn(BLOCK), model_seed


def model_seed(root_seed: int, block: int) -> np.random.SeedSequence:
    """Block ``block``'s model seed alone (what ``block_seeds`` returns second)."""
    return np.random.SeedSequence(root_seed, spawn_key=(block, 1))


def block_streams(
    seed: np.random.SeedSequence,
    quarters: int,
    delegations: int,
    rows: int = BLOCK,
    actors: ActorSet = DEFAULT_ACTORS,
) -> Streams:
    """The numbers block ``seed``'s own model would draw when built, cut to ``rows``."""
    rng = np.random.default_rng(seed)
    rng.integers(MESA_SEED_DRAW)
    return Streams.draw(rng, quarters, delegations, rows, BLOCK, actors)


class ParameterTable:
    """Per-replicate parameters: ``s.name`` is a float when every replicate has the same
    value, else an (R,) array; ``m.name`` the same as a float or an (R, 1) column and
    ``t.name`` as an (R, 1, 1) one, for broadcasting against (R, members[, 2]) arrays.
    With ``columns`` every parameter is an array, even when all rows agree: then a row's
    arithmetic is the same whatever other rows share the model (warm starts rely on it)."""

    def __init__(self, draws: Sequence[Parameters], columns: bool = False):
        self.draws = list(draws)
        names = list(self.draws[0])
        rows: dict[int, list[float]] = {}  # point draws repeat one object: read it once
        values = np.array(
            [rows.get(id(p)) or rows.setdefault(id(p), [p[n] for n in names]) for p in self.draws],
            dtype=float,
        )
        s, m, t = {}, {}, {}
        for j, name in enumerate(names):
            column = values[:, j]
            if not columns and (column == column[0]).all():
                s[name] = m[name] = t[name] = float(column[0])
            else:
                s[name], m[name], t[name] = column, column[:, None], column[:, None, None]
        self.s, self.m, self.t = SimpleNamespace(**s), SimpleNamespace(**m), SimpleNamespace(**t)

    def __len__(self) -> int:
        return len(self.draws)


@dataclass(frozen=True, slots=True)
class BatchedStatement:
    """ASEAN's text at one meeting in every replicate: tone (R,) with ``NO_TONE`` for
    none, voice (R,) codes into VOICES, the chair's aim and support (R,), and who
    blocked the aim, (R, members) in the model's members order."""

    year: int
    meeting: str
    chair: str
    tone: np.ndarray
    voice: np.ndarray
    target: np.ndarray
    support: np.ndarray
    blockers: np.ndarray


@dataclass(frozen=True, slots=True)
class BatchedDraft:
    """:class:`model.world.negotiation.Draft` for R meetings at once (see draft_batch)."""

    tone: np.ndarray
    voice: np.ndarray
    target: np.ndarray
    support: np.ndarray
    blockers: np.ndarray


def draft_batch(
    positions: Positions,
    present: np.ndarray | None,
    chair: np.ndarray,
    pull,
    stake: np.ndarray,
    previous: np.ndarray,
    split_quorum,
    soften: np.ndarray | float = 0.0,
) -> BatchedDraft:
    """:func:`model.world.negotiation.draft_text` for R meetings at once.

    ``positions`` hold (R, members) arrays; ``present`` (R, members) marks who sits at
    the table (None: everyone), ``chair`` (R,) the chair's column, ``previous`` (R,) the
    previous tone or NO_TONE, ``soften`` (R,) how far the chair softens toward the
    softest agreed tone (ChairProfile.soften). Absent members neither weigh in the room
    nor block nor count in support. Ties in distance go to the lowest tone, as ``np.argmin`` in
    draft_text.
    """
    rows = np.arange(len(chair))
    weights = positions.salience + 1e-9
    if present is not None:
        weights = weights * present
    room = (weights * positions.preferred).sum(axis=1) / weights.sum(axis=1)
    own = positions.preferred[rows, chair]
    target = (1.0 - pull) * room + pull * own
    target = np.where(previous >= 0, (1.0 - stake) * target + stake * previous, target)
    target = np.minimum(np.maximum(target, 0.0), 4.0)
    tones = TONE_LEVELS[None, :, None]
    blocked = (tones < positions.lower[:, None, :] - 1e-9) | (
        tones > positions.upper[:, None, :] + 1e-9
    )  # (R, tones, members)
    if present is not None:
        blocked &= present[:, None, :]
        seats = present.sum(axis=1)[:, None]
    else:
        seats = positions.preferred.shape[1]
    distance = np.abs(TONE_LEVELS[None, :] - target[:, None])  # (R, tones)
    nearest = distance.argmin(axis=1)
    blockers = blocked[rows, nearest]
    support = 1.0 - blocked.sum(axis=2) / seats
    agreed = ~blocked.any(axis=2)
    quorum = np.reshape(split_quorum, (-1, 1))
    quorate = ~blocked[rows, :, chair] & (support >= quorum - 1e-9)
    consensus = agreed.any(axis=1)
    split = ~consensus & quorate.any(axis=1)
    softest = np.where(agreed, TONE_LEVELS[None, :], np.inf).min(axis=1)
    aim = np.where(consensus, target - soften * np.maximum(0.0, target - softest), target)
    aimed = np.abs(TONE_LEVELS[None, :] - aim[:, None])
    consensus_tone = np.where(agreed, aimed, np.inf).argmin(axis=1)
    split_tone = np.where(quorate, distance, np.inf).argmin(axis=1)
    tone = np.where(consensus, consensus_tone, np.where(split, split_tone, NO_TONE))
    voice = np.where(consensus, 0, np.where(split, 1, 2)).astype(np.int8)
    support_out = np.where(
        consensus, 1.0, np.where(split, support[rows, split_tone], support.max(axis=1))
    )
    return BatchedDraft(tone, voice, target, support_out, blockers)


# --- agents ------------------------------------------------------------------------
class BatchedCountry(mesa.Agent):
    """An actor with an ISO code and a row in the model's (R, actors, 2) stance array."""

    model: BatchedModel

    def __init__(self, model: BatchedModel, code: str):
        super().__init__(model)
        self.code = code
        self.row = model.actor_set.index[code]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code})"


class BatchedMember(BatchedCountry):
    """An ASEAN member state (its decisions are taken for all members and replicates)."""

    @staticmethod
    def returned_visits(model: BatchedModel, visits: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Which visited members send a delegation back this quarter (at most one each),
        in every replicate: the chance grows with the member's engagement."""
        chance = model.p.m.reciprocity * model.stance[:, model.member_rows, ENGAGEMENT]
        return (visits > 0) & (u < chance)


class BatchedPower(BatchedCountry):
    """An outside power: a near-stubborn node that lobbies members."""

    @staticmethod
    def distance(model: BatchedModel) -> np.ndarray:
        """(R, members, powers) ``0.5 + |member pressure - power pressure|``: a power
        presses harder on members far from it (Power.lobbying)."""
        pressure = model.stance[:, model.member_rows, PRESSURE][:, :, None]
        return 0.5 + np.abs(pressure - model._power_pressure)

    @staticmethod
    def lobbying(model: BatchedModel, focus: np.ndarray) -> np.ndarray:
        """(R, members, powers) lobbying weights: harder on the chair (``focus``, one
        column per replicate) and on distant members (Power.lobbying, per replicate)."""
        return model._power_lobbying * focus * BatchedPower.distance(model)

    @staticmethod
    def contact(model: BatchedModel, lobby: np.ndarray) -> None:
        """Log each power's most intense lobbying contact before a meeting, in every
        replicate where it lobbies at all (absent members are never the target)."""
        if not model.all_present:
            lobby = lobby * model._present_f[:, :, None]
        targets = lobby.argmax(axis=1)  # (R, powers)
        reps, powers = np.nonzero(model.lobbying[:, model.power_rows] > 0)
        model.log(reps, model._templates.lobbying[powers, targets[reps, powers]])


class BatchedNorthKorea(BatchedCountry):
    """The DPRK: outreach to members and provocations, for every replicate at once."""

    def outreach_rates(self) -> np.ndarray:
        """(R, members) expected delegations this quarter (NorthKorea.outreach_rates)."""
        m = self.model
        engagement = m.stance[:, m.member_rows, ENGAGEMENT]
        warmth = np.exp(m.p.m.outreach_focus * np.log(0.05 + engagement))
        return m._outreach_scale * warmth

    def provocation_hazard(self) -> np.ndarray:
        """(R,) expected launches this quarter (NorthKorea.provocation_hazard)."""
        return self.model._hazard_base * (1.0 - self.model.calm)

    def act(self, u: np.ndarray) -> None:
        """Send delegations, then maybe launch missiles or test weapons (``u``: this
        quarter's uniforms). Delegations and launches (three Poisson counts by kind:
        the thinning of one Poisson count by the kind shares) are drawn together."""
        m, columns = self.model, self.model._columns
        rates = m._rates
        rates[:, columns.visits] = self.outreach_rates()
        rates[:, columns.members :] = m._launch_base * (1.0 - m.calm)[:, None]
        counts = poisson_inverse(u[:, columns.counts], rates)
        visits, launches = counts[:, columns.visits], counts[:, columns.members :]
        if visits.any():
            m.exchange(visits, u[:, columns.returns])
        if launches.any():
            m.launch(launches)


# --- the model ---------------------------------------------------------------------
class BatchedModel(mesa.Model):
    """R replicates of the DiplomacyModel advanced together (see the module docstring).

    The constructor mirrors DiplomacyModel's, with ``parameters`` and ``initial`` as
    one entry per replicate (or one Parameters for all of them, with ``replicates``).
    ``stance`` is (R, actors, 2), ``anchor`` the same, memories and levers (R,).
    ``streams`` gives the rows their random numbers (else they are drawn from ``rng``),
    ``row_levers`` sets levers per row (a sweep's points) on top of the scenario's, and
    ``parameter_columns`` holds every parameter per row (see ParameterTable).

    ``actor_set`` is the world's actors (model/world/actor_set.py); every array, slice
    and random stream is sized from it. The default is the shipped world, whose starting
    states, January ties and chairs come from the record. Any other world knows nothing
    of the record: it needs ``initial`` (model/world/initial.given_state), keeps its
    starting ties all run, and takes its chairs from ``chairs`` and rotation over its own
    members. Powers the rules name are looked up by code, and a world without them
    simply lacks what they do: the levers set the stance and lobbying of the USA, JPN,
    KOR, CHN and RUS that are in the set (other powers keep their starting stance and
    lobby only with an override's ``lobbying``); a member's cover is its ties to CHN and
    RUS, zero for either one absent; and Timor-Leste's accession happens only in a world
    that has TLS. The DiplomacyModel stays on the default world.
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
        parameters: Sequence[Parameters] | Parameters | None = None,
        replicates: int | None = None,
        initial: Sequence[InitialState] | None = None,
        record_events: bool = True,
        rng: np.random.Generator | int | None = None,
        block: int = BLOCK,
        streams: Streams | None = None,
        row_levers: Sequence[Mapping[str, float]] | None = None,
        parameter_columns: bool = False,
        actor_set: ActorSet = DEFAULT_ACTORS,
    ) -> None:
        super().__init__(rng=rng)
        self.actor_set = actor_set
        self.recorded_world = actor_set == DEFAULT_ACTORS  # the record's actors
        self.n_members, self.n_agents = actor_set.n_members, actor_set.n_agents
        self.member_rows, self.power_rows = actor_set.member_rows, actor_set.power_rows
        self.dprk_row = actor_set.dprk_row
        self._columns = stream_columns(actor_set)
        self._templates = event_templates(actor_set)
        if parameters is None or isinstance(parameters, Parameters):
            n = replicates or (len(initial) if initial is not None else 1)
            parameters = [parameters or default_parameters()] * n
        if replicates is not None and replicates != len(parameters):
            raise ValueError(f"{replicates} replicates but {len(parameters)} parameter sets")
        self.p = ParameterTable(parameters, parameter_columns)
        self.n = r = len(self.p)
        self.record_events = record_events
        p = self.p.s
        self._memory_decay = 0.5 ** (3.0 / p.memory_half_life)
        self._frame_decay = 0.5 ** (3.0 / p.frame_half_life)
        self._visit_decay = 0.5 ** (3.0 / VISIT_MEMORY_HALF_LIFE)
        self.start, self.end = Quarter.parse(start), Quarter.parse(end)
        self.quarters = quarter_range(self.start, self.end)
        nq = len(self.quarters)
        if initial is None:
            if not self.recorded_world:
                raise ValueError("a world of other actors than the record's needs initial=")
            initial = [initial_state(q, self.start.year) for q in self.p.draws]
        if len(initial) != r:
            raise ValueError(f"{r} replicates but {len(initial)} starting states")
        self._rows = np.arange(r)
        self._shocks = list(shocks)
        self._tls_joins_quarter = self._tls_joins(self._shocks)
        # every random number of the run, drawn up front in fixed shapes (module docstring)
        delegations = delegation_count(self._shocks)
        if streams is None:
            streams = Streams.draw(self.rng, nq, delegations, r, max(block, r), actor_set)
        streams.check(nq, delegations, r, actor_set)
        self._uniforms, self._normals = streams.uniforms, streams.normals
        self._shock_uniforms = list(streams.delegations)

        self.chair_override: dict[int, str] = {}
        known = {int(y): c for y, c in (chairs or {}).items()}
        if self.recorded_world:
            known = {**recorded_chairs(), **known}
        years = range(self.start.year, self.end.year + 1)
        self.chairs = chair_schedule(years, known, actor_set.members)
        self._stack(initial, levers or {}, row_levers)
        if self._tls_joins_quarter is not None and self._tls_joins_quarter > self.start:
            self.active[:, actor_set.index["TLS"]] = False
        self._apply_actor_overrides(actors or {})
        self._ties_year = self.start.year
        self._rates = np.zeros((r, self.n_members + 3))
        self._raw = np.zeros((r, self.n_members, self.n_agents))  # ties times influence weights
        self._lam = np.repeat(self.lam[:, :, None], 2, axis=2)  # full shape: no broadcasting
        self._keep = 1.0 - self._lam
        self._apply_levers()

        self.members = [BatchedMember(self, c) for c in actor_set.members]
        self.dprk = BatchedNorthKorea(self, actor_set.dprk)
        self.powers = [BatchedPower(self, c) for c in actor_set.powers]

        def each(value) -> np.ndarray:
            return np.broadcast_to(value, (r,)).astype(float)

        self._launch_shares = np.stack(
            [
                each(np.maximum(0.0, 1.0 - p.nuclear_share - p.icbm_share)),
                each(p.icbm_share),
                each(p.nuclear_share),
            ],
            axis=1,
        )
        self._break_factor = [
            each(np.maximum(0.0, 1.0 - p.frame_break * LAUNCH_IMPULSE[k])) for k in (1, 2)
        ]  # share of the frame an ICBM / nuclear test keeps
        self._refresh_hazard()

        self._events: list[tuple[np.ndarray, int, np.ndarray]] = []
        self.statements: list[BatchedStatement] = []
        self.clock: Quarter | None = None
        self._done = 0
        self._now = self.start
        self._scheduled = [ScheduledShock(self, s) for s in self._shocks]  # type: ignore[arg-type]
        for scheduled in self._scheduled:
            self.schedule_event(scheduled.fire, at=(scheduled.shock.quarter - self.start) + 0.5)

        # histories, quarter first so that each quarter writes one contiguous slab
        self._member_history = np.empty((nq, r, self.n_members, 2))
        self._present_history = np.ones((nq, r, self.n_members), dtype=bool)
        self._exchanges = np.zeros((nq, r, self.n_members), dtype=np.int64)
        self._provocations = np.zeros((nq, r, len(KINDS)), dtype=np.int64)
        self._scalar_history = np.empty((3, nq, r))  # memory, sanctions, frame

    # --- set-up -----------------------------------------------------------------
    def _stack(
        self,
        states: Sequence[InitialState],
        levers: Mapping[str, float],
        row_levers: Sequence[Mapping[str, float]] | None,
    ) -> None:
        """Stack the replicates' starting states along a leading axis. ``stance`` is a
        view of an (R, actors, 3) array whose last column is ones, so one matmul gives
        both the influence-weighted stances and the weights' totals. Levers: the
        starting state's, then the scenario's, then each row's own (a sweep's points)."""
        for state in {id(s): s for s in states}.values():  # replicates often share one
            state.check(self.actor_set)
        self._x = np.ones((self.n, self.n_agents, 3))
        self.stance = self._x[:, :, :2]
        self.stance[:] = np.stack([s.stance for s in states])
        self.anchor = np.stack([s.stance if s.anchor is None else s.anchor for s in states]).astype(
            float
        )
        self._origin = np.stack(
            [
                a[self.member_rows] if s.origin is None else s.origin
                for s, a in zip(states, self.anchor, strict=True)
            ]
        ).astype(float)
        first = states[0].ties
        same = all(s.ties is first or np.array_equal(s.ties, first) for s in states)
        self.ties = first[None] if same else np.stack([s.ties for s in states])
        own = row_levers if row_levers is not None else [{}] * len(states)
        if len(own) != len(states):
            raise ValueError(f"{len(states)} replicates but {len(own)} rows of levers")
        merged = [
            {**default_levers(), **s.levers, **levers, **o}
            for s, o in zip(states, own, strict=True)
        ]
        self.levers = {name: np.array([m[name] for m in merged], dtype=float) for name in merged[0]}
        self.relations = np.stack([s.relations for s in states]).astype(bool)
        self.active = np.stack([s.active for s in states]).astype(bool)
        self.memory = np.array([s.memory for s in states], dtype=float)
        self.frame = np.array([s.frame for s in states], dtype=float)
        self.calm = np.array([s.calm for s in states], dtype=float)
        self.pause = np.array([s.pause for s in states], dtype=float)
        self.visit_memory = np.stack([s.visit_memory for s in states]).astype(float)
        self.last_tone = np.array(
            [NO_TONE if s.last_tone is None else s.last_tone for s in states], dtype=np.int64
        )
        self.lam = np.broadcast_to(self.p.m.susceptibility, (self.n, self.n_members)).astype(float)
        self.veto_override = np.full(self.n_members, np.nan)
        self.lobbying = np.zeros((self.n, self.n_agents))

    def _apply_actor_overrides(self, overrides: Mapping[str, ActorOverride]) -> None:
        """As DiplomacyModel: members' overrides change the starting state of every
        replicate; powers' are applied over the lever-derived stances."""
        members, index = self.actor_set.members, self.actor_set.index
        unknown = sorted(set(overrides) - set(index))
        if unknown:
            raise ValueError(f"actor overrides for {unknown}, not in this world's actors")
        self._power_overrides = {c: o for c, o in overrides.items() if c in self.actor_set.powers}
        for code, o in overrides.items():
            row = index[code]
            for column, value in ((PRESSURE, o.pressure), (ENGAGEMENT, o.engagement)):
                if value is not None:
                    self.stance[:, row, column] = self.anchor[:, row, column] = value
                    if code in members:
                        self._origin[:, members.index(code), column] = value
            if code in members:
                position = members.index(code)
                if o.susceptibility is not None:
                    self.lam[:, position] = o.susceptibility
                if o.veto is not None:
                    self.veto_override[position] = o.veto
                if o.relations is not None:
                    self.relations[:, position] = o.relations
        self._has_veto_override = bool(np.isfinite(self.veto_override).any())

    def _apply_levers(self) -> None:
        """Turn each replicate's levers into the powers' stances and lobbying strengths
        (the powers the levers name that are in this world; any other power keeps its
        stance, and lobbies only with an override's strength)."""
        stance = power_stances(self.p.s, self.levers)
        index = self.actor_set.index
        for code in self.actor_set.powers:
            row, o = index[code], self._power_overrides.get(code)
            if code not in stance:
                if o is not None and o.lobbying is not None:
                    self.lobbying[:, row] = o.lobbying
                continue
            pressure, engagement, lobbying = stance[code]
            if o is not None:
                pressure = pressure if o.pressure is None else o.pressure
                engagement = engagement if o.engagement is None else o.engagement
                lobbying = lobbying if o.lobbying is None else o.lobbying
            self.stance[:, row, PRESSURE] = np.clip(pressure, 0.0, 1.0)
            self.stance[:, row, ENGAGEMENT] = np.clip(engagement, 0.0, 1.0)
            self.lobbying[:, row] = lobbying
        powers = self.power_rows
        self.anchor[:, powers] = self.stance[:, powers]
        self._power_pressure = self.stance[:, None, powers, PRESSURE].copy()  # (R, 1, P)
        self._power_lobbying = self.lobbying[:, None, powers].copy()
        self._refresh_masks()
        if hasattr(self, "_launch_shares"):
            self._refresh_hazard()

    def _refresh_hazard(self) -> None:
        """The DPRK's lever-driven rates (they change only by shocks): outreach per
        member before warmth, and expected launches by kind before the calm."""
        p, lv = self.p.s, self.levers
        base = (
            p.outreach_rate
            * lv["dprk_outreach"]
            * (1.0 + p.outreach_sanctions_response * lv["sanctions_tightness"])
        )
        self._outreach_scale = base[:, None] * self.reachable
        boldness = 1.0 + 0.5 * (lv["russia_alignment"] - 0.5)
        sanctions = 1.0 + p.provocation_sanctions_response * (lv["sanctions_tightness"] - 0.5)
        self._hazard_base = np.maximum(
            0.0, p.provocation_rate * lv["dprk_provocation"] * boldness * sanctions
        )
        self._launch_base = self._hazard_base[:, None] * self._launch_shares

    def _tls_joins(self, shocks: list[ShockSpec]) -> Quarter | None:
        """Timor-Leste is a member only from its accession (2025Q4 unless a shock says):
        the quarter it joins, with its accession added to ``shocks`` when in the period
        (None in a world without Timor-Leste)."""
        if "TLS" not in self.actor_set.members:
            return None
        explicit = [s for s in shocks if s.type == "accession" and s.actor == "TLS"]
        joins = explicit[0].quarter if explicit else Quarter.parse(TLS_ACCESSION_QUARTER)
        if joins > self.start and not explicit and joins <= self.end:
            shocks.append(
                ShockSpec(
                    at=str(joins),
                    type="accession",
                    actor="TLS",
                    note="Timor-Leste admitted 26 October 2025",
                )
            )
        return joins

    def _focus(self, chair: str) -> np.ndarray:
        """(R or 1, members, 1) lobbying multipliers: ``1 + chair_focus`` for the chair."""
        onehot = np.array([float(c == chair) for c in self.actor_set.members])
        focus = 1.0 + self.p.m.chair_focus * onehot
        return np.atleast_2d(focus)[:, :, None]

    def _refresh_ties(self, year: int) -> None:
        """Each January the ties reflect the record before that year (as DiplomacyModel);
        a world of other actors keeps its starting ties."""
        if not self.recorded_world:
            self._ties_year = year
            return
        ties = [record_ties(q, year) for q in self.p.draws]
        first = ties[0]
        same = all(t is first for t in ties)
        self.ties = first[None] if same else np.stack(ties)
        self._ties_year = year
        self._refresh_masks()

    def _refresh_masks(self) -> None:
        """What depends on membership, relations, ties, levers and the chair (they change
        only by shocks and each January), so the quarterly loop does no bookkeeping: the
        fixed part of the influence weights and the lobbying scale of each year."""
        members, powers, dprk = self.member_rows, self.power_rows, self.dprk_row
        present = self.active[:, members]
        self.present = present.copy()
        self.all_present = bool(present.all())
        self._present_f = present.astype(float)
        self._seats = present.sum(axis=1)
        self.reachable = (present & self.relations).astype(float)
        self.all_related = bool(self.relations.all())
        self._relations_f = self.relations.astype(float)
        member_ties = self.ties[:, members] * self.active[:, None, :]
        self._cover_ties = (self._ties_to("CHN"), self._ties_to("RUS"))
        centrality = self.levers["asean_centrality"]
        outside = 1.0 - centrality
        self._raw[:, :, members] = member_ties[:, :, members] * centrality[:, None, None]
        self._power_scale = (
            member_ties[:, :, powers] * (outside * self.p.s.lobbying_weight)[:, None, None]
        )
        if not self.all_present:  # absent members are not lobbied
            self._power_scale = self._power_scale * self._present_f[:, :, None]
        self._dprk_scale = (
            member_ties[:, :, dprk] * (outside * self.p.s.dprk_pull)[:, None] * self._relations_f
        )
        self._year_scale: dict[int, np.ndarray] = {}

    def _ties_to(self, code: str) -> np.ndarray:
        """(R or 1, members) the members' ties to actor ``code``, zero when this world
        does not have it (so a world without China or Russia gives no cover)."""
        row = self.actor_set.index.get(code)
        if row is None:
            return np.zeros((len(self.ties), self.n_members))
        return self.ties[:, self.member_rows, row]

    def _lobby_scale(self, year: int) -> np.ndarray:
        """(R, members, powers) ties times lobbying strength times the chair's focus."""
        scale = self._year_scale.get(year)
        if scale is None:
            focus = self._focus(self.chair(year))
            scale = self._year_scale[year] = self._power_scale * self._power_lobbying * focus
        return scale

    @property
    def next_quarter(self) -> Quarter | None:
        """The quarter the next step will simulate (None when the run is over)."""
        return self.quarters[self._done] if self._done < len(self.quarters) else None

    def chair(self, year: int) -> str:
        """The member chairing ASEAN in ``year`` (a chair_change shock overrides)."""
        return self.chair_override.get(year) or self.chairs[year]

    # --- events -------------------------------------------------------------------
    def log(self, replicates: np.ndarray, templates, quarter: Quarter | None = None) -> None:
        """Log events: one per entry of ``replicates`` (templates: one id or one each)."""
        if self.record_events and len(replicates):
            templates = np.broadcast_to(templates, replicates.shape)
            self._events.append((replicates, (quarter or self._now).index, templates))

    def emit(
        self,
        kind: str,
        source: str,
        target: str,
        summary: str,
        quarter: Quarter | None = None,
        cameo: str | None = None,
    ) -> None:
        """Log one scenario-wide event in every replicate."""
        if self.record_events:
            self.log(
                self._rows, template(source, target, cameo or KIND_CAMEO[kind], summary), quarter
            )

    # --- actions agents and shocks call ---------------------------------------------
    def exchange(self, visits: np.ndarray, u: np.ndarray) -> None:
        """The DPRK sends ``visits[r, i]`` delegations to member i; members may return them
        (``u``: uniforms for the returns)."""
        returns = BatchedMember.returned_visits(self, visits, u)
        total = visits + returns
        if self.record_events:
            counts = np.stack([visits, returns], axis=2).ravel()  # member by member
            reps = np.repeat(np.repeat(self._rows, 2 * self.n_members), counts)
            self.log(reps, np.repeat(np.tile(self._templates.visits, self.n), counts))
        self._exchanges[self._done] += total  # shocks fire just before their quarter's step
        self._raise_members(ENGAGEMENT, self.p.m.visit_effect * total, self.p.m.visit_persistence)

    def launch(self, counts: np.ndarray) -> None:
        """The DPRK's own launches this quarter: ``counts`` (R, 3) missiles, ICBM tests and
        nuclear tests, with their default impulses (DiplomacyModel.provoke, summed: the
        pushes are non-negative, so clipping after each one equals clipping the sum).
        Where a declared pause holds, every launch is short-range (NorthKorea.act)."""
        paused = self.pause > 0
        if paused.any():
            counts = counts.copy()
            counts[paused, 0] += counts[paused, 1] + counts[paused, 2]
            counts[paused, 1:] = 0
        impulse = counts @ LAUNCH_IMPULSE
        self.memory += impulse
        icbm, nuclear = self._break_factor
        self.frame *= icbm ** counts[:, 1] * nuclear ** counts[:, 2]
        self.pause[counts[:, 1:].sum(axis=1) > 0] = 0.0
        self._harden(impulse)
        self._provocations[self._done, :, :3] += counts
        if self.record_events:
            for kind in range(3):
                column = counts[:, kind]
                if column.any():
                    self.log(np.repeat(self._rows, column), self._templates.kinds[kind])

    def provoke(
        self, kind: str, impulse: float | None = None, quarter: Quarter | None = None
    ) -> None:
        """A dated launch, test or attack, in every replicate (DiplomacyModel.provoke)."""
        impulse = SHOCK_TYPES[kind].magnitude if impulse is None else impulse
        self.memory += impulse
        if kind in FRAME_BREAKERS:
            self.break_frame(impulse)
        self._harden(np.full(self.n, impulse))
        self._provocations[self._done, :, KINDS.index(kind)] += 1
        self.emit(
            kind, self.dprk.code, "UNSC", f"DPRK conducts a {kind.replace('_', ' ')}", quarter
        )

    def break_frame(self, impulse: float) -> None:
        """Break the frame and end any pause (DiplomacyModel.break_frame)."""
        self.frame *= np.maximum(0.0, 1.0 - self.p.s.frame_break * impulse)
        self.pause[:] = 0.0

    def escalate(self, impulse: float, quarter: Quarter | None = None) -> None:
        """A nuclear escalation without a test (DiplomacyModel.escalate)."""
        self.memory += impulse
        self.break_frame(impulse)
        self._harden(np.full(self.n, impulse))
        self.emit(
            "escalation", self.dprk.code, "UNSC", "DPRK escalates its nuclear programme", quarter
        )

    def declare_pause(self, strength: float, quarter: Quarter | None = None) -> None:
        """A declared testing pause (DiplomacyModel.declare_pause)."""
        self.open_dialogue(strength)
        self.pause = np.maximum(self.pause, min(1.0, strength))
        self.emit(
            "moratorium",
            self.dprk.code,
            "UNSC",
            "DPRK declares a pause on nuclear and long-range tests",
            quarter,
        )

    def _harden(self, impulse: np.ndarray) -> None:
        damping = 1.0 - 0.5 * self.stance[:, self.member_rows, ENGAGEMENT]
        effect = self.p.m.provocation_effect * impulse[:, None] * damping
        if not self.all_present:
            effect *= self._present_f
        self._raise_members(PRESSURE, effect, self.p.m.provocation_persistence)

    def open_dialogue(self, strength: float) -> None:
        """A summit or talks open a dialogue frame (DiplomacyModel.open_dialogue)."""
        self.frame = np.maximum(self.frame, min(1.0, strength))
        column = self.stance[:, self.member_rows, PRESSURE]
        column[:] = _unit(column - 0.1 * strength * self._present_f)

    def _raise_members(self, column: int, amount: np.ndarray, persistence) -> None:
        """Add a non-negative ``amount`` (R, members) to a stance column (capped at 1),
        and ``persistence`` of it to the anchors (DiplomacyModel._nudge)."""
        values = self.stance[:, self.member_rows, column]
        values += amount
        np.minimum(values, 1.0, out=values)
        if np.any(persistence):
            values = self.anchor[:, self.member_rows, column]
            values += persistence * amount
            np.minimum(values, 1.0, out=values)

    def _nudge(self, row: int, column: int, amount: float, persistence: float) -> None:
        self.stance[:, row, column] = _unit(self.stance[:, row, column] + amount)
        if persistence:
            self.anchor[:, row, column] = _unit(self.anchor[:, row, column] + persistence * amount)

    def apply_shock(self, shock: ShockSpec) -> None:
        """Apply one dated shock to every replicate: the handler ``SHOCK_HANDLERS`` names
        for its type (DiplomacyModel.apply_shock; the same table of types)."""
        getattr(self, SHOCK_HANDLERS[shock.type])(shock)

    def _shock_provocation(self, shock: ShockSpec) -> None:
        self.provoke(shock.type, shock.magnitude, shock.quarter)

    def _shock_escalation(self, shock: ShockSpec) -> None:
        self.escalate(shock.magnitude, shock.quarter)

    def _shock_moratorium(self, shock: ShockSpec) -> None:
        self.declare_pause(shock.magnitude, shock.quarter)

    def _shock_sanctions(self, shock: ShockSpec) -> None:
        lever = self.levers["sanctions_tightness"]
        lever[:] = np.clip(lever + shock.magnitude, 0.0, 1.0)
        self._refresh_hazard()
        self.emit(
            "sanctions",
            "UNSC",
            self.dprk.code,
            "UN Security Council adopts new sanctions",
            shock.quarter,
        )

    def _shock_dialogue(self, shock: ShockSpec) -> None:
        kind, size, q = shock.type, shock.magnitude, shock.quarter
        self.open_dialogue(size)
        if kind == "us_dprk_summit":
            self.calm = np.maximum(self.calm, self.p.s.summit_calm * size)
        what = {
            "us_dprk_summit": ("USA", "US and DPRK leaders hold a summit"),
            "inter_korean_summit": ("KOR", "Leaders of the two Koreas hold a summit"),
            "talks": (shock.actor or "USA", "Talks with the DPRK make progress"),
        }[kind]
        dprk = self.dprk.code
        self.emit("summit", what[0], dprk, what[1], q)
        if shock.host:
            self._nudge(self.actor_set.index[shock.host], ENGAGEMENT, 0.1 * size, 0.5)
            self.emit("host_summit", shock.host, dprk, f"{shock.host} hosts the US-DPRK summit", q)

    def _shock_delegation(self, shock: ShockSpec) -> None:
        visits = np.zeros((self.n, self.n_members), dtype=np.int64)
        visits[:, self.actor_set.members.index(shock.actor)] = int(shock.magnitude)
        self.exchange(visits, self._shock_uniforms.pop(0))

    def _shock_incident(self, shock: ShockSpec) -> None:
        actor, size, row = shock.actor, shock.magnitude, self.actor_set.index[shock.actor]
        self._nudge(row, ENGAGEMENT, -size, 1.0)
        self._nudge(row, PRESSURE, size / 2, 1.0)
        self.emit(
            "incident",
            actor,
            self.dprk.code,
            f"{actor} sours on the DPRK after an incident",
            shock.quarter,
        )

    def _shock_relations(self, shock: ShockSpec) -> None:
        kind, actor = shock.type, shock.actor
        restore = kind == "restore_relations"
        position, row = self.actor_set.members.index(actor), self.actor_set.index[actor]
        self.relations[:, position] = restore
        self._refresh_masks()
        self._refresh_hazard()
        level = self.p.s.engagement_prior if restore else 0.0
        self.stance[:, row, ENGAGEMENT] = self.anchor[:, row, ENGAGEMENT] = level
        self._origin[:, position, ENGAGEMENT] = level
        verb = "restores" if restore else "breaks off"
        self.emit(
            kind,
            actor,
            self.dprk.code,
            f"{actor} {verb} diplomatic relations with the DPRK",
            shock.quarter,
        )

    def _shock_alignment(self, shock: ShockSpec) -> None:
        lever = self.levers[shock.alignment_lever]
        sign = 1.0 if shock.type == "alliance" else -1.0
        lever[:] = np.clip(lever + sign * shock.magnitude, 0.0, 1.0)
        self._apply_levers()
        verb = "deepen" if sign > 0 else "cool"
        self.emit(
            shock.type,
            shock.actor,
            self.dprk.code,
            f"{shock.actor}-DPRK relations {verb}",
            shock.quarter,
        )

    def _shock_chair_change(self, shock: ShockSpec) -> None:
        self.chair_override[shock.quarter.year] = shock.actor
        self._year_scale.pop(shock.quarter.year, None)

    def _shock_accession(self, shock: ShockSpec) -> None:
        self.active[:, self.actor_set.index[shock.actor]] = True
        self._refresh_masks()
        self._refresh_hazard()
        self.emit("accession", shock.actor, "ASEAN", f"{shock.actor} joins ASEAN", shock.quarter)

    def _shock_lever(self, shock: ShockSpec) -> None:
        self.levers[shock.lever][:] = shock.value
        self._apply_levers()

    # --- the quarter ----------------------------------------------------------------
    def step(self) -> None:
        """Simulate one calendar quarter in every replicate."""
        quarter = self.next_quarter
        if quarter is None:
            self.running = False
            return
        i = self._done
        self._now = quarter
        if quarter.q == 1 and quarter.year != self._ties_year:
            self._refresh_ties(quarter.year)
        normals = self._normals[i]
        self.dprk.act(self._uniforms[i])
        self._update_stances(quarter, normals[:, self._columns.noise])
        if meeting := meeting_in(quarter):
            self._meeting(quarter, meeting, normals[:, self._columns.mood])
        self.clock = quarter
        self._done += 1
        self._record(i)
        self.visit_memory *= self._visit_decay
        self.visit_memory += self._exchanges[i]
        self.memory *= self._memory_decay
        self.frame *= self._frame_decay
        np.maximum(self.frame, self.pause, out=self.frame)
        self.calm *= self._frame_decay
        if quarter == self.end:
            self.running = False

    def _update_stances(self, quarter: Quarter, z: np.ndarray) -> None:
        """Lobbying, then one Friedkin-Johnsen update of every member in every replicate
        (DiplomacyModel._update_stances; ``z`` standard normals for the noise)."""
        stance, raw = self.stance, self._raw
        distance = BatchedPower.distance(self)
        if meetings_due(quarter) and self.record_events:  # contacts are logged before the meetings
            BatchedPower.contact(
                self, BatchedPower.lobbying(self, self._focus(self.chair(quarter.year)))
            )
        raw[:, :, self.power_rows] = self._lobby_scale(quarter.year) * distance
        raw[:, :, self.dprk_row] = self._dprk_scale * stance[:, self.member_rows, ENGAGEMENT]
        memory = self.p.t.anchor_memory  # durable shifts fade back toward the origins
        anchor = self.anchor[:, self.member_rows]
        anchor -= self._origin
        anchor *= memory
        anchor += self._origin
        pulled = np.matmul(raw, self._x)  # (R, members, 3): weighted stances, total weight
        totals = pulled[:, :, 2:]
        if not totals.all():  # a member nobody influences keeps only its anchor
            totals = np.where(totals > 0, totals, 1.0)
        updated = pulled[:, :, :2] / totals  # contiguous from here: numpy's fast loops
        updated *= self._lam
        updated += self._keep * anchor
        updated += z.reshape(self.n, self.n_members, 2) * self.p.t.stance_noise
        np.maximum(updated, 0.0, out=updated)
        np.minimum(updated, 1.0, out=updated)
        stance[:, self.member_rows] = updated
        if not self.all_related:
            stance[:, self.member_rows, ENGAGEMENT] *= self._relations_f

    @property
    def threat(self) -> np.ndarray:
        """(R,) weight of remembered provocations (``world.threat_of``)."""
        return threat_of(self.memory, self.p.s.memory_scale)

    def cover(self) -> np.ndarray:
        """(R, members) protection expected from China or Russia (DiplomacyModel.cover)."""
        china, russia = self._cover_ties
        return _unit(
            self.levers["china_shield"][:, None] * china
            + self.levers["russia_alignment"][:, None] * russia
        )

    def veto(self) -> np.ndarray:
        """(R, members) willingness to block a harsher text (DiplomacyModel.veto)."""
        p = self.p.m
        engagement = self.stance[:, self.member_rows, ENGAGEMENT]
        visits = 1.0 - np.exp(-self.visit_memory / 2.0)
        veto = _unit(
            p.veto_base
            + p.veto_engagement * engagement
            + p.veto_cover * self.cover()
            + p.veto_visits * visits
        )
        if self._has_veto_override:
            veto = np.where(np.isnan(self.veto_override), veto, self.veto_override)
        return veto

    def positions(self, z: np.ndarray | None = None) -> Positions:
        """Every member's position in every replicate, (R, members) arrays in tone units
        (DiplomacyModel.positions; ``z`` the meeting-day standard normals, None for the
        expected positions)."""
        p = self.p.m
        pressure = self.stance[:, self.member_rows, PRESSURE]
        engagement = self.stance[:, self.member_rows, ENGAGEMENT]
        threat = self.threat[:, None]
        calm_room = (1.0 - self.frame)[:, None]
        concern = (
            p.tone_floor
            + p.tone_span * threat * (1.0 - p.threat_discount * engagement)
            + p.tone_pressure * (pressure - 0.5)
        )
        wish = calm_room * concern
        if z is not None:
            wish = wish + z * p.mood_noise
        wish = np.minimum(np.maximum(wish, 0.0), 4.0)
        exposure = pressure * threat
        hawk = _unit(p.hawk_veto * exposure * calm_room)
        upper = wish + p.slack * (1.0 - self.veto())
        lower = wish - p.slack * (1.0 - hawk)
        salience = _unit(0.2 + 0.8 * np.maximum(exposure, engagement))
        return Positions(wish, lower, upper, salience)

    def meeting_positions(self, quarter: Quarter, meeting: str, z: np.ndarray) -> Positions:
        """The positions members bring to this meeting (the hook DiplomacyModel has)."""
        return self.positions(z)

    def _meeting(self, quarter: Quarter, meeting: str, z: np.ndarray) -> None:
        statement = self.hold_meeting(quarter, meeting, self.meeting_positions(quarter, meeting, z))
        self.statements.append(statement)
        spoke = statement.tone >= 0
        self.last_tone = np.where(spoke, statement.tone, self.last_tone)
        if self.record_events and spoke.any():
            reps = np.flatnonzero(spoke)
            ids = self._templates.statements[meeting]
            self.log(reps, ids[statement.voice[reps] * 5 + statement.tone[reps]], quarter)

    def hold_meeting(
        self, quarter: Quarter, meeting: str, positions: Positions
    ) -> BatchedStatement:
        """The texts the chair drafts from ``positions`` in every replicate (pure)."""
        code = self.chair(quarter.year)
        position = self.actor_set.members.index(code)
        chair = np.full(self.n, position)
        present = None
        if not self.all_present:
            present = self.present
            chair = np.where(present[:, position], position, present.argmax(axis=1))
        p = self.p.s
        stake = (
            p.chair_stake
            * self.stance[self._rows, self.member_rows.start + chair, PRESSURE]
            * (1.0 - self.frame)
        )
        veto = self.veto()
        if present is None:
            typical = np.median(veto, axis=1)
        else:
            typical = np.nanmedian(np.where(present, veto, np.nan), axis=1)
        soften = np.maximum(0.0, veto[self._rows, chair] - typical)  # chair_softening
        draft = draft_batch(
            positions,
            present,
            chair,
            p.chair_pull,
            stake,
            self.last_tone,
            p.split_quorum,
            soften,
        )
        return BatchedStatement(
            quarter.year,
            meeting,
            code,
            draft.tone,
            draft.voice,
            draft.target,
            draft.support,
            draft.blockers,
        )

    def _record(self, i: int) -> None:
        self._member_history[i] = self.stance[:, self.member_rows]
        if not self.all_present:
            self._present_history[i] = self.present
        scalars = self._scalar_history[:, i]
        scalars[0] = self.memory
        scalars[1] = self.levers["sanctions_tightness"]
        scalars[2] = self.frame

    def run(self) -> BatchedModel:
        """Run to the end of the period (one Mesa time advance over the remaining steps)."""
        if self._done < len(self.quarters):
            self.run_for(len(self.quarters) - self._done)
        return self

    # --- results ------------------------------------------------------------------
    @property
    def member_history(self) -> np.ndarray:
        """(R, quarters run, members, 2) members' stances, NaN when not a member."""
        done = self._done
        history = self._member_history[:done].copy()
        history[~self._present_history[:done]] = np.nan
        return history.transpose(1, 0, 2, 3)

    @property
    def exchange_history(self) -> np.ndarray:
        """(R, quarters run, members) exchanges with the DPRK."""
        return self._exchanges[: self._done].transpose(1, 0, 2).astype(np.int32)

    def metric_history(self) -> np.ndarray:
        """(R, quarters run, len(METRICS)) model-level metrics (DiplomacyModel.metrics)."""
        done = self._done
        stances = self._member_history[:done]
        present = self._present_history[:done]
        seats = present.sum(axis=2)
        pressure, engagement = stances[..., PRESSURE], stances[..., ENGAGEMENT]
        memory, sanctions, frame = self._scalar_history[:, :done]
        provocations = self._provocations[:done]
        metrics = np.stack(
            [
                np.where(present, pressure, 0.0).sum(axis=2) / seats,
                np.where(present, engagement, 0.0).sum(axis=2) / seats,
                np.where(present, pressure, -np.inf).max(axis=2)
                - np.where(present, pressure, np.inf).min(axis=2),
                threat_of(memory, self.p.s.memory_scale),
                sanctions,
                self._exchanges[:done].sum(axis=2),
                provocations.sum(axis=2),
                provocations[:, :, KINDS.index("nuclear_test")],
                frame,
            ],
            axis=2,
        )
        return metrics.transpose(1, 0, 2)

    def event_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All logged events as (replicate, quarter index, template id) arrays, each
        replicate's in the order they happened."""
        if not self._events:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        reps = np.concatenate([e[0] for e in self._events])
        quarters = np.concatenate([np.full(len(e[0]), e[1]) for e in self._events])
        templates = np.concatenate([e[2] for e in self._events])
        order = np.argsort(reps, kind="stable")
        return reps[order], quarters[order], templates[order]

    def results(self, first_index: int = 0) -> list[ReplicateResult]:
        """One ReplicateResult per replicate (replicate numbers from ``first_index``), the
        same fields the per-replicate engine gives, so results writing is unchanged."""
        reps, quarters, templates = self.event_arrays()
        bounds = np.searchsorted(reps, np.arange(self.n + 1)).tolist()
        keys, inverse = np.unique(quarters * len(_TEMPLATES) + templates, return_inverse=True)
        made = np.empty(len(keys), dtype=object)  # identical events share one SimEvent
        for k, key in enumerate(keys.tolist()):
            q, t = divmod(key, len(_TEMPLATES))
            made[k] = SimEvent(Quarter.from_index(q), *_TEMPLATES[t])
        events = made[inverse]
        metrics = self.metric_history()
        members = self.member_history.astype(np.float32)
        exchanges = self.exchange_history
        meetings = [
            (
                s.year,
                s.meeting,
                s.chair,
                s.tone.tolist(),
                [VOICES[v] for v in s.voice.tolist()],
                s.target.tolist(),
                s.support.tolist(),
            )
            for s in self.statements
        ]
        chairs = dict(self.chairs)
        out = []
        for r in range(self.n):
            statements = [
                (
                    year,
                    meeting,
                    chair,
                    None if tone[r] < 0 else tone[r],
                    voice[r],
                    target[r],
                    support[r],
                )
                for year, meeting, chair, tone, voice, target, support in meetings
            ]
            out.append(
                ReplicateResult(
                    first_index + r,
                    self.p.draws[r].as_dict(),
                    metrics[r],
                    members[r],
                    exchanges[r],
                    statements,
                    events[bounds[r] : bounds[r + 1]].tolist(),
                    dict(chairs),
                )
            )
        return out

    def snapshot(self, replicate: int) -> InitialState:
        """Replicate ``replicate``'s state as a warm starting state (DiplomacyModel)."""
        r = replicate
        return InitialState(
            stance=self.stance[r].copy(),
            ties=self.ties[min(r, len(self.ties) - 1)],
            closeness={},
            record_score={},
            last_tone=None if self.last_tone[r] < 0 else int(self.last_tone[r]),
            anchor=self.anchor[r].copy(),
            origin=self._origin[r].copy(),
            levers={k: float(self.levers[k][r]) for k in CARRIED_LEVERS},
            relations=self.relations[r].copy(),
            active=self.active[r].copy(),
            memory=float(self.memory[r]),
            frame=float(self.frame[r]),
            calm=float(self.calm[r]),
            pause=float(self.pause[r]),
            visit_memory=self.visit_memory[r].copy(),
            warm=True,
        )


def batched_from_scenario(
    scenario: Scenario,
    parameters: Sequence[Parameters],
    initial: Sequence[InitialState] | None = None,
    rng: np.random.Generator | int | None = None,
    record_events: bool = True,
    streams: Streams | None = None,
    row_levers: Sequence[Mapping[str, float]] | None = None,
    parameter_columns: bool = False,
) -> BatchedModel:
    """Build the batched model a scenario describes (``parameters`` already include the
    scenario's own overrides, one per replicate)."""
    return BatchedModel(
        start=scenario.period.start,
        end=scenario.period.end,
        chairs=scenario.chairs,
        levers=scenario.levers,
        shocks=scenario.shocks,
        actors=scenario.actors,
        parameters=parameters,
        initial=initial,
        record_events=record_events,
        rng=rng,
        streams=streams,
        row_levers=row_levers,
        parameter_columns=parameter_columns,
    )
