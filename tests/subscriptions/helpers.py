"""Builders for subscription tests: subscribers, the notices worker run to an empty queue, and
the parts of a received email."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email.message import EmailMessage
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from subscriptions.models import Subscription
from tests.workers import ROOT, database_url


def subscriber(series, email="ada@example.org", confirmed=True, topics=(), **fields):
    subscription = Subscription.objects.create(
        email=email,
        series=series,
        confirmed_at=timezone.now() if confirmed else None,
        **fields,
    )
    subscription.topics.set(topics)
    return subscription


def run_notices_worker() -> None:
    """`manage.py notices_worker --batch`: the periodic work once, then every queued task.

    The worker recycles database connections between tasks as a long-lived process should;
    here that would end the test's own transaction, so it is switched off.
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("notices_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def notices_worker_processes(smtp_controller, count: int = 2, **settings) -> list:
    """`manage.py notices_worker` in ``count`` processes of their own, as production may run
    it, on the test database and the loopback SMTP server, with ``settings`` (NOTICES_...) set
    through their environment. Many small claims (batches of 7) so that workers interleave."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.test",
        "EMAIL_HOST": smtp_controller.hostname,
        "EMAIL_PORT": str(smtp_controller.port),
        "NOTICES_BATCH_SIZE": "7",
        "NOTICES_PER_MINUTE": "10000",
        **{name: str(value) for name, value in settings.items()},
    }
    command = [sys.executable, "manage.py", "notices_worker", "--interval", "0.1"]
    return [subprocess.Popen(command, cwd=ROOT, env=environment) for _ in range(count)]


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def ics_part(message: EmailMessage):
    import icalendar

    (attachment,) = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return icalendar.Calendar.from_ical(attachment.get_payload(decode=True))


def link_in(message: EmailMessage, name: str) -> str:
    """The path of the confirm/manage/unsubscribe link in the text part."""
    # Under the subscriber's language's prefix where it has one (/zh-hans/subscribe/…).
    match = re.search(
        rf"https?://[^/\s]+((?:/[a-z-]+)?/subscribe/{name}/[^\s]+/)", text_part(message)
    )
    assert match, f"no {name} link in {text_part(message)!r}"
    return match.group(1)


def unsubscribe_path(message: EmailMessage) -> str:
    match = re.search(
        r"<https?://[^/>]+(/subscribe/unsubscribe/[^>]+/)>", message["List-Unsubscribe"]
    )
    assert match, message["List-Unsubscribe"]
    return match.group(1)
