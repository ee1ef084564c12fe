"""The demos' cost models, calibrated and checked: each Params.cost() predicts a run's seconds.

    .venv/bin/python bench/cost_model.py --fit       # time designed runs, print fitted constants
    .venv/bin/python bench/cost_model.py [--check]   # actual / predicted seconds of valid sets

The reference machine is this one with one thread for torch (the worker runs
torch.set_num_threads(1)) and, for steady timings, one for numpy's BLAS. Times are this
process's CPU seconds, which are the wall seconds of a run on an idle core; other processes on
a busy host stretch wall time far more than CPU time, though on this shared virtual machine the
same run's CPU time still varies by tens of percent with the neighbours' load, so the check
prints reference timings beside the fit's (re-run if the host was slow). The compute modules
are imported and each demo run, small and large, before any timing, as in a long-lived worker;
runs get a progress callback, so building the partial results they report is timed too.

--fit times each demo's designed parameter points and fits the seconds per unit of each term
of its ``cost_terms()`` by non-negative least squares on relative error (each row divided by
its time, so a 10 ms run weighs as much as a 10 s one; an under-prediction weighs more).
Hessian-vector products (HVPs) per sharpness estimate and evaluations per attacked point depend
on the trajectory, not only on the parameters, so the fit uses the counts each run took; the
counts a prediction assumes are a high percentile of those measured on the designed runs and on
random ones. It prints the constants to paste into the params modules.

--check draws --samples random VALID parameter sets per demo (each field uniform or
log-uniform within its pydantic bounds, lists of random length; a set refused at the default
budget, or predicted over --max-seconds, is redrawn), adds worst-case shapes (the cases that
once passed a budget of work units yet ran for minutes, tiny networks, batches of one,
sharpness at every step, longest lists) with their cost field raised to the most the default
budget accepts, and runs each with a callback that aborts once it has used 1.5x its prediction
+ 0.05 s. A run over that is run once more (a busy neighbour slows a single run) and counts as
a violation only if it is over again. Goal: worst actual/predicted <= 1.5, the worst ratio taken
against the prediction + 0.033 s (the slack: over 1.5 exactly when over the abort limit), so
runs of a few milliseconds are not judged on timer noise; medians are plain actual/predicted.

Why small sets test the overhead terms: a run's time is a fixed cost (loading the digits, the
max-margin direction), a cost per step, per layer of each pass and per HVP (Python, autograd
and numpy call overhead, independent of the sizes), and the arithmetic (examples x parameters
per step). Large runs are dominated by the arithmetic, which any model counting flops gets
right; sets predicted at a few seconds or less are mostly tiny networks, few examples and many
steps, where the per-step overhead is nearly all the time, so they catch an overhead term
that is too small (gd-vs-sgd at batch size 1 on a 4-unit network ran for minutes under a budget
that counted flops only). The worst-case shapes push each overhead term to its bound at full budget.

    .venv/bin/python bench/cost_model.py --check [--samples 200] [--max-seconds 3] [--seed 0]
"""

import argparse
import gc
import json
import math
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import ValidationError
from scipy.optimize import nnls
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demos.registry import DEMOS  # noqa: E402
from demos.sims import hessian  # noqa: E402
from demos.sims.base import DEFAULT_SECONDS_BUDGET, Demo, DemoParams  # noqa: E402

ABORT_RATIO = 1.5  # the goal: no accepted run takes longer than this times its prediction
ABORT_SLACK = 0.05  # seconds: timer and scheduling noise on runs of a few milliseconds
NO_BUDGET = {"seconds_budget": None}
UNDER_WEIGHT = 3.0  # in the fit, an under-prediction's squared error counts this many times
WORK_PERCENTILE = 99  # HVPs per estimate, evaluations per attack: this percentile of measured
SURVEYED = ("edge-of-stability", "gd-vs-sgd", "adversarial-vulnerability")
SURVEY_RUNS = 40  # random runs per demo in SURVEYED, for those percentiles
SURVEY_SECONDS = 2.0  # each predicted at most this


# --- timing ------------------------------------------------------------------------------------


