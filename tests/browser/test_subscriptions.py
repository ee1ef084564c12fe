"""A visitor subscribes by email in a real browser and follows a talk's life through what the
loopback SMTP server receives: confirmation, announcement, reminder, cancellation, and a
one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from subscriptions.models import Subscription
from subscriptions.periodic import due_work
from subscriptions.sending import send_pending
from talks.models import TalkPage
from tests.factories import make_site, make_talk
from tests.subscriptions.conftest import mailbox, smtp_server  # noqa: F401 (fixtures)
from tests.subscriptions.helpers import link_in, run_notices_worker, text_part, unsubscribe_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADA = "ada@example.org"


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

    # One click in the mail client: a POST with no cookie or CSRF token (RFC 8058).
    response = page.request.post(
        live_server.url + unsubscribe_path(cancelled),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.ok
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
