"""Fuzzing the demo API over HTTP: tens of thousands of odd requests, and how many got a 5xx.

Sets up a throwaway site the way bench/web.py does (production settings, DEBUG off; SQLite in a
temporary folder unless DATABASE_URL names a database), seeds it, and serves it with gunicorn
(2 sync workers) on a free loopback port, with no task worker: accepted runs just wait in the
queue. The per-client limits are raised so that most requests reach validation.

Then it sends --bodies requests from a fixed --seed, mixing:

  create run    POST /api/demos/<slug>/runs for every demo, with bodies built from the demo's
                params_schema: valid, boundary and just-beyond values, wrong types, NaN and
                Infinity literals, 1e308 and 10**400, -0, nesting 10,000 deep, long and unicode
                strings, duplicate and extra keys, empty, truncated and non-JSON bodies, 100 KB
                and 3 MB bodies; varied Content-Types and ?talk= query strings
  unknown slug  the same against slugs that name no demo
  presenter run POST /api/talks/<id>/demos/<slug>/runs without a session
  run fetch     GET /api/runs/<id> with real and odd ids (0, -1, 2**63, huge, strings)
  run page      GET /runs/<id>/ with the same ids
  odd method    PUT, PATCH, DELETE, OPTIONS, HEAD (and GET, POST the wrong way round)
                on the run endpoints
  demo list     GET /api/demos

It prints the status codes per kind, requests per second, `non-JSON answers on /api/: N`
(every answer under /api/ should be JSON) and `5xx: N of TOTAL`, with the first few
offending requests and answers, and exits non-zero on any 5xx or request left unanswered.
This is a bench script that prints figures, not a test.

    .venv/bin/python bench/fuzz.py [--bodies 30000] [--seed 0] [--threads 8] [--reuse-static]
"""

import argparse
import http.client
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness import manage

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST = "127.0.0.1"
LIMIT = "1000000"  # rate and queue limits far above what one fuzzing run can reach
KINDS = (
    "create run",
    "unknown slug",
    "presenter run",
    "run fetch",
    "run page",
    "odd method",
    "demo list",
)
KIND_WEIGHTS = (70, 5, 2, 8, 5, 8, 2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Request:
    kind: str
    method: str
    path: str
    note: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        content_type = self.headers.get("Content-Type", "no Content-Type")
        text = f"{self.method} {self.path[:160]} [{content_type}] {self.note}"
        if self.body is not None:
            text += f", body {len(self.body)} bytes: {self.body[:100]!r}"
        return text


# --- values: raw JSON text, so literals json.dumps would refuse (NaN, 10**400) are possible ----

SPECIAL_LITERALS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e308",
    "-1e308",
    "1e309",
    "-1e309",
    "1" + "0" * 400,
    "-1" + "0" * 400,
    "1e-400",
    "5e-324",
    "-0",
    "-0.0",
    "0e0",
    "1E2",
    "01",
    "+1",
    ".5",
    "1.",
    "1e",
    "0x10",
    "9" * 4000,  # under Python's 4300-digit limit on int(str)
    "null",
    "true",
    "false",
    "[]",
    "{}",
    '""',
]
STRINGS = [
    "λ₁ η",
    "🙂" * 50,
    "\u202etxt.exe",
    "e\u0301\u0301\u0301",
    "\u0000",
    "\ufeff",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE demos_demorun; --",
    "../../etc/passwd",
    "%s%s%n",
    "1",
    "1.5",
    "NaN",
]
RAW_STRINGS = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\x41"', '"unterminated']


