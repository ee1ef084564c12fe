"""A real `manage.py db_worker` process killed mid-run: the run is retried, never stuck running."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import recover_stale_runs, request_run
from tests.conftest import require
from tests.demos.conftest import run_worker

ROOT = Path(__file__).resolve().parents[2]
EDGE = get_demo("edge-of-stability")


def worker_process() -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.test",
    }
    command = ["manage.py", "db_worker", "--backend", "demos", "--no-reload", "--interval", "0.1"]
    return subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env)


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_a_run_that_is_retried(settings):
    require(connection.vendor == "postgresql", "a worker in another process needs PostgreSQL")
    settings.DEMO_RATE_LIMIT = settings.DEMO_QUEUE_LIMIT = 100
    params = EDGE.params.model_validate({"step_sizes": [0.1], "steps": 3000, "examples": 300})
    run, _ = request_run(EDGE, params)
    worker = worker_process()
    try:

        def computing():
            run.refresh_from_db()
            return run.status == DemoRun.Status.RUNNING and run.progress > 0

        wait_for(computing, seconds=90)
        worker.send_signal(signal.SIGKILL)  # no chance to clean up
        worker.wait(timeout=10)
    finally:
        worker.kill()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.RUNNING and run.attempts == 1  # what it left behind
    settings.DEMO_RUN_STALE_AFTER = 1.0
    time.sleep(1.5)
    assert recover_stale_runs() == 1
    run.refresh_from_db()
    assert run.status == DemoRun.Status.QUEUED and run.progress == 0
    run_worker()  # the retry runs to the end
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE and run.attempts == 2 and run.figure["data"]
