"""Role cards: one printable A4 page per actor, as teaching material.

A card says, in words, what its country wants, whom it is close to and what it will not
accept, at one date (the card's quarter). Nothing on a card is typed in: the facts and
exchanges come from the record (``seeds/``, cited by article number, with the article's
title and date in the card's sources), the stances, ties and acceptable tones from the
model itself at the card's quarter: the exercise's scenario (its warm start,
model/world/warmstart.py, run on to that quarter) in ``RUNS`` runs, the median and the
middle 80% of them. Only what happened before the card's quarter appears on it. An
exercise folder may hold ``roles.csv`` (``quarter,actor,objective``): the quarter the
cards describe and each team's objective for the exercise.

The page has inline CSS only (no fonts, scripts or images to fetch) and a print
stylesheet that puts each card on its own A4 page.
"""

from __future__ import annotations

import csv
import html
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.files.safe_output import HTML, HTML_GENERATOR, write_text
from model.record.dyads import dyad_scores, undirected_ties
from model.record.seeds import Record
from model.vocabulary import AGENTS, DPRK, MEMBERS, NAMES, POWERS, TONES, InputError, Quarter
from model.world.diplomacy import DiplomacyModel, model_from_scenario
from model.world.initial import ENGAGEMENT, INDEX, PRESSURE, cached_record
from model.world.levers import LEVERS
from model.world.parameters import Parameters, default_parameters
from model.world.scenario import Scenario, load_scenario
from model.world.warmstart import HISTORY_FILE, POOL, starting_state

START = "2024Q1"
"""The card quarter of the default page (the baseline scenario's first quarter)."""
BASELINE_FILE = HISTORY_FILE.parent / "baseline.yaml"
RUNS = POOL
"""Model runs a card's numbers summarise (one per warm-start history slot)."""
MAX_EVENTS = 4
ROLES_FILE = "roles.csv"
ROLES_COLUMNS = ("quarter", "actor", "objective")
KIND_WORDS = {
    "news": "news report",
    "opinion": "opinion piece",
    "official": "official article",
    "analysis": "analysis",
}
MEETING_WORDS = {"ministerial": "foreign ministers' meeting", "summit": "summit"}


class RolesError(InputError):
    """An exercise's roles.csv cannot be used; the message names the file, line and key."""


@dataclass(frozen=True)
class ToneRange:
    """The tone a member wants and the lowest and highest it can accept."""

    wanted: int
    lowest: int
    highest: int


@dataclass(frozen=True)
class Exercise:
    """What a page of cards describes: a scenario at one quarter, and the teams'
    objectives (empty for the default page)."""

    scenario: Scenario
    at: Quarter
    title: str
    objectives: dict[str, str] = field(default_factory=dict)


def member_tones(model: DiplomacyModel, memory: float) -> dict[str, ToneRange]:
    """Each member's wanted and acceptable tones (no meeting-day draw) when ``memory``
    units of provocation are remembered (0: calm; 1: a nuclear test this quarter)."""
    saved = model.memory
    model.memory = memory
    try:
        return _tones(model)
    finally:
        model.memory = saved


def _tones(model: DiplomacyModel) -> dict[str, ToneRange]:
    positions = model.positions(mood=False)
    top = max(TONES)

    def clip(value: float) -> int:
        return int(min(max(value, 0), top))

    return {
        code: ToneRange(
            clip(round(positions.preferred[i])),
            clip(np.ceil(positions.lower[i] - 1e-9)),
            clip(np.floor(positions.upper[i] + 1e-9)),
        )
        for i, code in enumerate(MEMBERS)
    }


def tones_after_test(model: DiplomacyModel) -> dict[str, ToneRange]:
    """The members' tones if the DPRK tested a nuclear weapon now: the model's own
    reaction (``provoke``: memory, broken dialogue frame, hardened stances), undone."""
    saved = (
        model.stance.copy(),
        model.anchor.copy(),
        model.memory,
        model.frame,
        dict(model._quarter_provocations),
        model.record_events,
    )
    model.record_events = False
    try:
        model.provoke("nuclear_test")
        return _tones(model)
    finally:
        (
            model.stance,
            model.anchor,
            model.memory,
            model.frame,
            model._quarter_provocations,
            model.record_events,
        ) = saved