class WorkCounter:
    """Counts the work whose amount depends on the run's numbers, not only on its parameters:
    Hessian-vector products per sharpness estimate (each estimate builds one product operator)
    and, per attacked point, the evaluations of f(x + delta) and its input gradient."""

    hvps: list[int] = []  # per estimate
    evaluations: list[tuple[int, int]] = []  # per attacked point: (count, its input dimension)

    @classmethod
    def reset(cls) -> None:
        cls.hvps, cls.evaluations = [], []

    @classmethod
    def install(cls) -> None:
        product = hessian.HessianVectorProduct
        product_init, product_call = product.__init__, product.__call__

        def init(self, *args, **kwargs):
            cls.hvps.append(0)
            product_init(self, *args, **kwargs)

        def call(self, vector):
            cls.hvps[-1] += 1
            return product_call(self, vector)

        product.__init__, product.__call__ = init, call

        attacks = DEMOS["adversarial-vulnerability"].compute
        model, smallest_flip = attacks.TwoLayerReLU, attacks.smallest_flip
        model_call, model_gradient = model.__call__, model.input_gradient

        def attack(model, x, label):
            cls.evaluations.append((0, len(x)))
            return smallest_flip(model, x, label)

        def counted(method):
            def evaluate(self, x):
                if x.ndim == 1:  # a point under attack, not the training set
                    count, dimension = cls.evaluations[-1]
                    cls.evaluations[-1] = (count + 1, dimension)
                return method(self, x)

            return evaluate

        attacks.smallest_flip = attack
        model.__call__, model.input_gradient = counted(model_call), counted(model_gradient)


class OverTime(Exception):
    pass


class Deadline:
    """The progress callback: raises once the run has used more than ``limit`` CPU seconds."""

    def __init__(self, limit: float | None):
        self.limit = limit
        self.started = time.process_time()

    def __call__(self, fraction: float, partial: Any) -> None:
        if self.limit is not None and time.process_time() - self.started > self.limit:
            raise OverTime


@dataclass
class Timing:
    seconds: float  # CPU seconds: what the run takes alone on one core, however busy the host
    wall_seconds: float
    aborted: bool
    result: Any  # None if aborted
    hvps_per_estimate: list[int] = field(default_factory=list)
    evaluations_per_attack: list[tuple[int, int]] = field(default_factory=list)


def timed_run(demo: Demo, params: DemoParams, limit: float | None = None) -> Timing:
    gc.collect()  # not the previous run's garbage: a worker starts each run afresh
    WorkCounter.reset()
    started = time.perf_counter()
    deadline = Deadline(limit)
    try:
        result, aborted = demo.run(params, deadline), False
    except OverTime:
        result, aborted = None, True
    cpu_seconds = time.process_time() - deadline.started
    wall_seconds = time.perf_counter() - started
    return Timing(
        cpu_seconds, wall_seconds, aborted, result, WorkCounter.hvps, WorkCounter.evaluations
    )


def measured_seconds(demo: Demo, params: DemoParams) -> Timing:
    """One timing; the median of five for runs under 0.2 s, where noise is a larger share."""
    first = timed_run(demo, params)
    if first.seconds >= 0.2:
        return first
    timings = [first] + [timed_run(demo, params) for _ in range(4)]
    return sorted(timings, key=lambda timing: timing.seconds)[2]


def diverged(result: Any) -> bool:
    """A run that stopped early did fewer steps than its terms count: no use to the fit."""
    if hasattr(result, "trajectories"):
        return any(t.diverged_at is not None for t in result.trajectories)
    if hasattr(result, "outcomes"):
        return any(o.diverged for o in result.outcomes)
    return False


def measured_terms(params: DemoParams, timing: Timing) -> dict[str, float]:
    """The run's terms with the work it took in place of the predicted amounts."""
    terms = params.cost_terms()
    if "SECONDS_PER_HVP" in terms:
        return params.cost_terms(hvps=sum(timing.hvps_per_estimate))
    if "SECONDS_PER_EVALUATION" in terms:
        return params.cost_terms(
            evaluations=sum(count for count, _ in timing.evaluations_per_attack),
            evaluation_inputs=sum(count * d for count, d in timing.evaluations_per_attack),
        )
    return terms


# The host's speed: two fixed runs, one of numpy overhead and one of torch overhead. On a
# shared virtual machine the same run's CPU seconds vary with the neighbours' load (cache,
# memory bandwidth, the hypervisor), so the check prints this beside the fit's to tell a slow
# host from a bad model.
REFERENCE = {
    "implicit-bias": {"examples": 60, "steps": 30_000},
    "gd-vs-sgd": {
        "hidden_width": 4,
        "hidden_layers": 1,
        "classes": 2,
        "examples": 20,
        "batch_sizes": [1],
        "epochs": 30,
    },
}
REFERENCE_SECONDS_AT_FIT = 0.258  # what reference_seconds() gave when the constants were fitted


