"""What drawing each demo's chart in Chinese too costs the worker, per default run.

    .venv/bin/python bench/chart_languages.py [--repeats 3] [--demos SLUG ...]

A run is computed once; the worker then draws its figure in each language, and while it runs
draws each partial chart it writes (every demos.tasks.PROGRESS_INTERVAL seconds) in each
language too. For each demo's default run at one thread this prints the CPU seconds of the
computation, of drawing the final figure in English and in Chinese (as the worker does:
plotly's JSON, then compact_figure), of one partial chart in each, the partial charts such a
run writes, and the run's whole time with English charts only ("before") and with both
languages ("after"), median of --repeats; and the stored bytes of the figure in each language.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seminar_site.settings.dev")

import django  # noqa: E402

django.setup()

import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from demos.compact import PARTIAL_POINTS, compact_figure  # noqa: E402
from demos.execution import figure_in  # noqa: E402
from demos.registry import DEMOS  # noqa: E402
from demos.tasks import PROGRESS_INTERVAL  # noqa: E402
from seminar_site.catalogs import compile_catalogs  # noqa: E402


def cpu(function):
    started = time.process_time()
    value = function()
    return time.process_time() - started, value


def measure(slug: str) -> dict:
    demo = DEMOS[slug]
    assert demo.compute  # imported before the clock starts, as in a worker
    partials = []
    seconds, result = cpu(
        lambda: demo.run(demo.params(), lambda f, p: p is not None and partials.append(p))
    )
    partial = partials[len(partials) // 2]
    row = {"compute": seconds}
    for language in ("en", "zh-hans"):
        row[f"final {language}"], drawn = cpu(
            lambda language=language: compact_figure(figure_in(demo, result, language))
        )
        row[f"bytes {language}"] = len(json.dumps(drawn, separators=(",", ":")))
        row[f"partial {language}"], _ = cpu(
            lambda language=language: compact_figure(
                figure_in(demo, partial, language), PARTIAL_POINTS
            )
        )
    # The partial charts the worker writes: the first, then one every PROGRESS_INTERVAL.
    row["partials written"] = 1 + int(seconds / PROGRESS_INTERVAL)
    partial_en = row["partials written"] * row["partial en"]
    partial_zh = row["partials written"] * row["partial zh-hans"]
    row["before"] = seconds + row["final en"] + partial_en
    row["after"] = row["before"] + row["final zh-hans"] + partial_zh
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--demos", nargs="*", default=list(DEMOS))
    options = parser.parse_args()
    compile_catalogs()
    torch.set_num_threads(1)
    threadpool_limits(1)
    print(
        "| demo | compute | final figure en / zh | one partial en / zh | partials written"
        " | run before → after | after / before | stored en / zh |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for slug in options.demos:
        rows = [measure(slug) for _ in range(options.repeats)]
        median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        print(
            f"| {slug} | {median['compute']:.2f} s"
            f" | {median['final en']:.3f} / {median['final zh-hans']:.3f} s"
            f" | {median['partial en']:.3f} / {median['partial zh-hans']:.3f} s"
            f" | {median['partials written']:.0f}"
            f" | {median['before']:.2f} → {median['after']:.2f} s"
            f" | {median['after'] / median['before']:.2f}"
            f" | {median['bytes en'] / 1000:.1f} / {median['bytes zh-hans'] / 1000:.1f} KB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
