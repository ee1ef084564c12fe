"""DemoRun through the real task queue: computed once, limits on new work, lost workers retried."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from demos import tasks
from demos.models import DemoRun, run_key
from demos.registry import get_demo
from demos.runs import QueueFull, RateLimited, recover_lost_runs, request_run
from tests.demos.conftest import run_worker

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


def quadratic(**values):
    return QUADRATIC.params.model_validate(values)


def test_a_task_runs_a_demo_run_to_completion(generous_limits):
    run, created = request_run(QUADRATIC, quadratic(step_size=0.21))
    assert created and run.status == DemoRun.Status.QUEUED
    assert DBTaskResult.objects.filter(task_path="demos.tasks.run_demo").count() == 1
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE
    assert run.progress == 1.0 and run.attempts == 1 and run.seconds > 0
    assert run.key == run_key(QUADRATIC, quadratic(step_size=0.21))
    assert run.versions["code"] == QUADRATIC.code_version and "torch" in run.versions
    assert run.result["diverged"] is True  # 0.21 > 2/10
    assert "diverges" in run.figure["layout"]["title"]["text"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_the_same_parameters_are_computed_once(generous_limits):
    first, _ = request_run(QUADRATIC, quadratic(steps=30))
    run_worker()
    again, created = request_run(QUADRATIC, quadratic(steps=30), client="someone-else")
    assert again.pk == first.pk and not created
    assert DBTaskResult.objects.count() == 1  # no second task
    other, created = request_run(QUADRATIC, quadratic(steps=31))
    assert created and other.pk != first.pk


def test_partial_figures_are_written_while_it_runs(generous_limits, monkeypatch):
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0.0)
    writes = []
    original = tasks.RunReporter._write

    def spy(self, **fields):
        writes.append(fields)
        original(self, **fields)

    monkeypatch.setattr(tasks.RunReporter, "_write", spy)
    demo = get_demo("implicit-bias")
    request_run(demo, demo.params.model_validate({"steps": 4000, "examples": 30}))
    run_worker()
    partial = [w for w in writes if "heartbeat_at" in w]
    fractions = [w["progress"] for w in partial]
    assert len(partial) > 10 and fractions == sorted(fractions) and 0 < fractions[5] < 1
    drawn = [w["figure"] for w in partial if w["figure"]]
    assert drawn and drawn[0]["data"][0]["type"] == "scatter"
    assert writes[-1]["status"] == DemoRun.Status.DONE


def test_the_first_partial_chart_is_written_as_soon_as_there_is_one(generous_limits, monkeypatch):
    # Progress is written every PROGRESS_INTERVAL, but a visitor waits for the first chart.
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 3600.0)
    run, _ = request_run(QUADRATIC, quadratic(steps=12))
    run.status = DemoRun.Status.RUNNING
    DemoRun.objects.filter(pk=run.pk).update(status=run.status)
    compute = QUADRATIC.compute
    partial = compute.run(quadratic(steps=12))
    reporter = tasks.RunReporter(run)
    reporter(0.1, None)  # nothing to draw yet: progress alone
    run.refresh_from_db()
    assert run.progress == 0.1 and run.figure is None
    reporter(0.2, partial)  # the first chart: written at once
    run.refresh_from_db()
    assert run.progress == 0.2 and run.figure["data"]
    reporter(0.3, partial)  # later ones wait for the interval
    run.refresh_from_db()
    assert run.progress == 0.2


def test_a_run_over_the_time_limit_fails_with_the_reason(generous_limits, settings):
    settings.DEMO_RUN_TIME_LIMIT = 0
    run, _ = request_run(QUADRATIC, quadratic())
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED
    assert run.failure == DemoRun.Failure.TIME_LIMIT and "time limit" in run.error


def test_an_error_in_the_simulation_fails_the_run_without_leaking_details(
    generous_limits, monkeypatch
):
    def broken(params, progress=None):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(QUADRATIC.compute, "run", broken)
    run, _ = request_run(QUADRATIC, quadratic())
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED and run.failure == DemoRun.Failure.ERROR
    assert "secret" not in run.error


def stale_running_run(attempts: int) -> DemoRun:
    """A run as a killed worker leaves it: running, silent for a minute."""
    run, _ = request_run(QUADRATIC, quadratic(steps=12 + attempts))
    DBTaskResult.objects.update(status="RUNNING")  # claimed by the worker that died
    DemoRun.objects.filter(pk=run.pk).update(
        status=DemoRun.Status.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(minutes=1),
    )
    run.refresh_from_db()
    return run


def test_a_run_whose_worker_died_is_retried(generous_limits):
    run = stale_running_run(attempts=1)
    assert recover_lost_runs() == 1
    run.refresh_from_db()
    assert run.status == DemoRun.Status.QUEUED
    run_worker()  # the retry's new task
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE and run.attempts == 2


def test_a_run_that_used_its_attempts_is_marked_failed(generous_limits, settings):
    run = stale_running_run(attempts=settings.DEMO_RUN_ATTEMPTS)
    assert recover_lost_runs() == 1
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED and run.failure == DemoRun.Failure.WORKER_LOST
    assert "stopped" in run.error
    # Asking again later is worth a fresh try: the machine failed, not the parameters.
    again, created = request_run(QUADRATIC, quadratic(steps=12 + settings.DEMO_RUN_ATTEMPTS))
    assert again.pk == run.pk and created and again.status == DemoRun.Status.QUEUED


def test_a_live_run_is_not_recovered(generous_limits):
    run = stale_running_run(attempts=1)
    DemoRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert recover_lost_runs() == 0


def test_a_worker_presumed_dead_cannot_overwrite_the_retry(generous_limits):
    run = stale_running_run(attempts=1)
    reporter = tasks.RunReporter(run)  # the first worker, still holding attempt 1
    recover_lost_runs()
    with pytest.raises(tasks.Superseded):
        reporter(0.5, None)  # its next progress report finds the run handed on
    reporter.finish(status=DemoRun.Status.DONE)  # and its result is dropped
    run.refresh_from_db()
    assert run.status == DemoRun.Status.QUEUED


def test_rate_limit_counts_new_runs_per_client(settings):
    settings.DEMO_RATE_LIMIT, settings.DEMO_RATE_WINDOW = 2, 60
    settings.DEMO_QUEUE_LIMIT = 100
    request_run(QUADRATIC, quadratic(steps=20), client="a")
    request_run(QUADRATIC, quadratic(steps=21), client="a")
    with pytest.raises(RateLimited) as refused:
        request_run(QUADRATIC, quadratic(steps=22), client="a")
    assert refused.value.status == 429 and 1 <= refused.value.retry_after <= 60
    # Stored runs are served whatever the limit; other clients are not affected.
    assert request_run(QUADRATIC, quadratic(steps=20), client="a")[1] is False
    assert request_run(QUADRATIC, quadratic(steps=22), client="b")[1] is True


def test_queue_depth_limit(settings):
    settings.DEMO_RATE_LIMIT, settings.DEMO_QUEUE_LIMIT = 100, 2
    request_run(QUADRATIC, quadratic(steps=20), client="a")
    request_run(QUADRATIC, quadratic(steps=21), client="b")
    with pytest.raises(QueueFull) as refused:
        request_run(QUADRATIC, quadratic(steps=22), client="c")
    assert refused.value.status == 503 and refused.value.retry_after > 0
    run_worker()  # the queue drains, new work is accepted again
    assert request_run(QUADRATIC, quadratic(steps=22), client="c")[1] is True


def test_presenter_runs_are_kept_apart_and_jump_the_queue(series, generous_limits):
    from tests.factories import make_talk

    talk = make_talk(series)
    shared, _ = request_run(QUADRATIC, quadratic(), talk=talk)
    recorded, created = request_run(QUADRATIC, quadratic(), talk=talk, recorded_at_talk=True)
    assert created and recorded.pk != shared.pk and recorded.recorded_at_talk
    again, created = request_run(QUADRATIC, quadratic(), talk=talk, recorded_at_talk=True)
    assert again.pk == recorded.pk and not created
    priorities = dict(DBTaskResult.objects.values_list("args_kwargs__args__0", "priority"))
    assert priorities[recorded.pk] > priorities[shared.pk]
    run_worker()
    recorded.refresh_from_db()
    frames = recorded.replay["frames"]
    assert len(frames) >= 2 and frames[-1]["name"] == "100%"
    assert list(DemoRun.objects.recorded_at(talk)) == [recorded]
