"""What the figures show, not only that they exist: quarters at their true dates, every
stance line visible, tone probabilities that sum to one with the real texts overlaid,
members told apart from non-members, and a report.html that loads nothing from outside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

import model.runs.plots as plots
from model.analysis.compare import Arm, compare_scenarios, scenarios_figure
from model.files.safe_output import HTML, HTML_GENERATOR, file_problem
from model.runs.html import markdown_to_html, render_html
from model.runs.outcomes import VOICE_CODE, Outcomes
from model.vocabulary import MEETINGS, MEMBERS, TONE_LABELS, VOICES, Quarter
from model.world.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
SHORT = """\
name: {name}
title: {title}
description: Two short years with a nuclear test.
period: {{start: 2026Q1, end: 2027Q4}}
replicates: 3
seed: 5
shocks:
  - {{at: 2026Q3, type: nuclear_test, note: test shock}}
"""


def synthetic(replicates: int = 40, seed: int = 1) -> Outcomes:
    """2024Q1-2026Q4 with Malaysia's engagement at exactly 0, Timor-Leste absent before
    2025Q4 and some meetings without a text."""
    rng = np.random.default_rng(seed)
    out = Outcomes.empty(replicates, Quarter(2024, 1), Quarter(2026, 4))
    out.chairs = {2024: "LAO", 2025: "MYS", 2026: "PHL"}
    out.stances[:] = rng.uniform(0.2, 0.8, out.stances.shape)
    out.stances[:, :, MEMBERS.index("MYS"), 1] = 0.0
    out.stances[:, :, MEMBERS.index("SGP"), 0] = 1.0
    tls = MEMBERS.index("TLS")
    for i, q in enumerate(out.quarters):
        if q < Quarter(2025, 4):
            out.stances[:, i, tls] = np.nan
    tone = rng.integers(0, 5, out.tone.shape).astype(float)
    tone[rng.random(out.tone.shape) < 0.15] = np.nan
    out.tone[:] = tone
    out.voice[:] = np.where(
        np.isnan(tone),
        VOICE_CODE["none"],
        np.where(rng.random(tone.shape) < 0.2, VOICE_CODE["split"], VOICE_CODE["consensus"]),
    )
    out.exchanges[:] = rng.poisson(1.0, out.exchanges.shape)
    out.exchanges[:, :, MEMBERS.index("MYS")] = 0
    out.exchanges[:, :, tls] = 0
    return out


OBSERVED = pd.DataFrame(
    [
        (2024, "ministerial", 2.0, "split", "validation"),
        (2025, "summit", 4.0, "consensus", "calibration"),
        (2026, "ministerial", np.nan, "none", "validation"),
    ],
    columns=["year", "meeting", "tone", "voice", "record"],
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def stances():
    """One stances figure of ``synthetic()`` (drawing it takes seconds), for inspection."""
    fig = plots.stances_figure(synthetic(), "t")
    yield fig
    plt.close(fig)


def test_a_quarter_sits_in_the_middle_of_its_months():
    assert plots.quarter_x(Quarter(2024, 1)) == pytest.approx(2024.125)
    assert plots.quarter_x(Quarter(2024, 4)) == pytest.approx(2024.875)
    assert 2024.0 < plots.quarter_x(Quarter(2024, 1)) < 2024.25


def test_stances_are_drawn_at_the_true_dates(stances):
    out, fig = synthetic(), stances
    line = next(ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) > 1)
    x = np.asarray(line.get_xdata(), dtype=float)
    assert x[0] == pytest.approx(2024.125)  # 2024Q1
    assert x[out.quarters.index(Quarter(2024, 4))] == pytest.approx(2024.875)


def test_compare_places_quarters_at_their_true_dates(tmp_path, monkeypatch):
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml").with_changes(replicates=40)
    out = synthetic()
    out.metrics[:] = 0.5
    caught = []
    monkeypatch.setattr(plots, "save_figure", lambda fig, path: caught.append(fig) or path)
    scenarios_figure([Arm(scenario, tmp_path, True, out)], tmp_path / "s.png")
    (fig,) = caught
    pressure = fig.axes[1].get_lines()[0]
    assert float(pressure.get_xdata()[0]) == pytest.approx(2024.125)
    tone = fig.axes[0].get_lines()[0]  # the summit is a Q4 meeting
    assert float(tone.get_xdata()[0]) == pytest.approx(plots.quarter_x(Quarter(2024, 4)))


def test_every_stance_line_is_visible(stances):
    fig = stances
    panels = [ax for ax in fig.axes if ax.get_lines()]
    assert len(panels) == len(MEMBERS)
    for ax in panels:
        low, high = ax.get_ylim()
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata())]
        assert len(lines) == 2, ax.get_title()  # pressure and engagement
        for line in lines:
            y = np.asarray(line.get_ydata(), dtype=float)
            y = y[np.isfinite(y)]
            assert y.size, ax.get_title()
            assert line.get_linewidth() >= 1.5
            # inside the axes, off the spines (a stance of 0 or 1 is not on the frame) ...
            assert (low < y).all() and (y < high).all(), ax.get_title()
            # ... and not clipped at the frame either
            assert not line.get_clip_on()
        # two lines that coincide stay told apart by their dash pattern
        assert len({str(ln.get_linestyle()) for ln in lines}) == 2
    malaysia = next(ax for ax in panels if ax.get_title() == "Malaysia")
    zero = [ln for ln in malaysia.get_lines() if np.allclose(ln.get_ydata(), 0.0)]
    assert zero and malaysia.get_ylim()[0] < 0
    assert all(
        ax.get_ylabel() for ax in fig.axes if ax.get_lines() and ax.get_subplotspec().is_first_col()
    )


def test_stance_year_ticks_are_readable(stances):
    ticks = [t.get_text() for t in stances.axes[0].get_xticklabels()]
    assert ticks == ["2024", "2025", "2026"]


def _bar_heights(ax) -> dict[float, float]:
    totals: dict[float, float] = {}
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_height() > 0:
            x = round(patch.get_x() + patch.get_width() / 2, 6)
            totals[x] = totals.get(x, 0.0) + patch.get_height()
    return totals


def test_tone_probabilities_sum_to_one_per_year():
    out = synthetic()
    for meeting in MEETINGS:
        assert plots.tone_probabilities(out, meeting).sum(axis=0) == pytest.approx(1.0)
        assert plots.voice_probabilities(out, meeting).sum(axis=0) == pytest.approx(1.0)
    fig = plots.tone_figure(out, "t", OBSERVED)
    _mean, ministerial, summit, voice = fig.axes[:4]
    for ax in (ministerial, summit):
        heights = _bar_heights(ax)
        assert sorted(heights) == pytest.approx(out.years)
        assert list(heights.values()) == pytest.approx([1.0] * len(out.years))
    heights = _bar_heights(voice)  # one bar per meeting and year
    assert len(heights) == 2 * len(out.years)
    assert list(heights.values()) == pytest.approx([1.0] * len(heights))
    legend = [t.get_text() for t in ministerial.get_legend().get_texts()]
    assert legend[:5] == [f"{level} {word}" for level, word in enumerate(plots.TONE_WORDS)]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(TONE_LABELS)


def test_tone_figure_draws_the_interval_of_the_mean_and_the_real_texts():
    out = synthetic(replicates=400)
    fig = plots.tone_figure(out, "t", OBSERVED)
    ax = fig.axes[0]
    summit = MEETINGS.index("summit")
    mean, lo, hi = plots.mean_tone_interval(out, "summit")
    line = ax.get_lines()[summit]
    assert np.asarray(line.get_ydata(), dtype=float) == pytest.approx(mean)
    tones = out.tone[:, 0, summit]
    tones = tones[np.isfinite(tones)]
    se = tones.std(ddof=1) / np.sqrt(len(tones))
    assert hi[0] - lo[0] == pytest.approx(2 * plots.Z_80 * se)
    spread = np.subtract(*np.percentile(tones, [90, 10]))
    assert hi[0] - lo[0] < spread / 5  # the mean's uncertainty, not the outcomes' spread
    points = np.vstack(
        [
            c.get_offsets()
            for c in ax.collections
            if isinstance(c, PathCollection) and len(c.get_offsets())
        ]
    )
    assert any(np.allclose(p, (2025 + 0.1, 4.0)) for p in points)  # summit: shifted right
    assert any(np.allclose(p, (2024 - 0.1, 2.0)) for p in points)  # the split ministerial
    assert any(np.allclose(p[0], 2026 - 0.1) and p[1] < 0 for p in points)  # no text


def test_observed_statements_come_from_both_records():
    seen = plots.observed_statements(2000, 2025)
    assert set(seen["record"]) == {"calibration", "validation"}
    assert set(seen["meeting"]) <= set(MEETINGS) and set(seen["voice"]) <= set(VOICES)
    assert seen["year"].between(2000, 2025).all()
    assert plots.observed_statements(2031, 2032).empty


def test_exchanges_tell_not_a_member_from_zero():
    out = synthetic()
    fig = plots.exchanges_figure(out, "t")
    ax = fig.axes[0]
    data = ax.get_images()[0].get_array()
    tls, mys = MEMBERS.index("TLS"), MEMBERS.index("MYS")
    assert data.mask[tls, out.years.index(2024)] and not data.mask[tls, out.years.index(2026)]
    assert not data.mask[mys].any() and (data[mys] == 0).all()
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == int(data.mask.sum()) == 1  # Timor-Leste in 2024 only
    zeros = [t for t in ax.texts if t.get_text() == "0"]
    assert len(zeros) >= len(out.years)  # Malaysia's zeros are written out
    assert ax.get_xlabel() and ax.get_ylabel()


def test_markdown_converter_covers_the_report_subset():
    text = (
        "# Title with `code`\n\nA paragraph with **bold** and *words*\ncontinued <b>.\n\n"
        "- one item\n- two [link](https://example.org/x)\n\n"
        "| a | b |\n|---|---|\n| 1 | x \\| y |\n| 2 |\n\n![fig](figures/a.png)\n"
    )
    body = markdown_to_html(text, lambda alt, src: f"<img alt='{alt}' data-src='{src}'>")
    assert "<h1>Title with <code>code</code></h1>" in body
    assert (
        "<p>A paragraph with <strong>bold</strong> and <em>words</em> continued &lt;b&gt;.</p>"
        in body
    )
    assert "<li>one item</li>" in body and "<li>two link (https://example.org/x)</li>" in body
    assert "<th>a</th><th>b</th>" in body
    assert '<td class="num">1</td><td>x | y</td>' in body
    assert '<td class="num">2</td><td></td>' in body  # a short row is padded
    assert "<img alt='fig' data-src='figures/a.png'>" in body
    assert "href" not in body


def test_render_html_embeds_local_figures_only(tmp_path):
    (tmp_path / "figures").mkdir()
    plots.save_figure(plt.figure(figsize=(1, 1)), tmp_path / "figures" / "a.png")
    (tmp_path.parent / "outside.png").write_bytes(b"\x89PNG")
    page = render_html(
        "# T\n\n![a](figures/a.png)\n\n![b](https://example.org/b.png)\n\n![c](../outside.png)\n",
        tmp_path,
    )
    assert page.count("data:image/png;base64,") == 1
    assert not EXTERNAL.search(page) and "<script" not in page
    assert HTML_GENERATOR in page[:4096]
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    assert file_problem(tmp_path / "report.html", HTML) is None  # ours by its generator tag


def _check_page(folder: Path, figures: int) -> str:
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert not re.search(r"<(script|link|iframe|object)\b", page, re.IGNORECASE)
    assert re.findall(r'<img src="data:image/png;base64,', page).__len__() == figures
    assert "<table>" in page and "<th>" in page
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "report.html" in manifest["files"]
    return page


def test_run_and_compare_write_a_self_contained_report_html(tmp_path):
    """compare runs each scenario as ``asean-sim run`` does (run_scenario), so one
    comparison checks both pages."""
    paths = []
    for name in ("a", "b"):
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(SHORT.format(name=name, title=name.upper()), encoding="utf-8")
    out = compare_scenarios(
        paths, tmp_path / "cmp", results_root=tmp_path / "results", replicates=2, progress=False
    )
    _check_page(out, figures=2)
    page = _check_page(out / "runs" / "a", figures=3)
    assert "<h2>Year by year (summit statement)</h2>" in page
    assert page.count("<tr>") >= 1 + 2  # header and the two years


def test_every_figure_labels_its_axes(stances):
    out = synthetic()
    for fig in (
        plots.tone_figure(out, "t", OBSERVED),
        stances,
        plots.exchanges_figure(out, "t"),
    ):
        drawn = [
            ax
            for ax in fig.axes
            if ax.get_subplotspec() is not None
            and (ax.get_lines() or ax.patches or ax.get_images())
        ]
        assert drawn
        for ax in drawn:
            if ax.get_images() or ax.get_subplotspec().is_first_col():
                assert ax.get_ylabel(), fig
        assert any(ax.get_xlabel() for ax in drawn)
        labels = [t.get_text() for ax in drawn for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(re.fullmatch(r"\d{4}", t) for t in labels)


def test_real_texts_are_marked_on_their_tone_and_voice_segments():
    out = synthetic()
    fig = plots.tone_figure(out, "t", OBSERVED)
    _mean, ministerial, _summit, voice = fig.axes[:4]

    def points(ax) -> np.ndarray:
        return np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())])

    j = out.years.index(2024)
    tones = np.cumsum(plots.tone_probabilities(out, "ministerial")[:, j])
    assert any(np.allclose(p, (2024, (tones[1] + tones[2]) / 2)) for p in points(ministerial))
    j = out.years.index(2026)  # no text: the marker sits in the no-text segment
    tones = np.cumsum(plots.tone_probabilities(out, "ministerial")[:, j])
    assert any(np.allclose(p, (2026, (tones[4] + tones[5]) / 2)) for p in points(ministerial))
    voices = np.cumsum(plots.voice_probabilities(out, "ministerial")[:, out.years.index(2024)])
    left = 2024 - 0.5 * 0.38  # the ministerial bar, left of the year
    assert any(np.allclose(p, (left, (voices[0] + voices[1]) / 2)) for p in points(voice))