def reference_seconds() -> float:
    """The fastest of three timings of the reference runs."""
    runs = [
        (DEMOS[slug], DEMOS[slug].params.model_validate(values))
        for slug, values in REFERENCE.items()
    ]
    return min(sum(timed_run(demo, params).seconds for demo, params in runs) for _ in range(3))


def host_speed() -> str:
    seconds = reference_seconds()
    return (
        f"host: reference runs {seconds:.3f} s, {seconds / REFERENCE_SECONDS_AT_FIT:.2f}x their"
        f" time at the fit ({REFERENCE_SECONDS_AT_FIT:.3f} s)"
    )


# --- fit ---------------------------------------------------------------------------------------

TINY = {"hidden_width": 4, "hidden_layers": 1, "classes": 2, "examples": 20}
DEEP_TINY = {"hidden_width": 4, "hidden_layers": 4, "classes": 2, "examples": 20}
LARGE = {"hidden_width": 128, "hidden_layers": 2, "classes": 10, "examples": 1000}
DEEP_LARGE = {"hidden_width": 128, "hidden_layers": 4, "classes": 10, "examples": 1740}
FA_TINY = {
    "dimension": 40,
    "clusters": 2,
    "points_per_cluster": 1,
    "width": 1,
    "sweep_clusters": [2],
}

