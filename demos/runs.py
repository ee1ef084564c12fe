"""Asking for runs: one computation per key, limits on new work, recovering runs of dead workers."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from demos.models import DemoRun, run_key
from demos.registry import Demo
from demos.sims.base import DemoParams

QUEUE_RETRY_AFTER = 15  # seconds a visitor is asked to wait when the queue is full
PRESENTER_PRIORITY = 50  # a live talk's runs go ahead of visitors' (the Tasks API's range is ±100)


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
) -> tuple[DemoRun, bool]:
    """The run for these parameters, queued if new; ``(run, created)``.

    A stored run is returned as it is, whatever the limits. The presenter's runs
    (``recorded_at_talk``) are a talk's own record, kept apart from the shared ones.
    """
    scope = {"key": run_key(demo, params), "recorded_at_talk": recorded_at_talk}
    if recorded_at_talk:
        scope["talk"] = talk
    existing = DemoRun.objects.filter(**scope).first()
    if existing and not _worth_retrying(existing):
        recover_if_stale(existing)
        return existing, False
    if limited:
        check_limits(client)
    defaults = {
        "demo_slug": demo.slug,
        "params": params.model_dump(mode="json"),
        "seed": getattr(params, "seed", None),
        "client": client,
        "talk": talk,
    }
    # Row and task commit together, so there is never a queued run without a task to run it.
    with transaction.atomic():
        run, created = DemoRun.objects.get_or_create(**scope, defaults=defaults)
        if created:
            enqueue(run)
        elif _worth_retrying(run):
            created = _requeue(run, attempts=0)
            run.refresh_from_db()
    return run, created


def check_limits(client: str) -> None:
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
    if DemoRun.objects.filter(status=DemoRun.Status.QUEUED).count() >= settings.DEMO_QUEUE_LIMIT:
        raise QueueFull(
            f"{settings.DEMO_QUEUE_LIMIT} runs are already waiting for a worker; try again soon.",
            retry_after=QUEUE_RETRY_AFTER,
        )


def enqueue(run: DemoRun) -> None:
    from demos.tasks import run_demo

    task = run_demo.using(priority=PRESENTER_PRIORITY) if run.recorded_at_talk else run_demo
    task.enqueue(run.pk)


def recover_if_stale(run: DemoRun) -> None:
    if run.status == DemoRun.Status.RUNNING and DemoRun.objects.stale().filter(pk=run.pk).exists():
        recover(run)
        run.refresh_from_db()


def recover_stale_runs() -> int:
    """Retry or fail every run whose worker has gone silent; the number recovered."""
    return sum(recover(run) for run in DemoRun.objects.stale())


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
                finished_at=timezone.now(),
            )
        )


def _worth_retrying(run: DemoRun) -> bool:
    # A lost worker is the machine's fault, not the parameters'; the same run may well succeed.
    return run.status == DemoRun.Status.FAILED and run.failure == DemoRun.Failure.WORKER_LOST


def _same_attempt(run: DemoRun):
    """The run, only while it is still in the state this process last saw (a fencing token)."""
    return DemoRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts)


def _requeue(run: DemoRun, attempts: int) -> bool:
    requeued = _same_attempt(run).update(
        status=DemoRun.Status.QUEUED,
        attempts=attempts,
        progress=0.0,
        figure=None,
        failure="",
        error="",
        heartbeat_at=None,
        finished_at=None,
    )
    if requeued:
        enqueue(run)
    return bool(requeued)
