"""Digits and the MLP trained on them, shared by the demos that train one (torch, scikit-learn).

One draw gives both the training set and the held-out digits, so they can never overlap; one
network, one loss and one divergence rule serve every such demo.
"""

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch
from sklearn.datasets import load_digits

from demos.sims.digits_params import DigitsNetwork

# A run whose loss passes this multiple of its starting loss has left the basin for good.
DIVERGENCE_FACTOR = 1e3


@dataclass(frozen=True)
class DigitsSplit:
    """Training digits (scaled to [0, 1], one-hot targets, labels) and held-out digits."""

    inputs: torch.Tensor
    targets: torch.Tensor
    labels: torch.Tensor
    held_out_inputs: torch.Tensor
    held_out_labels: torch.Tensor
    indices: np.ndarray  # rows of scikit-learn's data set: the training digits
    held_out_indices: np.ndarray  # and the held-out ones


def draw_digits(params: DigitsNetwork, held_out: int = 0) -> DigitsSplit:
    """``params.examples`` training digits of the first ``params.classes`` classes, drawn with
    the run's seed, and up to ``held_out`` other digits of those classes that it did not draw."""
    images, labels = load_digits(return_X_y=True)
    eligible = np.flatnonzero(labels < params.classes)
    chosen = np.random.default_rng(params.seed).choice(eligible, params.examples, replace=False)
    rest = np.setdiff1d(eligible, chosen)[:held_out]
    train_labels = torch.tensor(labels[chosen], dtype=torch.long)
    return DigitsSplit(
        inputs=torch.tensor(images[chosen] / 16.0, dtype=torch.float64),
        targets=torch.nn.functional.one_hot(train_labels, params.classes).to(torch.float64),
        labels=train_labels,
        held_out_inputs=torch.tensor(images[rest] / 16.0, dtype=torch.float64),
        held_out_labels=torch.tensor(labels[rest], dtype=torch.long),
        indices=chosen,
        held_out_indices=rest,
    )


class MLP:
    """A fully connected network as a function of one flat parameter vector."""

    activations = {"tanh": torch.tanh, "relu": torch.relu, "elu": torch.nn.functional.elu}

    def __init__(self, params: DigitsNetwork):
        self.shapes = [(fan_out, fan_in) for fan_in, fan_out in pairwise(params.layer_widths)]
        self.activation = self.activations[params.activation]

    def initial_parameters(self, seed: int) -> torch.Tensor:
        """PyTorch's default Linear initialization: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        generator = torch.Generator().manual_seed(seed)
        pieces = []
        for fan_out, fan_in in self.shapes:
            bound = fan_in**-0.5
            for shape in ((fan_out, fan_in), (fan_out,)):
                uniform = torch.rand(shape, generator=generator, dtype=torch.float64)
                pieces.append(((2 * uniform - 1) * bound).flatten())
        return torch.cat(pieces)

    def __call__(self, theta: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        hidden, offset = inputs, 0
        for layer, (fan_out, fan_in) in enumerate(self.shapes):
            weight = theta[offset : offset + fan_out * fan_in].view(fan_out, fan_in)
            offset += fan_out * fan_in
            bias = theta[offset : offset + fan_out]
            offset += fan_out
            hidden = hidden @ weight.T + bias
            if layer < len(self.shapes) - 1:
                hidden = self.activation(hidden)
        return hidden

    def accuracy(self, theta: torch.Tensor, inputs: torch.Tensor, labels) -> float | None:
        """The fraction of ``inputs`` classified as ``labels``; None for no inputs."""
        if len(labels) == 0:
            return None
        with torch.no_grad():
            return float((self(theta, inputs).argmax(dim=1) == labels).double().mean())


def squared_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1/2 ||f(x) - y||^2 averaged over examples, as in the edge-of-stability paper."""
    return 0.5 * ((outputs - targets) ** 2).sum(dim=1).mean()


def has_diverged(loss: float, initial_loss: float) -> bool:
    """Not finite, or past DIVERGENCE_FACTOR times the loss at the start: training blew up."""
    return not np.isfinite(loss) or loss > DIVERGENCE_FACTOR * initial_loss


def random_direction(params: DigitsNetwork) -> torch.Tensor:
    """The seed's random vector in parameter space: the first start of a sharpness estimate."""
    return torch.randn(
        params.parameter_count,
        generator=torch.Generator().manual_seed(params.seed),
        dtype=torch.float64,
    )
