"""Workers that scale: runs per minute with 1 and 2 demo workers, and no run lost or run twice.

Creates a throwaway PostgreSQL database (--database-url names it; it must not exist yet, and is
dropped at the end), migrates it with production settings, then drains the same queue twice:

  queue      --runs visitors' runs (40), each from its own address, asked for through
             demos.runs.request_run as the API does: the six demos round-robin with their
             default parameters and a seed per run (the quadratic, which has none, a start
             point per run), so no two share a key, and --length (3) times their default steps
             (epochs; implicit-bias stops at its bound, 2x), so that one worker drains them in
             a few minutes and the workers' fixed start-up costs weigh little; all queued
             before any worker starts
  drain      N `manage.py demo_worker --interval 0.2` processes (as `make run` starts one) with
             DEMO_TORCH_THREADS=1, timed from their start to the last run's finished_at, then
             stopped with SIGTERM; N = 1, then 2 (the runs and their task rows are deleted
             between drains, so the second drain computes everything again)

Only DEMO_QUEUE_LIMIT is raised (to --runs): one run per address is within every per-client
limit. It prints runs per minute for each drain and their ratio (goal: 2 workers >= 1.8x one
on 2 cores), and the integrity checks of each drain:

  final      every run done, or failed with a failure kind and a message
  lost       every queued run still there, none left queued or running at the end
  once       a run's attempts counter is 1 (the claim that starts a computation, QUEUED to
             RUNNING, increments it in the same UPDATE), it has exactly one task row, that row
             was claimed by one worker (worker_ids) and returned the run's outcome (not
             "not queued" or "superseded", which a duplicate task would return)

Per worker: runs executed (the task row's worker id), median and total compute seconds
(DemoRun.seconds), the seconds its threads ran on a CPU (about its compute seconds plus
startup when torch keeps to one thread) and waited, runnable, for one (/proc/<pid>/schedstat:
2 single-threaded workers on 2 cores should wait little), its startup (from its start to its
first claim; torch loads after that, in its first run) and its idle tail (waiting for the other
worker's last run). The same runs drained by 1 and by 2 workers give a paired slowdown: the
median of each run's compute seconds with 2 workers over its seconds with 1, which shows
whether the 2 workers get in each other's way on 2 cores. "Others' CPU" is the host's busy
CPU seconds during the drain less the workers' own: PostgreSQL, this process's polling, and
anything else on the machine (a noisy neighbour). A drain in which a worker waited for a CPU
over 5% of the time is flagged as noisy; "on a quiet host" estimates each drain's runs per
minute without that wait (the longest of the workers' seconds on a CPU and asleep).

    .venv/bin/python bench/workers.py [--runs 40] [--length 3] [--workers 1 2]
        [--database-url postgres://postgres@127.0.0.1:54330/bench_workers_<pid>]
"""

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from harness import manage
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:54330/bench_workers_{os.getpid()}"
POLL_SECONDS = 0.2
SCHEDULE_FIELDS = ("cpu_s", "cpu_wait_s", "asleep_s", "threads")
NOISY_WAIT = 0.05  # a worker runnable but off a CPU this much of the drain: flagged as noisy
LENGTH_FIELDS = ("steps", "epochs")  # each demo's number of iterations, scaled by --length
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc/stat counts in these


def server_connection(database_url: str) -> psycopg.Connection:
    """A connection to the server's maintenance database, to create and drop the bench's."""
    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def process_schedule(pid: int) -> dict:
    """Seconds a process's threads have run on a CPU, and its main thread (the one computing
    runs) has waited, runnable, for one; its threads."""
    on_cpu = 0
    threads = list(Path(f"/proc/{pid}/task").iterdir())
    for thread in threads:
        on_cpu += int(Path(thread, "schedstat").read_text().split()[0])
    waited = int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1])
    return {"cpu_s": on_cpu / 1e9, "cpu_wait_s": waited / 1e9, "threads": len(threads)}