def nested(depth: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def valid_value(spec: dict, rng: random.Random):
    if "enum" in spec:
        return rng.choice(spec["enum"])
    kind = spec.get("type")
    if kind == "integer":
        return rng.randint(spec.get("minimum", -1000), spec.get("maximum", 1000))
    if kind == "number":
        low = spec.get("minimum", spec.get("exclusiveMinimum", -1000.0))
        high = spec.get("maximum", 1000.0)
        value = rng.uniform(low, high)
        return high if "exclusiveMinimum" in spec and value <= low else value
    if kind == "array":
        count = rng.randint(spec.get("minItems", 0), spec.get("maxItems", 5))
        return [valid_value(spec.get("items", {}), rng) for _ in range(count)]
    if kind == "boolean":
        return rng.random() < 0.5
    return "x"


def boundary_values(spec: dict) -> list[str]:
    """Values on the edges of the schema's bounds, all of them valid."""
    if "enum" in spec:
        return [json.dumps(value) for value in spec["enum"]]
    values = []
    if "minimum" in spec:
        values.append(spec["minimum"])
    if "maximum" in spec:
        values.append(spec["maximum"])
    if "exclusiveMinimum" in spec:
        values += [math.nextafter(spec["exclusiveMinimum"], math.inf), 1e-300]
    if spec.get("type") == "array":
        item = spec.get("items", {})
        edge = boundary_values(item) or [json.dumps(valid_value(item, random.Random(0)))]
        counts = {spec.get("minItems", 0), spec.get("maxItems", 5)}
        return [f"[{','.join([edge[n % len(edge)] for n in range(c)])}]" for c in counts]
    return [json.dumps(value) for value in values]


def beyond_values(spec: dict, rng: random.Random) -> list[str]:
    """Values just past the bounds, and values of the wrong type."""
    kind = spec.get("type")
    values = []
    if "minimum" in spec:
        low = spec["minimum"]
        values += [low - 1] if kind == "integer" else [math.nextafter(low, -math.inf), low - 1]
    if "maximum" in spec:
        high = spec["maximum"]
        values += [high + 1] if kind == "integer" else [math.nextafter(high, math.inf), high + 1]
    if "exclusiveMinimum" in spec:
        values += [spec["exclusiveMinimum"], -0.0, -1e-300]
    raw = [json.dumps(value) for value in values]
    if kind == "integer":
        raw += ["1.5", "1.0", '"10"', "1e2", "true"]
    if kind == "number":
        raw += ['"1"', '"NaN"', "true", "[1]"]
    if kind == "array":
        item = spec.get("items", {})
        too_many = spec.get("maxItems", 5) + 1
        raw += [
            "[]",
            json.dumps([valid_value(item, rng) for _ in range(too_many)]),
            json.dumps([valid_value(item, rng) for _ in range(1000)]),
            "[null]",
            "[[1]]",
            '["0.1"]',
            "[NaN]",
            "[Infinity]",
            f"[{'1' + '0' * 400}]",
            "1",
            "{}",
            '"0.1"',
        ]
        raw += [f"[{value}]" for value in beyond_values(item, rng)]
    if "enum" in spec:
        raw += [json.dumps(spec["enum"][0].upper()), '""', "1", json.dumps(spec["enum"])]
    return raw


def odd_value(spec: dict, rng: random.Random) -> tuple[str, str]:
    """(what it is, raw JSON) for one field's value."""
    roll = rng.random()
    if roll < 0.35:
        return "beyond bounds or wrong type", rng.choice(beyond_values(spec, rng))
    if roll < 0.7:
        return "special literal", rng.choice(SPECIAL_LITERALS)
    if roll < 0.8:
        depth = rng.choice([10, 1000, 5000])
        return f"nested {depth} deep", nested(depth, rng)
    if roll < 0.95:
        return "string", json.dumps(rng.choice(STRINGS), ensure_ascii=rng.random() < 0.5)
    return "raw string", rng.choice(RAW_STRINGS)


def json_object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in pairs) + "}"


# --- bodies -----------------------------------------------------------------------------------

