"""The digits shared by the demos that train an MLP: one draw, training and held-out apart."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from demos.sims.digits import (
    DIVERGENCE_FACTOR,
    MLP,
    StackedParameters,
    diverged,
    draw_digits,
    has_diverged,
    squared_loss,
)
from demos.sims.edge_of_stability.params import Params
from demos.sims.hessian import HessianVectorProduct


@pytest.mark.parametrize(("classes", "examples", "seed"), [(10, 500, 0), (3, 60, 7), (2, 300, 1)])
def test_held_out_digits_are_never_training_digits(classes, examples, seed):
    params = Params(classes=classes, examples=examples, seed=seed)
    split = draw_digits(params, held_out=500)
    assert len(set(split.indices)) == examples
    assert not set(split.indices) & set(split.held_out_indices)
    labels = load_digits().target
    assert set(labels[split.indices]) | set(labels[split.held_out_indices]) <= set(range(classes))
    available = int((labels < classes).sum())
    assert len(split.held_out_indices) == min(500, available - examples)
    assert np.array_equal(split.labels.numpy(), labels[split.indices])


def test_the_same_seed_draws_the_same_digits_and_another_seed_others():
    first, again = draw_digits(Params(seed=3)), draw_digits(Params(seed=3))
    assert np.array_equal(first.indices, again.indices)
    assert not np.array_equal(first.indices, draw_digits(Params(seed=4)).indices)


def test_one_divergence_rule():
    assert has_diverged(float("nan"), 1.0) and has_diverged(float("inf"), 1.0)
    assert has_diverged(1.01 * DIVERGENCE_FACTOR, 1.0)
    assert not has_diverged(0.99 * DIVERGENCE_FACTOR, 1.0)


def small_network(activation: str):
    """A 64-6-6-3 network on 40 digits, in float64: the hand-written passes against autograd."""
    params = Params(hidden_width=6, hidden_layers=2, classes=3, examples=40, activation=activation)
    data = draw_digits(params)
    network = MLP(params)
    thetas = torch.stack(
        [network.initial_parameters(seed) * (1 + seed) for seed in range(3)]
    )  # larger weights: more curvature in the activations
    return network, data, thetas


def autograd_loss(network, data):
    return lambda theta: squared_loss(network(theta, data.inputs), data.targets)


@pytest.mark.parametrize("activation", ["tanh", "relu", "elu"])
def test_hand_written_loss_and_gradient_match_autograd_for_every_row(activation):
    network, data, thetas = small_network(activation)
    inputs, targets = data.inputs.numpy(), data.targets.numpy()
    stack = StackedParameters(network, thetas.numpy())
    losses, outputs = network.loss_and_gradient(stack, inputs, targets)
    gradient = stack.gradient
    loss = autograd_loss(network, data)
    for row, theta in enumerate(thetas):
        theta = theta.clone().requires_grad_(True)
        reference = loss(theta)
        (reference_gradient,) = torch.autograd.grad(reference, theta)
        assert losses[row] == pytest.approx(float(reference.detach()), rel=1e-12)
        np.testing.assert_allclose(gradient[row], reference_gradient.numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(
            outputs[row], network(theta, data.inputs).detach().numpy(), atol=1e-12
        )


@pytest.mark.parametrize("activation", ["tanh", "relu", "elu"])
def test_hand_written_hessian_vector_products_match_autograds_double_backward(activation):
    """The reference, HessianVectorProduct, is itself checked against the dense Hessian."""
    network, data, thetas = small_network(activation)
    inputs, targets = data.inputs.numpy(), data.targets.numpy()
    generator = torch.Generator().manual_seed(0)
    for theta in thetas:
        reference = HessianVectorProduct(autograd_loss(network, data), theta)
        hvp = network.hessian_vector_product(theta.numpy(), inputs, targets)
        for _ in range(3):
            vector = torch.randn(len(theta), generator=generator, dtype=torch.float64)
            torch.testing.assert_close(hvp(vector), reference(vector), rtol=0, atol=1e-10)
        assert hvp.count == 3  # counted like every Hessian-vector product


def test_one_divergence_rule_for_several_runs_at_once():
    losses = np.array([1.0, np.nan, np.inf, 1.01 * DIVERGENCE_FACTOR, 0.99 * DIVERGENCE_FACTOR])
    assert diverged(losses, 1.0).tolist() == [False, True, True, True, False]
    assert [has_diverged(loss, 1.0) for loss in losses] == diverged(losses, 1.0).tolist()
