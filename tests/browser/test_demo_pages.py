"""Demos on talk pages in a real Chromium, with a real task worker computing the runs."""

import re
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from demos.blocks import demo_block
from demos.registry import get_demo
from demos.runs import request_run
from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import TalkPage
from tests.conftest import require
from tests.demos.conftest import run_worker
from tests.factories import make_site, make_talk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDGE = get_demo("edge-of-stability")
SMALL_EDGE = {"step_sizes": [0.2], "steps": 400, "examples": 200}


@pytest.fixture
def worker(settings):
    """`manage.py db_worker --backend demos` in a thread beside the live server."""
    require(
        connection.vendor == "postgresql",
        "a worker beside the live server needs PostgreSQL (in-memory SQLite locks its tables)",
    )
    settings.DEMO_RATE_LIMIT = settings.DEMO_QUEUE_LIMIT = 100
    loop = Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="demos",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    )

    def work():
        try:
            loop.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield loop
    loop.running = False
    thread.join(timeout=60)


def chart_ready(page, index=0):
    # Charts are drawn as they come near the viewport, as a visitor scrolls to them.
    page.locator(".demo .demo-chart").nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => document.querySelectorAll('.demo .demo-chart')[{index}]"
        "?.querySelector('.main-svg')",
        timeout=30_000,
    )


def test_the_seeded_talk_shows_its_precomputed_charts(page, live_server, artifacts):
    call_command("seed_demo_content", verbosity=0)
    run_worker()  # what `make run`'s worker does after seeding
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")
    page.goto(live_server.url + talk.url, wait_until="networkidle")
    # Only the charts near the viewport are drawn on load; the rest as the visitor scrolls.
    drawn = (
        "[...document.querySelectorAll('.demo .demo-chart')]"
        ".map(chart => !!chart.querySelector('.main-svg'))"
    )
    assert page.evaluate(drawn)[-1] is False
    for index in range(page.locator(".demo").count()):
        chart_ready(page, index)
    assert page.locator(".demo").count() == 7
    assert all(page.evaluate(drawn))
    # The chart's toolbar offers one thing: its PNG.
    assert page.locator(".demo-chart").first.locator(".modebar-btn").count() == 1
    # Each chart's title is written in HTML above it (it wraps; plotly.js would cut it off).
    titles = page.locator(".demo .chart-title").all_text_contents()
    assert len(titles) == 7 and any("Sharpness rises to 2/η" in t for t in titles)
    assert page.locator(".demo .gtitle").count() == 0
    page.screenshot(path=artifacts / "talk-with-demos.png", full_page=True)
    assert page.console_errors == []