DESIGNS: dict[str, list[dict[str, Any]]] = {
    "quadratic-stability": [{"steps": steps} for steps in (1, 10, 40, 100, 300, 1000)],
    "implicit-bias": [
        {"examples": examples, "steps": steps}
        for examples in (4, 60, 400)
        for steps in (10, 1000, 20_000, 200_000)
    ],
    "homogeneous-margin": [
        {"examples": examples, "width": width, "steps": steps}
        for examples, width in ((4, 2), (40, 20), (400, 2), (4, 200), (400, 200), (100, 50))
        for steps in (10, 2000, 20_000)
    ],
    "adversarial-vulnerability": [
        {"dimensions": [2], "examples": 2, "width": 2, "steps": 10},
        {"dimensions": [2], "examples": 2, "width": 2, "steps": 2000},
        {"dimensions": [2], "examples": 2, "width": 2, "steps": 20_000},
        {"dimensions": [2] * 6, "examples": 2, "width": 2, "steps": 3000},
        {"dimensions": [2] * 6, "examples": 100, "width": 2, "steps": 10},
        # The robust radii: an examples x examples x dimension temporary, fresh memory each time.
        {"dimensions": [2000] * 6, "examples": 100, "width": 2, "steps": 10},
        {"dimensions": [2000], "examples": 100, "width": 1000, "steps": 10},
        {"dimensions": [2000], "examples": 100, "width": 1000, "steps": 40},
        {"dimensions": [2000], "examples": 100, "width": 2, "steps": 2000},
        {"dimensions": [2000], "examples": 2, "width": 1000, "steps": 10},
        {"dimensions": [2000], "examples": 2, "width": 1000, "steps": 300},
        {"dimensions": [2000] * 3, "examples": 20, "width": 100, "steps": 300},
        {"dimensions": [100] * 6, "examples": 100, "width": 100, "steps": 10},
        {"dimensions": [100] * 6, "examples": 100, "width": 100, "steps": 1000},
        {"dimensions": [2] * 6, "examples": 100, "width": 1000, "steps": 300},
        {"dimensions": [20] * 2, "examples": 30, "width": 300, "steps": 3000},
        {"dimensions": [10, 25, 100, 400, 800], "examples": 50, "width": 200, "steps": 200},
        # Products with few hidden units run slower per multiply-add than large ones.
        *(
            {"dimensions": [2000], "examples": 100, "width": width, "steps": 2000}
            for width in (4, 10, 19, 64)
        ),
        {"dimensions": [300] * 3, "examples": 100, "width": 10, "steps": 3000},
        {"dimensions": [2000, 2000], "examples": 100, "width": 10, "steps": 1000},
        # Large steps and initial weights: the attacks take other numbers of evaluations.
        {
            "dimensions": [1500, 900],
            "examples": 90,
            "width": 10,
            "steps": 2000,
            "step_size": 35.0,
            "init_scale": 0.4,
        },
        {
            "dimensions": [3, 1700],
            "examples": 95,
            "width": 85,
            "steps": 11,
            "step_size": 31.0,
            "init_scale": 0.45,
        },
        {},
    ],
    # Small step sizes: a run that diverges stops early and would not fit its terms.
    "edge-of-stability": [
        {**TINY, "step_sizes": [0.05], "steps": 10, "sharpness_every": 500},
        {**TINY, "step_sizes": [0.05], "steps": 1000, "sharpness_every": 500},
        {**TINY, "step_sizes": [0.05] * 4, "steps": 300, "sharpness_every": 1},
        {**TINY, "step_sizes": [0.05, 0.1], "steps": 1000, "sharpness_every": 10},
        {**DEEP_TINY, "step_sizes": [0.05], "steps": 500, "sharpness_every": 1},
        {**DEEP_TINY, "step_sizes": [0.05], "steps": 1500, "sharpness_every": 100},
        {"step_sizes": [0.05], "steps": 300, "sharpness_every": 1},
        {"step_sizes": [0.05, 0.1], "steps": 500, "sharpness_every": 20},
        {"step_sizes": [0.05], "steps": 1000, "sharpness_every": 500},
        {**LARGE, "step_sizes": [0.05], "steps": 60, "sharpness_every": 3},
        {**LARGE, "step_sizes": [0.05], "steps": 200, "sharpness_every": 100},
        {**DEEP_LARGE, "step_sizes": [0.02], "steps": 20, "sharpness_every": 5},
        {**DEEP_LARGE, "step_sizes": [0.02], "steps": 60, "sharpness_every": 500},
        {"hidden_width": 64, "examples": 200, "step_sizes": [0.05], "steps": 400},
        # The edge of stability: the top eigenvector turns fast, estimates take the most HVPs.
        {
            "hidden_width": 16,
            "hidden_layers": 3,
            "examples": 100,
            "step_sizes": [0.9],
            "steps": 1500,
            "sharpness_every": 3,
        },
    ],
    "feature-averaging": [
        {**FA_TINY, "steps": 10},
        {**FA_TINY, "steps": 2000},
        {**FA_TINY, "steps": 20_000},
        {**FA_TINY, "steps": 2000, "sweep_clusters": [4, 6, 8, 10, 12]},
        # Many units and points in few dimensions: the elementwise work of a step.
        {"dimension": 40, "clusters": 40, "points_per_cluster": 20, "width": 20, "steps": 200},
        # Training alone: few clusters, many steps; wide in units, then in dimensions.
        {**FA_TINY, "points_per_cluster": 100, "width": 100, "steps": 2000},
        {**FA_TINY, "dimension": 1000, "points_per_cluster": 100, "width": 20, "steps": 1000},
        {**FA_TINY, "dimension": 400, "points_per_cluster": 50, "width": 50, "steps": 1000},
        # Two points, wide weights: a step's update of the weights.
        {**FA_TINY, "dimension": 1000, "width": 100, "steps": 2000},
        # Many points, few units: a step's reading of the points.
        {**FA_TINY, "dimension": 1000, "points_per_cluster": 100, "steps": 2000},
        {
            "dimension": 378,
            "clusters": 6,
            "points_per_cluster": 64,
            "width": 1,
            "steps": 3000,
            "sweep_clusters": [22],
        },
        # Activations too many for the cache: a step in batches of points.
        {
            "dimension": 40,
            "clusters": 20,
            "points_per_cluster": 100,
            "width": 100,
            "steps": 100,
            "sweep_clusters": [20],
        },
        # One unit per output: the softmax and the top outputs.
        {"dimension": 40, "clusters": 40, "points_per_cluster": 20, "width": 1, "steps": 1000},
        # Many dimensions: the matrix products.
        {"dimension": 1000, "clusters": 10, "points_per_cluster": 20, "width": 20, "steps": 200},
        {"dimension": 500, "clusters": 20, "points_per_cluster": 50, "width": 50, "steps": 50},
        # Attacks: many units, few points, few steps.
        {"dimension": 200, "clusters": 40, "points_per_cluster": 1, "width": 20, "steps": 10},
        {"dimension": 40, "clusters": 40, "points_per_cluster": 1, "width": 100, "steps": 10},
        # Shapes the check once found under-predicted: wide inputs, short; narrow outputs, long.
        {"dimension": 461, "clusters": 4, "points_per_cluster": 1, "width": 74, "steps": 25},
        {"dimension": 115, "clusters": 14, "points_per_cluster": 71, "width": 2, "steps": 2000},
        {"dimension": 166, "clusters": 2, "points_per_cluster": 1, "width": 36, "steps": 44},
        # Narrow outputs, many of them: attacks and snapshots whose cost is per output.
        {"dimension": 40, "clusters": 40, "points_per_cluster": 1, "width": 4, "steps": 10},
        {"dimension": 46, "clusters": 36, "points_per_cluster": 18, "width": 6, "steps": 100},
        {"sweep_clusters": [2, 4, 20, 30, 40], "steps": 500},
        {"steps": 300},
        {},
    ],
    "gd-vs-sgd": [
        {**TINY, "batch_sizes": [20], "epochs": 1},
        {**TINY, "batch_sizes": [20], "epochs": 2000},
        {**TINY, "batch_sizes": [1], "epochs": 100},
        {**TINY, "batch_sizes": [1] * 6, "step_sizes": [0.05] * 3, "epochs": 5},
        {**TINY, "batch_sizes": [20] * 6, "step_sizes": [0.05] * 3, "epochs": 1},
        {**DEEP_TINY, "batch_sizes": [1], "epochs": 100},
        {**DEEP_TINY, "batch_sizes": [20], "epochs": 1000},
        {"batch_sizes": [20, 500], "epochs": 40},
        {"batch_sizes": [1], "epochs": 3},
        {"batch_sizes": [20], "epochs": 100},
        {"batch_sizes": [50, 125], "epochs": 100},
        {"hidden_width": 64, "hidden_layers": 3, "batch_sizes": [8], "epochs": 10},
        {"batch_sizes": [500] * 3, "epochs": 1},
        {**LARGE, "batch_sizes": [1000], "epochs": 30, "step_sizes": [0.05]},
        {**LARGE, "batch_sizes": [10], "epochs": 3, "step_sizes": [0.05]},
        {**DEEP_LARGE, "batch_sizes": [1740], "epochs": 1, "step_sizes": [0.02]},
        {**DEEP_LARGE, "batch_sizes": [1740, 100], "epochs": 4, "step_sizes": [0.02]},
        {},
    ],
}


