"""Worker processes in tests: the database they share with the test, and waiting on them."""

import subprocess
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database as a DATABASE_URL, for a worker started in another process."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def stop(worker: subprocess.Popen) -> None:
    worker.kill()
    worker.wait(timeout=10)


def wait_for(condition, seconds: float, poll: float = 0.1) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(poll)
    return time.monotonic() - started
