"""Margins of homogeneous networks, against the theory's premises and an autograd reference."""

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from demos.sims import relu_network
from demos.sims.homogeneous_margin import compute as demo


def random_network(seed=0, width=7):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((width, 2)), rng.standard_normal(width), rng.standard_normal((9, 2))


@pytest.mark.parametrize("scale", [0.3, 2.5, 17.0])
def test_the_network_is_2_homogeneous_in_its_parameters(scale):
    hidden, output, x = random_network()
    f = relu_network.outputs(hidden, output, x)
    assert np.allclose(
        relu_network.outputs(scale * hidden, scale * output, x), scale**2 * f, rtol=1e-12
    )
    # and 1-homogeneous in its input, which is why the classes are angular sectors
    assert np.allclose(relu_network.outputs(hidden, output, scale * x), scale * f, rtol=1e-12)


def test_gradients_match_autograd():
    hidden, output, x = random_network(seed=3)
    labels = np.where(np.arange(len(x)) % 2 == 0, 1.0, -1.0)
    gradients = relu_network.logistic_gradients(hidden, output, x, labels)
    loss, hidden_gradient, output_gradient = gradients.loss, gradients.hidden, gradients.output
    w = torch.tensor(hidden, requires_grad=True)
    a = torch.tensor(output, requires_grad=True)
    reference = torch.logaddexp(
        torch.zeros(len(x), dtype=torch.float64),
        -torch.tensor(labels) * (torch.relu(torch.tensor(x) @ w.T) @ a),
    ).mean()
    reference.backward()
    assert loss == pytest.approx(float(reference.detach()), rel=1e-12)
    assert np.allclose(hidden_gradient, w.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.allclose(output_gradient, a.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_normalized_margin_rises_once_the_data_are_fitted(seed):
    result = demo.run(demo.Params(seed=seed))
    assert result.separated_at is not None
    start = result.checkpoints.index(result.separated_at)
    fitted = np.array(result.normalized_margin[start:])
    assert np.all(np.array(result.loss[start:]) < np.log(2) / len(result.labels))
    # Measured on seeds 0-2: every step between checkpoints raised it by at least 4e-5, and the
    # margin ended 13-23% above its value when the loss first fell below log(2)/n.
    assert np.all(np.diff(fitted) >= -1e-9)
    assert fitted[-1] >= 1.1 * fitted[0]
    assert result.normalized_margin[-1] > 0


def test_the_gap_must_leave_room_in_every_sector():
    with pytest.raises(ValidationError) as refused:
        demo.Params(sectors=8, gap=25)
    assert refused.value.errors()[0]["loc"] == ("gap",)
