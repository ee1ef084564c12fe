"""Subscribing from a talk or series page: double opt-in, signed links, limits, bad input."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from subscriptions import links
from subscriptions.models import Subscription
from subscriptions.tasks import send_confirmation
from tests.factories import make_talk
from tests.subscriptions.conftest import free_port
from tests.subscriptions.helpers import link_in, run_notices_worker, subscriber

pytestmark = pytest.mark.django_db

ADA = "ada@example.org"


def subscribe(client, series, email=ADA, **fields):
    data = {"email": email, "series": series.pk, "time_zone": "Europe/Paris", **fields}
    data.setdefault("remind_day_before", "on")
    return client.post("/subscribe/", data)


def test_talk_and_series_pages_offer_the_subscribe_form(client, series):
    talk = make_talk(series, title="Edge of stability")
    assert b'action="/subscribe/"' in client.get(talk.url).content
    assert b'action="/subscribe/"' in client.get(series.url).content
    page = client.get(f"/subscribe/?talk={talk.pk}")
    assert page.status_code == 200
    # The zone offered first is the talk's venue's.
    assert b'<option value="Asia/Shanghai" selected>' in page.content


def test_double_opt_in_sends_nothing_before_confirmation(client, series, mailbox):
    response = subscribe(client, series)
    assert response.status_code == 302
    make_talk(series, title="Announced before confirmation")
    run_notices_worker()
    (confirmation,) = mailbox.to(ADA)  # the confirmation, and nothing else
    assert "Confirm your subscription" in confirmation["Subject"]
    assert not Subscription.objects.get().is_active

    path = link_in(confirmation, "confirm")
    assert client.get(path).status_code == 200  # a button: opening the link confirms nothing
    assert not Subscription.objects.get().is_active
    assert client.post(path).status_code == 200
    assert Subscription.objects.get().is_active

    mailbox.clear()
    make_talk(series, title="Announced after confirmation")
    run_notices_worker()
    (announcement,) = mailbox.to(ADA)
    assert announcement["Subject"] == "New talk: Announced after confirmation"


def test_confirmation_link_expires_and_forged_links_are_refused(client, series):
    subscription = subscriber(series, confirmed=False)
    path = links.confirm_url(subscription).split("testserver", 1)[-1]
    path = path.split("://", 1)[-1]
    path = path[path.index("/subscribe/") :]
    later = time.time() + 49 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.post(path).status_code == 400
    assert client.post(path.replace("/confirm/", "/confirm/x")).status_code == 400
    assert client.post("/subscribe/unsubscribe/forged:token/").status_code == 400
    assert client.get("/subscribe/manage/forged:token/").status_code == 400
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None and subscription.unsubscribed_at is None
    assert client.post(path).status_code == 200  # the genuine link, in time
    subscription.refresh_from_db()
    assert subscription.is_active


def test_asking_again_voids_the_older_confirmation_link(client, series):
    subscription = subscriber(series, confirmed=False)
    old_path = links.confirm_url(subscription).split("8000", 1)[-1]
    Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=timezone.now())
    assert subscribe(client, series).status_code == 302  # a new request, a new link
    assert client.post(old_path).status_code == 400
    assert not Subscription.objects.get().is_active


def test_subscribing_again_never_changes_an_active_subscription(client, series, mailbox):
    subscription = subscriber(series, time_zone="Asia/Tokyo")
    assert subscribe(client, series).status_code == 302
    run_notices_worker()
    assert mailbox.to(ADA) == []
    subscription.refresh_from_db()
    assert subscription.time_zone == "Asia/Tokyo" and subscription.is_active


def test_rate_limit_per_address_and_per_client(client, series, settings):
    settings.SUBSCRIPTION_RATE_PER_ADDRESS = 2
    settings.SUBSCRIPTION_RATE_PER_CLIENT = 3
    assert subscribe(client, series).status_code == 302
    assert subscribe(client, series).status_code == 302
    refused = subscribe(client, series)
    assert refused.status_code == 429
    assert b"confirmation emails in the last hour" in refused.content
    assert subscribe(client, series, email="bob@example.org").status_code == 302
    refused = subscribe(client, series, email="cy@example.org")
    assert refused.status_code == 429
    assert b"from one network address" in refused.content
    # Another client may still subscribe its own address.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert subscribe(other, series, email="dee@example.org").status_code == 302


def test_bad_values_are_form_errors(client, series):
    assert subscribe(client, series, email="not an address").status_code == 400
    assert subscribe(client, series, time_zone="Mars/Olympus").status_code == 400
    response = client.post("/subscribe/", {"email": ADA, "series": "999999", "time_zone": "UTC"})
    assert response.status_code == 400
    assert client.get("/subscribe/?series=abc").status_code == 404
    assert Subscription.objects.count() == 0


FIELDS = st.dictionaries(
    st.sampled_from(["email", "series", "time_zone", "topics", "remind_hour_before", "talk"]),
    st.one_of(st.text(max_size=300), st.integers().map(str), st.lists(st.text(max_size=20))),
)


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=FIELDS)
def test_no_input_makes_a_server_error(client, series, data):
    assert client.post("/subscribe/", data).status_code in {302, 400, 429}
    query = {k: v for k, v in data.items() if isinstance(v, str)}
    assert client.get("/subscribe/", query).status_code in {200, 404}


def test_manage_page_changes_topics_zone_and_reminders(client, series, mailbox):
    talk = make_talk(series, topics=["optimization", "geometry"])
    subscription = subscriber(series)
    path = links.manage_url(subscription).split("testserver", 1)[-1]
    path = path[path.index("/subscribe/") :]
    page = client.get(path)
    assert page.status_code == 200 and b"optimization" in page.content
    assert ADA not in page.content.decode()  # the address is not needed to manage it
    topic = talk.topics.get(name="optimization")
    data = {"topics": [topic.pk], "time_zone": "America/Chicago", "remind_hour_before": "on"}
    assert client.post(path, data).status_code == 200
    subscription.refresh_from_db()
    assert subscription.time_zone == "America/Chicago"
    assert list(subscription.topics.all()) == [topic]
    assert subscription.remind_hour_before and not subscription.remind_day_before
    assert client.post(path, {**data, "time_zone": "Nowhere"}).status_code == 400


def test_unconfirmed_subscriptions_expire(series):
    from subscriptions.notices import prune

    stale = subscriber(series, email="old@example.org", confirmed=False)
    Subscription.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=49)
    )
    fresh = subscriber(series, email="new@example.org", confirmed=False)
    confirmed = subscriber(series, email="yes@example.org")
    Subscription.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=30)
    )
    prune()
    assert set(Subscription.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}


def confirmation_tasks():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=send_confirmation.module_path).order_by(
        "enqueued_at"
    )


def test_a_confirmation_that_fails_over_smtp_is_retried_after_a_back_off(
    client, series, mailbox, settings
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there: connection refused
    subscribe(client, series)
    run_notices_worker()
    failed, retry = confirmation_tasks()
    assert failed.status == "FAILED"  # the attempt's error is recorded in its result row
    assert failed.exception_class_path.endswith("ConnectionRefusedError")
    # The next attempt waits for the back-off, so the worker leaves it for now.
    assert retry.status == "READY" and retry.args_kwargs["args"][2] == 2
    assert retry.run_after > timezone.now() + timedelta(minutes=1)

    settings.EMAIL_PORT = port  # the server is back
    run_notices_worker()
    assert mailbox.to(ADA) == []
    confirmation_tasks().filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
    run_notices_worker()
    (confirmation,) = mailbox.to(ADA)
    assert client.post(link_in(confirmation, "confirm")).status_code == 200
    assert Subscription.objects.get().is_active


def test_confirmation_retries_stop_after_the_last_attempt(client, series, mailbox, settings):
    settings.EMAIL_PORT = free_port()
    settings.NOTICES_MAX_ATTEMPTS = 3
    subscribe(client, series)
    for _ in range(5):
        run_notices_worker()
        confirmation_tasks().filter(status="READY").update(run_after=timezone.now())
    assert [task.status for task in confirmation_tasks()] == ["FAILED"] * 3
    assert mailbox.messages == []


def test_a_retry_for_a_request_made_again_sends_nothing(client, series, mailbox, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    subscribe(client, series)
    run_notices_worker()  # fails, and queues a retry of the first request
    settings.EMAIL_PORT = port
    time.sleep(0.01)  # the second request's time differs from the first's
    subscribe(client, series)  # asked again: a new request with its own email
    confirmation_tasks().filter(status="READY").update(run_after=timezone.now())
    run_notices_worker()
    (confirmation,) = mailbox.to(ADA)  # one email, for the request that counts
    assert client.post(link_in(confirmation, "confirm")).status_code == 200