def fit(rows: list[dict[str, float]], seconds: list[float]) -> dict[str, float]:
    """Non-negative seconds per unit minimizing squared relative errors, an under-prediction
    weighing UNDER_WEIGHT times an over-prediction: the goal bounds actual / predicted."""
    names = list(rows[0])
    counts = np.array([[row[name] for name in names] for row in rows], dtype=float)
    times = np.array(seconds)
    scale = counts.max(axis=0)  # columns of comparable size, for a well-conditioned solve
    scale[scale == 0] = 1
    relative = counts / scale / times[:, None]
    weights = np.ones(len(times))
    for _ in range(10):  # reweighted least squares: the rows under-predicted weigh more
        solution, _ = nnls(relative * weights[:, None], weights)
        weights = np.where(relative @ solution < 1, UNDER_WEIGHT, 1.0)
    return dict(zip(names, solution / scale, strict=True))


def survey_work(demo: Demo, rng: random.Random) -> list[Timing]:
    """Random runs, only for the spread of the data-dependent work (HVPs per sharpness
    estimate, evaluations per attack). For the edge of stability, runs
    whose time is mostly estimates (sharpness every 1 to 5 steps), long enough to reach the
    edge of stability, where the top eigenvector turns fastest and warm starts help least."""
    timings = []
    while len(timings) < SURVEY_RUNS:
        values = random_params(demo, rng, SURVEY_SECONDS).model_dump()
        if demo.slug == "edge-of-stability":
            values |= {"sharpness_every": rng.randint(1, 5), "steps": rng.randint(100, 1500)}
        try:
            params = demo.params.model_validate(values, context={"seconds_budget": SURVEY_SECONDS})
        except ValidationError:
            continue
        timings.append(timed_run(demo, params))
    return timings