def test_a_control_starts_a_run_that_streams_into_the_chart(page, live_server, worker, artifacts):
    series = make_site()
    talk = make_talk(series, publish=False, title="Sharpness, live")
    block = demo_block(EDGE)
    defaults = EDGE.params.model_validate(SMALL_EDGE).model_dump(mode="json")
    talk.body = [("demo_edge_of_stability", block.to_python({"caption": "", "params": defaults}))]
    talk.save_revision().publish()  # queues the default run; the worker computes it
    page.goto(live_server.url + talk.url)
    chart_ready(page)
    page.wait_for_selector('.demo[data-status="done"]')
    last_step = "Math.max(...document.querySelector('.demo-chart').data[0].x)"
    assert page.evaluate(last_step) == 400
    default_id = page.evaluate("document.querySelector('.demo').dataset.run")
    default_summary = page.locator(".demo-summary").text_content()
    assert "2/η = 10" in default_summary  # η = 0.2, said in words under the chart
    default_seconds = page.locator(".demo-permalink").text_content().split("computed in")[1]

    # What a screen reader hears: the live region's texts, recorded as they change.
    page.evaluate(
        """() => {
            window.announced = [];
            const region = document.querySelector('.demo-announce');
            new MutationObserver(() => window.announced.push(region.textContent))
                .observe(region, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.locator(".demo-controls-box summary").click()
    steps = page.locator('.demo-field[data-name="steps"] input[type=number]')
    steps.fill("3000")
    steps.dispatch_event("change")
    seen = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen.add(page.evaluate("document.querySelector('.demo-progress').value"))
        if page.evaluate("document.querySelector('.demo').dataset.status") == "done" and (
            page.evaluate(last_step) == 3000
        ):
            break
        time.sleep(0.05)
    assert page.evaluate(last_step) == 3000  # the chart shows the new run
    assert any(0 < value < 1 for value in seen), seen  # the progress bar moved
    # Announced sparingly: the start, quarters, the end; not each of the bar's moves.
    announced = page.evaluate("window.announced")
    assert 2 <= len(announced) <= 6, announced
    # The end, with the sentence that says what the new chart shows.
    summary = page.locator(".demo-summary").text_content()
    assert summary and summary != default_summary  # the new run's sentence, not the old one's
    assert re.fullmatch(r"Run \S+ finished in [\d.]+ s\. .+", announced[-1]), announced[-1]
    assert announced[-1].endswith(summary)
    page.screenshot(path=artifacts / "demo-after-new-run.png", full_page=True)
    # The line under the chart describes the new run, and offers to compare it with the talk's.
    new_id = page.evaluate("document.querySelector('.demo').dataset.run")
    assert new_id != default_id
    line = page.locator(".demo-permalink")
    expect(line.locator("a").first).to_have_text(f"run {new_id}")
    expect(line).not_to_contain_text(default_seconds)
    expect(line.locator("a", has_text="compare")).to_have_attribute(
        "href", f"/runs/compare/?runs={default_id}%2C{new_id}"
    )
    expect(page.locator(".demo-csv")).to_have_attribute("href", f"/runs/{new_id}/data.csv")

    link = page.locator(".demo-permalink a").first
    drawn = page.evaluate("JSON.stringify(document.querySelector('.demo-chart').data)")
    page.goto(live_server.url + link.get_attribute("href"))
    chart_ready(page)
    assert page.evaluate("JSON.stringify(document.querySelector('.demo-chart').data)") == drawn
    # The modebar's PNG export gives a PNG file.
    page.locator(".demo-chart").hover()
    with page.expect_download() as download:
        page.locator('.demo-chart .modebar-btn[data-title*="png" i]').click()
    png = download.value.path().read_bytes()
    assert download.value.suggested_filename.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    page.screenshot(path=artifacts / "run-permalink.png", full_page=True)

    # A fork on the run's page: address, heading, parameters and links follow the new run.
    steps = page.locator('.demo-field[data-name="steps"] input[type=number]')
    steps.fill("500")
    steps.dispatch_event("change")
    page.wait_for_url(re.compile(r"/runs/(?!" + re.escape(new_id) + r")[\w-]+/$"), timeout=90_000)
    fork_id = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("h1")).to_have_text(f"{EDGE.title}: run {fork_id}")
    steps_row = page.locator(".params-table tr").filter(has=page.locator("th", has_text="Steps"))
    expect(steps_row.filter(has_not_text="Sharpness")).to_contain_text("500")
    expect(page.locator(".run-links a", has_text="JSON")).to_have_attribute(
        "href", f"/api/runs/{fork_id}"
    )
    assert fork_id in page.title()
    page.go_back()
    expect(page.locator("h1")).to_have_text(f"{EDGE.title}: run {new_id}")
    assert page.console_errors == []


def test_a_run_recorded_at_the_talk_replays(page, live_server, artifacts):
    series = make_site()
    talk = make_talk(series, title="Recorded")
    quadratic = get_demo("quadratic-stability")
    run, _ = request_run(
        quadratic, quadratic.params(steps=200), talk=talk, recorded_at_talk=True, limited=False
    )
    run_worker()
    page.goto(live_server.url + talk.url)
    page.locator(".recorded-runs a", has_text="Replay").click()
    page.locator(".demo-replay").scroll_into_view_if_needed()
    page.wait_for_selector('.demo-replay[data-ready="true"]')
    play = page.locator(".frame-player button")
    play.click()
    expect(page.locator(".demo-replay")).to_have_attribute("data-playing", "true")
    expect(play).to_have_text("▶ Play", timeout=20_000)  # it played to the end
    expect(page.locator(".frame-player input[type=range]")).to_have_attribute(
        "aria-valuetext", "Run progress: 100%"
    )
    page.screenshot(path=artifacts / "replay.png", full_page=True)
    assert page.console_errors == []
