"""Each demo's default run at one thread, an earlier revision's code beside the current tree's.

    .venv/bin/python bench/demos.py [--baseline e1fde87] [--repeats 3] [--demos SLUG ...]
    .venv/bin/python bench/demos.py --profile edge-of-stability [--profile-baseline] [--top 25]
    .venv/bin/python bench/demos.py --precision

The baseline is checked out in a temporary git worktree (removed at the end). Every run is a
fresh subprocess of this venv's Python in one tree, with torch.set_num_threads(1) and
threadpoolctl's limit of 1 for numpy's BLAS, as the worker runs them; the demo's compute module
is imported before the clock starts, as in a long-lived worker. Baseline and current runs
alternate, so a busy neighbour slows both; the table gives the median of --repeats. Times are
the run's CPU seconds (what it takes alone on an idle core: on this shared host wall time
stretches with the neighbours' load), wall seconds beside them, and the seconds from the start
of the run to its first drawable partial result (the first chart a visitor sees).

Goals (issue 13): the edge-of-stability and GD-versus-SGD defaults at most 1/3 of the
baseline's time, and no default run over 5 s.

--profile prints the top functions by cProfile (internal time, then cumulative) of one demo's
default run, in the current tree or, with --profile-baseline, in the baseline's.

--precision compares the default edge-of-stability and GD-versus-SGD runs trained in float32
(digits.TRAINING_DTYPE, what the demos use) with the same runs in float64: the sharpness
series, the edge-of-stability ratio sharpness / (2/eta) over the second half of each run, and
the final sharpness of each batch size.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from harness import worktree

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "e1fde87"  # main before the demos were batched and written out in numpy
TARGET_RATIO = {"edge-of-stability": 1 / 3, "gd-vs-sgd": 1 / 3}
MAX_SECONDS = 5.0

# Run in a fresh interpreter inside one tree: times one default run, or profiles it.
CHILD = """
import cProfile, json, pstats, sys, time
sys.path.insert(0, ".")
import torch
from threadpoolctl import threadpool_limits
torch.set_num_threads(1)
threadpool_limits(1)
from demos.registry import get_demo
mode, slug = sys.argv[1:3]
demo = get_demo(slug)
demo.compute  # imported before the clock starts, as in a worker
params = demo.params()
first = []
def progress(fraction, partial):
    if partial is not None and not first:
        first.append(time.perf_counter())
if mode == "profile":
    profile = cProfile.Profile()
    profile.runcall(demo.run, params, progress)
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(int(sys.argv[3]))
    stats.sort_stats("cumulative").print_stats(int(sys.argv[3]))
else:
    cpu, wall = time.process_time(), time.perf_counter()
    demo.run(params, progress)
    cpu, end = time.process_time() - cpu, time.perf_counter()
    print(json.dumps({"cpu": cpu, "wall": end - wall, "first": first[0] - wall}))