# --- the model at the card's quarter ---------------------------------------------------
def models_at(
    scenario: Scenario, at: Quarter, params: Parameters, runs: int = RUNS
) -> list[DiplomacyModel]:
    """``runs`` runs of the scenario, each stopped just before ``at`` is simulated: run
    ``r`` starts from warm-start slot ``r`` and draws from child ``r`` of the scenario's
    seed, as an ensemble's replicate does."""
    if not scenario.start <= at <= scenario.end:
        raise InputError(
            f"{scenario.name}: the card quarter {at} is outside the scenario's "
            f"period {scenario.start}-{scenario.end}"
        )
    if scenario.parameters:
        params = params.replace(**scenario.parameters)
    seeds = np.random.SeedSequence(scenario.seed).spawn(runs)
    models = []
    for r in range(runs):
        model = model_from_scenario(
            scenario,
            params,
            rng=np.random.default_rng(seeds[r]),
            initial=starting_state(params, scenario, r),
            record_events=False,
        )
        while model.next_quarter is not None and model.next_quarter < at:
            model.step()
        models.append(model)
    return models


@dataclass(frozen=True)
class Summary:
    """The median and the middle 80% of one number over the runs."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        low, median, high = np.percentile(np.asarray(values, dtype=float), (10, 50, 90))
        return cls(float(median), float(low), float(high))

    def text(self) -> str:
        if round(self.low, 2) == round(self.high, 2):
            return f"{self.median:.2f}"
        return f"{self.median:.2f} (80% of runs {self.low:.2f}-{self.high:.2f})"


def stance_summary(models: Sequence[DiplomacyModel]) -> dict[str, tuple[Summary, Summary]]:
    """Each actor's pressure on and engagement with the DPRK over the runs."""
    return {
        code: (
            Summary.of([m.stance[INDEX[code], PRESSURE] for m in models]),
            Summary.of([m.stance[INDEX[code], ENGAGEMENT] for m in models]),
        )
        for code in AGENTS
    }


def typical_tones(per_run: Sequence[dict[str, ToneRange]]) -> dict[str, ToneRange]:
    """The median run's wanted, lowest and highest tone for each member."""
    return {
        code: ToneRange(
            *(
                int(statistics.median_low(getattr(t[code], part) for t in per_run))
                for part in ("wanted", "lowest", "highest")
            )
        )
        for code in MEMBERS
    }


# --- words -------------------------------------------------------------------------------
def level_word(value: float) -> str:
    """A 0-1 stance in a word (thirds of the scale)."""
    return "low" if value < 1 / 3 else ("middling" if value < 2 / 3 else "high")


def article_label(record: Record, article: str) -> str:
    """An article cited in words, e.g. 'the 2024 opinion piece (004)'."""
    rows = record.articles[record.articles["article"] == article]
    number = article.split("_")[0]
    if rows.empty:
        return f"article {number}"
    row = rows.iloc[0]
    year = str(row["published"])[:4]
    return f"the {year} {KIND_WORDS.get(str(row['kind']), str(row['kind']))} ({number})"


def cite(record: Record, articles: object, cited: set[str]) -> str:
    """Citations of ``articles`` (ids joined by ';') in words; remembers them in ``cited``."""
    ids = [a for a in str(articles if isinstance(articles, str) else "").split(";") if a]
    cited.update(ids)
    return "; ".join(article_label(record, a) for a in ids) or "well established, no article"


def sourced(sentence: str, source: str) -> str:
    """A sentence with its source after a dash."""
    return f"{sentence.rstrip('.')} \u2014 {source}."


