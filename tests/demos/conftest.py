"""Helpers for tests of demo runs: the real worker, run in this process until the queue is empty."""

import json
from unittest import mock

import pytest
from django.core.management import call_command


def run_worker() -> None:
    """`manage.py db_worker --backend demos --batch`: run every queued task, then return.

    The worker recycles database connections between tasks as a long-lived process should;
    here that would end the test's own transaction, so it is switched off.
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command(
            "db_worker",
            "--backend",
            "demos",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            verbosity=0,
        )


@pytest.fixture
def generous_limits(settings):
    settings.DEMO_RATE_LIMIT = 10_000
    settings.DEMO_QUEUE_LIMIT = 10_000
    settings.DEMO_CLIENT_RUN_LIMIT = 10_000
    return settings


def post(client, url, body, content_type="application/json", **extra):
    """POST ``body`` (a dict, or the raw bytes or text) as the API's clients do."""
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, data=data, content_type=content_type, **extra)
