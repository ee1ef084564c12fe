"""The background task that computes one DemoRun, streaming progress and partial figures into it.

The web tier imports this module to enqueue runs, so the computation (torch, plotting) is
imported only inside the task, by the worker that executes it.

Faults are sorted by whose they are. The parameters' (an error in the simulation, over the
time limit in CPU time) fail the run for good; the machine's (the database busy or gone, a
stalled host, a lost worker) leave it retryable, so a busy moment never loses a talk's chart.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone, translation
from django_tasks import task

from demos.compact import PARTIAL_POINTS, compact_figure, round_floats
from demos.models import DemoRun
from demos.runs import recover_lost_runs, requeue_preempted

REPLAY_FRAMES = 30  # snapshots kept per run recorded at a talk: enough to scrub, small to fetch

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between writes of progress and the partial figure
PREEMPT_CHECK_INTERVAL = 0.5  # seconds between a visitor's run's looks for more urgent work
FINISH_RETRY_SECONDS = 60  # how long a finished run's result waits for a busy database


class OverTimeLimit(Exception):
    """The run used its CPU time: the parameters' fault (the cost model let it through)."""


class Stalled(Exception):
    """The run's wall time ran out long before its CPU time: the machine's fault."""


class Superseded(Exception):
    """This worker was presumed dead and the run handed to another; stop quietly."""


class Preempted(Exception):
    """A presenter's or a talk's default run is waiting; this visitor's run goes back in line."""


@task(backend="demos")
def run_demo(run_id: int) -> str:
    # Whoever starts work first picks up what dead workers left behind.
    recover_lost_runs()
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
    from demos.execution import execute, translated_figures
    from demos.replay import replay_figure

    _limit_threads()
    reporter = RunReporter(run)
    try:
        demo = run.demo
        # Stored parameters are JSON (validated as JSON so arrays become tuples) and were
        # within their requester's budget when asked for: no budget applies here.
        params = demo.params.model_validate_json(
            json.dumps(run.params), context={"seconds_budget": None}
        )
        execution = execute(demo, params, reporter)
    except Superseded:
        return "superseded"
    except Preempted:
        requeue_preempted(run)
        return "pre-empted"
    except OverTimeLimit:
        limit = settings.DEMO_RUN_TIME_LIMIT
        return reporter.finish_failed(
            DemoRun.Failure.TIME_LIMIT,
            f"Stopped at the time limit of {limit:g} s; choose fewer steps or a smaller model.",
        )
    except (Stalled, DatabaseError):
        logger.warning("Demo run %s hit a fault of the machine; it stays retryable", run_id)
        return reporter.finish_failed(
            DemoRun.Failure.INFRASTRUCTURE,
            "The server was too busy to finish this run; ask for it again.",
        )
    except Exception:
        logger.exception("Demo run %s failed", run_id)
        return reporter.finish_failed(
            DemoRun.Failure.ERROR,
            "The simulation stopped with an error; the site's maintainers can see why.",
        )
    record = execution.as_json()
    figure = compact_figure(record["figure"])
    # The same result drawn again in each other language: computed once, read in any.
    translations = {
        language: compact_figure(drawn)
        for language, drawn in translated_figures(demo, execution.result).items()
    }
    replays = {}
    if run.recorded_at_talk:
        for language, final in {settings.LANGUAGE_CODE: figure, **translations}.items():
            with translation.override(language):
                replays[language] = replay_figure(final, reporter.snapshots_in(language))
    reporter.finish(
        status=DemoRun.Status.DONE,
        progress=1.0,
        result=round_floats(record["result"]),
        figure=figure,
        figure_translations=translations,
        replay=replays.pop(settings.LANGUAGE_CODE, None),
        replay_translations=replays,
        seconds=record["meta"]["seconds"],
        versions=record["meta"]["versions"],
    )
    return "done"


def _limit_threads() -> None:
    # Torch's (and numpy's BLAS) default of one thread per core makes two busy processes on a
    # small host thrash, and the cost model's predictions assume this many threads.
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(settings.DEMO_TORCH_THREADS)
    threadpool_limits(settings.DEMO_TORCH_THREADS)


