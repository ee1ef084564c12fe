"""What the benchmarks share: manage.py in a tree, and an earlier revision beside today's code
(a throwaway git worktree of it, with the untracked files a run needs linked in) for the ones
that measure both in one run."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Installed by `make setup`, not committed: plotly.js's bundle and ESLint.
UNTRACKED_NEEDS = (".cache", "node_modules")


def scratch_site(prefix: str, database_url: str = "", **environment: str) -> None:
    """Django set up in this process on a migrated scratch database (a new SQLite file, or
    ``database_url``), with dev settings and ``environment``: for benchmarks that call the
    site's code directly."""
    scratch = tempfile.mkdtemp(prefix=prefix)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "seminar_site.settings.dev"
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def manage(env: dict, *args: str, root: Path = ROOT) -> str:
    """``manage.py args`` in ``root`` (this tree, or a baseline's); its output, or exit."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """A checkout of ``revision``, removed afterwards; the same virtual environment runs it."""
    path = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--force", str(path), revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for name in UNTRACKED_NEEDS:
        if (ROOT / name).exists():
            (path / name).symlink_to(ROOT / name)
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class ServedSite:
    base: str  # http://127.0.0.1:PORT
    env: dict  # the environment it was set up and is served with
    workdir: Path  # its database, media and logs
    access_log: Path  # gunicorn's: "path microseconds" per request
    server: subprocess.Popen  # gunicorn's master


@contextmanager
def served_site(root: Path, port: int, **environment: str) -> Iterator[ServedSite]:
    """The code in ``root`` as production runs it (DEBUG off, hashed compressed static files,
    gunicorn with 2 workers on 127.0.0.1:``port``), with the seeded first talk and its demo
    runs computed by the real worker; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-site-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port}",
        "MEDIA_ROOT": str(workdir / "media"),
        "PAGE_CACHE_STAMP_FILE": str(workdir / "pages.stamp"),
        **environment,
    }
    print(f"{root}: migrate, seed, compute the default runs, collectstatic ...", flush=True)
    for command in (
        ["migrate", "--noinput"],
        ["seed_demo_content"],
        ["demo_worker", "--batch", "--no-startup-delay"],
        ["collectstatic", "--noinput"],
    ):
        manage(env, *command, root=root)
    access_log = workdir / "access.log"
    server = subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", "seminar_site.wsgi", "--workers", "2"),
            *("--log-level", "warning", "--bind", f"127.0.0.1:{port}"),
            # Server time: from the worker reading the request to the response written, in us.
            *("--access-logfile", str(access_log), "--access-logformat", "%(U)s %(D)s"),
        ],
        cwd=root,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/").read()
                break
            except OSError:
                time.sleep(0.2)
        yield ServedSite(base, env, workdir, access_log, server)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