def host_busy_seconds() -> float:
    """CPU seconds the whole host has spent busy (all cores, not idle or waiting on I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def run_specs(count: int, length: float) -> list[tuple[str, dict]]:
    """The runs to queue: the demos round-robin at their defaults, each run its own key, each
    run's steps (epochs) times ``length``, within their bounds."""
    from demos.registry import DEMOS

    specs = []
    for index in range(count):
        slug = list(DEMOS)[index % len(DEMOS)]
        fields = DEMOS[slug].params.model_fields
        overrides = {"seed": 1000 + index} if "seed" in fields else {"start_1": -4.0 + 0.01 * index}
        name = next(name for name in LENGTH_FIELDS if name in fields)
        bounds = fields[name].metadata
        least = max(getattr(bound, "ge", 1) for bound in bounds)
        most = min(getattr(bound, "le", math.inf) for bound in bounds)
        overrides[name] = min(max(round(fields[name].default * length), least), most)
        specs.append((slug, overrides))
    return specs


def queue_runs(specs: list[tuple[str, dict]]) -> list[int]:
    """Each spec asked for as a visitor from its own address would; the runs' ids."""
    from demos.registry import DEMOS
    from demos.runs import request_run

    ids = []
    for index, (slug, overrides) in enumerate(specs):
        demo = DEMOS[slug]
        # Past a visitor's budget at --length over 1: the budget is not what is measured here.
        params = demo.params.model_validate(
            {**demo.params().model_dump(), **overrides}, context={"seconds_budget": None}
        )
        run, created = request_run(demo, params, client=f"bench-visitor-{index}")
        assert created, f"run {index} ({slug}) was not new"
        ids.append(run.pk)
    return ids


def clear_runs() -> None:
    from django_tasks_db.models import DBTaskResult

    from demos.models import DemoRun, WorkerBeat

    DemoRun.objects.all().delete()
    DBTaskResult.objects.all().delete()
    WorkerBeat.objects.all().delete()


