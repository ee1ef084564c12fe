"""Notices as subscribers receive them over SMTP: announcement (once), reminders as the clock
passes, cancellation, moves, new slides; each with both zones, an .ics and one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from subscriptions.models import Delivery, Notice, Subscription
from subscriptions.periodic import due_work
from subscriptions.sending import send_pending
from talks.models import TalkPage
from tests.factories import make_talk, shanghai
from tests.subscriptions.helpers import (
    html_part,
    ics_part,
    link_in,
    run_notices_worker,
    subscriber,
    text_part,
    unsubscribe_path,
)

pytestmark = pytest.mark.django_db

ADA = "ada@example.org"


def republish(talk: TalkPage, **changes) -> TalkPage:
    talk = TalkPage.objects.get(pk=talk.pk)
    for name, value in changes.items():
        setattr(talk, name, value)
    talk.save_revision().publish()
    return TalkPage.objects.get(pk=talk.pk)


def test_announcement_has_both_zones_both_parts_an_ics_and_unsubscribe_headers(series, mailbox):
    subscriber(series, time_zone="Europe/Paris")
    talk = make_talk(series, title="Edge of stability", start=shanghai(2030, 9, 25, 16))
    run_notices_worker()
    (message,) = mailbox.to(ADA)
    assert message["Subject"] == "New talk: Edge of stability"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Links are made from WAGTAILADMIN_BASE_URL (https:// in production).
    assert str(message["List-Unsubscribe"]).strip().startswith("<http://127.0.0.1:8000/")
    text, html = text_part(message), html_part(message)
    # 16:00 in Shanghai is 10:00 in Paris (summer time) on 25 September 2030.
    for part in (text, html):
        assert "Wednesday 25 September 2030, 16:00 (Asia/Shanghai, UTC+8)" in part
        assert "Wednesday 25 September 2030, 10:00 (Europe/Paris, UTC+2)" in part
        assert "Edge of stability" in part
    assert "/subscribe/manage/" in text and "/subscribe/manage/" in html
    calendar = ics_part(message)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Edge of stability"
    assert str(event["UID"]) == talk.calendar_uid()
    assert event.decoded("DTSTART") == shanghai(2030, 9, 25, 16)
    assert calendar.walk("VTIMEZONE")


def test_announcement_is_sent_once_across_republishes(series, mailbox):
    subscriber(series)
    talk = make_talk(series, title="Once")
    republish(talk, title="Once")
    republish(talk, abstract="<p>More detail.</p>")
    run_notices_worker()
    run_notices_worker()
    assert [m["Subject"] for m in mailbox.to(ADA)] == ["New talk: Once"]


def test_only_subscribers_of_the_series_and_its_topics_are_told(series, mailbox):
    talk = make_talk(series, topics=["optimization"], title="On topic")
    mailbox.clear()
    everything = subscriber(series, email="all@example.org")
    on_topic = subscriber(series, email="opt@example.org", topics=talk.topics.all())
    make_talk(series, topics=["geometry"], title="Off topic")
    make_talk(series, topics=["optimization", "geometry"], title="Both")
    subscriber(series, email="unconfirmed@example.org", confirmed=False)
    run_notices_worker()
    assert {m["Subject"] for m in mailbox.to(everything.email)} == {
        "New talk: Off topic",
        "New talk: Both",
    }
    assert [m["Subject"] for m in mailbox.to(on_topic.email)] == ["New talk: Both"]
    assert mailbox.to("unconfirmed@example.org") == []


def test_reminders_are_sent_when_the_clock_passes_their_time(series, mailbox):
    start = timezone.now() + timedelta(days=3)
    talk = make_talk(series, title="Soon", start=start)
    subscriber(series, email="day@example.org")
    subscriber(series, email="both@example.org", remind_hour_before=True)
    subscriber(series, email="none@example.org", remind_day_before=False)
    mailbox.clear()

    def tick(now):
        due_work(now)
        send_pending(now)

    tick(start - timedelta(hours=25))
    assert mailbox.messages == []
    tick(start - timedelta(hours=23))
    tick(start - timedelta(hours=22))  # already sent: not again
    assert sorted(m["To"] for m in mailbox.messages) == ["both@example.org", "day@example.org"]
    assert all(m["Subject"] == "Reminder: Soon" for m in mailbox.messages)
    mailbox.clear()
    tick(start - timedelta(minutes=50))
    assert [m["To"] for m in mailbox.messages] == ["both@example.org"]
    mailbox.clear()
    tick(start + timedelta(minutes=5))  # started: no reminder any more
    assert mailbox.messages == []
    assert talk.notices.filter(kind=Notice.Kind.REMINDER).count() == 2


def test_a_moved_talk_is_announced_moved_and_reminded_at_its_new_time(series, mailbox):
    start = timezone.now() + timedelta(days=3)
    talk = make_talk(series, title="Moving", start=start)
    subscriber(series)
    due_work(start - timedelta(hours=23))
    send_pending(start - timedelta(hours=23))
    mailbox.clear()
    new_start = start + timedelta(days=7)
    republish(talk, start=new_start, end=new_start + timedelta(hours=1))
    run_notices_worker()
    (moved,) = mailbox.to(ADA)
    assert moved["Subject"] == "Changed: Moving"
    assert "has a new time" in text_part(moved)
    mailbox.clear()
    due_work(new_start - timedelta(hours=23))
    send_pending(new_start - timedelta(hours=23))
    assert [m["Subject"] for m in mailbox.to(ADA)] == ["Reminder: Moving"]


def test_cancellation_notice_carries_a_cancelled_event(series, mailbox):
    talk = make_talk(series, title="Called off")
    subscriber(series)
    run_notices_worker()
    mailbox.clear()
    talk = republish(talk, status=TalkPage.Status.CANCELLED)
    republish(talk)  # re-publishing the cancelled talk tells nobody again
    run_notices_worker()
    (message,) = mailbox.to(ADA)
    assert message["Subject"] == "Cancelled: Called off"
    assert "is cancelled" in text_part(message)
    (event,) = ics_part(message).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) >= 1
    # A reminder of a cancelled talk never goes out.
    due_work(talk.start - timedelta(hours=2))
    send_pending(talk.start - timedelta(hours=2))
    assert len(mailbox.to(ADA)) == 1


def test_slides_or_recording_added_after_the_talk(series, mailbox):
    start = timezone.now() - timedelta(days=2)
    talk = make_talk(series, title="Done", start=start)
    subscriber(series)
    run_notices_worker()
    assert mailbox.to(ADA) == []  # a past talk is not announced
    republish(talk, slides_url="https://example.org/slides.pdf")
    republish(talk, slides_url="https://example.org/slides.pdf")
    run_notices_worker()
    (message,) = mailbox.to(ADA)
    assert message["Subject"] == "Slides or recording: Done"
    assert "https://example.org/slides.pdf" in text_part(message)


def test_one_click_unsubscribe_needs_no_csrf_token_and_stops_notices(series, mailbox):
    subscriber(series)
    make_talk(series, title="First")
    run_notices_worker()
    (message,) = mailbox.to(ADA)
    browserless = Client(enforce_csrf_checks=True)  # a mail client, with no cookie or token
    path = unsubscribe_path(message)
    assert path == link_in(message, "unsubscribe")
    assert browserless.get(path).status_code == 200  # a link scanner's GET changes nothing
    assert Subscription.objects.get().unsubscribed_at is None
    response = browserless.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscription.objects.get().unsubscribed_at is not None
    mailbox.clear()
    make_talk(series, title="Second")
    run_notices_worker()
    assert mailbox.to(ADA) == []


def test_unsubscribing_skips_notices_already_queued(series, mailbox):
    subscription = subscriber(series)
    make_talk(series, title="Queued")
    subscription.unsubscribed_at = timezone.now()
    subscription.save()
    run_notices_worker()
    assert mailbox.messages == []
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


def test_a_subscribers_only_online_link_is_in_the_email_and_its_ics_only(client, series, mailbox):
    subscriber(series)
    link = "https://zoom.example.org/j/123456"
    talk = make_talk(series, title="Hybrid", online_url=link, online_visibility="subscribers")
    run_notices_worker()
    (message,) = mailbox.to(ADA)
    assert link in text_part(message) and link in html_part(message)
    assert link in ics_part(message).to_ical().decode()
    assert link not in client.get(talk.url).content.decode()


def test_send_due_notices_as_cron_runs_it_queues_a_due_reminder_once(series, mailbox):
    """`manage.py send_due_notices`, run twice as an overlapping cron might: one reminder, and
    the notices worker sends it."""
    make_talk(series, title="Soon", start=timezone.now() + timedelta(hours=20))
    subscriber(series)  # after the publication: no announcement, but the reminder is due
    call_command("send_due_notices", verbosity=0)
    call_command("send_due_notices", verbosity=0)
    assert Delivery.objects.filter(notice__kind=Notice.Kind.REMINDER).count() == 1
    assert DBTaskResult.objects.filter(backend_name="notices", status="READY").count() == 1
    run_notices_worker()
    assert [m["Subject"] for m in mailbox.to(ADA)] == ["Reminder: Soon"]
