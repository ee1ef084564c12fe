"""Hessian-vector products and the top-eigenvalue estimator against dense references."""

import numpy as np
import pytest
import torch

from demos.sims.digits import MLP, draw_digits, squared_loss
from demos.sims.edge_of_stability import compute as eos
from demos.sims.hessian import (
    EigenvectorTracker,
    HessianVectorProduct,
    SecondEigenvalueTracker,
    SharpnessTracker,
    dense_hessian,
    top_eigenpair,
)


def tiny_mlp_loss():
    """A 5-4-3 tanh network on 12 random points: 39 parameters, small enough for exact checks."""
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(12, 5, generator=generator, dtype=torch.float64)
    targets = torch.randn(12, 3, generator=generator, dtype=torch.float64)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        first = theta[:20].view(4, 5)
        second = theta[24:36].view(3, 4)
        hidden = torch.tanh(inputs @ first.T + theta[20:24])
        return 0.5 * ((hidden @ second.T + theta[36:39] - targets) ** 2).sum(1).mean()

    theta = torch.randn(39, generator=generator, dtype=torch.float64)
    return loss, theta


def test_hessian_vector_products_equal_the_dense_hessian_times_the_vector():
    loss, theta = tiny_mlp_loss()
    reference = torch.autograd.functional.hessian(loss, theta)
    hvp = HessianVectorProduct(loss, theta)
    for seed in range(5):
        vector = torch.randn(39, generator=torch.Generator().manual_seed(seed), dtype=theta.dtype)
        torch.testing.assert_close(hvp(vector), reference @ vector, atol=1e-6, rtol=0)
    assert hvp.count == 5


def test_lanczos_finds_the_top_of_a_known_spectrum():
    rotation, _ = torch.linalg.qr(torch.randn(50, 50, generator=torch.Generator().manual_seed(1)))
    spectrum = torch.linspace(-3, 10, 50)
    matrix = (rotation * spectrum) @ rotation.T
    start = torch.ones(50)
    top = top_eigenpair(lambda v: matrix @ v, start, tolerance=1e-6)
    assert top.value == pytest.approx(10.0, rel=1e-5)
    assert abs(float(top.vector @ rotation[:, -1])) == pytest.approx(1.0, abs=1e-4)
    warm = top_eigenpair(lambda v: matrix @ v, top.vector, tolerance=1e-4)
    assert warm.products == 2  # the fewest it takes; a random start needed more
    assert top.products > 2


def test_tracker_extrapolates_the_eigenvector_motion_whatever_its_sign():
    first = torch.tensor([1.0, 0.0])
    tracker = EigenvectorTracker(first)
    assert torch.equal(tracker.start(), first)
    tracker.update(torch.tensor([-0.8, -0.6]))  # the same direction as (0.8, 0.6), flipped
    assert torch.allclose(tracker.start(), torch.tensor([0.7, 0.9]))


def test_a_guard_holding_a_larger_eigenvalue_overturns_a_converged_answer():
    rotation, _ = torch.linalg.qr(
        torch.randn(40, 40, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    )
    spectrum = torch.linspace(-1, 5, 40)
    spectrum[-2:] = torch.tensor([9.9, 10.0])
    matrix = (rotation * spectrum) @ rotation.T
    second, top = rotation[:, -2], rotation[:, -1]
    unguarded = top_eigenpair(lambda v: matrix @ v, second)
    assert unguarded.value == pytest.approx(9.9)  # the start is an eigenvector: Lanczos stops
    guarded = top_eigenpair(lambda v: matrix @ v, second, guard=top + 0.1 * second)
    assert guarded.value == pytest.approx(10.0, rel=1e-6)
    assert abs(float(guarded.vector @ top)) == pytest.approx(1.0, abs=1e-6)
    assert abs(float(guarded.runner_up @ second)) == pytest.approx(1.0, abs=1e-6)
    passed = top_eigenpair(lambda v: matrix @ v, top, guard=second)
    assert passed.value == pytest.approx(10.0, rel=1e-9)
    assert passed.products == unguarded.products + 1  # certifying costs one product


def planted_crossing(s: float):
    """The tiny network's loss plus two planted curvature directions on two extra parameters,
    at point s of a path: their eigenvalues 10.5 - s and 9.5 + s stay within 10% of each other
    and swap order at s = 0.5, while the network's parameters move along a line."""
    loss, theta = tiny_mlp_loss()
    direction = torch.randn(39, generator=torch.Generator().manual_seed(3), dtype=theta.dtype)

    def planted(point: torch.Tensor) -> torch.Tensor:
        first, second = point[39], point[40]
        return loss(point[:39]) + 0.5 * (10.5 - s) * first**2 + 0.5 * (9.5 + s) * second**2

    return planted, torch.cat([theta + 0.1 * s * direction, torch.zeros(2, dtype=theta.dtype)])


def test_a_planted_near_crossing_of_the_top_two_eigenvalues_is_tracked_through():
    """Warm starts alone follow the old top vector through the swap and report the second
    eigenvalue; the estimates certified against the runner-up (the demo's) report the top, and
    the second eigenvalue's tracker the second."""
    path = np.linspace(0, 1, 11)
    exact, certified, unguarded, exact_second, second = [], [], [], [], []
    first = torch.randn(41, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    tracker = SharpnessTracker(first, tolerance=5e-4)
    second_tracker = SecondEigenvalueTracker(first, tolerance=5e-4)
    warm = EigenvectorTracker(first)
    for s in path:
        loss, theta = planted_crossing(s)
        spectrum = np.linalg.eigvalsh(dense_hessian(loss, theta).numpy())
        exact.append(spectrum[-1])
        exact_second.append(spectrum[-2])
        hvp = HessianVectorProduct(loss, theta)
        top = tracker.estimate(hvp)
        certified.append(top.value)
        second.append(second_tracker.estimate(hvp, top).value)
        top = top_eigenpair(HessianVectorProduct(loss, theta), warm.start(), tolerance=1e-3)
        warm.update(top.vector)
        unguarded.append(top.value)
    exact = np.array(exact)
    assert exact.min() == pytest.approx(10.0)  # the planted pair is on top all along
    np.testing.assert_allclose(certified, exact, rtol=1e-3)
    np.testing.assert_allclose(second, exact_second, rtol=1e-3)
    missed = np.abs(np.array(unguarded) - exact) / exact > 1e-2
    assert missed[path > 0.5].all() and not missed[path < 0.5].any()


def test_reported_sharpness_matches_the_dense_eigenvalues_along_a_trajectory():
    params = eos.Params(
        step_sizes=[0.2],
        steps=300,
        sharpness_every=20,
        hidden_width=10,
        classes=4,
        examples=120,
    )
    result = eos.run(params)
    trajectory = result.trajectories[0]
    reported = dict(zip(trajectory.checkpoints, trajectory.sharpness, strict=True))
    second = dict(zip(trajectory.checkpoints, trajectory.second, strict=True))
    data = draw_digits(params)
    inputs, targets = data.inputs, data.targets
    network = MLP(params)
    checked = 0
    for now in eos.gradient_descent(params, 0.2, data):
        if now.at_checkpoint and now.step % 60 == 0:
            dense = dense_hessian(
                lambda theta: squared_loss(network(theta, inputs), targets), now.theta
            )
            spectrum = np.linalg.eigvalsh(dense.numpy())
            assert reported[now.step] == pytest.approx(spectrum[-1], rel=1e-3)
            assert second[now.step] == pytest.approx(spectrum[-2], rel=1e-3)
            checked += 1
    assert checked == 6
