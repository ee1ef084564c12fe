"""Demos as people read and use them: charts whose text never collides at desktop and phone
widths, controls and replays worked from the keyboard, the data in words and numbers, and runs
compared on one chart."""

import math

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from demos.registry import get_demo
from demos.runs import request_run
from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import TalkPage
from tests.browser.conftest import ARTIFACTS
from tests.demos.conftest import run_worker
from tests.factories import make_site, make_talk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844), "small phone": (360, 740)}
QUADRATIC = get_demo("quadratic-stability")

# Every piece of text plotly.js draws in a chart, and whether two such boxes may touch.
COLLISIONS = """chart => {
    const box = chart.getBoundingClientRect();
    const texts = [...chart.querySelectorAll(
        '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .gtitle,'
        + ' .annotation-text, .legendtext, .legendtitletext'
    )].filter(node => node.textContent.trim() && node.getBBox().width > 0);
    const boxes = texts.map(node => [node.textContent.trim(), node.getBoundingClientRect()]);
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const [a, p] = boxes[i], [b, q] = boxes[j];
            const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
            const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
            if (x > 1 && y > 1) overlaps.push(`${a} × ${b}`);
        }
    }
    const outside = boxes.filter(([, r]) =>
        r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
        || r.bottom > box.bottom + 1).map(([text]) => text);
    return {overlaps, outside, count: boxes.length};
}"""


@pytest.fixture
def seeded_talk(db):
    call_command("seed_demo_content", verbosity=0)
    run_worker()
    return TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")


