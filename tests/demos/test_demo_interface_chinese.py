"""The demos' interface in Simplified Chinese: the widget's labels, what demos.js says (its
messages, given to it as JSON in the page's language), the run and comparison pages, and
plotly.js's own words (its zh-CN locale); English pages say what they said before."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import request_run
from demos.templatetags.demo_tags import demo_messages
from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from tests.demos.conftest import run_worker

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "127.0.0.1:8000"}  # the seeded site's host
FIRST_TALK = f"/talks/{FIRST_TALK_SLUG}/"
QUADRATIC = get_demo("quadratic-stability")
STATIC_JS = Path(settings.BASE_DIR) / "static" / "js"
# What the English widget says, none of which a Chinese page may show.
ENGLISH_WIDGET = (
    "Show data",
    "Change the parameters and run it again",
    "Download every point as CSV",
    "Progress of the run",
    "The chart is being computed",
    '<button type="submit">Run</button>',
)


def english_of_demos_js() -> dict[str, str]:
    """demos.js's own English messages (its ENGLISH object), read from the script."""
    source = (STATIC_JS / "demos.js").read_text()
    block = re.search(r"^const ENGLISH = Object\.freeze\(\{\n(.*?)^\}\);", source, re.S | re.M)
    assert block, "demos.js has no ENGLISH messages"
    pairs = re.findall(r'^\s+(\w+): ("(?:[^"\\]|\\.)*"),$', block.group(1), re.M)
    assert len(pairs) == block.group(1).count("\n")  # one message a line, every line read
    return {name: json.loads(text) for name, text in pairs}


