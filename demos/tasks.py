"""The background task that computes one DemoRun, streaming progress and partial figures into it.

The web tier imports this module to enqueue runs, so the computation (torch, plotting) is
imported only inside the task, by the worker that executes it.
"""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from demos.compact import PARTIAL_POINTS, compact_figure, round_floats
from demos.models import DemoRun
from demos.runs import recover_stale_runs

REPLAY_FRAMES = 30  # snapshots kept per run recorded at a talk: enough to scrub, small to fetch

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between writes of progress and the partial figure


class OverTimeLimit(Exception):
    pass


class Superseded(Exception):
    """This worker was presumed dead and the run handed to another; stop quietly."""


@task(backend="demos")
def run_demo(run_id: int) -> str:
    # Whoever starts work first picks up what dead workers left behind.
    recover_stale_runs()
    now = timezone.now()
    claimed = DemoRun.objects.filter(pk=run_id, status=DemoRun.Status.QUEUED).update(
        status=DemoRun.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0.0,
    )
    if not claimed:
        return "not queued"  # finished, or already taken by another worker
    run = DemoRun.objects.get(pk=run_id)
    # The computation, and torch with it, is loaded here, in the worker, never by the web tier.
    from demos.execution import execute
    from demos.replay import replay_figure

    _limit_threads()
    reporter = RunReporter(run)
    try:
        demo = run.demo
        # The stored parameters are JSON; validate them as JSON so arrays become tuples.
        params = demo.params.model_validate_json(json.dumps(run.params))
        execution = execute(demo, params, reporter)
    except Superseded:
        return "superseded"
    except OverTimeLimit:
        limit = settings.DEMO_RUN_TIME_LIMIT
        reporter.finish(
            status=DemoRun.Status.FAILED,
            failure=DemoRun.Failure.TIME_LIMIT,
            error=f"Stopped at the time limit of {limit:g} s; choose fewer steps or a smaller"
            " model.",
            figure=None,
        )
        return "time limit"
    except Exception:
        logger.exception("Demo run %s failed", run_id)
        reporter.finish(
            status=DemoRun.Status.FAILED,
            failure=DemoRun.Failure.ERROR,
            error="The simulation stopped with an error; the site's maintainers can see why.",
            figure=None,
        )
        return "error"
    record = execution.as_json()
    figure = compact_figure(record["figure"])
    reporter.finish(
        status=DemoRun.Status.DONE,
        progress=1.0,
        result=round_floats(record["result"]),
        figure=figure,
        replay=replay_figure(figure, reporter.snapshots) if run.recorded_at_talk else None,
        seconds=record["meta"]["seconds"],
        versions=record["meta"]["versions"],
    )
    return "done"


def _limit_threads() -> None:
    # Torch's default of one thread per core makes two busy processes on a small host thrash.
    import torch

    torch.set_num_threads(settings.DEMO_TORCH_THREADS)


class RunReporter:
    """The progress callback: enforces the time limit and writes progress every so often."""

    def __init__(self, run: DemoRun):
        self.run = run
        self.started = time.monotonic()
        self.last_write = -PROGRESS_INTERVAL
        self.snapshots: list[tuple[float, dict]] = []
        self.keep_snapshots = run.recorded_at_talk

    def __call__(self, fraction: float, partial) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > settings.DEMO_RUN_TIME_LIMIT:
            raise OverTimeLimit
        snapshot_due = (
            self.keep_snapshots
            and partial is not None
            and (fraction >= (len(self.snapshots) + 1) / REPLAY_FRAMES)
        )
        write_due = elapsed - self.last_write >= PROGRESS_INTERVAL
        if not (snapshot_due or write_due):
            return
        figure = self._partial_figure(partial)
        if snapshot_due and figure is not None:
            self.snapshots.append((fraction, figure))
        if write_due:
            self.last_write = elapsed
            self._write(progress=fraction, figure=figure, heartbeat_at=timezone.now())

    def _partial_figure(self, partial) -> dict | None:
        # A demo reports no partial result until it has something to draw (the contract tests
        # draw the partials each demo reports), so an error here is a bug and reaches the log.
        if partial is None:
            return None
        figure = self.run.demo.figure(partial)
        return compact_figure(json.loads(figure.to_json()), PARTIAL_POINTS)

    def finish(self, **fields) -> None:
        try:
            self._write(finished_at=timezone.now(), **fields)
        except Superseded:
            logger.warning("Run %s was handed to another worker; result dropped", self.run.pk)

    def _write(self, **fields) -> None:
        # Only while this worker still holds the run: a recovered run belongs to its next attempt.
        updated = DemoRun.objects.filter(
            pk=self.run.pk, status=DemoRun.Status.RUNNING, attempts=self.run.attempts
        ).update(**fields)
        if not updated:
            raise Superseded
