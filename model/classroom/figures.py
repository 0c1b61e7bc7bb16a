"""The page's three pictures, drawn with matplotlib (rendered to PNG on the server, so the
browser needs no charting library from a CDN).

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot: several browser
sessions draw at once on the server's threads, and pyplot's global state is not safe there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from model.vocabulary import AGENTS, DPRK, MEETING_QUARTER, MEMBERS, POWERS, TONE_LABELS
from model.world.initial import ENGAGEMENT, INDEX, PRESSURE

if TYPE_CHECKING:
    import networkx as nx

    from model.classroom.session import ClassroomModel

MEETING_OFFSET = {meeting: q - 1 for meeting, q in MEETING_QUARTER.items()}
"""Quarter within the year (0-based) of each meeting: Q3 and Q4."""
TIE_SHOWN = 0.35
"""Ties weaker than this are left out of the network picture (the priors are 0.3)."""


def tie_graph(model: ClassroomModel) -> nx.Graph:
    """The actors as a networkx graph: integer node ids (row numbers) with the ISO code,
    stance and kind as attributes; an edge per tie of at least TIE_SHOWN (networkx comes
    with the [classroom] extra)."""
    import networkx as nx

    graph = nx.Graph()
    for row, code in enumerate(AGENTS):
        kind = "member" if code in MEMBERS else ("dprk" if code == DPRK else "power")
        graph.add_node(row, code=code, kind=kind, active=bool(model.active[row]),
                       pressure=float(model.stance[row, PRESSURE]),
                       engagement=float(model.stance[row, ENGAGEMENT]))
    rows, cols = np.nonzero(np.triu(model.ties) >= TIE_SHOWN)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        graph.add_edge(i, j, weight=float(model.ties[i, j]))
    return graph


def _layout() -> dict[int, tuple[float, float]]:
    """Members on an inner ring, powers on an outer ring, the DPRK in the middle: fixed,
    so that nodes do not jump between quarters (and no random draw is needed)."""
    pos: dict[int, tuple[float, float]] = {INDEX[DPRK]: (0.0, 0.0)}
    for k, code in enumerate(MEMBERS):
        angle = np.pi / 2 - 2 * np.pi * k / len(MEMBERS)
        pos[INDEX[code]] = (np.cos(angle), np.sin(angle))
    for k, code in enumerate(POWERS):
        angle = np.pi / 2 + np.pi / len(POWERS) - 2 * np.pi * k / len(POWERS)
        pos[INDEX[code]] = (1.75 * np.cos(angle), 1.75 * np.sin(angle))
    return pos


def network_figure(model: ClassroomModel) -> Figure:
    """Ties between actors; colour is pressure on the DPRK, size is engagement with it,
    and the year's chair has a thick outline."""
    graph, pos = tie_graph(model), _layout()
    fig = Figure(figsize=(6.2, 5.4), layout="constrained")
    ax = fig.add_subplot()
    for i, j, data in graph.edges(data=True):
        (x0, y0), (x1, y1) = pos[i], pos[j]
        ax.plot([x0, x1], [y0, y1], color="0.6", lw=2.5 * data["weight"] ** 2, zorder=1)
    year = (model.clock or model.start).year
    chair = INDEX[model.chair(year)]
    nodes = list(graph.nodes)
    xy = np.array([pos[n] for n in nodes])
    pressure = [graph.nodes[n]["pressure"] for n in nodes]
    size = [250 + 900 * graph.nodes[n]["engagement"] for n in nodes]
    faces = ax.scatter(xy[:, 0], xy[:, 1], s=size, c=pressure, cmap="coolwarm", vmin=0,
                       vmax=1, zorder=2,
                       edgecolors=["black" if n == chair else "0.3" for n in nodes],
                       linewidths=[3.0 if n == chair else 0.8 for n in nodes],
                       alpha=[1.0 if graph.nodes[n]["active"] else 0.25 for n in nodes])
    for n in nodes:
        ax.annotate(graph.nodes[n]["code"], pos[n], ha="center", va="center", fontsize=8,
                    zorder=3)
    fig.colorbar(faces, ax=ax, shrink=0.7, label="pressure on the DPRK")
    ax.set_title(f"Ties and stances, {model.clock or 'start'} (size: engagement; "
                 f"outline: chair {model.chair(year)})", fontsize=9)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def _quarter_ticks(ax, model: ClassroomModel) -> None:
    years = range(model.start.year, model.end.year + 1)
    ticks = [(y - model.start.year) * 4 - (model.start.q - 1) for y in years]
    ax.set_xticks(ticks, [str(y) for y in years], fontsize=8)
    ax.set_xlim(-0.5, len(model.quarters) - 0.5)


