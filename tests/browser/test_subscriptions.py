"""A visitor subscribes by email in a real browser and follows a talk's life through what the
loopback SMTP server receives: confirmation, announcement, reminder, cancellation, and a
one-click unsubscribe."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from subscriptions.models import Delivery, Subscription
from subscriptions.periodic import due_work
from subscriptions.sending import send_pending
from talks.models import TalkPage
from tests.conftest import require
from tests.factories import make_site, make_talk
from tests.subscriptions.conftest import mailbox, smtp_server  # noqa: F401 (fixtures)
from tests.subscriptions.helpers import (
    link_in,
    notices_worker_processes,
    run_notices_worker,
    subscriber,
    text_part,
    unsubscribe_path,
)
from tests.workers import stop, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADA = "ada@example.org"


def one_click_unsubscribe(page, base_url: str, message):
    """What a mail client does for RFC 8058's one click: a POST with no cookie or CSRF token."""
    return page.request.post(
        base_url + unsubscribe_path(message),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_subscribe_confirm_get_notices_and_unsubscribe(page, live_server, mailbox, settings):  # noqa: F811
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # the links in the emails
    series = make_site()
    talk = make_talk(series, title="Edge of stability")

    # A visitor subscribes from the talk page.
    page.goto(live_server.url + talk.url)
    page.get_by_role("button", name="Get emails about talks in this series").click()
    expect(page.locator("h1")).to_have_text("Get emails about Seminar")
    page.get_by_label("Your email address").fill(ADA)
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")

    # The confirmation arrives, and nothing else; its link confirms with one more click.
    run_notices_worker()
    (confirmation,) = mailbox.to(ADA)
    page.goto(live_server.url + link_in(confirmation, "confirm"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("You are subscribed")

    # An editor publishes a talk: the announcement.
    start = timezone.now() + timedelta(days=3)
    second = make_talk(series, title="Implicit bias", start=start)
    run_notices_worker()
    assert [m["Subject"] for m in mailbox.to(ADA)][1:] == ["New talk: Implicit bias"]
    assert "(Europe/Paris, UTC+" in text_part(mailbox.to(ADA)[-1])

    # The clock passes the reminder's time.
    due_work(start - timedelta(hours=23))
    send_pending(start - timedelta(hours=23))
    assert mailbox.to(ADA)[-1]["Subject"] == "Reminder: Implicit bias"

    # The talk is cancelled.
    second = TalkPage.objects.get(pk=second.pk)
    second.status = TalkPage.Status.CANCELLED
    second.save_revision().publish()
    run_notices_worker()
    cancelled = mailbox.to(ADA)[-1]
    assert cancelled["Subject"] == "Cancelled: Implicit bias"

    assert one_click_unsubscribe(page, live_server.url, cancelled).ok
    assert Subscription.objects.get().unsubscribed_at is not None
    page.goto(live_server.url + link_in(cancelled, "manage"))
    expect(page.get_by_text("You are unsubscribed")).to_be_visible()
    assert len(mailbox.to(ADA)) == 4
    assert page.console_errors == []


def test_subscribe_page_has_no_accessibility_violations(browser, live_server, axe, artifacts):
    talk = make_talk(make_site(), title="Edge of stability", topics=["optimization"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/subscribe/?talk={talk.pk}")
        assert axe(page) == []
        page.get_by_role("button", name="Subscribe").click()  # empty: the errors shown
        expect(page.get_by_role("alert").first).to_be_visible()
        assert axe(page) == []
        page.screenshot(path=artifacts / "subscribe-errors.png", full_page=True)
    finally:
        context.close()


@pytest.mark.chaos
def test_the_same_life_with_two_notices_worker_processes_sends_each_notice_once(
    browser,
    page,
    live_server,
    smtp_server,  # noqa: F811
):
    """The visitor's run above on PostgreSQL, but with `manage.py notices_worker` twice in
    processes of their own, as production may run it, and an editor who publishes and cancels
    in Wagtail's admin. Forty other subscribers share each notice, so the two workers' batches
    interleave; the reminder comes when the real clock passes 24 hours before the start."""
    require(connection.vendor == "postgresql", "workers in other processes need PostgreSQL")
    controller, received_mail = smtp_server
    series = make_site()
    for n in range(40):
        subscriber(series, email=f"s{n}@example.org")
    User.objects.create_superuser("editor", "editor@example.org", "a long passphrase")
    workers = notices_worker_processes(
        controller,
        WAGTAILADMIN_BASE_URL=live_server.url,
        NOTICES_POLL_SECONDS=0.5,  # the reminder is queued soon after it is due
    )
    editors_browser = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        # A visitor subscribes from the series page and confirms from the email.
        page.goto(live_server.url + series.url)
        page.get_by_role("button", name="Get emails about talks in this series").click()
        page.get_by_label("Your email address").fill(ADA)
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator("h1")).to_have_text("Check your inbox")
        wait_for(lambda: received_mail.to(ADA), seconds=30)
        page.goto(live_server.url + link_in(received_mail.to(ADA)[0], "confirm"))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("h1")).to_have_text("You are subscribed")

        # An editor signs in to Wagtail and publishes a draft whose 24-hour reminder is due
        # 30 to 90 seconds from now. The admin's form keeps whole minutes, so the start is one.
        editor = editors_browser.new_page()
        editor.goto(live_server.url + "/admin/login/")
        editor.locator("#id_username").fill("editor")
        editor.locator("#id_password").fill("a long passphrase")
        editor.locator("#id_password").press("Enter")
        editor.wait_for_url(live_server.url + "/admin/")
        soon = timezone.now() + timedelta(hours=24, seconds=90)
        start = soon.replace(second=0, microsecond=0)
        draft = make_talk(series, title="Implicit bias", start=start, publish=False)
        assert len(received_mail.messages) == 1  # a draft is announced to nobody

        def publish_in_the_admin():
            editor.get_by_role("button", name="More actions").click()
            editor.get_by_role("button", name="Publish").click()
            expect(editor.get_by_text("has been published")).to_be_visible()

        editor.goto(f"{live_server.url}/admin/pages/{draft.pk}/edit/")
        publish_in_the_admin()
        assert TalkPage.objects.get(pk=draft.pk).start == start
        assert timezone.now() < start - timedelta(hours=24)  # announced before the lead time
        wait_for(lambda: len(received_mail.messages) >= 1 + 41, seconds=30)
        assert received_mail.to(ADA)[-1]["Subject"] == "New talk: Implicit bias"

        wait_for(lambda: len(received_mail.messages) >= 1 + 2 * 41, seconds=120)
        assert received_mail.to(ADA)[-1]["Subject"] == "Reminder: Implicit bias"

        # The editor cancels the talk.
        editor.goto(f"{live_server.url}/admin/pages/{draft.pk}/edit/")
        editor.locator("select[name=status]").select_option(TalkPage.Status.CANCELLED.value)
        publish_in_the_admin()
        wait_for(lambda: len(received_mail.messages) >= 1 + 3 * 41, seconds=30)
        cancelled = received_mail.to(ADA)[-1]
        assert cancelled["Subject"] == "Cancelled: Implicit bias"

        assert one_click_unsubscribe(page, live_server.url, cancelled).ok
        time.sleep(2)  # anything sent twice would arrive now
        assert all(worker.poll() is None for worker in workers)  # both ran to the end
    finally:
        editors_browser.close()
        for worker in workers:
            stop(worker)
    received = [(m["To"], m["Subject"]) for m in received_mail.messages]
    assert len(received) == len(set(received)) == 1 + 3 * 41
    assert [subject for to, subject in received if to == ADA] == [
        "Confirm your subscription to Seminar",
        "New talk: Implicit bias",
        "Reminder: Implicit bias",
        "Cancelled: Implicit bias",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert Subscription.objects.get(email=ADA).unsubscribed_at is not None
    assert page.console_errors == []
