"""The interface in the visitor's language: labels, headings and times written for Chinese
(translation.override stands in for the /zh-hans/ address), English exactly as before."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from subscriptions.emails import when
from talks.feeds import TalkAtomFeed
from talks.filters import TalkFilter
from talks.models import TalkPage
from talks.views import search
from talks.when import FORMATS, format_moment
from tests.factories import make_talk, shanghai

pytestmark = pytest.mark.django_db


def rendered(page, language: str) -> BeautifulSoup:
    """The page as served in `language`, without going through the address."""
    request = RequestFactory().get(page.url)
    request.user = AnonymousUser()
    with translation.override(language):
        response = page.serve(request)
        response.render()
    return BeautifulSoup(response.content, "html.parser")


def words(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture
def talk(series):
    return make_talk(
        series,
        "Theoretical basis",
        start=shanghai(2024, 9, 25, 16),
        minutes=90,
        slides_url="https://slides.example/deck.pdf",
        recording_url="https://video.example/rec",
    )


def test_a_talk_page_in_chinese_has_a_chinese_interface_and_chinese_dates(talk):
    html = rendered(talk, "zh-hans")
    assert words(html.select_one(".talk-facts .when")) == (
        "2024年9月25日 星期三 16:00–17:30 (Asia/Shanghai, UTC+8)"
    )
    assert [words(dt) for dt in html.select(".talk-facts dt")][:2] == ["时间", "地点"]
    assert words(html.find(id="abstract-heading")) == "摘要"
    actions = [words(a) for a in html.select(".talk-actions a")]
    assert actions[:4] == ["添加到日历（.ics）", "添加到 Google 日历", "幻灯片", "录像"]
    assert html.select_one("[data-local-time]")["data-label"] == "您的当地时间："
    assert html.select_one(".search-form button").get_text() == "搜索"
    assert "Add to calendar" not in html.get_text()


def test_the_same_page_in_english_is_unchanged(talk):
    html = rendered(talk, "en")
    assert words(html.select_one(".talk-facts .when")) == (
        "Wed 25 Sep 2024, 16:00–17:30 (Asia/Shanghai, UTC+8)"
    )
    assert words(html.find(id="abstract-heading")) == "Abstract"
    assert html.select_one("[data-local-time]")["data-label"] == "Your time:"


def test_a_listing_row_in_chinese_names_the_days_of_a_talk_over_midnight(series):
    talk = make_talk(series, "Night", start=shanghai(2024, 9, 25, 22), minutes=180)
    talk = TalkPage.objects.get(pk=talk.pk)
    context = {"talk": talk}
    with translation.override("zh-hans"):
        row = words(
            BeautifulSoup(render_to_string("talks/includes/talk_date.html", context), "html.parser")
        )
    assert row == "2024年9月25日 星期三 22:00–9月26日 星期四 01:00 (Asia/Shanghai, UTC+8)"
    row = words(
        BeautifulSoup(render_to_string("talks/includes/talk_date.html", context), "html.parser")
    )
    assert row == "Wed 25 Sep 2024, 22:00–Thu 26 Sep, 01:00 (Asia/Shanghai, UTC+8)"


def test_an_email_and_a_feed_write_the_time_in_the_active_language(talk):
    with translation.override("zh-hans"):
        assert when(talk.start, talk.zone) == "2024年9月25日 星期三 16:00 (Asia/Shanghai, UTC+8)"
        assert when(None, talk.zone) == "待定"
        feed_text = TalkAtomFeed().item_description(talk)
    assert feed_text.startswith("2024年9月25日 星期三 16:00 (Asia/Shanghai, UTC+8)")
    assert (
        when(talk.start, talk.zone) == "Wednesday 25 September 2024, 16:00 (Asia/Shanghai, UTC+8)"
    )
    assert (
        TalkAtomFeed()
        .item_description(talk)
        .startswith("Wednesday 25 September 2024, 16:00 (Asia/Shanghai, UTC+8)")
    )


def test_every_named_layout_has_a_chinese_form_with_year_month_and_day_in_order():
    moment = shanghai(2024, 9, 5, 9, 7)
    for style in FORMATS:
        english = format_moment(moment, style)
        with translation.override("zh-hans"):
            chinese = format_moment(moment, style)
        if style == "time":
            assert chinese == english == "09:07"
            continue
        assert "9月5日" in chinese and "Sep" not in chinese, (style, chinese)
        # The weekday is named in Chinese exactly where the English names one.
        assert ("星期四" in chinese) == ("Thu" in english), (style, english, chinese)


def test_the_series_filters_are_labelled_in_chinese(series, talk):
    with translation.override("zh-hans"):
        form = TalkFilter({}, queryset=series.talks()).form
        labels = [str(form.fields[name].label) for name in ("speaker", "topic", "year")]
        assert labels == ["报告人", "主题", "年份"]
        assert form.fields["year"].widget.choices[0] == ("", "全部年份")


def test_the_home_page_in_chinese(series, talk):
    make_talk(series, "Coming", start=talk.start + timedelta(days=3650), slug="coming")
    html = rendered(series.get_parent().specific, "zh-hans")
    assert words(html.find(id="next-talk-heading")) == "下一场报告"
    assert words(html.find(id="upcoming-heading")) == "其他即将举行的报告"
    assert words(html.find(id="recent-heading")) == "近期报告"
    assert words(html.select_one(".skip-link")) == "跳到正文"


def test_a_chinese_search_answers_in_chinese(series):
    make_talk(series, "稳定性边缘", slug="edge-zh", abstract="<p>梯度下降的锐度。</p>")
    request = RequestFactory().get("/search/", {"q": "锐度"})
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        html = BeautifulSoup(search(request).content, "html.parser")
    assert words(html.select_one(".search-count")) == "找到 1 场与“锐度”相关的报告"
    assert [words(a) for a in html.select(".talk-card-title a")] == ["稳定性边缘"]


def test_a_confirmation_email_in_chinese(series):
    from subscriptions.emails import confirmation_email
    from tests.subscriptions.helpers import subscriber

    with translation.override("zh-hans"):
        message = confirmation_email(subscriber(series, confirmed=False))
    assert message.subject == "确认订阅 Seminar"
    assert "请在 " in message.body and "如果不是您本人操作" in message.body
    assert 'lang="zh-hans"' in message.alternatives[0][0]
