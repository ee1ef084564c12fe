"""The home page and the first talk in a real browser: visible fields, local time, no network;
in the visitor's dark scheme (axe-core) and printed."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from talks.models import TalkPage
from tests.conftest import require
from tests.demos.conftest import run_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

FIRST_TITLE = (
    "Theoretical basis of deep learning: optimization, generalization and implicit bias of "
    "gradient algorithms"
)


@pytest.fixture
def seeded(live_server):
    call_command("seed_demo_content", stdout=open("/dev/null", "w"))
    return TalkPage.objects.get(title=FIRST_TITLE)


def test_home_page(page, live_server, seeded, artifacts):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Seminar on the theory of deep learning"
    next_talk = page.locator(".next-talk")
    assert next_talk.locator(".next-talk-title").is_visible()
    # The visitor's own time appears once the script has run.
    local = next_talk.locator(".local-time").inner_text()
    # The visitor's zone named once, with its offset on that day (summer time or not).
    assert re.fullmatch(r"Your time: .+ \(Europe/Paris, UTC\+[12]\)", local), local
    assert page.locator("#recent-heading").is_visible()
    assert page.get_by_role("link", name=FIRST_TITLE).is_visible()
    assert page.locator(".badge-cancelled").first.is_visible()
    page.screenshot(path=artifacts / "home.png", full_page=True)
    assert page.console_errors == []


def test_first_talk_page(page, live_server, seeded, artifacts):
    page.goto(live_server.url + seeded.url)
    assert page.locator("h1").inner_text() == FIRST_TITLE
    assert (
        page.locator(".talk-speakers")
        .inner_text()
        .startswith("Jian Li, Institute for Interdisciplinary")
    )
    when = page.locator(".talk-facts .when").inner_text()
    assert " ".join(when.split()) == "Wed 25 Sep 2024, 16:00–17:30 (Asia/Shanghai, UTC+8)"
    # 08:00Z is 10:00 in Paris (CEST) on 25 September 2024.
    local = page.locator(".talk-facts .local-time")
    assert local.is_visible()
    assert "25 Sept 2024" in local.inner_text() or "25 Sep 2024" in local.inner_text()
    assert local.inner_text().endswith(", 10:00–11:30 (Europe/Paris, UTC+2)")
    assert "Room 313, Computer Building" in page.locator(".talk-facts").inner_text()
    assert page.get_by_role("link", name="Add to calendar (.ics)").is_visible()
    assert page.get_by_role("link", name="Add to Google Calendar").is_visible()
    assert "edge of stability" in page.locator(".abstract").inner_text()
    math = page.locator(".abstract math").first
    assert math.bounding_box()["width"] > 5  # rendered natively as MathML
    assert "Distinguished Professor" in page.locator(".speakers").inner_text()
    page.screenshot(path=artifacts / "first-talk.png", full_page=True)

    # Everything came from our own server: the site works offline.
    assert all(url.startswith(live_server.url) for url in page.requests), page.requests
    assert page.console_errors == []


def test_talk_page_on_a_phone(page, live_server, seeded, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + seeded.url)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390  # no sideways scrolling
    page.screenshot(path=artifacts / "first-talk-phone.png", full_page=True)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
A4_PRINTABLE_PX = 718  # 210 mm less Chromium's default 10 mm margins, at 96 px to the inch


def luminance(css_colour: str) -> float:
    """The relative luminance (WCAG) of a computed colour such as "rgb(22, 25, 30)"."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def draw_charts(page) -> None:
    for chart in page.locator(".demo-chart, .demo-replay").all():
        chart.scroll_into_view_if_needed()  # charts are drawn as they come near the viewport
        chart.locator(".main-svg").first.wait_for(timeout=30_000)


def background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


def test_dark_scheme_keeps_contrast_with_charts_on_white_cards(browser, live_server, seeded):
    require(AXE.exists(), "axe-core not installed (make setup installs it from npm)")
    run_worker()  # the talk's charts, drawn as a visitor sees them
    # axe is injected as a script: only a context that ignores the site's CSP may do that.
    context = browser.new_context(
        color_scheme="dark", bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    for path in ("/", seeded.url):
        page.goto(live_server.url + path, wait_until="networkidle")
        assert luminance(background(page, "html")) < 0.05, path  # the page is dark
        assert luminance(page.eval_on_selector("body", "el => getComputedStyle(el).color")) > 0.7
        draw_charts(page)
        # The demos' forms too, as a visitor opens them.
        page.evaluate(
            "document.querySelectorAll('.demo-controls-box').forEach(b => { b.open = true; })"
        )
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            "async () => (await axe.run()).violations.map(v => [v.id, v.impact, v.nodes.length])"
        )
        assert found == [], path
    # Plotly draws dark on white: each chart sits on a white card inside the dark page.
    assert page.locator(".demo-chart").count() > 0
    for chart in page.locator(".demo-chart").all():
        assert chart.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    # The chart still fits its card (plotly.js sizes it to the card's width, less the padding).
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    overflowing = page.eval_on_selector_all(
        ".demo-chart",
        "els => els.filter(el => el.querySelector('.main-svg').getBoundingClientRect().right"
        " > el.getBoundingClientRect().right + 1).length",
    )
    assert overflowing == 0
    context.close()


def test_printed_talk_page_leaves_out_screen_controls_and_fits_a4(page, live_server, seeded):
    run_worker()
    TalkPage.objects.filter(pk=seeded.pk).update(slides_url="https://slides.example/deck.pdf")
    page.goto(live_server.url + seeded.url, wait_until="networkidle")
    draw_charts(page)
    page.emulate_media(media="print")

    def shown(selector: str) -> list[bool]:
        return page.eval_on_selector_all(
            selector, "els => els.map(el => getComputedStyle(el).display !== 'none')"
        )

    assert set(shown(".site-header nav")) == {False}  # the menu and the language switcher
    assert shown(".search-form") == [False]
    assert shown(".skip-link") == [False]
    assert shown(".demo-controls-box") and not any(shown(".demo-controls-box"))
    assert not any(shown(".talk-actions .button:not(.print-url)"))
    assert page.locator("h1").is_visible() and page.locator(".abstract").is_visible()
    assert luminance(background(page, "body")) == 1.0  # black on white
    # The slides print as a link with its address, not as a button.
    slides = page.get_by_role("link", name="Slides")
    assert slides.is_visible()
    assert "https://slides.example/deck.pdf" in slides.evaluate(
        "el => getComputedStyle(el, '::after').content"
    )
    # Each chart, titles and legend included, within A4's printable width.
    widths = page.eval_on_selector_all(
        ".demo-chart .main-svg", "els => els.map(el => el.getBoundingClientRect().width)"
    )
    assert widths and max(widths) <= A4_PRINTABLE_PX, widths
    page.pdf(format="A4")  # Chromium lays it out on paper without an error
