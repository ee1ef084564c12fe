"""Asking for runs: one computation per key, fair limits on new work, recovering lost runs."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from demos.models import (
    PRESENTER_PRIORITY,
    VISITOR_PRIORITY,
    DemoRun,
    WorkerBeat,
    run_key,
)
from demos.registry import Demo
from demos.sims.base import DemoParams

QUEUE_RETRY_AFTER = 15  # seconds a visitor is asked to wait when the queue is full
CLIENT_RETRY_AFTER = 5  # ... or when their own runs are still waiting or running
LIMITS_LOCK = 0x5EB1_DE30  # PostgreSQL advisory lock: one request at a time checks the limits

logger = logging.getLogger(__name__)


class RunRefused(Exception):
    """New work refused for now; ``status`` and ``retry_after`` (seconds) go into the response."""

    status = 503

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class RateLimited(RunRefused):
    status = 429


class QueueFull(RunRefused):
    status = 503


def request_run(
    demo: Demo,
    params: DemoParams,
    *,
    client: str = "",
    talk=None,
    recorded_at_talk: bool = False,
    limited: bool = True,
    priority: int = VISITOR_PRIORITY,
) -> tuple[DemoRun, bool]:
    """The run for these parameters, queued if new; ``(run, created)``.

    A stored run is returned as it is, whatever the limits. The presenter's runs
    (``recorded_at_talk``) are a talk's own record, kept apart from the shared ones, and go
    ahead of everyone's.
    """
    if recorded_at_talk:
        priority = max(priority, PRESENTER_PRIORITY)
    scope = {"key": run_key(demo, params), "recorded_at_talk": recorded_at_talk}
    if recorded_at_talk:
        scope["talk"] = talk
    existing = DemoRun.objects.filter(**scope).first()
    if existing and existing.hidden:
        # The presenter ran these parameters again at the talk: the talk's record again.
        DemoRun.objects.filter(pk=existing.pk).update(hidden=False)
        existing.hidden = False
    if existing and not existing.is_retryable:
        recover_if_stale(existing)
        _raise_priority(existing, priority)
        return existing, False
    defaults = {
        "demo_slug": demo.slug,
        "params": params.model_dump(mode="json"),
        "seed": getattr(params, "seed", None),
        "client": client,
        "talk": talk,
        "priority": priority,
        "queued_at": timezone.now(),
    }
    # The limits are checked and the row and its task written in one transaction, one request
    # at a time, so concurrent requests cannot all pass the same check.
    with transaction.atomic():
        if limited:
            _lock_limits()
            check_limits(client)
        run, created = DemoRun.objects.get_or_create(**scope, defaults=defaults)
        if created:
            enqueue(run)
        elif run.is_retryable:
            created = _requeue(run, attempts=0)
            run.refresh_from_db()
    return run, created


def _lock_limits() -> None:
    # SQLite's transactions here begin IMMEDIATE (settings), which already serializes writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LIMITS_LOCK])


def check_limits(client: str) -> None:
    """Refuse new visitor work over a client's rate or share, or when the queue is full."""
    now = timezone.now()
    if client:
        window = timedelta(seconds=settings.DEMO_RATE_WINDOW)
        recent = DemoRun.objects.filter(client=client, created_at__gte=now - window)
        times = list(recent.order_by("-created_at").values_list("created_at", flat=True))
        if len(times) >= settings.DEMO_RATE_LIMIT:
            # Free again when the oldest run that counts leaves the window.
            oldest = times[settings.DEMO_RATE_LIMIT - 1]
            wait = math.ceil((oldest + window - now).total_seconds())
            raise RateLimited(
                f"At most {settings.DEMO_RATE_LIMIT} new runs per {settings.DEMO_RATE_WINDOW} s"
                " from one address; runs already computed are always available.",
                retry_after=wait,
            )
        own = DemoRun.objects.unfinished().filter(client=client).count()
        if own >= settings.DEMO_CLIENT_RUN_LIMIT:
            raise RateLimited(
                f"You already have {own} runs waiting or running; ask for another when one"
                " has finished.",
                retry_after=CLIENT_RETRY_AFTER,
            )
    waiting = DemoRun.objects.unfinished().filter(priority__lte=VISITOR_PRIORITY).count()
    if waiting >= settings.DEMO_QUEUE_LIMIT:
        raise QueueFull(
            f"{settings.DEMO_QUEUE_LIMIT} visitors' runs are already waiting or running;"
            " try again soon.",
            retry_after=QUEUE_RETRY_AFTER,
        )


def enqueue(run: DemoRun) -> None:
    """Queue the run's task (in the caller's transaction) and remember which task it is."""
    from demos.tasks import run_demo

    result = run_demo.using(priority=run.priority).enqueue(run.pk)
    DemoRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.task_id = str(result.id)


def _raise_priority(run: DemoRun, priority: int) -> None:
    """A waiting run that a talk now needs (a default chart) stops waiting behind visitors."""
    if run.status != DemoRun.Status.QUEUED or run.priority >= priority:
        return
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        DemoRun.objects.filter(pk=run.pk).update(priority=priority)
        DBTaskResult.objects.filter(id=run.task_id, status="READY").update(priority=priority)
    run.priority = priority