def page_messages(html: str) -> dict[str, str]:
    """The demo-messages JSON a page gives demos.js."""
    found = re.search(
        r'<script id="demo-messages" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page gives demos.js no messages"
    return json.loads(found.group(1))


def get(client, path: str) -> str:
    response = client.get(path, **HOST)
    assert response.status_code == 200, path
    return response.content.decode()


def finished(**params) -> DemoRun:
    run, _ = request_run(QUADRATIC, QUADRATIC.params(**params), limited=False)
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE
    return run


@pytest.fixture
def seeded(db):
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo_content", verbosity=0)


# --- the messages demos.js reads -------------------------------------------------------------


def test_the_english_messages_are_demos_js_own():
    english = english_of_demos_js()
    assert len(english) > 40
    with translation.override("en"):
        assert demo_messages() == english


def test_every_message_is_translated_and_keeps_its_placeholders():
    english = english_of_demos_js()
    with translation.override("zh-hans"):
        chinese = demo_messages()
    assert chinese.keys() == english.keys()
    for name, text in english.items():
        assert chinese[name] != text, name
        placeholders = sorted(re.findall(r"\{\w+\}", text))
        assert sorted(re.findall(r"\{\w+\}", chinese[name])) == placeholders, name
    assert chinese["computing"] == "正在计算图表，完成后会显示在这里。"
    assert chinese["progress"] == "正在计算…… {percent}%"
    assert chinese["tableCaption"] == "图表中的曲线"


# --- a talk's demos ---------------------------------------------------------------------------


def test_the_chinese_talk_page_shows_the_demo_widget_in_chinese(client, seeded):
    html = get(client, f"/zh-hans{FIRST_TALK}")
    assert '<html lang="zh-Hans">' in html
    assert "<summary>显示数据</summary>" in html
    assert "<summary>修改参数，重新运行</summary>" in html
    assert '<button type="submit">运行</button>' in html
    assert "下载全部数据点（CSV）" in html
    assert 'aria-label="运行进度"' in html
    assert 'aria-label="图表：' in html and 'aria-label="数据：' in html
    for english in ENGLISH_WIDGET:
        assert english not in html, english
    messages = page_messages(html)
    assert messages["computing"] == "正在计算图表，完成后会显示在这里。"
    assert messages["play"] == "▶ 播放" and messages["runLink"] == "运行 {id}"
    # plotly.js's zh-CN locale, for demos.js to load after plotly.js.
    assert 'data-plotly-locale="/static/js/plotly-locale-zh-cn.js"' in html


def test_the_english_talk_page_is_as_before(client, seeded):
    html = get(client, FIRST_TALK)
    assert '<html lang="en">' in html
    for english in ENGLISH_WIDGET[:4] + ('<button type="submit">Run</button>',):
        assert english in html, english
    assert 'aria-label="Chart: ' in html and 'aria-label="Data: ' in html
    assert page_messages(html) == english_of_demos_js()
    assert not re.search(r"[\u4e00-\u9fff]", json.dumps(page_messages(html), ensure_ascii=False))


# --- a run's page, a comparison, a run that cannot be shown -----------------------------------


def test_a_run_page_in_chinese(client):
    run = finished(steps=30)
    with translation.override("zh-hans"):
        path = reverse("demo_run", args=[run.public_id])
    assert path.startswith("/zh-hans/")
    html = get(client, path)
    for chinese in (
        "演示运行",
        "<dt>状态</dt>",
        "<dt>参数</dt>",
        "<dt>计算用时</dt>",
        " 秒",
        "<h2>图表</h2>",
        "下载与复现",
        "图表数据（CSV）",
        f'本图表：<a href="{run.get_absolute_url()}">运行 {run.public_id}</a> · 计算用时 ',
        "<summary>显示数据</summary>",
        "修改上方的参数即可另行运行",
    ):
        assert chinese in html, chinese
    for english in ("Take it away", "Computed in", "This chart:", "Show data", "Demo run"):
        assert english not in html, english
    assert page_messages(html)["computedIn"] == "计算用时 {seconds} 秒"


def test_a_run_page_in_english_is_as_before(client):
    run = finished(steps=30)
    html = get(client, f"/runs/{run.public_id}/")
    permalink = (
        f'This chart: <a href="/runs/{run.public_id}/">run {run.public_id}</a> · computed in '
    )
    assert permalink in html
    for english in ("<dt>Status</dt>", ">Take it away</h2>", "The chart's data as CSV"):
        assert english in html, english
    assert f"<title>Run {run.public_id}: " in html


def test_runs_compared_in_chinese(client):
    first, second = finished(step_size=0.1), finished(step_size=0.19)
    with translation.override("zh-hans"):
        path = reverse("demo_compare")
    assert path.startswith("/zh-hans/")
    html = get(client, f"{path}?runs={first.public_id},{second.public_id}")
    for chinese in (
        "比较 2 次运行",
        "<h2>参数</h2>",
        'aria-label="各次运行的参数"',
        '<th scope="row">计算用时</th>',
        f">运行 {first.public_id}</a>",
        "第一次运行（",
        '<button type="submit">比较</button>',
    ):
        assert chinese in html, chinese
    assert "runs compared" not in html and "Rows in bold" not in html
    english = get(client, f"/runs/compare/?runs={first.public_id},{second.public_id}")
    assert "2 runs compared" in english and "Rows in bold differ between the runs." in english


def test_a_run_that_cannot_be_shown_says_so_in_chinese(client):
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=31), limited=False)
    DemoRun.objects.filter(pk=run.pk).update(demo_slug="removed-demo")
    with translation.override("zh-hans"):
        path = reverse("demo_run", args=[run.public_id])
    response = client.get(path, **HOST)
    assert response.status_code == 410
    assert "无法显示此运行" in response.content.decode()


# --- plotly.js's own words ---------------------------------------------------------------------


def test_plotly_has_a_chinese_locale_for_the_charts_words():
    locale = (STATIC_JS / "plotly-locale-zh-cn.js").read_text()
    assert 'name: "zh-CN"' in locale and 'moduleType: "locale"' in locale
    for english, chinese in (
        ("Download plot as a PNG", "下载图表为 PNG"),
        ("Double-click to zoom back out", "双击可缩小回原视图"),
        ("Click to enter Plot title", "点击输入图表标题"),
    ):
        assert f'"{english}": "{chinese}"' in locale
    assert 'days: ["星期日"' in locale and 'decimal: "."' in locale
    # demos.js draws with it on a Chinese page.
    script = (STATIC_JS / "demos.js").read_text()
    assert '"zh-CN"' in script and "locale: PLOTLY_LOCALE" in script


def test_demos_js_asks_the_api_in_the_page_language():
    """The API answers in the language a request names: demos.js names the page's, so that a
    Chinese page's new runs come with Chinese charts, errors and permalinks."""
    script = (STATIC_JS / "demos.js").read_text()
    assert "const LANGUAGE = document.documentElement.lang;" in script
    assert '{ "Accept-Language": LANGUAGE }' in script and "...LANGUAGE_HEADERS" in script