def drain(env: dict, workers: int, run_ids: list[int], workdir: Path, timeout: float) -> dict:
    """Start the workers, wait for every run to finish, stop them; what happened."""
    from django.utils import timezone

    from demos.models import DemoRun

    worker_ids = [f"bench-{n + 1}-of-{workers}" for n in range(workers)]
    logs = [(workdir / f"{worker_id}.log").open("w") for worker_id in worker_ids]
    started_at = timezone.now()
    started = time.monotonic()
    busy_before = host_busy_seconds()
    processes = [
        subprocess.Popen(
            [
                PYTHON,
                *("manage.py", "demo_worker", "--interval", "0.2"),
                *("--no-startup-delay", "--worker-id", worker_id),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for worker_id, log in zip(worker_ids, logs, strict=True)
    ]
    finished = DemoRun.objects.filter(
        pk__in=run_ids, status__in=[DemoRun.Status.DONE, DemoRun.Status.FAILED]
    )
    deadline = time.monotonic() + timeout
    while finished.count() < len(run_ids) and time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            break  # a worker died: report what it left
        time.sleep(POLL_SECONDS)
    busy = host_busy_seconds() - busy_before
    schedule = {
        worker_id: process_schedule(process.pid)
        for worker_id, process in zip(worker_ids, processes, strict=True)
        if process.poll() is None
    }
    for times in schedule.values():
        # Neither running nor runnable: blocked on the database, sleeping between polls, idle.
        times["asleep_s"] = time.monotonic() - started - times["cpu_s"] - times["cpu_wait_s"]
    # As `make run` stops its worker: SIGTERM, which an idle worker obeys at once.
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, log in zip(processes, logs, strict=True):
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.returncode not in (0, -signal.SIGTERM):
            tail = Path(log.name).read_text()[-3000:]
            print(f"worker exited with {process.returncode}; its log ends:\n{tail}")
    return report(run_ids, worker_ids, started_at, schedule, busy)


def report(
    run_ids: list[int], worker_ids: list[str], started_at, schedule: dict, busy: float
) -> dict:
    from django_tasks_db.models import DBTaskResult

    from demos.models import DemoRun

    runs = {run.pk: run for run in DemoRun.objects.filter(pk__in=run_ids)}
    tasks = defaultdict(list)
    for task in DBTaskResult.objects.all():
        tasks[task.args_kwargs["args"][0]].append(task)
    last_finish = max((run.finished_at for run in runs.values() if run.finished_at), default=None)
    wall = (last_finish - started_at).total_seconds() if last_finish else math.nan

    problems = []
    for run_id in run_ids:
        run = runs.get(run_id)
        if run is None:
            problems.append(f"run {run_id}: lost (its row is gone)")
            continue
        if run.status == DemoRun.Status.FAILED and not (run.failure and run.error):
            problems.append(f"run {run_id}: failed without a reason")
        elif not run.is_finished:
            problems.append(f"run {run_id}: lost (still {run.status})")
        if run.attempts != 1:
            problems.append(f"run {run_id}: {run.attempts} attempts")
        rows = tasks.get(run_id, [])
        if len(rows) != 1:
            problems.append(f"run {run_id}: {len(rows)} task rows")
        for row in rows:
            outcome = "done" if run.status == DemoRun.Status.DONE else run.failure
            if (
                len(row.worker_ids) != 1
                or row.return_value != outcome
                or str(row.id) != run.task_id
            ):
                problems.append(
                    f"run {run_id}: task {row.id} {row.status} by {row.worker_ids}"
                    f" returned {row.return_value!r}"
                )

    per_worker = {}
    for worker_id in worker_ids:
        ran = [
            (run, row)
            for run_id, run in runs.items()
            for row in tasks.get(run_id, [])
            if row.worker_ids[-1:] == [worker_id] and run.seconds is not None
        ]
        seconds = [run.seconds for run, _ in ran]
        worker_first = min((run.started_at for run, _ in ran), default=None)
        worker_last = max((run.finished_at for run, _ in ran), default=None)
        per_worker[worker_id] = {
            "runs": len(ran),
            "median_s": statistics.median(seconds) if seconds else math.nan,
            "compute_s": sum(seconds),
            **schedule.get(worker_id, dict.fromkeys(SCHEDULE_FIELDS, math.nan)),
            "startup_s": (worker_first - started_at).total_seconds() if ran else wall,
            "idle_tail_s": (last_finish - worker_last).total_seconds() if ran else wall,
        }
    statuses = Counter(run.status for run in runs.values())
    return {
        "workers": len(worker_ids),
        "runs": len(run_ids),
        "wall_s": wall,
        "runs_per_minute": len(run_ids) / wall * 60,
        "statuses": dict(statuses),
        "problems": problems,
        "per_worker": per_worker,
        "cpu_s": sum(times["cpu_s"] for times in schedule.values()),
        "quiet_runs_per_minute": len(run_ids)
        / max(times["cpu_s"] + times["asleep_s"] for times in schedule.values())
        * 60,
        "others_cpu_s": busy - sum(times["cpu_s"] for times in schedule.values()),
        "failures": [
            f"run {run.pk} ({run.demo_slug}): {run.failure}: {run.error}"
            for run in runs.values()
            if run.status == DemoRun.Status.FAILED
        ],
        "seconds_by_spec": [runs[run_id].seconds if run_id in runs else None for run_id in run_ids],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="a PostgreSQL database that does not exist yet: created, used, then dropped",
    )
    parser.add_argument(
        "--length",
        type=float,
        default=3.0,
        help="each run's steps (epochs) as a multiple of the demo's default (default: 3)",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=900, help="seconds per drain at most")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    name = database_name(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "DEMO_TORCH_THREADS": "1",
        # All the runs wait at once; each comes from its own address, so no per-client limit
        # applies.
        "DEMO_QUEUE_LIMIT": str(args.runs),
    }
    with server_connection(args.database_url) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        print(f"setting up: database {name}, migrate ...", flush=True)
        manage(env, "migrate", "--noinput")
        # The project (demos.*) is imported only from here on, once its settings are set.
        os.environ.update(env)
        import django

        django.setup()
        specs = run_specs(args.runs, args.length)
        drains = []
        for workers in args.workers:
            clear_runs()
            run_ids = queue_runs(specs)
            print(f"draining {len(run_ids)} runs with {workers} worker(s) ...", flush=True)
            drains.append(drain(env, workers, run_ids, workdir, args.timeout))
    finally:
        from django.db import connections

        connections.close_all()
        with server_connection(args.database_url) as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    mix = Counter(slug for slug, _ in specs)
    print(f"\n{args.runs} runs: " + ", ".join(f"{n} {slug}" for slug, n in mix.items()))
    print(f"host: {os.cpu_count()} cores; DEMO_TORCH_THREADS=1; times from the workers' start")
    print(f"{'workers':>7} {'wall s':>7} {'runs/min':>8} {'vs 1':>5}  statuses   integrity")
    base = drains[0]["runs_per_minute"]
    for result in drains:
        statuses = " ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))
        integrity = "ok" if not result["problems"] else f"{len(result['problems'])} problems"
        print(
            f"{result['workers']:7d} {result['wall_s']:7.1f} {result['runs_per_minute']:8.1f}"
            f" {result['runs_per_minute'] / base:5.2f}  {statuses:10} {integrity}"
        )
    print(
        "\nintegrity: every run final (done, or failed with a reason), none lost, each run"
        " claimed once (attempts 1) by one task row claimed by one worker"
    )
    for result in drains:
        for problem in result["problems"]:
            print(f"  {result['workers']} worker(s): {problem}")

    print(
        "\nper worker: runs executed; compute s (DemoRun.seconds) per run, median, and in all;"
        " its threads' s on a CPU (about compute s plus start-up; well above, torch would have"
        " run more than one thread), s runnable but waiting for a CPU, s asleep (blocked on the"
        " database, polling, idle);"
        " its threads at the end; s from its start to its first claim; s idle at the end"
    )
    print(
        f"  {'worker':12} {'runs':>4} {'median':>6} {'compute':>7} {'on CPU':>6}"
        f" {'waiting':>7} {'asleep':>6} {'threads':>7} {'startup':>7} {'idle tail':>9}"
    )
    for result in drains:
        for worker_id, row in result["per_worker"].items():
            print(
                f"  {worker_id:12} {row['runs']:4d} {row['median_s']:6.2f} {row['compute_s']:7.1f}"
                f" {row['cpu_s']:6.1f} {row['cpu_wait_s']:7.1f} {row['asleep_s']:6.1f}"
                f" {row['threads']:7} {row['startup_s']:7.1f}"
                f" {row['idle_tail_s']:9.1f}"
            )
        print(
            f"  {'':12} others' CPU during the drain (PostgreSQL, this poller, neighbours):"
            f" {result['others_cpu_s']:.1f} s of {result['wall_s'] * os.cpu_count():.0f}"
        )
        waited = max(row["cpu_wait_s"] for row in result["per_worker"].values())
        if waited > NOISY_WAIT * result["wall_s"]:
            print(
                f"  {'':12} a worker waited for a CPU {waited / result['wall_s']:.0%} of the"
                " drain: the host was busy, these figures are noisy"
            )
    for result in drains[1:]:
        pairs = [
            b / a
            for a, b in zip(drains[0]["seconds_by_spec"], result["seconds_by_spec"], strict=True)
            if a and b
        ]
        print(
            f"\nsame runs, {result['workers']} workers vs {drains[0]['workers']}: compute seconds"
            f" x{statistics.median(pairs):.2f} (median of {len(pairs)} runs; 1.00 = as fast),"
            f" the workers' CPU seconds in all x{result['cpu_s'] / drains[0]['cpu_s']:.2f}"
        )
    # Had nothing else taken a CPU: each worker's time on a CPU and asleep, the longest of them.
    print("\non a quiet host (estimate: no time spent waiting for a CPU):")
    for result in drains:
        print(
            f"  {result['workers']} worker(s): {result['quiet_runs_per_minute']:5.1f} runs/min,"
            f" x{result['quiet_runs_per_minute'] / drains[0]['quiet_runs_per_minute']:.2f}"
        )
    failures = [
        f"  {result['workers']} worker(s): {failure}"
        for result in drains
        for failure in result["failures"]
    ]
    if failures:
        # Default parameters always finish: a failure is a bug or a machine fault, and a drain
        # that computed fewer runs is not comparable with one that computed them all.
        print("\nFAILED runs (the drains did not compute the same work):", *failures, sep="\n")
    print(json.dumps([{k: v for k, v in r.items() if k != "seconds_by_spec"} for r in drains]))
    if failures or any(result["problems"] for result in drains):
        sys.exit(f"worker logs kept in {workdir}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
