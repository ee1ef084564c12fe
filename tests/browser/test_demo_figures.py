"""Each demo's figure drawn by plotly.js in a real Chromium: traces on screen, no errors."""

import re

import pytest

from demos.registry import DEMOS, get_demo

pytestmark = pytest.mark.browser

SMALL = {
    "quadratic-stability": {},
    "edge-of-stability": {"step_sizes": [0.1, 0.2], "steps": 300, "examples": 200},
    "implicit-bias": {"steps": 5000},
    "homogeneous-margin": {"steps": 3000},
    "adversarial-vulnerability": {"dimensions": [10, 200], "examples": 20, "steps": 300},
    "feature-averaging": {"steps": 300, "sweep_clusters": [2, 20]},
    "gd-vs-sgd": {"batch_sizes": [10, 100], "epochs": 20, "examples": 100, "classes": 3},
}


@pytest.fixture
def chart_page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def draw(page, slug, tmp_path):
    demo = get_demo(slug)
    figure = demo.figure(demo.run(demo.params.model_validate(SMALL[slug])))
    html = tmp_path / f"{slug}.html"
    figure.write_html(html, include_plotlyjs=True, auto_play=False, div_id="chart")
    page.goto(html.as_uri())
    page.wait_for_selector("#chart .main-svg")
    return figure


def test_every_demo_is_drawn_here():
    assert set(SMALL) == set(DEMOS)


@pytest.mark.parametrize("slug", SMALL)
def test_figure_draws_every_trace(chart_page, slug, tmp_path, artifacts):
    figure = draw(chart_page, slug, tmp_path)
    drawn = chart_page.evaluate("document.getElementById('chart').data.length")
    assert drawn == len(figure.data)
    # Every line and marker trace has an SVG group in the plot.
    on_screen = chart_page.locator("#chart .scatterlayer .trace").count()
    assert on_screen == sum(trace.type == "scatter" for trace in figure.data)
    # The title as plotly.js sets it: its <sub> and <sup> markup drawn, zero-width spaces around.
    drawn_title = chart_page.locator("#chart .gtitle").first.text_content().replace("\u200b", "")
    assert drawn_title == re.sub(r"<[^>]+>", "", figure.layout.title.text)
    chart_page.screenshot(path=artifacts / f"figure-{slug}.png")
    assert chart_page.console_errors == []


def test_implicit_bias_animation_moves_the_separator(chart_page, tmp_path):
    figure = draw(chart_page, "implicit-bias", tmp_path)
    first = figure.frames[0].name
    chart_page.evaluate(
        f"Plotly.animate('chart', ['{first}'], {{frame: {{duration: 0}},"
        " transition: {duration: 0}, mode: 'immediate'})"
    )
    chart_page.wait_for_function(
        f"document.getElementById('chart').data[5].x[0] === {max(int(first), 1)}"
    )
    separator = chart_page.evaluate("document.getElementById('chart').data[3].x")
    assert separator == list(figure.frames[0].data[0].x)
    assert separator != list(figure.data[3].x)  # the last frame's separator differs
    assert chart_page.console_errors == []
