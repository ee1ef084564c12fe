"""Emails in the subscriber's language: the one of the page they subscribed from, with the
talk's page and calendar in it where the talk is translated, in English where not yet."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import Locale

from demos.sims.words import is_cjk
from subscriptions.models import Subscription
from talks.models import TalkPage
from tests.factories import make_talk, shanghai
from tests.subscriptions.helpers import ics_part, link_in, run_notices_worker, subscriber, text_part

pytestmark = pytest.mark.django_db

ADA, BO = "ada@example.org", "bo@example.org"


def translate(talk: TalkPage, title: str) -> TalkPage:
    """The talk's Chinese copy (its series' too), titled ``title`` and published."""
    chinese = Locale.objects.get_or_create(language_code="zh-hans")[0]
    copy = talk.copy_for_translation(chinese, copy_parents=True)
    copy.title = title
    copy.save_revision().publish()
    for ancestor in copy.get_ancestors().filter(locale=chinese, live=False):
        ancestor.specific.save_revision().publish()
    return TalkPage.objects.get(pk=copy.pk)


def test_subscribing_from_a_chinese_page_is_answered_in_chinese(series, mailbox):
    data = {"email": BO, "series": series.pk, "time_zone": "Asia/Shanghai"}
    response = Client().post("/zh-hans/subscribe/", {**data, "remind_day_before": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/zh-hans/")
    assert Subscription.objects.get(email=BO).language == "zh-hans"
    run_notices_worker()
    (message,) = mailbox.to(BO)
    assert is_cjk(message["Subject"]) and is_cjk(text_part(message))
    confirm = link_in(message, "confirm")
    assert confirm.startswith("/zh-hans/subscribe/confirm/")
    page = Client().post(confirm)
    assert page.status_code == 200 and 'lang="zh-Hans"' in page.content.decode()
    assert Subscription.objects.get(email=BO).is_active


def test_each_subscriber_is_told_of_a_talk_in_their_own_language(series, mailbox):
    subscriber(series, email=ADA)
    subscriber(series, email=BO, language="zh-hans", time_zone="Asia/Shanghai")
    talk = make_talk(series, title="Edge of stability", start=shanghai(2030, 9, 25, 16))
    chinese = translate(talk, "稳定性边缘")
    run_notices_worker()
    (english,) = mailbox.to(ADA)
    (message,) = mailbox.to(BO)
    assert english["Subject"] == "New talk: Edge of stability"
    assert message["Subject"] == "新报告：稳定性边缘"
    text = text_part(message)
    assert "2030年9月25日" in text and "稳定性边缘" in text
    assert chinese.url in text and chinese.url.startswith("/zh-hans/")
    (event,) = ics_part(message).walk("VEVENT")
    assert str(event["SUMMARY"]) == "稳定性边缘"
    # One event in both languages' calendars.
    (english_event,) = ics_part(english).walk("VEVENT")
    assert event["UID"] == english_event["UID"]


def test_a_talk_not_yet_translated_reaches_a_chinese_subscriber_in_english(series, mailbox):
    subscriber(series, email=BO, language="zh-hans")
    make_talk(series, title="Edge of stability", start=shanghai(2030, 9, 25, 16))
    run_notices_worker()
    (message,) = mailbox.to(BO)
    assert message["Subject"] == "新报告：Edge of stability"
    assert "2030年9月25日" in text_part(message)


def test_subscribing_on_the_chinese_series_page_is_to_the_series_itself(series, mailbox):
    talk = make_talk(series, title="Edge of stability", start=shanghai(2030, 9, 25, 16))
    chinese_series = translate(talk, "稳定性边缘").get_parent()
    assert chinese_series.pk != series.pk
    data = {"email": BO, "series": chinese_series.pk, "time_zone": "Asia/Shanghai"}
    assert Client().post("/zh-hans/subscribe/", data).status_code == 302
    subscription = Subscription.objects.get(email=BO)
    assert subscription.series_id == series.pk and subscription.language == "zh-hans"
    subscription.confirmed_at = subscription.created_at
    subscription.save()
    run_notices_worker()  # the confirmation
    later = make_talk(series, title="Sharpness again", start=shanghai(2030, 10, 9, 16))
    run_notices_worker()
    assert any(m["Subject"] == f"新报告：{later.title}" for m in mailbox.to(BO))