FACT_WORDS: dict[str, Callable[[str], str | None]] = {
    "relations_with_prk": lambda v: {
        "yes": "Has diplomatic relations with the DPRK.",
        "not_stated": "The record does not say whether it has relations with the DPRK.",
    }.get(v),
    "relations_severed": lambda v: f"Broke off relations with the DPRK in {v[:4]}.",
    "relations_since": lambda v: f"Relations with the DPRK since {v}.",
    "embassy_in_pyongyang": lambda v: {
        "yes": "Keeps an embassy in Pyongyang.",
        "no": "Has no embassy in Pyongyang (covered from Beijing).",
        "not_stated": "The record does not say whether it has an embassy in Pyongyang.",
    }.get(v),
    "political_system": lambda v: {"party_state_like_dprk": "A one-party state like the DPRK."}.get(
        v
    ),
    "traditional_ties": lambda v: {
        "cordial": "Long-standing cordial ties with the DPRK.",
        "cooperation_increasing_2013": "Its cooperation with the DPRK grew in the years to 2013.",
    }.get(v),
    "dprk_restaurants": lambda v: (
        "DPRK-run restaurants operate in its capital, alleged to launder money."
        if v == "yes"
        else None
    ),
    "relations_character": lambda v: {
        "symbolic_little_trade": "The ties are symbolic, with little trade."
    }.get(v),
    "sihanouk_in_pyongyang": lambda v: (
        f"Its former king Norodom Sihanouk lived in Pyongyang in exile ({v})."
    ),
    "under_unsc_sanctions_since": lambda v: f"Under UN Security Council sanctions since {v}.",
    "arf_member_since": lambda v: f"A member of the ASEAN Regional Forum since {v}.",
    "tac_party_since": lambda v: f"Signed ASEAN's Treaty of Amity and Cooperation in {v}.",
    "china_dependence": lambda v: "Wants to depend less on China." if v == "seeks_less" else None,
    "diplomatic_autonomy": lambda v: (
        "Courts ASEAN so as not to rely on Russia and China alone."
        if v == "hedges_beyond_rus_chn"
        else None
    ),
    "missions_closed": lambda v: (
        "Has closed several embassies since late 2023 (none in ASEAN named)."
        if v == "since_late_2023"
        else None
    ),
    "asean_outreach_aim": lambda v: (
        "Courts ASEAN to weaken the sanctions against it." if v == "weaken_sanctions" else None
    ),
    "traditional_supporter_of_prk": lambda v: (
        "A traditional backer of the DPRK." if v == "yes" else None
    ),
    "dialogue_partner_moratorium": lambda v: (
        "Had a moratorium on new dialogue partners." if v == "yes" else None
    ),
    "korean_peninsula_stance": lambda v: (
        "Keeps a careful neutrality on the Korean Peninsula, for fear of upsetting the DPRK."
        if v == "neutral_cautious"
        else None
    ),
    "dprk_denuclearisation_stance": lambda v: (
        "Insists that the DPRK keep its denuclearisation pledges and respect the Security "
        "Council's resolutions."
        if v == "consistent"
        else None
    ),
    "kept_dprk_in_arf": lambda v: (
        "Resisted pressure to expel the DPRK from the ASEAN Regional Forum." if v == "yes" else None
    ),
    "committee_in_dprk": lambda v: (
        "Its members' embassies in Pyongyang form an ASEAN Committee there (since 2012)."
        if v == "since_2012"
        else None
    ),
    "hedging_us_china": lambda v: (
        "Hedges between the United States and China." if v == "yes" else None
    ),
    "asean_bridge_role": lambda v: (
        "Advised to use ASEAN as a bridge to Pyongyang." if v == "recommended" else None
    ),
}
"""Each structural fact of seeds/actors.csv as a sentence (None: a value without one)."""
HIDDEN_FACTS = ("name", "kind")


def fact_sentence(fact: str, value: str) -> str:
    """A structural fact in words; a fact this module has no sentence for is spelt out."""
    words = FACT_WORDS.get(fact)
    sentence = words(value) if words else None
    if sentence is None:
        label = fact.replace("_", " ")
        sentence = f"{label[:1].upper()}{label[1:]}: {value.replace('_', ' ')}."
    return sentence


def _facts(record: Record, code: str, cited: set[str]) -> list[str]:
    rows = record.actors[
        (record.actors["actor"] == code) & ~record.actors["fact"].isin(HIDDEN_FACTS)
    ]
    return [
        sourced(fact_sentence(r.fact, str(r.value)), cite(record, r.article, cited))
        for r in rows.itertuples()
    ]