def work_percentiles(slug: str, timings: list[Timing]) -> dict[str, float]:
    """The amounts of data-dependent work a prediction assumes: high percentiles of the
    measured ones, per trajectory or setting, since those are what add up in a run."""
    if slug == "edge-of-stability":
        firsts, warm = [], []
        for timing in timings:
            # The step sizes train side by side: at each checkpoint, each running trajectory's
            # estimate in turn, so the counts come in (checkpoint, trajectory) order.
            trajectories = timing.result.trajectories
            order = sorted(
                (step, index)
                for index, trajectory in enumerate(trajectories)
                for step in trajectory.checkpoints
            )
            per_trajectory = [[] for _ in trajectories]
            for (_, index), count in zip(order, timing.hvps_per_estimate, strict=True):
                per_trajectory[index].append(count)
            for trajectory, estimates in zip(trajectories, per_trajectory, strict=True):
                firsts.append(estimates[0])
                if len(estimates) >= 10 and trajectory.diverged_at is None:
                    # The later half: the count grows as training reaches the edge of
                    # stability, and a long run spends most of its estimates there.
                    warm.append(statistics.mean(estimates[len(estimates) // 2 :]))
        return {
            "HVPS_FIRST_ESTIMATE": np.percentile(firsts, WORK_PERCENTILE),
            "HVPS_PER_ESTIMATE": np.percentile(warm, WORK_PERCENTILE),
        }
    if slug == "gd-vs-sgd":
        counts = [count for timing in timings for count in timing.hvps_per_estimate]
        return {"HVPS_PER_SHARPNESS": np.percentile(counts, WORK_PERCENTILE)}
    if slug == "adversarial-vulnerability":
        per_setting = []
        for timing in timings:
            examples = timing.result.examples
            attacks = [count for count, _ in timing.evaluations_per_attack]
            for start in range(0, len(attacks), examples):
                per_setting.append(statistics.mean(attacks[start : start + examples]))
        return {"EVALUATIONS_PER_ATTACK": np.percentile(per_setting, WORK_PERCENTILE)}
    return {}


def fit_demo(slug: str, demo: Demo, rng: random.Random) -> None:
    rows, seconds, kept = [], [], []
    for values in DESIGNS[slug]:
        params = demo.params.model_validate(values, context=NO_BUDGET)
        timing = measured_seconds(demo, params)
        if diverged(timing.result):
            print(f"  skipped, diverged: {json.dumps(values)}")
            continue
        rows.append(measured_terms(params, timing))
        seconds.append(timing.seconds)
        kept.append((values, params, timing))
    seconds_per = fit(rows, seconds)
    print(f"\n# {slug}: {len(rows)} runs, {sum(seconds):.1f} s")
    for name, value in seconds_per.items():
        print(f"{name} = {value:.3g}")
    survey = survey_work(demo, rng) if slug in SURVEYED else []
    percentiles = work_percentiles(slug, [t for _, _, t in kept] + survey)
    for name, value in percentiles.items():
        print(f"{name} = {math.ceil(value)}")
    print("#   measured   fitted  ratio  (with the run's own HVPs or evaluations)  params")
    for (values, _, timing), row in zip(kept, rows, strict=True):
        predicted = sum(seconds_per[name] * count for name, count in row.items())
        print(
            f"#   {timing.seconds:8.3f} {predicted:8.3f} {timing.seconds / predicted:6.2f}"
            f"  {json.dumps(values)}"
        )


# --- check -------------------------------------------------------------------------------------


def random_value(spec: dict, rng: random.Random) -> Any:
    if "enum" in spec:
        return rng.choice(spec["enum"])
    if spec["type"] == "array":
        length = rng.randint(spec.get("minItems", 0), spec["maxItems"])
        return [random_value(spec["items"], rng) for _ in range(length)]
    low = spec.get("minimum", spec.get("exclusiveMinimum"))
    high = spec["maximum"]
    if spec["type"] == "integer":
        if low >= 1 and rng.random() < 0.5:  # log-uniform: small sizes as often as large
            return min(high, int(math.exp(rng.uniform(math.log(low), math.log(high + 1)))))
        return rng.randint(low, high)
    value = rng.uniform(low, high)
    return value if value > low or "minimum" in spec else high


def random_params(demo: Demo, rng: random.Random, max_seconds: float) -> DemoParams:
    """A random parameter set the default budget accepts and predicted at most max_seconds."""
    properties = demo.params_schema["properties"]
    while True:
        values = {name: random_value(spec, rng) for name, spec in properties.items()}
        try:
            params = demo.params.model_validate(values)
        except ValidationError:
            continue
        if params.cost() <= max_seconds:
            return params


# The bodies that passed the old budget of work units yet ran for minutes, and shapes that push
# one overhead term each to its bound; the cost field is raised to the most the budget accepts.
ADVERSARIAL = {
    "gd-vs-sgd": {
        "batch_sizes": [1, 1, 1, 1, 1, 1],
        "step_sizes": [0.2, 0.1, 0.05],
        "epochs": 5000,
        "hidden_width": 4,
        "hidden_layers": 1,
        "classes": 2,
        "examples": 20,
    },
    "edge-of-stability": {
        "sharpness_every": 1,
        "steps": 10_000,
        "step_sizes": [0.05, 0.1, 0.2, 0.4],
        "hidden_width": 4,
    },
}
WORST_CASES: dict[str, list[dict[str, Any]]] = {
    "quadratic-stability": [{"steps": 1000, "curvature_2": 100.0, "step_size": 0.0199}],
    "implicit-bias": [{"examples": 4}, {"examples": 400, "gap": 0.5}],
    "homogeneous-margin": [
        {"examples": 4, "width": 2, "sectors": 8, "gap": 22.0},
        {"examples": 400, "width": 200},
    ],
    "adversarial-vulnerability": [
        {"dimensions": [2] * 6, "examples": 2, "width": 2},
        {"dimensions": [2000] * 6, "examples": 100, "width": 1000},
    ],
    "feature-averaging": [
        {**FA_TINY, "sweep_clusters": [4, 6, 8, 10, 12]},
        {"dimension": 40, "clusters": 40, "points_per_cluster": 100, "width": 100},
        {"dimension": 1000, "clusters": 40, "points_per_cluster": 1, "width": 100},
        {
            "dimension": 1000,
            "clusters": 2,
            "points_per_cluster": 100,
            "width": 100,
            "sweep_clusters": [32, 34, 36, 38, 40],
        },
    ],
    "edge-of-stability": [
        ADVERSARIAL["edge-of-stability"],
        {**DEEP_TINY, "sharpness_every": 1, "step_sizes": [0.5] * 4, "activation": "elu"},
        {**DEEP_LARGE, "sharpness_every": 1, "step_sizes": [0.02]},
        # At the edge of stability the top eigenvector turns fast: warm starts help least.
        {
            "sharpness_every": 3,
            "step_sizes": [0.9],
            "hidden_width": 16,
            "hidden_layers": 3,
            "examples": 100,
        },
    ],
    "gd-vs-sgd": [
        ADVERSARIAL["gd-vs-sgd"],
        {**DEEP_TINY, "batch_sizes": [1] * 6, "step_sizes": [0.05] * 3},
        {**DEEP_LARGE, "batch_sizes": [1740] * 6, "step_sizes": [0.02] * 3, "epochs": 1},
    ],
}


def most_accepted(demo: Demo, values: dict[str, Any], budget: float) -> DemoParams | None:
    """``values`` with the cost field at the largest value within its bounds the budget takes;
    None if even its smallest is over the budget."""
    name = demo.params.cost_field
    spec = demo.params_schema["properties"][name]
    low, high = spec["minimum"], spec["maximum"]

    def accepted(value: int) -> DemoParams | None:
        try:
            return demo.params.model_validate(
                {**values, name: value}, context={"seconds_budget": budget}
            )
        except ValidationError:
            return None

    while low < high:  # the largest accepted value is in [low, high]
        middle = (low + high + 1) // 2
        low, high = (middle, high) if accepted(middle) else (low, middle - 1)
    return accepted(low)


@dataclass
class Outcome:
    kind: str  # "random" or "worst case"
    params: DemoParams
    predicted: float
    timing: Timing

    @property
    def ratio(self) -> float:
        return self.timing.seconds / self.predicted

    @property
    def judged_ratio(self) -> float:
        """Against the prediction plus the slack: over 1.5 exactly when over the abort limit,
        so a run of a millisecond is not judged on timer noise."""
        return self.timing.seconds / (self.predicted + ABORT_SLACK / ABORT_RATIO)

    @property
    def violation(self) -> bool:
        return self.timing.aborted or self.judged_ratio > ABORT_RATIO


def checked_run(demo: Demo, kind: str, params: DemoParams) -> tuple[Outcome, Outcome | None]:
    """The run, and its re-run if the first went over."""
    predicted = params.cost()
    limit = ABORT_RATIO * predicted + ABORT_SLACK

    def outcome() -> Outcome:
        timing = timed_run(demo, params, limit)
        # Results kept alive would slow every later run's garbage collection; a worker keeps none.
        timing.result = None
        return Outcome(kind, params, predicted, timing)

    first = outcome()
    return (first, None) if not first.violation else (outcome(), first)


def describe(outcome: Outcome) -> str:
    timing = outcome.timing
    verdict = "aborted at" if timing.aborted else "took"
    return (
        f"{verdict} {timing.seconds:.3f} s (wall {timing.wall_seconds:.3f} s), predicted"
        f" {outcome.predicted:.3f} s, ratio {outcome.ratio:.2f}"
        f" (judged {outcome.judged_ratio:.2f}):"
        f" {json.dumps(outcome.params.model_dump(mode='json'))}"
    )


def check_demo(
    demo: Demo, rng: random.Random, samples: int, max_seconds: float, budget: float
) -> list[Outcome]:
    cases = [("random", random_params(demo, rng, max_seconds)) for _ in range(samples)]
    for values in WORST_CASES[demo.slug]:
        params = most_accepted(demo, values, budget)
        if params is None:
            print(f"  over {budget:g} s at its smallest {demo.params.cost_field}: {values}")
        else:
            cases.append(("worst case", params))
    print(f"  {demo.slug} {host_speed()}", flush=True)
    outcomes, started = [], time.perf_counter()
    for kind, params in cases:
        outcome, first = checked_run(demo, kind, params)
        if first is not None:
            print(f"  over once, re-run: {describe(first)}", flush=True)
        if outcome.violation:
            print(f"  VIOLATION ({kind}) {describe(outcome)}", flush=True)
        outcomes.append(outcome)
    ratios = [outcome.ratio for outcome in outcomes]
    worst = max(outcomes, key=lambda outcome: outcome.judged_ratio)
    largest = [o for o in outcomes if o.kind == "worst case"]
    print(
        f"{demo.slug}: {len(outcomes)} runs ({samples} random <= {max_seconds:g} s predicted,"
        f" {len(largest)} worst cases up to {budget:g} s) in {time.perf_counter() - started:.0f}"
        f" s; median ratio {statistics.median(ratios):.2f}, worst {worst.judged_ratio:.2f}"
        f"{' (aborted)' if worst.timing.aborted else ''}, violations"
        f" {sum(o.violation for o in outcomes)}",
        flush=True,
    )
    for outcome in largest:
        print(f"  worst case {describe(outcome)}", flush=True)
    return outcomes


def check(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    everything = []
    for slug in args.demos:
        everything += check_demo(DEMOS[slug], rng, args.samples, args.max_seconds, args.budget)
    print(f"  end {host_speed()}")
    worst = max(everything, key=lambda outcome: outcome.judged_ratio)
    violations = [outcome for outcome in everything if outcome.violation]
    print(
        f"worst ratio: {worst.judged_ratio:.2f}{' (aborted)' if worst.timing.aborted else ''}"
        f" (goal <= {ABORT_RATIO:g}); {len(violations)} violations in {len(everything)} runs;"
        f" worst: {describe(worst)}"
    )


# --- main --------------------------------------------------------------------------------------


# Short runs with each demo's largest arrays: the first allocations of a size are slower (the
# allocator and BLAS set up their buffers), and a long-lived worker has made them long before.
WARM_UPS = {
    "quadratic-stability": {"steps": 1000},
    "edge-of-stability": {**DEEP_LARGE, "steps": 10, "sharpness_every": 5},
    "implicit-bias": {"examples": 400, "steps": 1000},
    "homogeneous-margin": {"examples": 400, "width": 200, "steps": 1000},
    "adversarial-vulnerability": {
        "dimensions": [2000],
        "examples": 100,
        "width": 1000,
        "steps": 10,
    },
    "gd-vs-sgd": {**DEEP_LARGE, "batch_sizes": [1740, 1], "epochs": 1},
    "feature-averaging": {
        "dimension": 1000,
        "clusters": 40,
        "points_per_cluster": 10,
        "width": 20,
        "steps": 10,
        "sweep_clusters": [40],
    },
}


def warm_up(slugs: list[str]) -> None:
    """Import these demos' computations and run each, small and large: a worker does that once."""
    for demo in (DEMOS[slug] for slug in slugs):
        for values in (DESIGNS[demo.slug][0], WARM_UPS[demo.slug]):
            demo.run(demo.params.model_validate(values, context=NO_BUDGET), Deadline(None))
    # What is alive now lives as long as the worker: out of the collector's way, so that
    # collecting before each run costs only that run's garbage.
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fit", action="store_true", help="time designed runs and fit")
    mode.add_argument("--check", action="store_true", help="random valid sets (the default)")
    parser.add_argument("--samples", type=int, default=200, help="random sets per demo")
    parser.add_argument(
        "--max-seconds", type=float, default=3.0, help="largest prediction of a random set"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_SECONDS_BUDGET,
        help="the budget the worst-case sets are raised to",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--demos", nargs="+", default=list(DEMOS), choices=list(DEMOS))
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    # Random step sizes overflow some runs; the demos report that as divergence.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    WorkCounter.install()
    with threadpool_limits(limits=1):
        warm_up(args.demos)
        if args.fit:
            print(f"REFERENCE_SECONDS_AT_FIT = {reference_seconds():.3f}  # in bench/cost_model.py")
            rng = random.Random(args.seed)
            for slug in args.demos:
                fit_demo(slug, DEMOS[slug], rng)
        else:
            check(args)


if __name__ == "__main__":
    main()