def visitor(browser, width, height, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


def draw_all(page, selector=".demo .demo-chart"):
    for chart in page.locator(selector).all():
        chart.scroll_into_view_if_needed()
        chart.locator(".main-svg").first.wait_for(timeout=30_000)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_text_of_any_chart_collides_or_leaves_the_chart(
    browser, live_server, seeded_talk, width, artifacts
):
    page = visitor(browser, *WIDTHS[width])
    page.goto(live_server.url + seeded_talk.url)
    draw_all(page)
    for index, chart in enumerate(page.locator(".demo .demo-chart").all()):
        chart.screenshot(path=artifacts / f"chart-{width.replace(' ', '-')}-{index}.png")
        found = chart.evaluate(COLLISIONS)
        title = page.locator(".demo .demo-title").nth(index).text_content()
        assert found["count"] > 10, title  # the check saw the chart's ticks and titles
        assert found["overlaps"] == [], (title, width)
        assert found["outside"] == [], (title, width)
    # On a phone the panels stand in one column, each as wide as the chart.
    if width != "desktop":
        widths = page.evaluate(
            """() => [...document.querySelectorAll('.demo .demo-chart')].map(chart =>
                [...chart.querySelectorAll('.cartesianlayer .bg, .nsewdrag')].map(
                    node => node.getBoundingClientRect().width / chart.clientWidth))"""
        )
        assert all(min(shares) > 0.6 for shares in widths if shares), widths
    assert page.console_errors == []
    page.context.close()


def test_every_chart_says_what_it_shows_in_words_and_numbers(browser, live_server, seeded_talk):
    page = visitor(browser, 1280, 900)
    page.goto(live_server.url + seeded_talk.url)
    summaries = page.locator(".demo figcaption .demo-summary").all_text_contents()
    assert len(summaries) == 7 and all(any(c.isdigit() for c in s) for s in summaries), summaries
    widget = page.locator(".demo").first
    widget.scroll_into_view_if_needed()
    widget.locator(".main-svg").first.wait_for()
    assert widget.locator(".demo-chart [role=img]").count() == 0  # nothing interactive in an img
    widget.locator(".demo-data summary").click()
    rows = widget.locator(".demo-data table tbody tr")
    expect(rows.first).to_be_visible()
    lines = page.evaluate(
        "document.querySelector('.demo-chart').data.filter(t => t.y && t.y.length).length"
    )
    assert rows.count() == lines
    with page.expect_download() as download:
        widget.locator(".demo-csv").click()
    assert download.value.path().read_text().startswith("panel,trace,x,y,z")
    page.context.close()


def test_a_demo_is_worked_from_the_keyboard(browser, live_server, seeded_talk):
    page = visitor(browser, 1280, 900)
    page.goto(live_server.url + seeded_talk.url)
    # The charts' toolbars are one stop each at most: Tab crosses the page without 60 of them.
    stops = []
    for _ in range(400):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            "() => { const a = document.activeElement; return a === document.body ? null"
            " : [a.outerHTML.slice(0, 80), !!a.closest('.demo-chart')] }"
        )
        if stop is None or stop in stops[:1]:  # past the last stop, or round to the first
            break
        stops.append(stop)
    charts = page.locator(".demo-chart").count()
    assert charts == 7 and sum(in_chart for _, in_chart in stops) <= charts, stops
    assert any("Run" in html for html, _ in stops) is False  # closed controls take no stops
    widget = page.locator(f'.demo[data-demo="{QUADRATIC.slug}"]')
    summary = widget.locator(".demo-controls-box summary")
    summary.focus()
    page.keyboard.press("Enter")
    box = widget.locator('.demo-field[data-name="step_size"] input[type=number]')
    slider = widget.locator('.demo-field[data-name="step_size"] input[type=range]')
    expect(box).to_have_value("0.18")
    # The interesting values sit in the middle of the track: a log scale from 0.01 to 10.
    share = slider.evaluate("s => (s.value - s.min) / (s.max - s.min)")
    assert share == pytest.approx((math.log10(0.18) + 2) / 3, abs=0.01)  # 42%, not 2%
    box.focus()
    page.keyboard.press("ArrowUp")
    expect(box).to_have_value("0.19")  # not 1.18
    assert slider.get_attribute("aria-valuetext") == "0.19"
    slider.focus()
    page.keyboard.press("ArrowLeft")
    assert 0.17 < float(box.input_value()) < 0.19
    assert slider.get_attribute("aria-valuetext") == box.input_value()
    # A count that must be even moves in twos, by arrow and by slider.
    widget = page.locator('.demo[data-demo="feature-averaging"]')
    widget.locator(".demo-controls-box summary").click()
    box = widget.locator('.demo-field[data-name="clusters"] input[type=number]')
    slider = widget.locator('.demo-field[data-name="clusters"] input[type=range]')
    assert box.get_attribute("step") == "2" and slider.get_attribute("step") == "2"
    box.focus()
    page.keyboard.press("ArrowUp")
    expect(box).to_have_value("12")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(box).to_have_value("14")
    page.context.close()


def test_a_replay_is_played_from_the_keyboard_and_axe_finds_nothing_while_it_plays(
    browser, live_server, axe
):
    series = make_site()
    talk = make_talk(series, title="Recorded")
    run, _ = request_run(
        QUADRATIC, QUADRATIC.params(steps=200), talk=talk, recorded_at_talk=True, limited=False
    )
    run_worker()
    run.refresh_from_db()
    page = visitor(browser, 1280, 900, bypass_csp=True)
    page.goto(live_server.url + run.get_absolute_url())
    page.locator(".demo-replay").scroll_into_view_if_needed()
    page.wait_for_selector('.demo-replay[data-ready="true"]')
    assert (
        page.locator(".demo-replay .updatemenu-container, .demo-replay .slider-container").count()
        == 0
    )
    player = page.locator(".frame-player")
    frame = player.locator("input[type=range]")
    expect(frame).to_have_attribute("aria-valuetext", "Run progress: 100%")
    assert page.locator(".demo-chart .main-svg").count() == 0  # the chart is shown once
    play = player.locator("button")
    play.focus()
    page.keyboard.press("Space")
    seen = set()
    for _ in range(200):
        seen.add(frame.get_attribute("aria-valuetext"))
        if len(seen) >= 4:
            break
        page.wait_for_timeout(25)
    assert len(seen) >= 4, seen  # the range input walked through the frames
    assert axe(page) == []
    expect(play).to_have_text("▶ Play", timeout=20_000)  # it played to the end
    at_end = page.evaluate("JSON.stringify(document.querySelector('.demo-replay').data)")
    frame.focus()
    page.keyboard.press("Home")
    expect(frame).to_have_js_property("value", "0")
    first = run.replay["layout"]["meta"]["frames"]["labels"][0]  # the first snapshot's progress
    expect(frame).to_have_attribute("aria-valuetext", f"Run progress: {first}")
    drawn = "JSON.stringify(document.querySelector('.demo-replay').data)"
    assert page.evaluate(drawn) != at_end  # the chart went back to the run's start
    page.context.close()


