"""Serving speed: a talk page with charts and a finished run's API fetch, under 32 connections.

Sets up a throwaway site with production settings (DEBUG off, hashed compressed static files),
the seeded first talk and its demo runs computed by the real worker, then serves it with
gunicorn (2 workers) on 127.0.0.1 and loads it with wrk (Debian's `wrk` package):

  talk page    /talks/theoretical-basis-of-deep-learning/   (six charts embedded)
  run fetch    /api/runs/<id>   (the edge-of-stability default run, done)
  static file  a small hashed static file served by the same gunicorn (WhiteNoise)

It prints p50/p99 server time (gunicorn's own measure of each request, from its access log),
latency as wrk sees it (which adds the wait for one of the 2 workers), requests per second
(and as a ratio to the static file), errors, the size of the run's JSON, and the bytes a first
and a repeat visit to the talk page transfer. Last, each gunicorn worker's memory once it has
served the talk page and accepted a run: resident and peak RSS, and whether torch, scikit-learn
or scipy is mapped into it (the web tier must never import the compute stack).

    .venv/bin/python bench/web.py [--seconds 10] [--connections 32]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TALK = "/talks/theoretical-basis-of-deep-learning/"


def manage(env, *args) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label):
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in match.groups())
    return {
        "p50": ms("50%"),
        "p99": ms("99%"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "errors": errors,
    }


def server_times(access_log: Path, path: str) -> dict:
    times = sorted(
        int(line.split()[1]) / 1000
        for line in access_log.read_text().splitlines()
        if line.split()[:1] == [path]
    )
    return {
        "server_p50": statistics.median(times),
        "server_p99": times[min(len(times) - 1, int(0.99 * len(times)))],
    }


def fetch(url: str, encoding: str = "br, gzip") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request) as response:
        return response.status, dict(response.headers), response.read()


HEAVY_LIBRARIES = {"torch": "/torch/", "scikit-learn": "/sklearn/", "scipy": "/scipy/"}


def worker_memory(master_pid: int) -> list[dict]:
    """RSS, peak RSS (MB) and heavy libraries mapped, for each of gunicorn's worker processes."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    workers = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = {
            k: int(v.split()[0]) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.*)$", status, re.M)
        }
        maps = Path(f"/proc/{pid}/maps").read_text()
        workers.append(
            {
                "pid": int(pid),
                "rss_mb": kib["VmRSS"] / 1024,
                "peak_rss_mb": kib["VmHWM"] / 1024,
                "heavy": [name for name, part in HEAVY_LIBRARIES.items() if part in maps],
            }
        )
    return workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{args.port}",
        "MEDIA_ROOT": str(workdir / "media"),
        # The memory probe below accepts 8 runs from one address, more than a visitor may queue.
        "DEMO_CLIENT_RUN_LIMIT": "100",
    }
    print("setting up: migrate, seed, compute the default runs, collectstatic ...", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo_content")
    manage(env, "demo_worker", "--batch", "--no-startup-delay")
    manage(env, "collectstatic", "--noinput")
    run_id = manage(
        env,
        "shell",
        "-c",
        "from demos.models import DemoRun;"
        "print(DemoRun.objects.get(demo_slug='edge-of-stability', status='done').public_id)",
    ).split()[-1]

    access_log = workdir / "access.log"
    gunicorn = ["gunicorn", "seminar_site.wsgi", "--workers", "2", "--log-level", "warning"]
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            *gunicorn,
            "--bind",
            f"127.0.0.1:{args.port}",
            # Server time: from the worker reading the request to the response written, in us.
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(U)s %(D)s",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                fetch(base + TALK)
                break
            except OSError:
                time.sleep(0.2)
        status, _, html = fetch(base + TALK, encoding="identity")
        assert status == 200 and b"demo-chart" in html
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html.decode())
        static = next(a for a in assets if a.endswith(".svg"))

        # Bytes on the wire: the page and its scripts and styles, compressed as a browser asks.
        first = len(fetch(base + TALK)[2])
        for asset in assets:
            _, headers, body = fetch(base + asset)
            first += len(body)
        _, page_headers, page_body = fetch(base + TALK)
        _, run_headers, run_body = fetch(base + f"/api/runs/{run_id}", encoding="identity")
        _, static_headers, _ = fetch(base + static)
        print(
            f"talk page HTML {len(html) / 1024:.0f} KB raw, {len(page_body) / 1024:.0f} KB as"
            f" sent ({page_headers.get('Content-Encoding', 'identity')})"
        )
        print(f"first visit: {first / 1024:.0f} KB transferred ({len(assets)} static files)")
        print(
            f"repeat visit: {len(page_body) / 1024:.0f} KB (static files cached:"
            f" {static_headers.get('Cache-Control')})"
        )
        print(f"finished run JSON: {len(run_body) / 1024:.0f} KB")

        rows = {}
        for name, path in (
            ("talk page", TALK),
            ("run fetch", f"/api/runs/{run_id}"),
            ("static file", static),
        ):
            access_log.write_text("")
            rows[name] = wrk(base + path, args.seconds, args.connections)
            time.sleep(0.5)  # let gunicorn flush its log
            rows[name].update(server_times(access_log, path))
        # Every worker validates and accepts a run (a new parameter set each), then is measured.
        for attempt in range(8):
            body = json.dumps({"steps": 40 + attempt}).encode()
            request = urllib.request.Request(
                base + "/api/demos/quadratic-stability/runs",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request) as response:
                assert response.status in (200, 202), response.status
        memory = worker_memory(server.pid)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    static_rps = rows["static file"]["rps"]
    print(f"\n{args.connections} connections, {args.seconds} s each, gunicorn 2 workers, loopback")
    print("times in ms; server = gunicorn's time per request, client = wrk's (adds queueing)")
    print(
        f"{'':12} {'server p50':>10} {'server p99':>10} {'client p50':>10} {'client p99':>10}"
        f" {'req/s':>7} {'vs static':>9} {'errors':>6}"
    )
    for name, row in rows.items():
        print(
            f"{name:12} {row['server_p50']:10.1f} {row['server_p99']:10.1f} {row['p50']:10.1f}"
            f" {row['p99']:10.1f} {row['rps']:7.0f} {row['rps'] / static_rps:9.2f}"
            f" {row['errors']:6d}"
        )
    print("\ngunicorn workers after serving the talk page and accepting runs:")
    for worker in memory:
        heavy = ", ".join(worker["heavy"]) or "none"
        print(
            f"  pid {worker['pid']}: RSS {worker['rss_mb']:.0f} MB,"
            f" peak {worker['peak_rss_mb']:.0f} MB, compute libraries loaded: {heavy}"
        )
    print(json.dumps({**rows, "workers": memory}))


if __name__ == "__main__":
    main()
