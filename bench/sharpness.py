"""Sharpness estimators side by side on the default edge-of-stability trajectory.

At every checkpoint of the demo's default run (same network, same data, same GD steps) it
estimates the top Hessian eigenvalue three ways and counts Hessian-vector products (HVPs):

  warm Lanczos  demos.sims.hessian.top_eigenpair started from sharpness_tracker (the last
                eigenvector nudged along its latest motion),
                stopped at residual ||Hv - lv|| <= 1e-3 |l|, exactly as the demo does;
  eigsh         scipy's ARPACK Lanczos from a random start (k=1, default tolerance), as the
                edge-of-stability paper's code does at each estimate;
  power         power iteration from a random start, stopped when successive estimates differ
                by < 1e-3 relative, as PyHessian does.

Accuracy is the true relative error against numpy's eigvalsh of the dense Hessian, computed at
every --dense-every-th checkpoint (each costs a few seconds), and against eigsh everywhere.
The products are the demo's own (digits.MLP.hessian_vector_product, the R-operator written out
in numpy), in float64 here so that eigsh's default tolerance is within reach; the demo runs
them in float32, which moves an estimate by about 1e-7 relative.

    .venv/bin/python bench/sharpness.py [--dense-every 10]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demos.sims.digits import MLP, draw_digits, squared_loss  # noqa: E402
from demos.sims.edge_of_stability import compute as eos  # noqa: E402
from demos.sims.hessian import (  # noqa: E402
    HessianVectorProduct,
    dense_hessian,
    top_eigenpair,
)

POWER_TOLERANCE = 1e-3
POWER_MAX_STEPS = 100


def scipy_eigsh(hvp: HessianVectorProduct, rng: np.random.Generator) -> float:
    operator = LinearOperator(
        (hvp.dimension, hvp.dimension),
        matvec=lambda v: hvp(torch.from_numpy(np.ravel(v))).numpy(),
        dtype=np.float64,
    )
    values = eigsh(operator, k=1, v0=rng.standard_normal(hvp.dimension), return_eigenvectors=False)
    return float(values[0])


def power_iteration(hvp: HessianVectorProduct, rng: np.random.Generator) -> float:
    """PyHessian's loop: returns the previous estimate once two successive ones agree."""
    vector = torch.from_numpy(rng.standard_normal(hvp.dimension))
    vector /= vector.norm()
    estimate = None
    for _ in range(POWER_MAX_STEPS):
        product = hvp(vector)
        new_estimate = float(product @ vector)
        vector = product / product.norm()
        if estimate is not None and abs(estimate - new_estimate) / (abs(estimate) + 1e-6) < (
            POWER_TOLERANCE
        ):
            break
        estimate = new_estimate
    return estimate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dense-every", type=int, default=10, help="dense reference every N")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()

    params = eos.Params(seed=arguments.seed)
    data = draw_digits(params)
    inputs, targets = data.inputs, data.targets
    network = MLP(params)
    arrays = (inputs.numpy(), targets.numpy())
    rng = np.random.default_rng(12345)
    rows = {name: {"hvps": [], "seconds": [], "values": []} for name in ("warm", "eigsh", "power")}
    dense_values: dict[int, float] = {}
    started = time.perf_counter()
    index = 0
    for step_size in params.step_sizes:
        tracker = eos.sharpness_tracker(params)
        for now in eos.gradient_descent(params, step_size, data):
            if not now.at_checkpoint:
                continue
            for name in rows:
                hvp = network.hessian_vector_product(now.theta.numpy(), *arrays)
                tic = time.perf_counter()
                if name == "warm":
                    top = top_eigenpair(hvp, tracker.start(), tolerance=eos.SHARPNESS_TOLERANCE)
                    tracker.update(top.vector)
                    value = top.value
                elif name == "eigsh":
                    value = scipy_eigsh(hvp, rng)
                else:
                    value = power_iteration(hvp, rng)
                rows[name]["seconds"].append(time.perf_counter() - tic)
                rows[name]["hvps"].append(hvp.count)
                rows[name]["values"].append(value)
            if index % arguments.dense_every == 0:
                hessian = dense_hessian(
                    lambda theta: squared_loss(network(theta, inputs), targets), now.theta
                )
                dense_values[index] = float(np.linalg.eigvalsh(hessian.numpy())[-1])
            index += 1
    elapsed = time.perf_counter() - started

    dense_at = sorted(dense_values)
    exact = np.array([dense_values[i] for i in dense_at])
    eigsh_values = np.array(rows["eigsh"]["values"])
    print(
        f"Default edge-of-stability run: {params.parameter_count:,} parameters,"
        f" {params.examples} digits, step sizes {params.step_sizes}, {params.steps} steps,"
        f" sharpness every {params.sharpness_every} steps: {index} checkpoints;"
        f" dense eigvalsh reference at {len(dense_at)} of them. {elapsed:.0f} s in all."
    )
    print()
    header = (
        "| estimator | HVPs per estimate, median (mean, max) | ms per estimate, median"
        " | true rel. error vs dense, median / max | rel. error vs eigsh, max (all) |"
    )
    print(header)
    print("|" + "---|" * 5)
    for name, label in (
        ("warm", "warm-started Lanczos (ours)"),
        ("eigsh", "scipy eigsh, random start"),
        ("power", "power iteration, random start, tol 1e-3"),
    ):
        hvps = rows[name]["hvps"]
        values = np.array(rows[name]["values"])
        true_error = np.abs(values[dense_at] - exact) / exact
        eigsh_error = np.abs(values - eigsh_values) / eigsh_values
        print(
            f"| {label} | {statistics.median(hvps):g} ({np.mean(hvps):.1f}, {max(hvps)})"
            f" | {1000 * statistics.median(rows[name]['seconds']):.1f}"
            f" | {np.median(true_error):.1e} / {true_error.max():.1e}"
            f" | {eigsh_error.max():.1e} |"
        )
    ratio = statistics.median(rows["warm"]["hvps"]) / statistics.median(rows["eigsh"]["hvps"])
    print()
    print(f"warm-started median HVPs / eigsh median HVPs = {ratio:.2f} (goal <= 0.25)")
    warm = np.array(rows["warm"]["values"])
    worst = int(np.argmax(np.abs(warm - eigsh_values) / eigsh_values))
    print(
        f"largest warm-start miss: checkpoint {worst}, {warm[worst]:.4f} vs eigsh"
        f" {eigsh_values[worst]:.4f}"
    )


if __name__ == "__main__":
    main()
