"""The notices' periodic work, run by `send_due_notices` and the notices worker's loop."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import Delivery
from .notices import prune, queue_due_reminders
from .sending import recover_abandoned
from .tasks import send_notices

logger = logging.getLogger(__name__)


def due_work(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    reminders = queue_due_reminders(now)
    requeued, lost = recover_abandoned(now)
    expired, _ = prune(now)
    queued = 0
    # One waiting send task is enough: it sends everything ready when it runs.
    waiting = DBTaskResult.objects.ready().filter(
        backend_name="notices", task_path=send_notices.module_path
    )
    if Delivery.objects.ready(now).exists() and not waiting.exists():
        send_notices.enqueue()
        queued = 1
    return {
        "reminders": reminders,
        "requeued": requeued,
        "lost": lost,
        "expired": expired,
        "send tasks queued": queued,
    }


class NoticesClock(threading.Thread):
    """Runs the periodic work every NOTICES_POLL_SECONDS beside the notices worker's loop."""

    def __init__(self):
        super().__init__(name="notices-clock", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                due_work()
            except DatabaseError:
                logger.warning("Periodic notices work skipped: database busy", exc_info=True)
            finally:
                close_old_connections()
            if self.stopped.wait(settings.NOTICES_POLL_SECONDS):
                return
