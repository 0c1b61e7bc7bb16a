"""The app module's wiring to Mesa's SolaraViz (needs the [classroom] extra)."""

from __future__ import annotations

import pytest

pytest.importorskip("solara", reason="the [classroom] extra is not installed")

from mesa.visualization import solara_viz

from model.classroom import app
from model.classroom.session import ClassroomModel
from model.vocabulary import Quarter


def test_page_inputs_are_the_model_constructors_keywords():
    model = ClassroomModel()
    params = app.model_params()
    solara_viz._check_model_params(model, params)  # raises on an unknown keyword
    assert params["scenario_file"]["value"] in params["scenario_file"]["values"]
    kwargs = solara_viz._build_model_init_kwargs(
        model, {k: v["value"] for k, v in params.items()}, add_scenario_when_empty=True,
        require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)  # what SolaraViz's Reset does
    assert rebuilt.scenario_file == model.scenario_file and rebuilt.seed == model.seed


def test_next_meeting():
    model = ClassroomModel(scenario_file="laos_chair_2024.yaml")
    assert app.next_meeting(model) == (Quarter(2024, 3), "ministerial")
    for _ in range(3):
        model.step()
    assert app.next_meeting(model) == (Quarter(2024, 4), "summit")
    model.run()
    assert app.next_meeting(model) is None


def test_layouts_cover_every_page_component():
    pages: dict[int, int] = {}
    for _, page in app.COMPONENTS:
        pages[page] = pages.get(page, 0) + 1
    for count in pages.values():
        assert [item["i"] for item in app.PAGE_LAYOUTS[count]] == list(range(count))
    app.use_classroom_layout()
    assert solara_viz.make_initial_grid_layout(1)[0]["w"] == 12
    assert len(solara_viz.make_initial_grid_layout(3)) == 3  # Mesa's default otherwise
