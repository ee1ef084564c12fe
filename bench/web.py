"""Serving speed: the site's pages for visitors and editors and a run's API fetch, under load.

Sets up a throwaway site with production settings (DEBUG off, hashed compressed static files),
the seeded first talk and its demo runs computed by the real worker, then serves it with
gunicorn (2 workers) on 127.0.0.1 and loads it with wrk (Debian's `wrk` package), 32
connections asking for compressed answers as browsers do:

  home, talks        /  and  /talks/  for a visitor (not signed in)
  talk page          /talks/theoretical-basis-of-deep-learning/   (six charts embedded)
  talk page, 304     the same, by a browser that has it (If-None-Match)
  talk page, editor  the same, signed in (never served from the visitors' cache)
  run fetch          /api/runs/<id>   (the edge-of-stability default run, done)
  static file        a small hashed static file served by the same gunicorn (WhiteNoise)

It prints p50/p99 server time (gunicorn's own measure of each request, from its access log),
latency as wrk sees it (which adds the wait for one of the 2 workers), requests per second
(and as a ratio to the static file), errors, the size of the run's JSON, and the bytes a first
and a repeat visit to the talk page transfer. Cold: the talk page's first request after each of
several publications (so nothing of it is cached), one at a time. Last, each gunicorn worker's
memory once it has served the talk page and accepted a run: resident and peak RSS, and whether
torch, scikit-learn or scipy is mapped into it (the web tier must never import the compute
stack).

With --baseline REV it measures REV first (a git worktree of it, served the same way), then
today's code, and prints both with their ratios.

    .venv/bin/python bench/web.py [--seconds 10] [--connections 32] [--baseline REV]
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness import ServedSite, manage, served_site, worktree

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TALK = "/talks/theoretical-basis-of-deep-learning/"


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict:
    flags = [f"--header={name}: {value}" for name, value in headers.items()]
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *flags, url],
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


def fetch(url: str, encoding: str = "br, gzip", **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding, **headers})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # a 304 among them
        return error.code, dict(error.headers), error.read()


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


# Signed in as an editor: a session made the way Django's test client logs in.
EDITOR_SESSION = (
    "from django.contrib.auth.models import User; from django.test import Client;"
    "user, _ = User.objects.get_or_create(username='bench-editor',"
    " defaults={'is_superuser': True, 'is_staff': True});"
    "client = Client(); client.force_login(user); print(client.cookies['sessionid'].value)"
)
# The talk page's first request after a publication, several times, one request at a time.
COLD = """
import json, time, urllib.request
from talks.models import TalkPage
talk = TalkPage.objects.get(url_path__endswith="/theoretical-basis-of-deep-learning/")
times = []
for _ in range({count}):
    talk.get_latest_revision().publish()
    time.sleep(0.3)
    request = urllib.request.Request("{url}", headers={{"Accept-Encoding": "gzip"}})
    start = time.perf_counter()
    urllib.request.urlopen(request).read()
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps(times))
"""
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}

# Each demo's defaults with a new seed (the quadratic has none: a new step count).
LATENCY_DEMOS = {
    "edge-of-stability": "seed",
    "gd-vs-sgd": "seed",
    "implicit-bias": "seed",
    "homogeneous-margin": "seed",
    "adversarial-vulnerability": "seed",
    "quadratic-stability": "steps",
}


def post_run(base: str, slug: str, params: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/demos/{slug}/runs",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 202), response.status
        return json.loads(response.read())


@dataclass(frozen=True)
class Polling:
    """How the code in a tree follows a run: its page's waits between two looks at the run
    (static/js/demos.js: a first wait growing 1.5 times per look up to the last, or a fixed
    one), and its worker's wait between two looks at the queue (as `make run` starts it)."""

    first_wait: float
    wait: float
    worker_interval: str

    @classmethod
    def of(cls, root: Path) -> "Polling":
        script = (root / "static/js/demos.js").read_text()
        wait = int(re.search(r"\bpollMs: (\d+)", script).group(1)) / 1000
        first = re.search(r"\bfirstPollMs: (\d+)", script)
        interval = re.search(r"demo_worker --interval ([\d.]+)", (root / "Makefile").read_text())
        return cls(int(first.group(1)) / 1000 if first else wait, wait, interval.group(1))