CONTENT_TYPES = [
    ("application/json", 40),
    ("application/json; charset=utf-8", 10),
    ("text/plain", 8),
    ("application/x-www-form-urlencoded", 8),
    ("multipart/form-data; boundary=fuzzboundary", 6),
    ("multipart/form-data", 3),
    (None, 12),
    ("application/json; charset=utf-16", 2),
    ("application/merge-patch+json", 2),
    ("*/*", 1),
]
BIG_100K = json.dumps({"steps": 10, "pad": "x" * 100_000}).encode()
BIG_3M = b'{"steps": 10}' + b" " * (3 * 1024 * 1024)


def demo_body(properties: dict, rng: random.Random) -> tuple[str, bytes, str | None]:
    """(what it is, body, Content-Type it goes with or None to draw one) for one demo."""
    names = list(properties)

    def valid_pairs(share: float = 0.5) -> list[tuple[str, str]]:
        picked = [name for name in names if rng.random() < share]
        return [(name, json.dumps(valid_value(properties[name], rng))) for name in picked]

    roll = rng.uniform(0, 100)
    if roll < 15:
        return "valid", json_object(valid_pairs()).encode(), None
    if roll < 25:
        pairs = [(name, rng.choice(boundary_values(spec))) for name, spec in properties.items()]
        pairs = [pair for pair in pairs if rng.random() < 0.6]
        return "boundary values", json_object(pairs).encode(), None
    if roll < 50:
        name = rng.choice(names)
        what, value = odd_value(properties[name], rng)
        pairs = [pair for pair in valid_pairs() if pair[0] != name] + [(name, value)]
        rng.shuffle(pairs)
        return f"{name}: {what}", json_object(pairs).encode("utf-8", "surrogatepass"), None
    if roll < 55:
        pairs = [(name, odd_value(properties[name], rng)[1]) for name in rng.sample(names, 3)]
        return "several odd fields", json_object(pairs).encode("utf-8", "surrogatepass"), None
    if roll < 60:
        key = rng.choice(["zzz", "", "__proto__", "λ", "steps ", "STEPS", "k" * 5000, "\u0000"])
        pairs = valid_pairs() + [(key, rng.choice(["1", "null", "{}", '"x"']))]
        return "extra key", json_object(pairs).encode(), None
    if roll < 65:
        name = rng.choice(names)
        good = json.dumps(valid_value(properties[name], rng))
        bad = rng.choice(beyond_values(properties[name], rng))
        pairs = [(name, good), (name, bad)] if rng.random() < 0.5 else [(name, bad), (name, good)]
        return "duplicate key", json_object(valid_pairs(0.3) + pairs).encode(), None
    if roll < 69:
        body = rng.choice(["[]", "1", '"steps"', "null", "true", "[{}]", '[{"steps": 10}]'])
        return "top level not an object", body.encode(), None
    if roll < 73:
        return "empty or blank body", rng.choice([b"", b" ", b"\n\t ", b"\x00"]), None
    if roll < 78:
        whole = json_object(valid_pairs(0.8) or [("steps", "10")]).encode()
        return "truncated JSON", whole[: rng.randrange(len(whole))], None
    if roll < 83:
        body = rng.choice(
            [
                rng.randbytes(rng.randint(1, 2000)),
                b'{"activation": "\xff\xfe"}',
                b"\xef\xbb\xbf{}",
                '{"steps": 10}'.encode("utf-16"),
                b"<xml/>",
                b"steps=10",
                b"{'steps': 10}",
                b'{"steps": 10,}',
                b'{"steps": 10} {"steps": 11}',
                b"{steps: 10}",
                b"/* */{}",
            ]
        )
        return "not JSON", body, None
    if roll < 86:
        pairs = valid_pairs()
        form = urllib.parse.urlencode([(k, v) for k, v in pairs] or [("steps", "10")])
        return "form-encoded", form.encode(), "application/x-www-form-urlencoded"
    if roll < 89:
        parts = "".join(
            f'--fuzzboundary\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in valid_pairs() or [("steps", "10")]
        )
        body = (parts + "--fuzzboundary--\r\n").encode()
        return "multipart", body, "multipart/form-data; boundary=fuzzboundary"
    if roll < 96:
        return "nested 10,000 deep", nested(10_000, rng).encode(), None
    if roll < 99.5:
        return "100 KB", BIG_100K, None
    return "3 MB", BIG_3M, None


