"""Digits and the MLP trained on them, shared by the demos that train one (torch, scikit-learn).

One draw gives both the training set and the held-out digits, so they can never overlap; one
network, one loss and one divergence rule serve every such demo.

The network is evaluated two ways. Its torch forward pass, differentiated by autograd, is the
reference (tests, dense Hessians). Training and sharpness use the same arithmetic written out
by hand in numpy, in float32, for several parameter vectors at once: on a network this small,
one thread spends most of autograd's time on per-call overhead, and float32 halves the
arithmetic (torch's float64 tanh alone took a tenth of a default run). bench/demos.py measures
it, and compares the default runs' science in float32 and float64 (--precision).
"""

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch
from sklearn.datasets import load_digits

from demos.sims.digits_params import DigitsNetwork
from demos.sims.hessian import HessianVectorProduct

# A run whose loss passes this multiple of its starting loss has left the basin for good.
DIVERGENCE_FACTOR = 1e3
# The precision of training and of the Hessian-vector products. Against float64, the default
# runs agree to 1e-7 until sharpness reaches 2/eta; at the edge of stability the chaotic
# iterates part, but sharpness / (2/eta) stays the same (bench/demos.py --precision).
TRAINING_DTYPE = np.float32


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

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The training inputs and targets in TRAINING_DTYPE for the hand-written passes (the
        computations take their precision from these arrays)."""
        return self.inputs.numpy().astype(TRAINING_DTYPE), self.targets.numpy().astype(
            TRAINING_DTYPE
        )


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


def _tanh(a: np.ndarray, curvature: bool) -> tuple[np.ndarray, ...]:
    h = np.tanh(a)
    slope = 1 - h * h
    return (h, slope, -2 * h * slope) if curvature else (h, slope)


def _relu(a: np.ndarray, curvature: bool) -> tuple[np.ndarray, ...]:
    # The slope at 0 is 0, as torch's relu backward has it.
    slope = (a > 0).astype(a.dtype)
    return (a * slope, slope, np.zeros_like(a)) if curvature else (a * slope, slope)


def _elu(a: np.ndarray, curvature: bool) -> tuple[np.ndarray, ...]:
    # In few cheap whole-array passes (numpy's where, minimum and masked copies are several
    # times slower here): exp(min(a, 0)) is the slope on both sides of 0, and torch, too,
    # takes the exponential branch at 0.
    positive = a > 0
    rectified = a * positive
    slope = np.exp(a - rectified)
    h = slope - 1
    h += rectified
    return (h, slope, slope - positive) if curvature else (h, slope)


class MLP:
    """A fully connected network as a function of one flat parameter vector.

    Calling it is the torch forward pass (the reference, differentiable by autograd);
    ``loss_and_gradient`` and ``hessian_vector_product`` are the hand-written numpy passes of
    the squared loss that training and sharpness estimates use.
    """

    activations = {"tanh": torch.tanh, "relu": torch.relu, "elu": torch.nn.functional.elu}
    # Each gives the activation and its slope at the pre-activations, and, if asked, its
    # curvature (second derivative).
    activation_derivatives = {"tanh": _tanh, "relu": _relu, "elu": _elu}

    def __init__(self, params: DigitsNetwork):
        self.shapes = [(fan_out, fan_in) for fan_in, fan_out in pairwise(params.layer_widths)]
        self.activation = self.activations[params.activation]
        self.derivatives = self.activation_derivatives[params.activation]
        self.parameter_count = params.parameter_count
        self._ones: dict[tuple[int, np.dtype], np.ndarray] = {}

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
        hidden = inputs
        for layer, (weight, bias) in enumerate(self.layers(theta)):
            hidden = hidden @ weight.T + bias
            if layer < len(self.shapes) - 1:
                hidden = self.activation(hidden)
        return hidden

    def layers(self, theta):
        """(weight, bias) views of each layer in ``theta`` (torch or numpy), which is one
        vector or, in numpy, one vector per row: weights (rows, fan_out, fan_in)."""
        rows = theta.shape[:-1]
        offset = 0
        views = []
        for fan_out, fan_in in self.shapes:
            weight = theta[..., offset : offset + fan_out * fan_in].reshape(*rows, fan_out, fan_in)
            offset += fan_out * fan_in
            views.append((weight, theta[..., offset : offset + fan_out]))
            offset += fan_out
        return views

    def outputs(self, theta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The numpy forward pass: outputs (rows, examples, classes) for parameter rows."""
        hidden = inputs
        for layer, (weight, bias) in enumerate(self.layers(theta)):
            hidden = np.matmul(hidden, weight.swapaxes(-1, -2)) + bias[..., None, :]
            if layer < len(self.shapes) - 1:
                hidden = self.derivatives(hidden, curvature=False)[0]
        return hidden

    def loss_and_gradient(
        self, stack: "StackedParameters", inputs: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The squared loss of each row of ``stack.theta`` on the same examples, its gradient
        written into ``stack.gradient``, and the outputs (rows, examples, classes): one forward
        and one backward pass for all rows, by hand."""
        hidden, slopes = [inputs], []
        last = len(stack.layers) - 1
        for layer, (weight, bias) in enumerate(stack.layers):
            pre = np.matmul(hidden[-1], weight.swapaxes(1, 2))
            pre += bias[:, None, :]
            if layer < last:
                activation, slope = self.derivatives(pre, curvature=False)
                hidden.append(activation)
                slopes.append(slope)
        outputs = pre
        residual = outputs - targets
        losses = np.einsum("kec,kec->k", residual, residual) * (0.5 / len(inputs))
        delta = residual * (1 / len(inputs))  # d loss / d pre-activation, layer by layer
        ones = self.ones(len(inputs), inputs.dtype)
        for layer in range(last, -1, -1):
            weight_gradient, bias_gradient = stack.gradient_layers[layer]
            np.matmul(delta.swapaxes(1, 2), hidden[layer], out=weight_gradient)
            np.matmul(ones, delta, out=bias_gradient)
            if layer:
                delta = np.matmul(delta, stack.layers[layer][0])
                delta *= slopes[layer - 1]
        return losses, outputs

    def ones(self, examples: int, dtype: np.dtype) -> np.ndarray:
        """Sums over examples are products with ones: several times faster than numpy's sum
        over the examples' axis here. Made once per size (a run has one or two)."""
        key = (examples, np.dtype(dtype))
        if key not in self._ones:
            self._ones[key] = np.ones(examples, dtype=dtype)
        return self._ones[key]

    def hessian_vector_product(
        self, theta: np.ndarray, inputs: np.ndarray, targets: np.ndarray
    ) -> "MLPHessianVectorProduct":
        """v -> H v of the squared loss at ``theta`` (one vector), by hand in theta's dtype."""
        return MLPHessianVectorProduct(self, theta, inputs, targets)


class StackedParameters:
    """Several parameter vectors of one network as the rows of one array, their gradients in
    another, and each layer's views into both, made once: training updates them in place."""

    def __init__(self, network: MLP, theta: np.ndarray):
        self.network = network
        self.theta = theta
        self.gradient = np.empty_like(theta)
        self.layers = network.layers(theta)
        self.gradient_layers = network.layers(self.gradient)

    def rows(self, kept: np.ndarray) -> "StackedParameters":
        """A stack of the kept rows only, parameters and gradients (a copy)."""
        stack = StackedParameters(self.network, self.theta[kept])
        stack.gradient[:] = self.gradient[kept]
        return stack


class MLPHessianVectorProduct(HessianVectorProduct):
    """Exact Hessian-vector products of an MLP's squared loss by Pearlmutter's R-operator:
    the directional derivative of the backward pass, written out layer by layer in numpy.

    Checked against autograd's double backward (tests/demos/test_digits.py). The forward and
    backward quantities at the point are computed once; each product is then two passes.
    """

    def __init__(self, network: MLP, theta: np.ndarray, inputs: np.ndarray, targets: np.ndarray):
        self.network = network
        self.inputs = inputs
        self.ones = network.ones(len(inputs), inputs.dtype)
        layers = network.layers(theta)
        self.weights = [weight for weight, _ in layers]
        self.hidden, self.slopes, curvatures = [inputs], [], []
        last = len(layers) - 1
        for layer, (weight, bias) in enumerate(layers):
            pre = self.hidden[-1] @ weight.T + bias
            if layer < last:
                activation, slope, curvature = network.derivatives(pre, curvature=True)
                self.hidden.append(activation)
                self.slopes.append(slope)
                curvatures.append(curvature)
        scale = 1 / len(inputs)
        self.deltas = [None] * (last + 1)  # d loss / d pre-activation
        # The gradient with respect to each hidden layer times the activation's curvature: the
        # term of the product that comes from differentiating the slopes.
        self.curvature_terms = [None] * last
        delta = (pre - targets) * scale
        for layer in range(last, -1, -1):
            self.deltas[layer] = delta
            if layer:
                upstream = delta @ self.weights[layer]
                self.curvature_terms[layer - 1] = upstream * curvatures[layer - 1]
                delta = upstream * self.slopes[layer - 1]
        gradient = np.empty_like(theta)
        for layer, (weight_gradient, bias_gradient) in enumerate(network.layers(gradient)):
            weight_gradient[...] = self.deltas[layer].T @ self.hidden[layer]
            bias_gradient[...] = self.ones @ self.deltas[layer]
        self.scale = scale
        super().__init__(None, torch.from_numpy(theta), torch.from_numpy(gradient))

    def product(self, vector: torch.Tensor) -> torch.Tensor:
        dtype = self.inputs.dtype
        directions = self.network.layers(vector.numpy().astype(dtype, copy=False))
        last = len(self.weights) - 1
        # Forward: the derivatives of the pre-activations and activations along the vector.
        pre_tangents, hidden_tangents = [], [None]  # the inputs do not move
        for layer, (direction, bias_direction) in enumerate(directions):
            tangent = self.hidden[layer] @ direction.T + bias_direction
            if layer:
                tangent += hidden_tangents[layer] @ self.weights[layer].T
            pre_tangents.append(tangent)
            if layer < last:
                hidden_tangents.append(tangent * self.slopes[layer])
        # Backward: the derivative of each layer's gradient along the vector.
        result = np.empty(self.dimension, dtype=dtype)
        delta_tangent = pre_tangents[last] * self.scale
        for layer, (weight_part, bias_part) in reversed(
            list(enumerate(self.network.layers(result)))
        ):
            delta = self.deltas[layer]
            weight_part[...] = delta_tangent.T @ self.hidden[layer]
            bias_part[...] = self.ones @ delta_tangent
            if layer:
                weight_part += delta.T @ hidden_tangents[layer]
                upstream_tangent = (
                    delta_tangent @ self.weights[layer] + delta @ directions[layer][0]
                )
                delta_tangent = (
                    upstream_tangent * self.slopes[layer - 1]
                    + self.curvature_terms[layer - 1] * pre_tangents[layer - 1]
                )
        return torch.from_numpy(result.astype(vector.numpy().dtype, copy=False))


def squared_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1/2 ||f(x) - y||^2 averaged over examples, as in the edge-of-stability paper."""
    return 0.5 * ((outputs - targets) ** 2).sum(dim=1).mean()


def has_diverged(loss: float, initial_loss: float) -> bool:
    """Not finite, or past DIVERGENCE_FACTOR times the loss at the start: training blew up."""
    return bool(diverged(np.asarray(loss), initial_loss))


def diverged(losses: np.ndarray, initial_losses) -> np.ndarray:
    """has_diverged for several runs at once, elementwise."""
    # A loss is never negative, so "not at most the limit" is "not finite or over the limit":
    # one comparison per step, and NaN compares false without a warning.
    return ~(losses <= DIVERGENCE_FACTOR * initial_losses)


def random_direction(params: DigitsNetwork) -> torch.Tensor:
    """The seed's random vector in parameter space: the first start of a sharpness estimate."""
    return torch.randn(
        params.parameter_count,
        generator=torch.Generator().manual_seed(params.seed),
        dtype=torch.float64,
    )
