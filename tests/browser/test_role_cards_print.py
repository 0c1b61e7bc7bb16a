"""The role cards printed on A4 by a real browser (Debian's chromium via Playwright).

Each card must fit one A4 page and no text may overflow its box: the page is printed to
PDF (one page for the introduction and one per card) and, under print media emulation at
the A4 text width, every card's box is measured. Skipped, with the reason, when chromium
or Playwright is missing (as the classroom browser tests are).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from model.classroom.role_cards import default_exercise, load_exercise, role_cards_html
from model.vocabulary import AGENTS

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
REQUIRE_ENV = "ASEAN_SIM_REQUIRE_BROWSER"
MM = 96 / 25.4
"""CSS pixels per millimetre."""
MARGIN_MM = 12  # the cards' @page margin
TEXT_WIDTH = (210 - 2 * MARGIN_MM) * MM
TEXT_HEIGHT = (297 - 2 * MARGIN_MM) * MM

if not CHROMIUM.exists():
    if os.environ.get(REQUIRE_ENV):
        pytest.fail("Debian's chromium is not installed", pytrace=False)
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
try:
    from playwright import sync_api
except ImportError:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail("playwright is not installed", pytrace=False)
    pytest.skip("playwright is not installed (the [test] extra)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


EXERCISES = sorted(p.parent.name for p in (ROOT / "scenarios" / "classroom").glob("*/roles.csv"))
PAGES = {
    "default": lambda: role_cards_html(exercise=default_exercise()),
    **{
        name: (
            lambda name=name: role_cards_html(
                exercise=load_exercise(ROOT / "scenarios" / "classroom" / name)
            )
        )
        for name in EXERCISES
    },
}
"""The free-play cards and every exercise's cards (their own quarter and objectives)."""


@pytest.mark.parametrize("which", PAGES)
def test_each_card_prints_on_one_a4_page(browser, tmp_path, which):
    page_html = PAGES[which]()
    file = tmp_path / "cards.html"
    file.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": round(TEXT_WIDTH), "height": round(TEXT_HEIGHT)})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(file.as_uri())
    page.emulate_media(media="print")
    boxes = page.eval_on_selector_all(
        ".card",
        """cards => cards.map(c => {
        const r = c.getBoundingClientRect();
        const over = [c, ...c.querySelectorAll('*')].filter(
            e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline');
        return {id: c.id, width: r.width, height: r.height, overflowing: over.length};
    })""",
    )
    assert sorted(b["id"] for b in boxes) == sorted(f"card-{c}" for c in AGENTS)
    for box in boxes:
        assert box["height"] <= TEXT_HEIGHT, f"{box['id']} is {box['height']:.0f}px tall"
        assert box["width"] <= TEXT_WIDTH + 1, f"{box['id']} is {box['width']:.0f}px wide"
        assert box["overflowing"] == 0, f"{box['id']} has text overflowing its box"
    assert page.evaluate("document.documentElement.scrollWidth") <= round(TEXT_WIDTH)
    pdf = page.pdf(format="A4", print_background=True)
    assert _pages(pdf) == 1 + len(AGENTS)  # the introduction, then one page per card
    assert all(u.startswith("file://") for u in requests)  # nothing fetched from a network
    if shots := os.environ.get("ASEAN_SIM_SHOTS"):  # for a person to look at the cards
        (Path(shots) / f"{which}.pdf").write_bytes(pdf)
        page.locator(".intro").screenshot(path=f"{shots}/{which}-intro.png")
        for code in ("LAO", "PRK", "USA"):
            page.locator(f"#card-{code}").screenshot(path=f"{shots}/{which}-{code}.png")
    page.close()