def test_runs_are_compared_on_one_chart(browser, live_server, axe):
    first, _ = request_run(QUADRATIC, QUADRATIC.params(step_size=0.1), limited=False)
    second, _ = request_run(QUADRATIC, QUADRATIC.params(step_size=0.19), limited=False)
    run_worker()
    page = visitor(browser, 1280, 900, bypass_csp=True)
    page.goto(live_server.url + f"/runs/compare/?runs={first.public_id},{second.public_id}")
    draw_all(page, ".demo-static-chart")
    groups = page.evaluate(
        "[...new Set(document.querySelector('.demo-static-chart').data.map(t => t.legendgroup))]"
    )
    assert groups == [f"run {first.public_id}", f"run {second.public_id}"]
    legend = page.locator(".demo-static-chart .legendtext").all_text_contents()
    assert [text for text in legend if text.startswith("run ")] == [
        f"run {first.public_id}",
        f"run {second.public_id}",
    ]  # the legend groups the lines by run
    assert axe(page) == []
    # Another run added by its address, from the form on the page.
    third, _ = request_run(QUADRATIC, QUADRATIC.params(step_size=0.05), limited=False)
    run_worker()
    field = page.get_by_label("Runs to compare", exact=False)
    field.fill(f"{field.input_value()}, {live_server.url}/runs/{third.public_id}/")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("h1")).to_have_text(f"{QUADRATIC.title}: 3 runs compared")
    assert page.console_errors == []
    page.context.close()


def test_the_presenter_signs_in_and_gets_a_screen_for_a_projector(
    browser, live_server, seeded_talk, axe
):
    User.objects.create_superuser("speaker", "speaker@example.org", "a long passphrase")
    page = visitor(browser, 1280, 720, bypass_csp=True)  # a projector's screen
    present = live_server.url + seeded_talk.url + "present/"
    page.goto(present)
    assert "/admin/login/" in page.url and "next=" in page.url  # Wagtail's login, then back
    page.locator("#id_username").fill("speaker")
    page.locator("#id_password").fill("a long passphrase")
    page.locator("#id_password").press("Enter")
    page.wait_for_url(present)
    assert page.locator("wagtail-userbar").count() == 0  # nothing over the chart
    first = page.locator(".demo").first
    first.scroll_into_view_if_needed()
    first.locator(".main-svg").first.wait_for()
    first.evaluate("node => node.scrollIntoView()")  # as the presenter's page snaps to it
    top = first.bounding_box()["y"]
    chart = first.locator(".demo-chart").bounding_box()
    run = first.locator(".demo-controls button[type=submit]").bounding_box()
    # The chart and its Run button on one screen, side by side, without scrolling.
    assert run["x"] >= chart["x"] + chart["width"]
    assert max(run["y"] + run["height"], chart["y"] + chart["height"]) - top <= 720
    assert chart["height"] >= 400 and chart["width"] >= 700
    font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 19
    page.screenshot(path=ARTIFACTS / "presenter-1280x720.png")
    assert axe(page) == []
    page.context.close()