class RunReporter:
    """The progress callback: enforces the time limits, writes progress every so often, and
    steps a visitor's run aside when a more urgent one waits."""

    def __init__(self, run: DemoRun):
        self.run = run
        self.started = time.monotonic()
        self.started_cpu = time.process_time()
        self.last_write = -PROGRESS_INTERVAL
        self.chart_written = False
        self.last_preempt_check = -PREEMPT_CHECK_INTERVAL
        # (fraction, {language: partial figure}) for the replay, in every language.
        self.snapshots: list[tuple[float, dict[str, dict]]] = []
        self.keep_snapshots = run.recorded_at_talk

    def __call__(self, fraction: float, partial) -> None:
        elapsed = time.monotonic() - self.started
        self._check_limits(elapsed)
        if elapsed - self.last_preempt_check >= PREEMPT_CHECK_INTERVAL:
            self.last_preempt_check = elapsed
            self._check_preempted()
        snapshot_due = (
            self.keep_snapshots
            and partial is not None
            and (fraction >= (len(self.snapshots) + 1) / REPLAY_FRAMES)
        )
        # The first chart is written as soon as there is one: a visitor is watching for it.
        first_chart = not self.chart_written and partial is not None
        write_due = first_chart or elapsed - self.last_write >= PROGRESS_INTERVAL
        if not (snapshot_due or write_due):
            return
        figures = self._partial_figures(partial)
        if snapshot_due and figures:
            self.snapshots.append((fraction, figures))
        if write_due:
            self.last_write = elapsed
            others = dict(figures)  # the snapshot keeps every language
            figure = others.pop(settings.LANGUAGE_CODE, None)
            try:
                self._write(
                    progress=fraction,
                    figure=figure,
                    figure_translations=others,
                    heartbeat_at=timezone.now(),
                )
                self.chart_written = self.chart_written or figure is not None
            except DatabaseError:
                # Progress is a courtesy; a busy database must not cost the run itself.
                logger.warning("Run %s: progress not written (database busy)", self.run.pk)

    def _check_limits(self, elapsed: float) -> None:
        # CPU time measures the work the parameters asked for; a host that stalls the run
        # (a locked database, a busy machine) uses wall time without it.
        if time.process_time() - self.started_cpu > settings.DEMO_RUN_TIME_LIMIT:
            raise OverTimeLimit
        if elapsed > settings.DEMO_RUN_WALL_LIMIT:
            raise Stalled

    def _check_preempted(self) -> None:
        grace = timezone.now() - timedelta(seconds=settings.DEMO_PREEMPT_GRACE)
        try:
            waiting = DemoRun.objects.filter(
                status=DemoRun.Status.QUEUED,
                priority__gt=self.run.priority,
                queued_at__lte=grace,
            ).exists()
        except DatabaseError:
            return
        if waiting:
            raise Preempted

    def _partial_figures(self, partial) -> dict[str, dict]:
        """The partial result's figure in each language, by code ({} before there is one)."""
        # A demo reports no partial result until it has something to draw (the contract tests
        # draw the partials each demo reports), so an error here is a bug and reaches the log.
        if partial is None:
            return {}
        from demos.execution import translated_figures

        figure = json.loads(self.run.demo.figure(partial).to_json())
        drawn = {settings.LANGUAGE_CODE: figure, **translated_figures(self.run.demo, partial)}
        return {
            language: compact_figure(figure, PARTIAL_POINTS) for language, figure in drawn.items()
        }

    def snapshots_in(self, language: str) -> list[tuple[float, dict]]:
        """The snapshots' figures in ``language``, for its replay."""
        return [(fraction, figures[language]) for fraction, figures in self.snapshots]

    def finish_failed(self, failure: str, error: str) -> str:
        self.finish(
            status=DemoRun.Status.FAILED,
            failure=failure,
            error=error,
            figure=None,
            figure_translations={},
        )
        return failure or "failed"

    def finish(self, **fields) -> None:
        """Store the outcome, waiting out a busy database for a while; if it stays busy the run
        is left running, so the next worker's recovery retries it."""
        deadline = time.monotonic() + FINISH_RETRY_SECONDS
        delay = 0.5
        while True:
            try:
                self._write(finished_at=timezone.now(), **fields)
                return
            except Superseded:
                logger.warning("Run %s was handed to another worker; result dropped", self.run.pk)
                return
            except DatabaseError:
                if time.monotonic() > deadline:
                    logger.exception("Run %s: outcome not stored (database busy)", self.run.pk)
                    return
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write(self, **fields) -> None:
        # Only while this worker still holds the run: a recovered run belongs to its next attempt.
        updated = DemoRun.objects.filter(
            pk=self.run.pk, status=DemoRun.Status.RUNNING, attempts=self.run.attempts
        ).update(**fields)
        if not updated:
            raise Superseded