def _before(record: Record, at: Quarter) -> pd.DataFrame:
    first_day = pd.Timestamp(year=at.year, month=3 * at.q - 2, day=1)
    return record.events[pd.to_datetime(record.events["date"]) < first_day]


def _exchanges(record: Record, code: str, at: Quarter, cited: set[str]) -> tuple[list[str], int]:
    """The latest recorded events between the actor and the DPRK before ``at``."""
    ev = _before(record, at)
    if code == DPRK:
        pairs = ev[(ev["source"] == DPRK) | (ev["target"] == DPRK)]
    else:
        pairs = ev[
            ((ev["source"] == code) & (ev["target"] == DPRK))
            | ((ev["source"] == DPRK) & (ev["target"] == code))
        ]
    pairs = pairs.sort_values("date", ascending=False)
    lines = [
        sourced(f"{pd.Timestamp(r.date):%Y}: {r.summary}", cite(record, r.article, cited))
        for r in pairs.head(MAX_EVENTS).itertuples()
    ]
    return lines, len(pairs)


def _chair_years(record: Record, code: str, at: Quarter) -> str:
    years = record.chairs.loc[
        (record.chairs["chair"] == code)
        & (record.chairs["year"] >= 2010)
        & (record.chairs["year"] <= at.year),
        "year",
    ].tolist()
    said = record.statements[record.statements["year"] < at.year]
    tone = said.groupby("year")["tone"].max().to_dict()
    parts = [
        f"{y}" + (f" (ASEAN's text: tone {tone[y]}, {TONES[tone[y]]})" if y in tone else "")
        for y in years
    ]
    return ", ".join(parts)


def _names(codes: list[str]) -> str:
    if len(codes) > 1 and set(MEMBERS) <= set(codes):
        rest = [NAMES[c] for c in codes if c not in MEMBERS]
        return ", ".join(["any ASEAN member", *rest])
    return ", ".join(NAMES[c] for c in codes)


def tie_words(
    code: str, ties: np.ndarray, net: np.ndarray, counts: np.ndarray, params: Parameters, year: int
) -> list[str]:
    """The actor's ties in words: the recorded ones, strongest first, and which
    counterparts the record says nothing about (the model then assumes a neutral tie).
    Members are listed with the DPRK, the powers and recorded fellow members; powers
    with the DPRK and the members; the DPRK with everyone."""
    row = INDEX[code]
    if code in MEMBERS:
        partners = [DPRK, *POWERS, *(m for m in MEMBERS if m != code)]
    elif code in POWERS:
        partners = [DPRK, *MEMBERS]
    else:
        partners = [*MEMBERS, *POWERS]
    recorded, silent = [], []
    for other in sorted(partners, key=lambda c: -ties[row, INDEX[c]]):
        col = INDEX[other]
        n = int(counts[row, col])
        if n == 0:
            if not (code in MEMBERS and other in MEMBERS):
                silent.append(other)
            continue
        prior = params.member_tie if code in MEMBERS and other in MEMBERS else params.tie_prior
        lift = ties[row, col] - prior
        word = (
            "strong"
            if lift >= 0.25
            else "warm"
            if lift >= 0.05
            else "strained"
            if lift <= -0.05
            else "neutral on balance"
        )
        recorded.append(
            f"{NAMES[other]}: {word} ({n} recorded exchange{'s' * (n != 1)} "
            f"before {year}, net Goldstein {net[row, col]:+.1f}; model tie "
            f"{ties[row, col]:.2f})."
        )
    lines = recorded or [f"No recorded exchanges before {year}."]
    silent.sort(key=AGENTS.index)
    if silent:
        lines.append(
            f"The record has no exchanges with {_names(silent)}: no tie is known, "
            "and the model assumes a neutral one."
        )
    if code in MEMBERS:
        lines.append(
            "With the other ASEAN members: the model's standing ASEAN bond, "
            "except where exchanges are listed above."
        )
    return lines