def follow(base: str, run: dict, clicked: float, polling: Polling) -> dict:
    """Looks at a run as a visitor's page does until it is done: when the first partial chart
    and the finished one arrived (seconds from the click), and the run's own computing time."""
    first_chart = None
    wait = polling.first_wait
    while True:
        status, _, body = fetch(base + run["url"], encoding="identity")
        run = json.loads(body)
        now = time.monotonic() - clicked
        if run.get("figure") and first_chart is None:
            first_chart = now
        if run["status"] in ("done", "failed"):
            return {"first_chart": first_chart, "finished": now, "seconds": run["seconds"]}
        time.sleep(wait)
        wait = min(polling.wait, wait * 1.5)


def latency(root: Path, env: dict, base: str, repeats: int) -> list[dict]:
    """Runs asked for one at a time, as visitors would, with one idle worker beside the server."""
    polling = Polling.of(root)
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "demo_worker", "--interval", polling.worker_interval, "-v", "0"],
        cwd=root,
        env=env,
    )
    try:
        # Once the worker has computed one, it is up and idle.
        follow(
            base, post_run(base, "quadratic-stability", {"steps": 97}), time.monotonic(), polling
        )
        timings = []
        for repeat in range(repeats):
            for slug, field in LATENCY_DEMOS.items():
                clicked = time.monotonic()
                run = post_run(base, slug, {field: 2 + repeat})
                timing = follow(base, run, clicked, polling)
                timings.append({"demo": slug, **timing})
        return timings
    finally:
        worker.terminate()
        worker.wait()


def measure(root: Path, args: argparse.Namespace) -> dict:
    """Sets up a site from the code in ``root``, serves it and loads it; the figures."""
    # The memory probe and the latency runs below come from one address, more than a visitor
    # may queue or ask for in a minute.
    limits = {"DEMO_CLIENT_RUN_LIMIT": "100", "DEMO_RATE_LIMIT": "1000"}
    with served_site(root, args.port, **limits) as site:
        return measure_site(root, site, args)


def measure_site(root: Path, site: ServedSite, args: argparse.Namespace) -> dict:
    env, base, access_log = site.env, site.base, site.access_log
    run_id = manage(
        env,
        "shell",
        "-c",
        "from demos.models import DemoRun;"
        "print(DemoRun.objects.get(demo_slug='edge-of-stability', status='done').public_id)",
        root=root,
    ).split()[-1]
    session = manage(env, "shell", "-c", EDITOR_SESSION, root=root).split()[-1]
    figures: dict = {}
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
    etag = page_headers.get("ETag")
    repeat_status, _, repeat_body = (
        fetch(base + TALK, **{"If-None-Match": etag}) if etag else (200, {}, page_body)
    )
    _, run_headers, run_body = fetch(base + f"/api/runs/{run_id}", encoding="identity")
    _, static_headers, _ = fetch(base + static)
    figures["sizes"] = {
        "html_kb": len(html) / 1024,
        "sent_kb": len(page_body) / 1024,
        "encoding": page_headers.get("Content-Encoding", "identity"),
        "first_visit_kb": first / 1024,
        "static_files": len(assets),
        "repeat_status": repeat_status,
        "repeat_kb": len(repeat_body) / 1024,
        "static_cache_control": static_headers.get("Cache-Control"),
        "run_json_kb": len(run_body) / 1024,
    }

    rows = {}
    for name, path, headers in (
        ("home", "/", BROWSER),
        ("talks", "/talks/", BROWSER),
        ("talk page", TALK, BROWSER),
        ("talk page, 304", TALK, {**BROWSER, "If-None-Match": etag or "none"}),
        ("talk, editor", TALK, {**BROWSER, "Cookie": f"sessionid={session}"}),
        ("run fetch", f"/api/runs/{run_id}", BROWSER),
        ("static file", static, BROWSER),
    ):
        access_log.write_text("")
        rows[name] = wrk(base + path, args.seconds, args.connections, headers)
        time.sleep(0.5)  # let gunicorn flush its log
        rows[name].update(server_times(access_log, path))
    figures["rows"] = rows
    cold = COLD.format(count=args.cold, url=base + TALK)
    figures["cold_ms"] = json.loads(manage(env, "shell", "-c", cold, root=root).splitlines()[-1])
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
    figures["workers"] = worker_memory(site.server.pid)
    figures["latency"] = latency(root, env, base, args.latency_repeats)
    figures["polling"] = Polling.of(root).__dict__
    return figures