def stances_figure(model: ClassroomModel) -> Figure:
    """Each member's pressure and engagement, quarter by quarter."""
    fig = Figure(figsize=(6.2, 5.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    x = np.arange(len(model.quarters))
    for column, ax, title in ((PRESSURE, axes[0], "pressure on the DPRK"),
                              (ENGAGEMENT, axes[1], "engagement with the DPRK")):
        history = model.member_history[:, :, column]
        for k, code in enumerate(MEMBERS):
            line = history[:, k]
            if np.isnan(line).all():
                continue
            (drawn,) = ax.plot(x, line, lw=1.2)
            last = np.flatnonzero(~np.isnan(line))[-1]
            ax.annotate(code, (x[last], line[last]), fontsize=7, color=drawn.get_color(),
                        xytext=(3, 0), textcoords="offset points", va="center")
        ax.set_ylim(0, 1)
        ax.set_ylabel(title, fontsize=8)
        ax.grid(alpha=0.3)
    _quarter_ticks(axes[1], model)
    axes[0].set_title("Member stances over time", fontsize=9)
    return fig


def statement_x(model: ClassroomModel, year: int, meeting: str) -> int:
    """x position (quarters since the start) of a meeting."""
    return (year - model.start.year) * 4 - (model.start.q - 1) + MEETING_OFFSET[meeting]


def tone_figure(model: ClassroomModel) -> Figure:
    """ASEAN's statement tone at each meeting, with the chair of each year and the event
    cards played (dashed red lines) and the scenario's own shocks (dotted grey)."""
    fig = Figure(figsize=(12.4, 3.4), layout="constrained")
    ax = fig.add_subplot()
    voiced = [(statement_x(model, s.year, s.meeting), s) for s in model.statements]
    consensus = [(x, s.tone) for x, s in voiced if s.voice == "consensus"]
    split = [(x, s.tone) for x, s in voiced if s.voice == "split"]
    silent = [x for x, s in voiced if s.voice == "none"]
    if voiced:
        line = [(x, s.tone if s.tone is not None else np.nan) for x, s in voiced]
        ax.plot(*zip(*line, strict=True), color="0.5", lw=1, zorder=1)
    if consensus:
        ax.scatter(*zip(*consensus, strict=True), color="tab:blue", label="consensus", zorder=3)
    if split:
        ax.scatter(*zip(*split, strict=True), color="tab:orange", marker="D",
                   label="split (chair's statement)", zorder=3)
    if silent:
        ax.scatter(silent, [-0.6] * len(silent), color="black", marker="x",
                   label="no agreed text", zorder=3)
    for shock in model.scenario_spec.shocks:
        if shock.type != "accession":
            ax.axvline(shock.quarter - model.start, color="0.6", ls=":", lw=1)
    for card in model.cards:
        x = card.quarter - model.start
        ax.axvline(x, color="tab:red", ls="--", lw=1.2)
        ax.annotate(card.label, (x + 0.1, 4.3), rotation=90, fontsize=7, color="tab:red",
                    ha="left", va="top")
    for year in range(model.start.year, model.end.year + 1):
        x = (year - model.start.year) * 4 - (model.start.q - 1) + 1.5
        ax.annotate(model.chair(year), (x, -1.05), ha="center", fontsize=7, color="0.3")
    ax.set_yticks(range(5), TONE_LABELS, fontsize=8)
    ax.set_ylim(-1.2, 4.5)
    _quarter_ticks(ax, model)
    ax.grid(alpha=0.3)
    ax.set_title("ASEAN statement tone (chairs along the bottom; red: event cards played)",
                 fontsize=9)
    if voiced:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