def red_lines(now: ToneRange, crisis: ToneRange) -> list[str]:
    """What the member blocks, now and after a nuclear test, on the 0-4 scale."""

    def block(rng: ToneRange) -> str:
        parts = []
        if rng.lowest > 0:
            softer = "tone 0" if rng.lowest == 1 else f"tones 0-{rng.lowest - 1}"
            parts.append(f"any text softer than tone {rng.lowest} ({softer})")
        if rng.highest < max(TONES):
            harsher = (
                f"tone {max(TONES)}"
                if rng.highest == max(TONES) - 1
                else f"tones {rng.highest + 1}-{max(TONES)}"
            )
            parts.append(f"any text harsher than tone {rng.highest} ({harsher})")
        return (
            ("it blocks " + " and ".join(parts))
            if parts
            else ("no red line on the scale: it accepts any tone from 0 to 4")
        )

    return [f"Now: {block(now)}.", f"If the DPRK tested a nuclear weapon now: {block(crisis)}."]


# --- the cards ---------------------------------------------------------------------------
@dataclass
class CardData:
    """What the cards of one page are computed from."""

    record: Record
    exercise: Exercise
    params: Parameters
    models: list[DiplomacyModel]
    stances: dict[str, tuple[Summary, Summary]]
    now: dict[str, ToneRange]
    crisis: dict[str, ToneRange]
    ties: np.ndarray
    net: np.ndarray
    counts: np.ndarray


def card_data(
    exercise: Exercise,
    params: Parameters | None = None,
    record: Record | None = None,
    runs: int = RUNS,
) -> CardData:
    """Run the model to the card quarter and summarise what the cards need."""
    params = params if params is not None else default_parameters()
    record = record if record is not None else cached_record()
    models = models_at(exercise.scenario, exercise.at, params, runs)
    past = _before(record, Quarter(exercise.at.year, 1))
    if past.empty:
        net = np.full((len(AGENTS), len(AGENTS)), np.nan)
        counts = np.zeros((len(AGENTS), len(AGENTS)))
    else:
        scores = dyad_scores(past)
        net = undirected_ties(scores, list(AGENTS))
        counts = np.zeros((len(AGENTS), len(AGENTS)))
        for (source, target), n in (
            scores["events"].groupby(level=["source", "target"]).sum().items()
        ):
            if source in INDEX and target in INDEX:
                counts[INDEX[source], INDEX[target]] += n
                counts[INDEX[target], INDEX[source]] += n
    return CardData(
        record,
        exercise,
        models[0].params,
        models,
        stance_summary(models),
        typical_tones([_tones(m) for m in models]),
        typical_tones([tones_after_test(m) for m in models]),
        models[0].ties,
        net,
        counts,
    )


def _stance_lines(data: CardData, code: str) -> list[str]:
    pressure, engagement = data.stances[code]
    return [
        f"Pressure on the DPRK: {level_word(pressure.median)}, {pressure.text()}.",
        f"Engagement with the DPRK: {level_word(engagement.median)}, {engagement.text()}.",
    ]


def _member_tone_lines(data: CardData, code: str) -> list[str]:
    now, crisis = data.now[code], data.crisis[code]
    return [
        f"Now it wants tone {now.wanted} ({TONES[now.wanted]}) and can accept tones "
        f"{now.lowest}-{now.highest}.",
        f"If the DPRK tested a nuclear weapon now, it would want tone {crisis.wanted} "
        f"({TONES[crisis.wanted]}) "
        f"and accept tones {crisis.lowest}-{crisis.highest}.",
    ]


def _power_lines(data: CardData, code: str) -> list[str]:
    p = data.params
    pressure = data.stances[code][0].median
    wanted = int(np.clip(round(p.tone_floor + p.tone_pressure * (pressure - 0.5)), 0, 4))
    lobbying = {c: float(np.median([m.lobbying[INDEX[c]] for m in data.models])) for c in POWERS}
    rank = sorted(POWERS, key=lambda c: -lobbying[c]).index(code) + 1
    push = (
        "presses for language at least that firm"
        if wanted >= 2
        else "argues against criticism of the DPRK"
    )
    return [
        f"A member with its pressure would want ASEAN's language at about tone {wanted} "
        f"({TONES[wanted]}) in calm times; before each meeting it {push}, harder on the "
        "year's chair.",
        f"Lobbying strength {lobbying[code]:.2f}: number {rank} of the five outside powers.",
        "Has no seat at ASEAN's table: it cannot block a text, only lobby the members.",
    ]