"""


def child(tree: Path, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *arguments],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(arguments)} in {tree} failed:\n{done.stderr}")
    return done.stdout


def timed(tree: Path, slug: str) -> dict[str, float]:
    return json.loads(child(tree, "time", slug).splitlines()[-1])


def compare(baseline: Path, slugs: list[str], repeats: int) -> None:
    runs = {(tree, slug): [] for tree in ("baseline", "current") for slug in slugs}
    for repeat in range(repeats):
        for slug in slugs:
            # Alternate which goes first, so neither always follows the other's garbage.
            order = [("baseline", baseline), ("current", ROOT)]
            for name, tree in order if repeat % 2 == 0 else order[::-1]:
                runs[(name, slug)].append(timed(tree, slug))
        print(f"  repeat {repeat + 1} of {repeats} done", file=sys.stderr, flush=True)

    def median(name: str, slug: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[(name, slug)])

    print(
        f"Default runs at one thread, median of {repeats}; CPU seconds (wall seconds),"
        f" first drawable partial result after the start (s)."
    )
    print()
    print(
        "| demo | baseline s | current s | current / baseline | goal | met |"
        " first chart, baseline -> current (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for slug in slugs:
        before, after = median("baseline", slug, "cpu"), median("current", slug, "cpu")
        ratio = after / before
        goals, met = [f"<= {MAX_SECONDS:g} s"], [after <= MAX_SECONDS]
        if slug in TARGET_RATIO:
            goals.insert(0, f"<= {TARGET_RATIO[slug]:.2f}x")
            met.insert(0, ratio <= TARGET_RATIO[slug])
        print(
            f"| {slug} | {before:.2f} ({median('baseline', slug, 'wall'):.2f})"
            f" | {after:.2f} ({median('current', slug, 'wall'):.2f}) | {ratio:.2f}"
            f" | {', '.join(goals)} | {'yes' if all(met) else 'NO'}"
            f" | {median('baseline', slug, 'first'):.2f}"
            f" -> {median('current', slug, 'first'):.2f} |"
        )


def precision() -> None:
    """The default runs in float32 (as the demos train) and float64, side by side."""
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(ROOT))
    from demos.registry import get_demo
    from demos.sims import digits

    torch.set_num_threads(1)
    threadpool_limits(1)
    edge, sgd = get_demo("edge-of-stability"), get_demo("gd-vs-sgd")
    results = {}
    for dtype in (np.float32, np.float64):
        digits.TRAINING_DTYPE = dtype
        results[dtype] = (edge.run(edge.params()), sgd.run(sgd.params()))
    digits.TRAINING_DTYPE = np.float32
    (edge32, sgd32), (edge64, sgd64) = results[np.float32], results[np.float64]
    print("Edge of stability, default run: float32 against float64")
    print()
    print(
        "| eta | sharpness rel. diff., median / max | first step over 2/eta, f32 / f64"
        " | late-phase sharpness / (2/eta), median f32 / f64 | final loss f32 / f64 |"
    )
    print("|---|---|---|---|---|")
    for single, double in zip(edge32.trajectories, edge64.trajectories, strict=True):
        a, b = np.array(single.sharpness), np.array(double.sharpness)
        difference = np.abs(a - b) / b
        threshold = 2 / single.step_size
        late = slice(len(a) // 2, None)

        def crossing(values, trajectory=single, threshold=threshold):
            over = np.flatnonzero(values > threshold)
            return trajectory.checkpoints[over[0]] if over.size else None

        print(
            f"| {single.step_size:g} | {np.median(difference):.1e} / {difference.max():.1e}"
            f" | {crossing(a)} / {crossing(b)}"
            f" | {np.median(a[late]) / threshold:.3f} / {np.median(b[late]) / threshold:.3f}"
            f" | {single.loss[-1]:.4g} / {double.loss[-1]:.4g} |"
        )
    print()
    print("GD versus SGD, default run: final sharpness and test accuracy, float32 / float64")
    print()
    print("| eta | batch | sharpness f32 / f64 | test accuracy f32 / f64 |")
    print("|---|---|---|---|")
    for single, double in zip(sgd32.outcomes, sgd64.outcomes, strict=True):
        print(
            f"| {single.step_size:g} | {single.batch_size} | {single.sharpness:.3f} /"
            f" {double.sharpness:.3f} | {single.test_accuracy:.3f} / {double.test_accuracy:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--demos", nargs="+", help="slugs (default: every demo)")
    parser.add_argument("--profile", metavar="SLUG", help="profile this demo's default run")
    parser.add_argument("--profile-baseline", action="store_true", help="in the baseline tree")
    parser.add_argument("--top", type=int, default=25, help="functions the profile lists")
    parser.add_argument("--precision", action="store_true", help="float32 against float64")
    arguments = parser.parse_args()

    if arguments.precision:
        precision()
    elif arguments.profile and not arguments.profile_baseline:
        print(child(ROOT, "profile", arguments.profile, str(arguments.top)))
    else:
        with worktree(arguments.baseline) as baseline:
            if arguments.profile:
                print(child(baseline, "profile", arguments.profile, str(arguments.top)))
                return
            sys.path.insert(0, str(ROOT))
            from demos.registry import DEMOS

            compare(baseline, arguments.demos or list(DEMOS), arguments.repeats)


if __name__ == "__main__":
    main()