def visible_run(request, public_id: str, queryset=None) -> DemoRun | None:
    """The run with this public id, unless an editor hid it or it was recorded at a talk this
    request may not see (then, as for a missing run, None). Editors find hidden runs in the
    admin's list of runs."""
    queryset = DemoRun.objects.all() if queryset is None else queryset
    run = queryset.filter(hidden=False).select_related("talk").with_public_id(public_id)
    if run and run.recorded_at_talk and run.talk and not run.talk.is_visible_to(request):
        return None
    return run


# --- editors' corrections (the admin's list of runs) --------------------------------------------


ONLY_RECORDED_RUNS_HIDE = (
    "Only runs recorded at a talk can be hidden; this run is the chart shared by everyone who"
    " asks for the same parameters (delete it to have it computed again)."
)


class NotARecordedRun(ValueError):
    """Only a talk's own record can be hidden: a shared run is every visitor's chart."""


def set_hidden(run: DemoRun, hidden: bool) -> bool:
    """Hide a run recorded at a talk from the public (or show it again); whether it changed.
    Nothing is deleted: the run stays in the admin, and showing it again restores it."""
    if not run.recorded_at_talk:
        raise NotARecordedRun(ONLY_RECORDED_RUNS_HIDE)
    changed = DemoRun.objects.filter(pk=run.pk).exclude(hidden=hidden).update(hidden=hidden)
    run.hidden = hidden
    return bool(changed)


def requeue_failed(run: DemoRun) -> bool:
    """A failed run back in the queue with a new task, as a new run is queued; whether it was
    (False when it is no longer failed, e.g. another editor re-queued it first)."""
    if run.status != DemoRun.Status.FAILED:
        return False
    with transaction.atomic():
        requeued = _requeue(run, attempts=0)
    run.refresh_from_db()
    return requeued


# --- recovery: runs whose worker or task is gone ----------------------------------------------


def recover_if_stale(run: DemoRun) -> None:
    if run.status == DemoRun.Status.RUNNING and DemoRun.objects.stale().filter(pk=run.pk).exists():
        recover(run)
        run.refresh_from_db()


def recover_lost_runs() -> int:
    """Retry or fail every run whose worker went silent, and requeue runs whose task failed
    before it could claim them; the number recovered. Workers call this when they start and
    every so often after, so recovery never waits for a visitor to ask."""
    recovered = sum(recover(run) for run in DemoRun.objects.stale())
    for run in DemoRun.objects.lost_in_queue():
        with transaction.atomic():
            if _same_attempt(run).exists():
                enqueue(run)
                recovered += 1
    return recovered


def recover(run: DemoRun) -> bool:
    """A run whose worker died goes back to the queue, or fails once it has used its attempts."""
    with transaction.atomic():
        if run.attempts < settings.DEMO_RUN_ATTEMPTS:
            return _requeue(run, attempts=run.attempts)
        return bool(
            _same_attempt(run).update(
                status=DemoRun.Status.FAILED,
                failure=DemoRun.Failure.WORKER_LOST,
                error=f"The worker computing this run stopped ({run.attempts} attempts).",
                figure=None,
                figure_translations={},
                finished_at=timezone.now(),
            )
        )


def requeue_preempted(run: DemoRun) -> bool:
    """A visitor's run stepped aside for a more urgent one: back in line, the attempt uncounted."""
    with transaction.atomic():
        return _requeue(run, attempts=max(run.attempts - 1, 0))


def _same_attempt(run: DemoRun):
    """The run, only while it is still in the state this process last saw (a fencing token)."""
    return DemoRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts)


def _requeue(run: DemoRun, attempts: int) -> bool:
    requeued = _same_attempt(run).update(
        status=DemoRun.Status.QUEUED,
        attempts=attempts,
        progress=0.0,
        figure=None,
        figure_translations={},
        failure="",
        error="",
        heartbeat_at=None,
        finished_at=None,
        queued_at=timezone.now(),
    )
    if requeued:
        enqueue(run)
    return bool(requeued)


# --- is anyone computing? ---------------------------------------------------------------------


def worker_alive(now=None) -> bool:
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.DEMO_WORKER_SILENT_AFTER)
    return WorkerBeat.objects.filter(beat_at__gte=cutoff).exists()


NO_WORKER_ALERT_SECONDS = 3600
NO_WORKER_NOTICE = gettext_noop(
    "No demo worker is running at the moment, so this run has not started; it will start as"
    " soon as one is. The site's maintainers have been alerted."
)


def queue_notice(run: DemoRun) -> str:
    """What a visitor should know about a run that has waited long with no worker alive."""
    if run.status != DemoRun.Status.QUEUED or run.queued_at is None:
        return ""
    waited = (timezone.now() - run.queued_at).total_seconds()
    if waited < settings.DEMO_WORKER_SILENT_AFTER or worker_alive():
        return ""
    # Visitors poll every second or so: one alert per run is enough.
    if cache.add(f"no-worker-alerted:{run.pk}", True, NO_WORKER_ALERT_SECONDS):
        logger.error("Demo run %s has waited %.0f s and no worker is alive", run.pk, waited)
    return gettext(NO_WORKER_NOTICE)
