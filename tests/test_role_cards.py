"""Role cards as teaching material: words not keys, red lines that can occur, stances
that are the model's at the card's quarter, only the past on a card, and roles.csv."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest

from model.classroom.role_cards import (
    FACT_WORDS,
    RolesError,
    card_data,
    card_sections,
    default_exercise,
    fact_sentence,
    load_exercise,
    read_roles,
    role_cards_html,
    write_role_cards,
)
from model.cli import main
from model.vocabulary import AGENTS, MEMBERS, TONES, Quarter
from model.world.initial import INDEX, PRESSURE, cached_record
from model.world.parameters import default_parameters
from model.world.warmstart import POOL, warm_state

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "scenarios" / "classroom"


@pytest.fixture(scope="module")
def default_data():
    return card_data(default_exercise())


@pytest.fixture(scope="module")
def page(default_data):
    from model.classroom.role_cards import cards_page

    return cards_page(default_data)


def _visible(page: str) -> str:
    text = page[page.index("</style>") :]
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_one_self_contained_card_per_actor(page, tmp_path):
    assert len(re.findall(r'<section class="card"', page)) == len(AGENTS) == 17
    for code in AGENTS:
        assert f'id="card-{code}"' in page
    assert "http" not in page and "<script" not in page and "<link" not in page
    assert "@page" in page and "@media print" in page  # the A4 print stylesheet
    written = write_role_cards(tmp_path / "print" / "cards.html")
    assert written.read_text(encoding="utf-8") == page  # same model, same cards


def test_words_not_keys_or_hashes(page):
    text = _visible(page)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw key reached the cards"
    assert not re.search(r"\d{3}_[0-9a-f]{16}", text), "an article hash reached the cards"
    assert "A one-party state like the DPRK" in text
    assert "the 2024 opinion piece (004)" in text
    assert not re.search(r"[A-Z]{3} 0\.\d\d,", text), "placeholder-style tie list"


def test_every_recorded_fact_has_a_sentence():
    facts = cached_record().actors
    carded = facts[facts["actor"].isin((*AGENTS, "ASEAN")) & ~facts["fact"].isin(("name", "kind"))]
    for row in carded.itertuples():
        assert row.fact in FACT_WORDS, f"no sentence for {row.fact}"
        assert FACT_WORDS[row.fact](str(row.value)) is not None, (row.fact, row.value)
    assert fact_sentence("new_fact", "some_value") == "New fact: some value."


def test_red_lines_can_occur_on_the_scale(page):
    text = _visible(page)
    assert "below tone 0" not in text and "above tone 4" not in text
    for low, high in re.findall(r"tones (\d)-(\d)", text):
        assert 0 <= int(low) <= int(high) <= max(TONES)
    assert text.count("Red lines") == len(MEMBERS)
    assert "softer than tone 0" not in text and "harsher than tone 4" not in text


def test_stances_are_the_models_at_the_card_quarter(default_data):
    """The default cards describe the baseline's warm start at 2024Q1: the median over
    the history slots of the state history leaves there."""
    params = default_parameters()
    states = [warm_state(params, Quarter.parse("2024Q1"), k) for k in range(POOL)]
    for code in ("LAO", "PHL", "VNM"):
        median = float(np.median([s.stance[INDEX[code], PRESSURE] for s in states]))
        lines = dict(card_sections(default_data, code))["Where it stands at the start of 2024Q1"]
        assert "Pressure on the DPRK: " in lines[0] and f"{median:.2f}" in lines[0]


def test_a_card_lists_only_what_happened_before_its_quarter(default_data):
    """Cambodia's king sent flowers in 2026 (seeds/events.csv): not on a 2024Q1 card."""
    for code in AGENTS:
        for heading, lines in card_sections(default_data, code):
            if heading.startswith("Recorded"):
                assert all(int(line[:4]) < 2024 for line in lines if line[:4].isdigit())
    khm = dict(card_sections(default_data, "KHM"))
    assert "2026" not in " ".join(v for k, vs in khm.items() for v in vs if k != "Sources")


def test_ties_in_words_and_unrecorded_ties_said_so(default_data):
    lao = dict(card_sections(default_data, "LAO"))["Ties"]
    assert lao[0].startswith("North Korea (DPRK): strong")
    brunei = " ".join(dict(card_sections(default_data, "BRN"))["Ties"])
    assert "no tie is known" in brunei and "0.30" not in brunei


def test_exercise_cards_carry_objectives_and_the_exercise_date():
    exercise = load_exercise(EXERCISES / "laos_in_the_chair")
    assert exercise.at == Quarter.parse("2024Q3")
    page = role_cards_html(exercise=exercise, runs=4)
    text = _visible(page)
    assert text.count("Your objective in this exercise") == 5
    first = re.findall(r'id="card-([A-Z]+)"', page)[:5]
    assert first == list(exercise.objectives)  # the teams' cards come first
    assert "Already happened in this exercise before 2024Q3" in text


def test_roles_file_errors_name_file_line_and_key(tmp_path):
    bad = tmp_path / "roles.csv"
    bad.write_text("quarter,actor,objective\n2024Q3,LAO,ok\n2024Q3,XYZ,hmm\n")
    with pytest.raises(RolesError, match=r"roles.csv: line 3: actor 'XYZ'"):
        read_roles(bad)
    bad.write_text("quarter,actor,objective\n2024Q3,LAO,ok\n2025Q1,PHL,ok\n")
    with pytest.raises(RolesError, match="line 3: quarter 2025Q1 differs"):
        read_roles(bad)
    bad.write_text("quarter,team\n")
    with pytest.raises(RolesError, match="line 1: missing column"):
        read_roles(bad)


def test_cli_refuses_a_card_quarter_outside_the_exercise(tmp_path, capsys):
    out = tmp_path / "cards.html"
    code = main(
        ["role-cards", "--exercise", "laos_in_the_chair", "--at", "2029Q1", "--out", str(out)]
    )
    assert code == 2 and not out.exists()
    assert "2029Q1 is outside" in capsys.readouterr().err
    assert main(["role-cards", "--at", "2024Q9", "--out", str(out)]) == 2 and not out.exists()


def test_cards_follow_the_parameters():
    hawkish = default_parameters().replace(pressure_prior=0.9, veto_engagement=0.0)
    assert role_cards_html(hawkish, runs=4) != role_cards_html(runs=4)


@pytest.mark.parametrize(
    "folder", sorted(p.parent for p in EXERCISES.glob("*/roles.csv")), ids=lambda p: p.name
)
def test_each_exercise_names_its_teams_and_card_quarter(folder):
    """roles.csv and the exercise agree: its teams are the ones the steps name, and its
    cards describe a meeting quarter inside the scenario's period."""
    quarter, objectives = read_roles(folder / "roles.csv")
    exercise = load_exercise(folder)
    assert quarter is not None and exercise.scenario.start <= quarter <= exercise.scenario.end
    assert quarter.q in (3, 4)  # the ministerial meeting or the summit
    guide = (folder / "README.md").read_text(encoding="utf-8")
    assert f"role-cards --exercise {folder.name}" in guide.replace("\n", " ").replace("  ", " ")
    assert f"start of {quarter}" in guide
    for code in objectives:
        assert code in guide, f"{folder.name}: team {code} is not in the steps"