def _dprk_lines(data: CardData) -> list[str]:
    p = data.params
    return [
        "Wants ASEAN silent, or welcoming dialogue (tone 0-1), and friends inside ASEAN "
        "who soften the text.",
        f"Sends about {p.outreach_rate:.2f} delegations a quarter to a fully engaged member "
        f"(more when sanctions bite); launches missiles about {p.provocation_rate:.2f} times "
        "a quarter.",
        "Has no seat at ASEAN's table: it works through the members it courts.",
    ]


def _sources(record: Record, cited: set[str]) -> list[str]:
    rows = record.articles[record.articles["article"].isin(cited)].sort_values("article")
    return [
        f"{r.article.split('_')[0]}: \u201c{r.title}\u201d, {r.outlet}, {r.published} "
        f"({KIND_WORDS.get(r.kind, r.kind)})"
        for r in rows.itertuples()
    ]


def card_sections(data: CardData, code: str) -> list[tuple[str, list[str]]]:
    """One card's headed sections of sentences."""
    cited: set[str] = set()
    at = data.exercise.at
    sections: list[tuple[str, list[str]]] = []
    if objective := data.exercise.objectives.get(code):
        sections.append(("Your objective in this exercise", [objective]))
    interests = _facts(data.record, code, cited) or ["The record states no structural facts."]
    sections.append(("Interests and background", interests))
    if code in MEMBERS:
        sections.append(
            (
                f"Where it stands at the start of {at}",
                _stance_lines(data, code) + _member_tone_lines(data, code),
            )
        )
        sections.append(("Red lines", red_lines(data.now[code], data.crisis[code])))
    elif code in POWERS:
        sections.append(
            (
                f"Where it stands at the start of {at}",
                _stance_lines(data, code) + _power_lines(data, code),
            )
        )
    else:
        sections.append((f"What it wants at the start of {at}", _dprk_lines(data)))
    sections.append(
        ("Ties", tie_words(code, data.ties, data.net, data.counts, data.params, at.year))
    )
    if code in MEMBERS and (years := _chair_years(data.record, code, at)):
        sections.append(("Chaired ASEAN in", [years]))
    events, total = _exchanges(data.record, code, at, cited)
    heading = "Recorded DPRK events" if code == DPRK else "Recorded with the DPRK"
    heading += f" before {at} (latest {len(events)} of {total})" if total else f" before {at}"
    sections.append((heading, events or ["Nothing recorded."]))
    sections.append(("Sources", _sources(data.record, cited) or ["seeds/ (well established)"]))
    return sections


def _kind(code: str) -> str:
    return "ASEAN member" if code in MEMBERS else ("the DPRK" if code == DPRK else "outside power")


def _card(data: CardData, code: str) -> str:
    parts = [
        f'<section class="card" id="card-{code}">',
        f"<h2>{html.escape(NAMES[code])} <small>{code} · {_kind(code)} · "
        f"{data.exercise.at}</small></h2>",
    ]
    for heading, lines in card_sections(data, code):
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        cls = ' class="sources"' if heading == "Sources" else ""
        parts.append(f"<h3>{html.escape(heading)}</h3><ul{cls}>{items}</ul>")
    parts.append("</section>")
    return "\n".join(parts)


CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #111; line-height: 1.3; }
h1 { font-size: 1.4em; } .intro { max-width: 60em; }
.card { border: 2px solid #333; border-radius: 6px; padding: 0.6em 1em; margin: 0 0 1em 0;
  break-inside: avoid; page-break-inside: avoid; max-width: 60em; overflow-wrap: anywhere; }
