"""The classroom's charts as inline SVG, drawn on the server.

SVG rather than a picture: the text stays text (the browser test measures its size, a
projector keeps it sharp), nothing is fetched, and the same markup goes into the
self-contained debrief page. Every label is at least ``MIN_FONT`` units in a viewBox no
wider than the narrowest column the page gives a chart, so it is drawn at 14 px or more.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.classroom.cards import shock_label
from model.vocabulary import MEETING_QUARTER, MEETINGS, TONE_LABELS, Quarter

if TYPE_CHECKING:
    from model.classroom.forecast import YearDistribution
    from model.classroom.session import ClassroomModel

MIN_FONT = 15
TIMELINE_WIDTH = 900
DISTRIBUTION_WIDTH = 420
BLUE, ORANGE, RED, GREY, INK = "#1f5fa8", "#c8671b", "#b3261e", "#6b6b6b", "#1b1b1b"
MEETING_WORDS = {"ministerial": "ministerial (Q3)", "summit": "summit (Q4)"}
MAX_LABEL = 30


def _text(
    x: float,
    y: float,
    text: str,
    size: int = MIN_FONT,
    anchor: str = "start",
    fill: str = INK,
    extra: str = "",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{max(size, MIN_FONT)}" '
        f'text-anchor="{anchor}" fill="{fill}"{extra}>{html.escape(text)}</text>'
    )


@dataclass(frozen=True)
class Marker:
    """A dated label on the timeline: a played card (red) or a scenario shock (grey)."""

    quarter: Quarter
    label: str
    played: bool


def markers(model: ClassroomModel) -> list[Marker]:
    """The scenario's own shocks and the class's cards, both labelled, one per quarter and
    kind (labels of one quarter are joined)."""
    found: dict[tuple[Quarter, bool], list[str]] = {}
    for shock in model.scenario_spec.shocks:
        if model.start <= shock.quarter <= model.end:
            found.setdefault((shock.quarter, False), []).append(shock_label(shock))
    for card in model.cards:
        found.setdefault((card.quarter, True), []).append(card.label)
    return [
        Marker(q, "; ".join(dict.fromkeys(labels)), played)
        for (q, played), labels in sorted(found.items(), key=lambda kv: kv[0][0].index)
    ]


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def tone_timeline_svg(model: ClassroomModel, title: str = "ASEAN's statement tone") -> str:
    """The class's texts meeting by meeting, the chairs along the bottom, the scenario's
    shocks (grey) and the cards played (red), each labelled."""
    width, height = TIMELINE_WIDTH, 400
    left, right, top, bottom = 118, 16, 62, 78
    quarters = model.quarters
    step = (width - left - right) / max(len(quarters), 1)

    def x(quarter: Quarter) -> float:
        return left + (quarter - model.start + 0.5) * step

    def y(tone: float) -> float:
        return top + (4.6 - tone) * (height - top - bottom) / 5.6

    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}">',
        _text(left, 24, title, 17, extra=' font-weight="bold"'),
    ]
    for tone, label in enumerate(TONE_LABELS):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tone):.1f}" '
            f'y2="{y(tone):.1f}" stroke="#d9d9d9"/>'
        )
        parts.append(_text(left - 8, y(tone) + 5, label, anchor="end"))
    parts.append(_text(left - 8, y(-0.7) + 5, "no text", anchor="end", fill=GREY))
    for year in range(model.start.year, model.end.year + 1):
        first = max(Quarter(year, 1), model.start)
        edge = x(first) - step / 2
        parts.append(
            f'<line x1="{edge:.1f}" x2="{edge:.1f}" y1="{top}" '
            f'y2="{height - bottom + 6}" stroke="#bdbdbd"/>'
        )
        middle = (edge + x(min(Quarter(year, 4), model.end)) + step / 2) / 2
        parts.append(_text(middle, height - bottom + 26, str(year), anchor="middle"))
        parts.append(
            _text(middle, height - bottom + 48, model.chair(year), anchor="middle", fill=GREY)
        )
    parts.append(_text(left - 8, height - bottom + 48, "chair", anchor="end", fill=GREY))
    for marker in markers(model):
        mx, colour = x(marker.quarter), RED if marker.played else GREY
        dash = "6 4" if marker.played else "2 4"
        parts.append(
            f'<line class="marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" '
            f'y2="{height - bottom}" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="{dash}"/>'
        )
        # Rotated a quarter turn, a label's letters lie left of its baseline: a scenario
        # shock's label sits just right of its line, a card's left of it, so the two
        # kinds never cover each other in one quarter.
        lx = mx + 5 if not marker.played else mx - 20
        parts.append(
            _text(
                lx,
                top + 4,
                _short(f"{marker.quarter} {marker.label}"),
                fill=colour,
                extra=f' transform="rotate(90 {lx:.1f} {top + 4})" class="marker-label"',
            )
        )
    points = [(Quarter(s.year, MEETING_QUARTER[s.meeting]), s) for s in model.statements]
    path = [f"{x(q):.1f},{y(s.tone if s.tone is not None else -0.7):.1f}" for q, s in points]
    if len(path) > 1:
        parts.append(
            f'<polyline points="{" ".join(path)}" fill="none" stroke="{GREY}" stroke-width="1.5"/>'
        )
    for q, s in points:
        px = x(q)
        if s.voice == "consensus":
            parts.append(f'<circle cx="{px:.1f}" cy="{y(s.tone):.1f}" r="7" fill="{BLUE}"/>')
        elif s.voice == "split":
            py = y(s.tone)
            parts.append(f'<path d="M{px:.1f},{py - 8:.1f} l8,8 l-8,8 l-8,-8 z" fill="{ORANGE}"/>')
        else:
            py = y(-0.7)
            parts.append(
                f'<path d="M{px - 6:.1f},{py - 6:.1f} l12,12 m0,-12 l-12,12" '
                f'stroke="{INK}" stroke-width="3"/>'
            )
    legend = [
        ("●", BLUE, "consensus"),
        ("◆", ORANGE, "chair's statement (split)"),
        ("✕", INK, "no text"),
        ("┆", RED, "card played"),
        ("┆", GREY, "scenario"),
    ]
    lx = float(left)
    for symbol, colour, words in legend:
        parts.append(_text(lx, 48, symbol, fill=colour))
        parts.append(_text(lx + 20, 48, words))
        lx += 20 + len(words) * 8.6 + 22
    parts.append("</svg>")
    return "".join(parts)


def distribution_svg(
    distribution: YearDistribution, class_tones: dict[str, Sequence[int | None]] | None = None
) -> str:
    """The ensemble's texts for one year, one row of bars per meeting (share of replicates
    per tone, and no text), with the class's text(s) for that meeting outlined."""
    width, row_height = DISTRIBUTION_WIDTH, 150
    height = 58 + row_height * len(MEETINGS)
    left, right = 20, 12
    columns = [*range(5), None]
    bar = (width - left - right) / len(columns)
    class_tones = class_tones or {}
    parts = [
        f'<svg class="chart distribution" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="ensemble for {distribution.year}">',
        _text(
            left,
            22,
            f"The model's {distribution.replicates} runs, {distribution.year}",
            17,
            extra=' font-weight="bold"',
        ),
        _text(left, 44, "bars: share of runs; outlined: your class", fill=GREY),
    ]
    for row, meeting in enumerate(MEETINGS):
        base = 58 + row * row_height
        parts.append(_text(left, base + 18, MEETING_WORDS[meeting]))
        floor = base + row_height - 34
        tall = row_height - 64
        chosen = set(class_tones.get(meeting, ()))
        for k, tone in enumerate(columns):
            share = distribution.share(meeting, tone)
            bx = left + k * bar
            h = max(share * tall, 1.0)
            colour = GREY if tone is None else BLUE
            parts.append(
                f'<rect x="{bx + 6:.1f}" y="{floor - h:.1f}" width="{bar - 12:.1f}" '
                f'height="{h:.1f}" fill="{colour}" opacity="0.75"/>'
            )
            if tone in chosen:
                parts.append(
                    f'<rect class="class-outcome" x="{bx + 3:.1f}" '
                    f'y="{floor - tall - 4:.1f}" width="{bar - 6:.1f}" '
                    f'height="{tall + 4:.1f}" fill="none" stroke="{RED}" '
                    'stroke-width="3"/>'
                )
            parts.append(_text(bx + bar / 2, floor - h - 5, f"{share:.0%}", anchor="middle"))
            parts.append(
                _text(
                    bx + bar / 2,
                    floor + 20,
                    "none" if tone is None else str(tone),
                    anchor="middle",
                    fill=GREY if tone is None else INK,
                )
            )
    parts.append("</svg>")
    return "".join(parts)


def class_tones_for(statements: Iterable, year: int) -> dict[str, list[int | None]]:
    """The class's text tone at each of the year's meetings (for distribution_svg)."""
    found: dict[str, list[int | None]] = {}
    for s in statements:
        if s.year == year:
            found.setdefault(s.meeting, []).append(s.tone if s.voice != "none" else None)
    return found