def first_chart(timing: dict) -> float:
    # A run too quick to report a partial chart shows the finished one first.
    return timing["first_chart"] or timing["finished"]


def report(label: str, figures: dict, args: argparse.Namespace) -> None:
    sizes, rows = figures["sizes"], figures["rows"]
    print(f"\n== {label}")
    print(
        f"talk page HTML {sizes['html_kb']:.0f} KB raw, {sizes['sent_kb']:.0f} KB as sent"
        f" ({sizes['encoding']}); first visit {sizes['first_visit_kb']:.0f} KB"
        f" ({sizes['static_files']} static files); repeat visit {sizes['repeat_kb']:.1f} KB"
        f" (HTTP {sizes['repeat_status']}; static files: {sizes['static_cache_control']});"
        f" finished run JSON {sizes['run_json_kb']:.0f} KB"
    )
    static_rps = rows["static file"]["rps"]
    print(f"{args.connections} connections, {args.seconds} s each, gunicorn 2 workers, loopback")
    print("times in ms; server = gunicorn's time per request, client = wrk's (adds queueing)")
    print(
        f"{'':15} {'server p50':>10} {'server p99':>10} {'client p50':>10} {'client p99':>10}"
        f" {'req/s':>7} {'vs static':>9} {'errors':>6}"
    )
    for name, row in rows.items():
        print(
            f"{name:15} {row['server_p50']:10.2f} {row['server_p99']:10.1f} {row['p50']:10.1f}"
            f" {row['p99']:10.1f} {row['rps']:7.0f} {row['rps'] / static_rps:9.2f}"
            f" {row['errors']:6d}"
        )
    cold = figures["cold_ms"]
    print(
        f"cold talk page (first request after a publication, {len(cold)} times):"
        f" median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms"
    )
    timings = figures["latency"]
    print(
        f"a visitor's run with one idle worker ({len(timings)} runs, the defaults of"
        f" {len(LATENCY_DEMOS)} demos with new seeds;"
        f" the page looks after {figures['polling']['first_wait']} s growing to"
        f" {figures['polling']['wait']} s, the worker every"
        f" {figures['polling']['worker_interval']} s):"
    )

    def median(key, rows=timings) -> float:
        return statistics.median(key(t) for t in rows)

    for slug in LATENCY_DEMOS:
        mine = [t for t in timings if t["demo"] == slug]
        print(
            f"  {slug:26} first partial chart {median(first_chart, mine):5.2f} s,"
            f" finished {median(lambda t: t['finished'], mine):5.2f} s"
            f" (computing {median(lambda t: t['seconds'], mine):5.2f} s)"
        )
    overhead = [t["finished"] - t["seconds"] for t in timings]
    charts = [first_chart(t) for t in timings]
    print(
        f"  all: first partial chart p50 {statistics.median(charts):.2f} s"
        f" (max {max(charts):.2f}); finished minus computing p50"
        f" {statistics.median(overhead):.2f} s (max {max(overhead):.2f})"
    )
    print("gunicorn workers after serving the talk page and accepting runs:")
    for worker in figures["workers"]:
        heavy = ", ".join(worker["heavy"]) or "none"
        print(
            f"  pid {worker['pid']}: RSS {worker['rss_mb']:.0f} MB,"
            f" peak {worker['peak_rss_mb']:.0f} MB, compute libraries loaded: {heavy}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--cold", type=int, default=10, help="publications for the cold figure")
    parser.add_argument("--latency-repeats", type=int, default=3, help="runs per demo")
    parser.add_argument("--baseline", help="a git revision to measure first, the same way")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    results = {}
    if args.baseline:
        with worktree(args.baseline) as old:
            results[args.baseline] = measure(old, args)
    results["today"] = measure(ROOT, args)
    for label, figures in results.items():
        report(label, figures, args)
    if args.baseline:
        before, after = results[args.baseline]["rows"], results["today"]["rows"]
        print(f"\ntoday / {args.baseline}:")
        for name in after:
            print(
                f"  {name:15} req/s x{after[name]['rps'] / before[name]['rps']:.2f},"
                f" server p50 x{after[name]['server_p50'] / before[name]['server_p50']:.2f}"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
