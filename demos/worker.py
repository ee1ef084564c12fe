"""A demo worker's housekeeping: signs of life, recovery of lost runs, pruning, and the site's
scheduled publications.

`manage.py demo_worker` runs `housekeeping` when it starts and then every few seconds beside
the task loop, so a run lost by a dead worker is recovered without waiting for a visitor, and a
talk scheduled for publication goes live within RECOVERY_INTERVAL without a cron job.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from demos.models import WorkerBeat
from demos.runs import recover_lost_runs

BEAT_INTERVAL = 5.0  # seconds between a worker's signs of life
RECOVERY_INTERVAL = 30.0  # seconds between looks for lost runs and orphaned task rows
WORKER_LOST = "demos.worker.WorkerLost"  # what an orphaned task row is marked as
SCHEDULED_LOCK = 0x5EB1_DE31  # PostgreSQL advisory lock: one worker at a time publishes

logger = logging.getLogger(__name__)


def beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": timezone.now()})


def silent_workers(now=None):
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.DEMO_WORKER_SILENT_AFTER)
    return WorkerBeat.objects.filter(beat_at__lt=cutoff)


def mark_orphaned_tasks(now=None) -> int:
    """Task rows left RUNNING by a worker that has gone silent: failed, so pruning removes them.

    The runs they were computing are recovered by their own heartbeat (``recover_lost_runs``).
    """
    now = now or timezone.now()
    alive = set(
        WorkerBeat.objects.exclude(pk__in=silent_workers(now)).values_list("worker_id", flat=True)
    )
    cutoff = now - timedelta(seconds=settings.DEMO_WORKER_SILENT_AFTER)
    orphaned = [
        task.pk
        for task in DBTaskResult.objects.running().filter(started_at__lt=cutoff).only("worker_ids")
        if not task.worker_ids or task.worker_ids[-1] not in alive
    ]
    return DBTaskResult.objects.filter(pk__in=orphaned, status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback="The worker running this task stopped reporting.",
    )


def prune(now=None) -> int:
    """Finished task rows past their keeping time, and long-silent workers' beats."""
    now = now or timezone.now()
    kept = now - timedelta(days=settings.DEMO_TASK_RESULTS_KEPT_DAYS)
    pruned, _ = DBTaskResult.objects.finished().filter(finished_at__lt=kept).delete()
    WorkerBeat.objects.filter(beat_at__lt=kept).delete()
    return pruned


def publish_scheduled() -> None:
    """Wagtail's scheduled publications (and unpublications) that have come due."""
    with transaction.atomic():
        # Workers on several hosts: one publishes, the others find nothing left to do.
        # (SQLite's transactions begin IMMEDIATE here, which serializes them already.)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCHEDULED_LOCK])
                if not cursor.fetchone()[0]:
                    return
        call_command("publish_scheduled", verbosity=0)


def housekeeping(worker_id: str) -> None:
    beat(worker_id)
    recover_lost_runs()
    mark_orphaned_tasks()
    prune()
    publish_scheduled()


class Housekeeper(threading.Thread):
    """Beats every few seconds and keeps house every so often, while the worker computes."""

    def __init__(self, worker_id: str):
        super().__init__(name="demo-worker-housekeeping", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        last_recovery = 0.0
        elapsed = 0.0
        while not self.stopped.wait(BEAT_INTERVAL):
            elapsed += BEAT_INTERVAL
            try:
                if elapsed - last_recovery >= RECOVERY_INTERVAL:
                    last_recovery = elapsed
                    housekeeping(self.worker_id)
                else:
                    beat(self.worker_id)
            except DatabaseError:
                logger.warning("Worker housekeeping skipped: database busy", exc_info=True)
            finally:
                close_old_connections()