.card h2 { margin: 0.2em 0; font-size: 1.2em; }
.card small { color: #444; font-weight: normal; }
.card h3 { margin: 0.55em 0 0.1em 0; font-size: 0.95em; }
.card ul { margin: 0; padding-left: 1.2em; }
.card li { font-size: 0.88em; }
ul.sources li { font-size: 0.75em; color: #333; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 10.5pt; }
  .intro { break-after: page; page-break-after: always; }
  .card { break-before: page; page-break-before: always; border-width: 1px; margin: 0;
    max-width: none; }
  .card:first-of-type { break-before: auto; page-break-before: auto; }
}
"""


def default_exercise(at: str | Quarter = START) -> Exercise:
    """The baseline scenario at ``at`` (no objectives): cards for free play."""
    return Exercise(
        load_scenario(BASELINE_FILE), Quarter.parse(str(at)), "Role cards: ASEAN and the DPRK"
    )


def load_exercise(folder: str | Path, at: str | Quarter | None = None) -> Exercise:
    """An exercise folder (``scenario.yaml`` and, optionally, ``roles.csv``): the cards'
    quarter is ``at``, else the one roles.csv gives, else the scenario's first quarter."""
    folder = Path(folder)
    scenario = load_scenario(folder / "scenario.yaml")
    quarter, objectives = read_roles(folder / ROLES_FILE)
    chosen = Quarter.parse(str(at)) if at is not None else (quarter or scenario.start)
    return Exercise(scenario, chosen, f"Role cards: {scenario.title}", objectives)


def read_roles(path: Path) -> tuple[Quarter | None, dict[str, str]]:
    """roles.csv: the cards' quarter (the same on every row) and each actor's objective."""
    if not path.is_file():
        return None, {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ROLES_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RolesError(
                f"{path}: line 1: missing column(s) {', '.join(missing)}; "
                f"expected the header {','.join(ROLES_COLUMNS)}"
            )
        quarter: Quarter | None = None
        objectives: dict[str, str] = {}
        for line, row in enumerate(reader, start=2):
            try:
                this = Quarter.parse(row["quarter"] or "")
            except ValueError:
                raise RolesError(
                    f"{path}: line {line}: quarter {row['quarter']!r} is not a "
                    "quarter; expected e.g. 2024Q3"
                ) from None
            if quarter is not None and this != quarter:
                raise RolesError(
                    f"{path}: line {line}: quarter {this} differs from {quarter} "
                    "above; expected one quarter for all the cards"
                )
            quarter = this
            actor = (row["actor"] or "").strip()
            if actor not in AGENTS:
                raise RolesError(
                    f"{path}: line {line}: actor {actor!r} is unknown; expected "
                    f"one of {', '.join(AGENTS)}"
                )
            if actor in objectives:
                raise RolesError(f"{path}: line {line}: actor {actor} appears twice")
            if not (row["objective"] or "").strip():
                raise RolesError(f"{path}: line {line}: objective is empty; expected a sentence")
            objectives[actor] = row["objective"].strip()
    return quarter, objectives


SHOCK_WORDS: dict[str, str] = {
    "missile_test": "the DPRK launches ballistic missiles",
    "icbm_test": "the DPRK tests an intercontinental ballistic missile",
    "nuclear_test": "the DPRK conducts a nuclear test",
    "armed_attack": "a DPRK military attack",
    "unsc_resolution": "the UN Security Council adopts a sanctions resolution",
    "us_dprk_summit": "a US-DPRK leaders' summit",
    "inter_korean_summit": "a summit of the two Koreas",
    "talks": "talks with the DPRK make progress",
    "dprk_delegation": "DPRK delegations visit",
    "incident": "an incident sours relations with the DPRK",
    "break_relations": "relations with the DPRK broken off",
    "restore_relations": "relations with the DPRK restored",
    "alliance": "{actor} moves closer to the DPRK",
    "strain": "{actor}'s relations with the DPRK cool",
    "chair_change": "the ASEAN chair changes hands",
    "accession": "a new member joins ASEAN",
}
"""A scenario's shocks in words for the cards' introduction."""
LEVER_WORDS: dict[str, str] = {
    "sanctions_tightness": "the enforcement of UN sanctions",
    "us_pressure": "Washington's lobbying of ASEAN",
    "china_shield": "China's shielding of the DPRK",
    "russia_alignment": "Russia's alignment with the DPRK",
    "dprk_outreach": "the DPRK's propensity to send delegations",
    "dprk_provocation": "the DPRK's propensity to launch and test",
    "asean_centrality": "the weight members give each other",
}


def shock_line(shock) -> str:
    """One scenario shock in words, e.g. '2026Q2: a US-DPRK leaders' summit, hosted by
    Vietnam (hypothetical summit in Hanoi)'."""
    if shock.type == "lever":
        lever = LEVERS[shock.lever]
        what = (
            f"{LEVER_WORDS.get(lever.name, lever.name.replace('_', ' '))} set to "
            f"{shock.value:g} (default {lever.default:g})"
        )
    else:
        what = SHOCK_WORDS.get(shock.type, shock.type.replace("_", " "))
        if "{actor}" in what:
            what = what.format(actor=NAMES.get(shock.actor or "", "an outside power"))
        elif shock.host:
            what += f", hosted by {NAMES.get(shock.host, shock.host)}"
        elif shock.actor and shock.actor != DPRK and shock.type != "unsc_resolution":
            what += f" ({NAMES.get(shock.actor, shock.actor)})"
    return f"{shock.quarter}: {what}" + (f" \u2014 {shock.note}" if shock.note else "")


def cards_page(data: CardData) -> str:
    """The page for ``data``: an introduction, then one card per actor (teams first)."""
    ex = data.exercise
    order = [c for c in ex.objectives if c in AGENTS] + [
        c for c in AGENTS if c not in ex.objectives
    ]
    before = [s for s in ex.scenario.shocks if s.quarter < ex.at]
    intro = [
        f"<p>The state of the model at the start of {ex.at} in the scenario "
        f"<i>{html.escape(ex.scenario.title)}</i>: medians over {len(data.models)} runs of "
        "the model (the middle 80% of runs in brackets). Your class's run will differ; the "
        "app shows it. Facts and exchanges come from the record before that date.</p>",
        "<p>Tone of ASEAN's text: "
        + html.escape("; ".join(f"{k} {v}" for k, v in TONES.items()))
        + ". Stances run from 0 to "
        "1.</p>",
    ]
    standing = _facts(data.record, "ASEAN", set())
    if standing:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in standing)
        intro.append(f"<p>ASEAN's standing positions (the record):</p><ul>{items}</ul>")
    sources = _sources(data.record, set(data.record.articles["article"]))
    items = "".join(f"<li>{html.escape(line)}</li>" for line in sources)
    intro.append(f'<p>Sources (the record\'s five articles):</p><ul class="sources">{items}</ul>')
    if before:
        items = "".join(f"<li>{html.escape(shock_line(s))}</li>" for s in before)
        intro.append(f"<p>Already happened in this exercise before {ex.at}:</p><ul>{items}</ul>")
    cards = "\n".join(_card(data, code) for code in order)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{HTML_GENERATOR}'
        f"<title>{html.escape(ex.title)}</title><style>{CSS}</style></head><body>"
        f'<div class="intro"><h1>{html.escape(ex.title)}</h1>'
        + "".join(intro)
        + "</div>\n"
        + cards
        + "\n</body></html>\n"
    )


def role_cards_html(
    parameters: Parameters | None = None,
    record: Record | None = None,
    exercise: Exercise | None = None,
    runs: int = RUNS,
) -> str:
    """The role cards for every actor as one self-contained HTML page (the baseline at
    2024Q1 unless an ``exercise`` is given)."""
    data = card_data(exercise or default_exercise(), parameters, record, runs)
    return cards_page(data)


def write_role_cards(path: str | Path, exercise: Exercise | None = None) -> Path:
    """Write the role cards page to ``path`` (folders created; an existing file only if
    it is a page we wrote, model/files/safe_output.py); returns the path."""
    return write_text(path, role_cards_html(exercise=exercise), HTML)