TALK_VALUES = ["0", "-1", str(2**63), str(2**63 - 1), str(10**30), "9" * 4000, "abc", ""]
TALK_VALUES += ["1.5", "1e3", "%00", "%20", "true", "0x1", "1&talk=2"]
ODD_IDS = ["0", "-1", str(2**63 - 1), str(2**63), str(2**64), str(10**30), "9" * 4000, "abc"]
ODD_IDS += ["1.5", "1e3", "%201", "0x10", "01", "%D9%A3", "", "1%00", "null"]
UNKNOWN_SLUGS = ["nope", "", "QUADRATIC-STABILITY", "..", "%2e%2e", "%00", "x" * 300]
UNKNOWN_SLUGS += ["%CE%BB", "%20", "quadratic-stability%2F", "runs"]


class RequestMaker:
    """Draws requests from a fixed seed; run ids seen in answers make some fetches real."""

    def __init__(self, seed: int, demos: list[dict], talk_ids: list[int]):
        self.rng = random.Random(seed)
        self.demos = demos
        self.talk_ids = talk_ids
        self.types, self.type_weights = zip(*CONTENT_TYPES, strict=True)

    def query(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return ""
        if self.talk_ids and rng.random() < 0.4:
            return f"?talk={rng.choice(self.talk_ids)}"
        return f"?talk={rng.choice(TALK_VALUES)}"

    def run_id(self, known: list) -> str:
        # The same draws whether or not runs are known yet, so the seed fixes the sequence.
        real, pick, odd = self.rng.random() < 0.4, self.rng.random(), self.rng.choice(ODD_IDS)
        return str(known[int(pick * len(known))]) if real and known else odd

    def post(self, kind: str, path: str, properties: dict) -> Request:
        note, body, content_type = demo_body(properties, self.rng)
        if content_type is None or self.rng.random() < 0.2:
            content_type = self.rng.choices(self.types, self.type_weights)[0]
        headers = {"Content-Type": content_type} if content_type else {}
        return Request(kind, "POST", path + self.query(), note, body, headers)

    def make(self, known_runs: list) -> Request:
        rng = self.rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        demo = rng.choice(self.demos)
        properties = demo["params_schema"].get("properties", {})
        if kind == "create run":
            return self.post(kind, demo["runs_url"], properties)
        if kind == "unknown slug":
            return self.post(kind, f"/api/demos/{rng.choice(UNKNOWN_SLUGS)}/runs", properties)
        if kind == "presenter run":
            talk = str(rng.choice(self.talk_ids)) if self.talk_ids else "1"
            talk = talk if rng.random() < 0.7 else rng.choice(ODD_IDS)
            return self.post(kind, f"/api/talks/{talk}/demos/{demo['slug']}/runs", properties)
        if kind == "run fetch":
            suffix = "/" if rng.random() < 0.1 else ""
            return Request(kind, "GET", f"/api/runs/{self.run_id(known_runs)}{suffix}", "")
        if kind == "run page":
            suffix = "" if rng.random() < 0.1 else "/"
            return Request(kind, "GET", f"/runs/{self.run_id(known_runs)}{suffix}", "")
        if kind == "odd method":
            if rng.random() < 0.5:
                method = rng.choice(["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST"])
                path = f"/api/runs/{self.run_id(known_runs)}"
            else:
                method = rng.choice(["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "GET"])
                path = demo["runs_url"]
            request = self.post(kind, path, properties)
            request.method = method
            if method in ("GET", "HEAD", "OPTIONS", "DELETE") and rng.random() < 0.5:
                request.body, request.headers, request.note = None, {}, "no body"
            return request
        return Request(kind, "GET", "/api/demos", "")


# --- sending and counting ---------------------------------------------------------------------


class Tally:
    """Status codes per kind, and the first few answers worth a look."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes: dict[str, Counter] = defaultdict(Counter)
        self.non_json: Counter = Counter()  # (kind, status, content type) on /api/ paths
        self.non_json_example: dict[tuple, str] = {}
        self.server_errors: list[tuple[str, str]] = []
        self.unanswered: list[tuple[str, str]] = []
        self.by_content_type: dict[str, Counter] = defaultdict(Counter)  # create run only
        self.run_ids: list = []  # ids of accepted runs, as the API gave them
        self.done = 0

    def record(self, request: Request, status: int | str, content_type: str, body: bytes):
        with self.lock:
            self.done += 1
            self.codes[request.kind][status] += 1
            if isinstance(status, str):
                self.unanswered.append((request.describe(), status))
                return
            if request.kind == "create run":
                sent = request.headers.get("Content-Type", "none")
                self.by_content_type[sent][f"{status // 100}xx"] += 1
            if status >= 500:
                self.server_errors.append(
                    (request.describe(), body[:600].decode("utf-8", "replace"))
                )
            if request.path.startswith("/api/") and "json" not in content_type:
                key = (request.kind, status, content_type or "none")
                self.non_json[key] += 1
                self.non_json_example.setdefault(
                    key, f"{request.describe()}\n      -> {body[:200].decode('utf-8', 'replace')!r}"
                )
            if status in (200, 202) and request.method == "POST":
                try:
                    self.run_ids.append(json.loads(body)["id"])
                except (ValueError, KeyError, TypeError):
                    pass


class Client:
    """One keep-alive connection per thread; a fresh one after the server closes it."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally = port, tally
        self.local = threading.local()

    def connection(self) -> http.client.HTTPConnection:
        if getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        return self.local.connection

    def send(self, request: Request) -> None:
        for attempt in range(2):
            connection = self.connection()
            reused = connection.sock is not None
            try:
                connection.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                self.local.connection = None
                if reused and attempt == 0:
                    continue  # the server dropped an idle keep-alive connection: try once more
                self.tally.record(request, f"no answer ({type(error).__name__})", "", b"")
                return
            content_type = response.getheader("Content-Type", "")
            self.tally.record(request, response.status, content_type, body)
            return


def get_json(port: int, path: str):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def report(tally: Tally, total: int, seconds: float) -> int:
    statuses = sorted({s for c in tally.codes.values() for s in c}, key=lambda s: (str(s), s))
    codes = [s for s in statuses if isinstance(s, int)]
    other = [s for s in statuses if isinstance(s, str)]
    header = f"{'kind':14}" + "".join(f"{s:>7}" for s in codes) + f"{'other':>7}{'total':>8}"
    print(f"\n{total} requests in {seconds:.1f} s: {total / seconds:.0f} requests/s\n")
    print(header)
    for kind in KINDS:
        counts = tally.codes.get(kind, Counter())
        print(
            f"{kind:14}"
            + "".join(f"{counts[s]:7d}" for s in codes)
            + f"{sum(counts[s] for s in other):7d}{sum(counts.values()):8d}"
        )
    if other:
        print("\nno answer:", dict(Counter(reason for _, reason in tally.unanswered)))
        for described, reason in tally.unanswered[:5]:
            print(f"  {reason}: {described}")
    print(f"\ncreate run by Content-Type sent:\n{'':45}{'2xx':>6}{'4xx':>6}{'5xx':>6}")
    for sent, counts in sorted(tally.by_content_type.items()):
        print(f"  {sent:43}" + "".join(f"{counts[c]:6d}" for c in ("2xx", "4xx", "5xx")))
    print(f"\nnon-JSON answers on /api/: {sum(tally.non_json.values())}")
    for (kind, status, content_type), count in tally.non_json.most_common():
        print(f"  {count:6d}  {kind}, {status}, {content_type}")
        print(f"      e.g. {tally.non_json_example[kind, status, content_type]}")
    server_errors = len(tally.server_errors)
    print(f"\n5xx: {server_errors} of {total}")
    for described, body in tally.server_errors[:5]:
        print(f"  {described}\n      -> {body!r}")
    return server_errors + len(tally.unanswered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=30_000, help="requests to send")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument(
        "--reuse-static",
        action="store_true",
        help="skip collectstatic (1-2 min here) and serve staticfiles/ as last collected",
    )
    args = parser.parse_args()

    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'fuzz.sqlite3'}"),
        "WAGTAILADMIN_BASE_URL": f"http://{HOST}:{port}",
        "MEDIA_ROOT": str(workdir / "media"),
        # So that requests reach validation rather than the per-client and queue limits.
        "DEMO_RATE_LIMIT": LIMIT,
        "DEMO_QUEUE_LIMIT": LIMIT,
        "DEMO_CLIENT_RUN_LIMIT": LIMIT,
    }
    print("setting up: migrate, seed, collectstatic; no task worker ...", flush=True)
    setup_started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo_content")
    if not args.reuse_static:
        # Pages name hashed static files: an entry missing from the manifest would be a 500.
        manage(env, "collectstatic", "--noinput")
    talk_ids = [
        int(n)
        for n in manage(
            env,
            "shell",
            "-c",
            "from demos.models import DemoRun;"
            "model = DemoRun._meta.get_field('talk').related_model;"
            "print(*model.objects.values_list('pk', flat=True))",
        ).split()
        if n.isdigit()
    ]

    server_log = workdir / "server.log"
    with server_log.open("w") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "seminar_site.wsgi", "--workers", "2"]
            + ["--log-level", "warning", "--bind", f"{HOST}:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                status, demos = get_json(port, "/api/demos")
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit(f"gunicorn did not answer:\n{server_log.read_text()}")
        assert status == 200, status
        print(
            f"set up in {time.perf_counter() - setup_started:.0f} s;"
            f" {len(demos)} demos, {len(talk_ids)} talks; sending {args.bodies} requests"
            f" (seed {args.seed}, {args.threads} threads) to gunicorn (2 sync workers) ...",
            flush=True,
        )
        tally = Tally()
        client = Client(port, tally)
        maker = RequestMaker(args.seed, demos, talk_ids)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            # Drawn in order on this thread, so one seed gives one sequence of requests; only
            # which run ids are known when a fetch is drawn depends on timing.
            pending = []
            for n in range(args.bodies):
                pending.append(pool.submit(client.send, maker.make(tally.run_ids)))
                if len(pending) >= 4 * args.threads:
                    pending.pop(0).result()
                if n and n % (args.bodies // 10 or 1) == 0:
                    print(f"  {n} sent, {time.perf_counter() - started:.0f} s", flush=True)
            for future in pending:
                future.result()
        seconds = time.perf_counter() - started
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait()
        log_lines = server_log.read_text().splitlines()
        shutil.rmtree(workdir, ignore_errors=True)

    failures = report(tally, args.bodies, seconds)
    # Django logs some 4xx with a traceback too (a body over DATA_UPLOAD_MAX_MEMORY_SIZE).
    raised = Counter(
        next((line for line in log_lines[n + 1 :] if not line.startswith(" ")), "?")
        for n, line in enumerate(log_lines)
        if line.startswith("Traceback (most recent call last)")
    )
    print(f"server log: {len(log_lines)} lines, {raised.total()} tracebacks")
    for line, count in raised.most_common():
        print(f"  {count:6d}  {line[:200]}")
    if not alive:
        print("gunicorn died during the run")
    sys.exit(1 if failures or not alive else 0)


if __name__ == "__main__":
    main()
