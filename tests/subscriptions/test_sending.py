"""Sending by the worker: retried on SMTP errors with the error kept, within the per-minute
rate, and never twice, whether a worker dies mid-batch or two workers share the queue."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from subscriptions.models import Delivery
from subscriptions.sending import ABANDONED_AFTER, recover_abandoned, send_batch, send_pending
from tests.conftest import require
from tests.factories import make_talk
from tests.subscriptions.conftest import free_port
from tests.subscriptions.helpers import notices_worker_processes, subscriber
from tests.workers import stop, wait_for

ADA = "ada@example.org"


def subscribers(series, count: int) -> None:
    for n in range(count):
        subscriber(series, email=f"s{n}@example.org")


def two_workers_send(now=None) -> list[int]:
    """`send_pending` in two threads started together, as two workers; what each handled."""
    start = threading.Barrier(2)
    handled = []

    def worker():
        try:
            start.wait()
            handled.append(send_pending(now))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(handled) == 2, handled
    return handled


@pytest.mark.django_db
def test_smtp_errors_are_retried_with_attempts_and_the_error_recorded(series, mailbox, settings):
    subscriber(series)
    make_talk(series, title="Retry")
    settings.EMAIL_PORT = free_port()  # nobody listens there: connection refused
    settings.NOTICES_MAX_ATTEMPTS = 3
    now = timezone.now()
    send_pending(now)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    assert send_batch(now) == 0  # it waits out a back-off before the next try
    send_pending(now + timedelta(hours=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 2)
    send_pending(now + timedelta(hours=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert mailbox.messages == []


@pytest.mark.django_db
def test_a_retry_succeeds_once_the_server_is_back(series, mailbox, settings):
    subscriber(series)
    make_talk(series, title="Back")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    send_pending()
    settings.EMAIL_PORT = port
    send_pending(timezone.now() + timedelta(hours=1))
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert len(mailbox.to(ADA)) == 1


@pytest.mark.django_db
def test_the_rate_per_minute_is_kept(series, mailbox, settings):
    settings.NOTICES_PER_MINUTE = 3
    subscribers(series, 5)
    make_talk(series)
    now = timezone.now()
    send_pending(now)
    assert len(mailbox.messages) == 3
    send_pending(now)  # the same minute: nothing more
    assert len(mailbox.messages) == 3
    send_pending(now + timedelta(minutes=2))
    assert len(mailbox.messages) == 5


@pytest.mark.django_db
def test_a_dead_workers_deliveries_are_never_sent_twice(series, mailbox):
    """Claimed but not yet sending: back in the queue. Sending: the SMTP outcome is unknown, so
    failed rather than resent (at most once)."""
    subscribers(series, 3)
    make_talk(series)
    claimed, sending, untouched = Delivery.objects.order_by("pk")
    long_ago = timezone.now() - ABANDONED_AFTER - timedelta(minutes=1)
    Delivery.objects.filter(pk=claimed.pk).update(
        status=Delivery.Status.CLAIMED, sending_since=long_ago
    )
    Delivery.objects.filter(pk=sending.pk).update(
        status=Delivery.Status.SENDING, sending_since=long_ago
    )
    assert recover_abandoned() == (1, 1)
    send_pending()
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {
        claimed.pk: Delivery.Status.SENT,
        sending.pk: Delivery.Status.FAILED,
        untouched.pk: Delivery.Status.SENT,
    }
    assert len(mailbox.messages) == 2


@pytest.mark.chaos
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_notice_exactly_once(series, mailbox, settings):
    require(connection.vendor == "postgresql", "SKIP LOCKED claims need PostgreSQL")
    settings.NOTICES_BATCH_SIZE = 7
    settings.NOTICES_PER_MINUTE = 10_000
    subscribers(series, 120)
    make_talk(series, title="Shared")
    make_talk(series, title="Also shared")
    assert all(two_workers_send())  # both took part
    received = [(m["To"], m["Subject"]) for m in mailbox.messages]
    assert len(received) == 240
    assert len(set(received)) == 240
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.chaos
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_minutes_allowance(series, mailbox, settings):
    """Each claim counts what the other worker holds claimed or is sending, not only what it
    has sent, so together they send NOTICES_PER_MINUTE in a minute, not a batch more each."""
    require(connection.vendor == "postgresql", "SKIP LOCKED claims need PostgreSQL")
    settings.NOTICES_BATCH_SIZE = 7
    settings.NOTICES_PER_MINUTE = 30
    subscribers(series, 120)
    make_talk(series, title="Shared")
    now = timezone.now()  # one minute for both
    assert all(two_workers_send(now))  # both took part
    assert len(mailbox.messages) == 30
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 30
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 90


@pytest.mark.django_db
def test_notices_have_their_own_queue_which_the_demo_worker_never_takes(series):
    from django_tasks_db.models import DBTaskResult

    from subscriptions.tasks import send_notices
    from tests.demos.conftest import run_worker

    subscriber(series)
    make_talk(series)  # its announcement queues a send task
    send_notices.enqueue()
    run_worker()  # the demo worker, drained
    waiting = DBTaskResult.objects.filter(backend_name="notices")
    assert waiting.exists() and all(task.status == "READY" for task in waiting)
    assert Delivery.objects.get().status == Delivery.Status.PENDING


@pytest.mark.chaos
@pytest.mark.django_db(transaction=True)
def test_two_notices_worker_processes_send_each_notice_exactly_once(series, smtp_server):
    """`manage.py notices_worker` twice, as production may run it: the announcements of two
    talks published while both wait are shared between them, each sent once."""
    require(connection.vendor == "postgresql", "a worker in another process needs PostgreSQL")
    from django_tasks_db.models import DBTaskResult

    controller, mailbox = smtp_server
    subscribers(series, 120)
    workers = notices_worker_processes(controller)
    try:
        time.sleep(6)  # both started and polling the queue
        make_talk(series, title="Shared")
        make_talk(series, title="Also shared")
        wait_for(lambda: len(mailbox.messages) >= 240, seconds=60)
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            stop(worker)
    received = [(m["To"], m["Subject"]) for m in mailbox.messages]
    assert len(received) == 240 and len(set(received)) == 240
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    # Each publication woke the workers with a task; the two tasks ran in the two processes.
    tasks = DBTaskResult.objects.filter(task_path="subscriptions.tasks.send_notices")
    assert len({tuple(t.worker_ids) for t in tasks}) == 2, [t.worker_ids for t in tasks]
