"""Role cards: one printable HTML page with a card for each of the 17 actors.

Everything on a card comes from the record (``seeds/``, cited by article file name) or
from the model's parameters (``default_parameters()``, so cards follow the calibration
when ``params/calibrated.yaml`` appears): the starting stance, ties, recorded exchanges
with the DPRK, chair years, and — for members — the tones the model's agent wants and can
accept in calm times and after a nuclear test (its red line is the edge of that range).
The page has inline CSS only: no fonts, scripts or images to fetch.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.files.safe_output import HTML, HTML_GENERATOR, write_text
from model.record.seeds import Record
from model.vocabulary import AGENTS, DPRK, MEMBERS, NAMES, POWERS, TONES
from model.world.diplomacy import DiplomacyModel
from model.world.initial import ENGAGEMENT, INDEX, PRESSURE, cached_record
from model.world.parameters import Parameters, default_parameters

START = "2024Q1"
HIDDEN_FACTS = ("name", "kind")
MAX_EVENTS = 4


@dataclass(frozen=True)
class ToneRange:
    """The tone a member wants and the lowest and highest it can accept."""

    wanted: int
    lowest: int
    highest: int


def member_tones(model: DiplomacyModel, memory: float) -> dict[str, ToneRange]:
    """Each member's wanted and acceptable tones (no meeting-day draw) when ``memory``
    units of provocation are remembered (0: calm; 1: a nuclear test this quarter)."""
    saved = model.memory
    model.memory = memory
    positions = model.positions(mood=False)
    model.memory = saved

    def tone(value: float, rounding) -> int:
        return int(np.clip(rounding(value - 1e-9 if rounding is np.floor else value + 1e-9),
                           0, max(TONES)))

    return {code: ToneRange(tone(positions.preferred[i], np.round),
                            tone(positions.lower[i], np.ceil),
                            tone(positions.upper[i], np.floor))
            for i, code in enumerate(MEMBERS)}


def _cite(articles: str) -> str:
    return "; ".join(a for a in str(articles).split(";") if a) or "well established"


def _facts(record: Record, code: str) -> list[str]:
    rows = record.actors[(record.actors["actor"] == code)
                         & ~record.actors["fact"].isin(HIDDEN_FACTS)]
    return [f"{r.fact.replace('_', ' ')}: {r.value} ({_cite(r.article)})"
            for r in rows.itertuples()]


def _exchanges(record: Record, code: str) -> tuple[list[str], float]:
    """Recorded events between the actor and the DPRK (latest first) and their net
    Goldstein score."""
    ev = record.events
    if code == DPRK:
        pairs = ev[(ev["source"] == DPRK) | (ev["target"] == DPRK)]
    else:
        pairs = ev[((ev["source"] == code) & (ev["target"] == DPRK))
                   | ((ev["source"] == DPRK) & (ev["target"] == code))]
    pairs = pairs.sort_values("date", ascending=False)
    lines = [f"{r.date:%Y}: {r.summary} ({_cite(r.article)})"
             for r in pairs.head(MAX_EVENTS).itertuples()]
    return lines, float(pairs["goldstein"].sum())


def _chair_years(record: Record, code: str) -> list[str]:
    years = record.chairs.loc[(record.chairs["chair"] == code)
                              & (record.chairs["year"] >= 2010), "year"].tolist()
    stated = record.statements.set_index("year")["tone"].to_dict()
    return [f"{y}" + (f" (ASEAN's text: tone {stated[y]})" if y in stated else "")
            for y in years]


def _ties(model: DiplomacyModel, code: str) -> str:
    row = INDEX[code]
    others = [DPRK, *POWERS] if code != DPRK else list(POWERS)
    parts = [f"{o} {model.ties[row, INDEX[o]]:.2f}" for o in others if o != code]
    return ", ".join(parts)


def _red_line(rng: ToneRange) -> str:
    parts = []
    if rng.lowest > 0:
        parts.append(f"anything softer than tone {rng.lowest}")
    if rng.highest < max(TONES):
        parts.append(f"anything harsher than tone {rng.highest}")
    return " or ".join(parts) if parts else "nothing (it can accept any tone)"


def _member_body(code: str, calm: ToneRange, crisis: ToneRange) -> list[str]:
    return [
        f"In calm times the model's {NAMES[code]} wants tone {calm.wanted} "
        f"({TONES[calm.wanted]}) and can accept tones {calm.lowest}-{calm.highest}; "
        f"after a nuclear test it wants tone {crisis.wanted} and can accept tones "
        f"{crisis.lowest}-{crisis.highest}.",
        f"Red line in calm times: {_red_line(calm)}; after a nuclear test: "
        f"{_red_line(crisis)}.",
    ]


def _power_body(model: DiplomacyModel, code: str) -> list[str]:
    row, p = INDEX[code], model.params
    pressure = float(model.stance[row, PRESSURE])
    wanted = int(np.clip(round(p.tone_floor + p.tone_pressure * (pressure - 0.5)), 0, 4))
    push = ("presses for firmer language than that" if wanted >= 2
            else "argues against criticism of the DPRK")
    return [
        f"Wants ASEAN's language at about tone {wanted} ({TONES[wanted]}) in calm times; "
        f"lobbies with intensity {model.lobbying[row]:.2f}, harder on the year's chair.",
        f"Before each meeting it {push}, and more so after a test.",
    ]


def _dprk_body(params: Parameters) -> list[str]:
    return [
        "Wants ASEAN to stay silent or welcome dialogue (tone 0-1), and friends inside "
        "ASEAN to weaken sanctions (001_8407838183904e85).",
        f"Sends about {params.outreach_rate:.2f} delegations per quarter to a fully engaged "
        f"member, more when sanctions bite; launches about {params.provocation_rate:.2f} "
        "missiles per quarter.",
        "Red line: statements that condemn it (tone 4) and new UN sanctions.",
    ]


def _card(record: Record, model: DiplomacyModel, code: str,
          calm: dict[str, ToneRange], crisis: dict[str, ToneRange]) -> str:
    row = INDEX[code]
    kind = "ASEAN member" if code in MEMBERS else ("the DPRK" if code == DPRK
                                                   else "outside power")
    if code in MEMBERS:
        body = _member_body(code, calm[code], crisis[code])
    elif code in POWERS:
        body = _power_body(model, code)
    else:
        body = _dprk_body(model.params)
    events, net = _exchanges(record, code)
    sections = [("Interests and red lines", body)]
    if code != DPRK:
        sections.append(("Starting stance", [
            f"pressure on the DPRK {model.stance[row, PRESSURE]:.2f}, engagement "
            f"{model.stance[row, ENGAGEMENT]:.2f} (0-1)"]))
    sections.append(("Ties (0-1)", [_ties(model, code)]))
    if code in MEMBERS and (years := _chair_years(record, code)):
        sections.append(("Chaired ASEAN in", [", ".join(years)]))
    sections.append(("From the record", _facts(record, code) or ["no structural facts"]))
    title = "Recorded with the DPRK" if code != DPRK else "Recorded DPRK events"
    sections.append((f"{title} (net Goldstein {net:+.1f})", events or ["nothing recorded"]))
    parts = [f'<section class="card" id="card-{code}">',
             f"<h2>{html.escape(NAMES[code])} <small>{code} · {kind}</small></h2>"]
    for heading, lines in sections:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        parts.append(f"<h3>{html.escape(heading)}</h3><ul>{items}</ul>")
    parts.append("</section>")
    return "\n".join(parts)


CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.4em; } .card { border: 2px solid #333; border-radius: 6px;
padding: 0.6em 1em; margin: 0 0 1em 0; break-inside: avoid; page-break-inside: avoid; }
.card h2 { margin: 0.2em 0; font-size: 1.15em; } .card small { color: #555; font-weight: normal; }
.card h3 { margin: 0.5em 0 0.1em 0; font-size: 0.95em; }
.card ul { margin: 0; padding-left: 1.2em; }
.card li { font-size: 0.85em; } @media print { body { margin: 0; } }
"""


def role_cards_html(parameters: Parameters | None = None, record: Record | None = None) -> str:
    """The role cards for every actor as one self-contained HTML page."""
    params = parameters if parameters is not None else default_parameters()
    record = record if record is not None else cached_record()
    model = DiplomacyModel(start=START, end=START, parameters=params, rng=0)
    calm, crisis = member_tones(model, 0.0), member_tones(model, 1.0)
    cards = "\n".join(_card(record, model, code, calm, crisis) for code in AGENTS)
    return (
        f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{HTML_GENERATOR}"
        f"<title>Role cards: ASEAN and the DPRK</title><style>{CSS}</style></head><body>"
        "<h1>Role cards: ASEAN and the DPRK</h1>"
        f"<p>Starting state {START}, from the event record in seeds/ and the model's "
        "parameters. Tones: " + html.escape("; ".join(f"{k} {v}" for k, v in TONES.items()))
        + ".</p>\n" + cards + "\n</body></html>\n")


def write_role_cards(path: str | Path) -> Path:
    """Write the role cards page to ``path`` (folders created; an existing file only if
    it is a page we wrote, model/files/safe_output.py); returns the path."""
    return write_text(path, role_cards_html(), HTML)
