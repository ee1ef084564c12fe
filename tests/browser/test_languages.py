"""A visitor switches the first talk to Chinese in Chromium and reads every piece of it in
Chinese: the announcement, its time and venue, the speaker, each demo's title, controls, chart
(title, axes, legend, subplot titles, the sentence under it) and plotly's own toolbar; then
works a demo in Chinese, and switches back."""

import re

import pytest
from playwright.sync_api import expect

from demos.sims.words import is_cjk
from tests.browser.test_demo_pages import worker  # noqa: F401 (a fixture)
from tests.browser.test_demo_use import (  # noqa: F401 (seeded_talk: a fixture)
    COLLISIONS,
    WIDTHS,
    draw_all,
    seeded_talk,
    visitor,
)
from tests.demos.test_chart_languages import english_words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every text plotly.js draws in a chart but the tick labels (numbers).
CHART_WORDS = """chart => [...chart.querySelectorAll(
    '.gtitle, .g-xtitle text, .g-ytitle text, .annotation-text, .legendtext, .legendtitletext,'
    + ' .cbtitle text, .slider-label, .updatemenu-item-text'
)].map(node => node.textContent.trim()).filter(Boolean)"""


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_visitor_switches_the_first_talk_to_chinese_and_reads_all_of_it_in_chinese(
    browser,
    live_server,
    seeded_talk,  # noqa: F811
    width,
    artifacts,
):
    page = visitor(browser, *WIDTHS[width])
    page.goto(live_server.url + seeded_talk.url)
    page.locator(".language-switcher").get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/talks/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("深度学习的理论基础：梯度算法的优化、泛化与隐式偏差")
    main = page.locator("main").inner_text()
    for shown in ("2024年9月25日", "计算机楼 313 室", "李建（清华大学交叉信息研究院）", "隐式偏差"):
        assert shown in main, shown

    draw_all(page)
    demos = page.locator(".demo").all()
    assert len(demos) == 7
    for index, demo in enumerate(demos):
        title = demo.locator(".demo-title").text_content()
        assert is_cjk(title), title
        assert is_cjk(demo.locator(".demo-head .muted").text_content())
        chart = demo.locator(".demo-chart")
        words = chart.evaluate(CHART_WORDS)
        assert len(words) >= 3, (title, words)
        english = [text for text in words if english_words(text)]
        assert english == [], (title, english)
        chart_title = demo.locator(".chart-title").text_content()  # above the chart, in HTML
        assert is_cjk(chart_title) and not english_words(chart_title), chart_title
        summary = demo.locator(".demo-summary").text_content()
        assert is_cjk(summary) and summary.endswith("。"), summary
        # Chinese titles wrap between characters: nothing collides or leaves the chart.
        found = chart.evaluate(COLLISIONS)
        assert found["overlaps"] == [] and found["outside"] == [], (title, width, found)
        chart.screenshot(path=artifacts / f"chart-zh-{width}-{index}.png")
    # plotly.js's own interface: its toolbar button speaks Chinese too.
    button = page.locator(".demo .modebar-btn").first
    assert button.get_attribute("data-title") == "下载图表为 PNG"
    # The controls of a demo, and the words under the chart.
    first = demos[0]
    first.locator(".demo-controls-box summary").click()
    labels = first.locator(".demo-field label").all_text_contents()
    assert labels and all(is_cjk(label) or not english_words(label) for label in labels), labels
    assert any(is_cjk(label) for label in labels)
    expect(first.locator(".demo-controls button[type=submit]")).to_have_text("运行")
    expect(first.locator(".demo-data summary")).to_have_text("显示数据")
    page.screenshot(path=artifacts / f"talk-zh-{width}.png", full_page=True)
    assert page.console_errors == []

    page.locator(".language-switcher").get_by_role("link", name="English").click()
    expect(page).to_have_url(live_server.url + seeded_talk.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".demo .demo-chart").first.scroll_into_view_if_needed()
    page.locator(".demo .demo-chart").first.locator(".main-svg").first.wait_for()
    assert not is_cjk(page.locator(".demo-summary").first.text_content())
    page.context.close()


def test_a_demo_worked_on_the_chinese_page_answers_in_chinese(
    browser,
    live_server,
    seeded_talk,  # noqa: F811
    worker,  # noqa: F811
):
    page = visitor(browser, 1280, 900)
    chinese = seeded_talk.get_translations().get()
    page.goto(live_server.url + chinese.url)
    widget = page.locator('.demo[data-demo="quadratic-stability"]')
    widget.scroll_into_view_if_needed()
    widget.locator(".main-svg").first.wait_for()
    widget.locator(".demo-controls-box summary").click()
    # Bad input is refused in Chinese, naming the field.
    steps = widget.locator('.demo-field[data-name="steps"] input[type=number]')
    steps.fill("5000")
    widget.locator(".demo-controls button[type=submit]").click()
    error = widget.locator('.demo-field[data-name="steps"] .demo-field-error')
    expect(error).to_be_visible()
    assert is_cjk(error.text_content()), error.text_content()
    # A new run: its chart, its sentence and its link in Chinese.
    before = widget.get_attribute("data-run")
    steps.fill("25")
    widget.locator(".demo-controls button[type=submit]").click()
    page.wait_for_function(
        """before => { const d = document.querySelector('.demo[data-demo="quadratic-stability"]');
            return d.dataset.run !== before && d.dataset.status === "done"; }""",
        arg=before,
        timeout=60_000,
    )
    title = widget.locator(".chart-title").text_content()
    assert is_cjk(title), title
    summary = widget.locator(".demo-summary").text_content()
    assert is_cjk(summary), summary
    link = widget.locator(".demo-permalink a").first
    assert link.get_attribute("href").startswith("/zh-hans/runs/")
    # The refused parameters' 422 is the browser's only complaint.
    assert [e for e in page.console_errors if "422" not in e] == []
    page.context.close()


def test_the_chinese_listing_marks_talks_not_translated_yet_visibly(
    browser,
    live_server,
    seeded_talk,  # noqa: F811
):
    page = visitor(browser, 1280, 900)
    page.goto(live_server.url + "/zh-hans/talks/")
    badges = page.locator(".talk-card[lang=en] .badge-language")
    assert badges.count() == page.locator(".talk-card").count() - 1  # all but the first talk
    expect(badges.first).to_have_text("英语")
    colours = badges.first.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours[0] != colours[1] and colours[1] != "rgba(0, 0, 0, 0)", colours
    page.context.close()
