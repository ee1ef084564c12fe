"""Edge of stability: full-batch GD on a small MLP over digits; sharpness rises to 2/step size.

Cohen et al. (ICLR 2021): sharpness (the top Hessian eigenvalue of the training loss) first
rises during training ("progressive sharpening") until it reaches 2/eta, then hovers there while
the loss keeps falling over long horizons but not monotonically.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated, Literal

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from pydantic import Field, model_validator
from sklearn.datasets import load_digits

from demos.sims.base import (
    DemoParams,
    DemoResult,
    ProgressCallback,
    ProgressReporter,
    field_error,
    seed_field,
)
from demos.sims.hessian import EigenvectorTracker, HessianVectorProduct, top_eigenpair

PIXELS = 64
# The rarest digit class in scikit-learn's data set has 174 images.
EXAMPLES_PER_CLASS = 174
# A run whose loss passes this multiple of its starting loss has left the basin for good.
DIVERGENCE_FACTOR = 1e3
SHARPNESS_TOLERANCE = 1e-3

StepSize = Annotated[float, Field(gt=0, le=1.0)]
# The network and data fields of every demo that trains an MLP on the digits, bounds in one place.
HiddenWidth = Annotated[
    int,
    Field(
        ge=4,
        le=128,
        title="Hidden width",
        description="Units in each hidden layer",
        json_schema_extra={"unit": "units"},
    ),
]
HiddenLayers = Annotated[
    int, Field(ge=1, le=4, title="Hidden layers", description="Number of hidden layers")
]
Activation = Annotated[
    Literal["tanh", "relu", "elu"],
    Field(title="Activation", description="Nonlinearity after each hidden layer"),
]
Classes = Annotated[
    int,
    Field(
        ge=2,
        le=10,
        title="Classes",
        description="Train on the digits 0 to classes - 1",
        json_schema_extra={"unit": "classes"},
    ),
]
TrainingExamples = Annotated[
    int,
    Field(
        ge=20,
        le=10 * EXAMPLES_PER_CLASS,
        title="Training examples",
        json_schema_extra={"unit": "examples"},
    ),
]


class DigitsNetwork:
    """What the demos that train an MLP on the digits derive from hidden_width, hidden_layers,
    classes and examples (fields each demo's Params declares)."""

    def check_examples(self) -> None:
        available = self.classes * EXAMPLES_PER_CLASS
        if self.examples > available:
            raise field_error(
                self,
                "examples",
                "too_many_examples",
                "at most {available} examples for {classes} classes",
                available=available,
                classes=self.classes,
            )

    @property
    def layer_widths(self) -> list[int]:
        return [PIXELS] + [self.hidden_width] * self.hidden_layers + [self.classes]

    @property
    def parameter_count(self) -> int:
        return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(self.layer_widths))


class Params(DigitsNetwork, DemoParams):
    step_sizes: list[StepSize] = Field(
        [0.05, 0.1, 0.2],
        min_length=1,
        max_length=4,
        title="Step sizes",
        description="Learning rates eta of full-batch GD, one run each, overlaid on one chart",
    )
    steps: int = Field(
        2000,
        ge=10,
        le=10_000,
        title="Steps",
        description="GD steps per step size",
        json_schema_extra={"unit": "steps"},
    )
    sharpness_every: int = Field(
        20,
        ge=1,
        le=500,
        title="Sharpness every",
        description="Estimate the sharpness every this many steps",
        json_schema_extra={"unit": "steps"},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description="Size of the training set, drawn from those classes"
    )
    seed: int = seed_field()

    cost_budget = 5e10
    cost_field = "steps"

    @model_validator(mode="after")
    def _enough_examples(self) -> "Params":
        self.check_examples()
        return self

    def cost(self) -> float:
        # A sharpness estimate takes a handful of HVPs, each about two gradients.
        per_step = 1 + 12 / self.sharpness_every
        runs = len(self.step_sizes)
        return runs * self.steps * per_step * self.parameter_count * self.examples


class Trajectory(DemoResult):
    step_size: float
    loss: list[float]  # at every step, before the update
    checkpoints: list[int]  # steps where sharpness and accuracy were measured
    sharpness: list[float]
    accuracy: list[float]  # training accuracy at the checkpoints
    diverged_at: int | None = None


class Result(DemoResult):
    parameter_count: int
    examples: int
    trajectories: list[Trajectory]
    hvp_count: int


def load_training_set(params: Params) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1], their one-hot targets and labels, drawn with the run's seed."""
    images, labels = load_digits(return_X_y=True)
    eligible = np.flatnonzero(labels < params.classes)
    chosen = np.random.default_rng(params.seed).choice(eligible, params.examples, replace=False)
    inputs = torch.tensor(images[chosen] / 16.0, dtype=torch.float64)
    label_tensor = torch.tensor(labels[chosen], dtype=torch.long)
    targets = torch.nn.functional.one_hot(label_tensor, params.classes).to(torch.float64)
    return inputs, targets, label_tensor


class MLP:
    """A fully connected network as a function of one flat parameter vector."""

    activations = {"tanh": torch.tanh, "relu": torch.relu, "elu": torch.nn.functional.elu}

    def __init__(self, params: Params):
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


def squared_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1/2 ||f(x) - y||^2 averaged over examples, as in the edge-of-stability paper."""
    return 0.5 * ((outputs - targets) ** 2).sum(dim=1).mean()


@dataclass(frozen=True)
class DescentStep:
    step: int
    theta: torch.Tensor  # the parameters before this step's update
    loss: float
    outputs: torch.Tensor
    gradient: torch.Tensor  # carries its graph at checkpoints, ready for Hessian-vector products
    at_checkpoint: bool


def gradient_descent(
    params: Params, step_size: float, data: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
) -> Iterator[DescentStep]:
    """Full-batch GD from the seed's initialization, one step at a time; stops when it diverges."""
    inputs, targets, _ = data
    network = MLP(params)
    theta = network.initial_parameters(params.seed)
    initial_loss = None
    for step in range(params.steps + 1):
        theta.requires_grad_(True)
        outputs = network(theta, inputs)
        loss = squared_loss(outputs, targets)
        at_checkpoint = step % params.sharpness_every == 0 or step == params.steps
        (gradient,) = torch.autograd.grad(loss, theta, create_graph=at_checkpoint)
        loss_value = float(loss.detach())
        initial_loss = initial_loss or loss_value
        if not np.isfinite(loss_value) or loss_value > DIVERGENCE_FACTOR * initial_loss:
            return
        yield DescentStep(step, theta, loss_value, outputs.detach(), gradient, at_checkpoint)
        theta = (theta - step_size * gradient).detach()


def sharpness_tracker(params: Params) -> EigenvectorTracker:
    """Warm starts for one trajectory's estimates, the first from the seed's random vector."""
    first_start = torch.randn(
        params.parameter_count,
        generator=torch.Generator().manual_seed(params.seed),
        dtype=torch.float64,
    )
    return EigenvectorTracker(first_start)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = load_training_set(params)
    labels = data[2]
    report = ProgressReporter(progress)
    trajectories: list[Trajectory] = []
    hvp_count = 0

    def result(current: Trajectory | None = None) -> Result:
        return Result(
            parameter_count=params.parameter_count,
            examples=params.examples,
            trajectories=trajectories + ([current] if current else []),
            hvp_count=hvp_count,
        )

    for index, step_size in enumerate(params.step_sizes):
        trajectory = Trajectory(
            step_size=step_size, loss=[], checkpoints=[], sharpness=[], accuracy=[]
        )
        tracker = sharpness_tracker(params)
        for now in gradient_descent(params, step_size, data):
            trajectory.loss.append(now.loss)
            if now.at_checkpoint:
                hvp = HessianVectorProduct(None, now.theta, now.gradient)
                top = top_eigenpair(hvp, tracker.start(), tolerance=SHARPNESS_TOLERANCE)
                tracker.update(top.vector)
                hvp_count += top.products
                trajectory.checkpoints.append(now.step)
                trajectory.sharpness.append(top.value)
                trajectory.accuracy.append(
                    float((now.outputs.argmax(dim=1) == labels).double().mean())
                )
            fraction = (index + (now.step + 1) / (params.steps + 1)) / len(params.step_sizes)
            report(fraction, lambda current=trajectory: result(current.model_copy(deep=True)))
        if len(trajectory.loss) < params.steps + 1:
            trajectory.diverged_at = len(trajectory.loss)
        trajectories.append(trajectory)
    final = result()
    report(1.0, lambda: final)
    return final


def figure(result: Result) -> go.Figure:
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("Training loss", "Sharpness (top Hessian eigenvalue) and 2/η"),
    )
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    last_step = max(len(t.loss) for t in result.trajectories) - 1
    for trajectory, colour in zip(result.trajectories, palette, strict=False):
        name = f"η = {trajectory.step_size:g}"
        figure.add_trace(
            go.Scatter(
                x=list(range(len(trajectory.loss))),
                y=trajectory.loss,
                name=name,
                legendgroup=name,
                mode="lines",
                line={"color": colour, "width": 1.5},
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=trajectory.checkpoints,
                y=trajectory.sharpness,
                name=name,
                legendgroup=name,
                showlegend=False,
                mode="lines+markers",
                marker={"size": 3},
                line={"color": colour},
            ),
            row=2,
            col=1,
        )
        threshold = 2 / trajectory.step_size
        figure.add_trace(
            go.Scatter(
                x=[0, last_step],
                y=[threshold, threshold],
                name=f"2/η = {threshold:g}",
                legendgroup=name,
                showlegend=False,
                mode="lines",
                line={"color": colour, "dash": "dash", "width": 1},
                hovertemplate=f"2/η = {threshold:g}<extra></extra>",
            ),
            row=2,
            col=1,
        )
        if trajectory.diverged_at is not None:
            figure.add_annotation(
                x=trajectory.diverged_at,
                y=1,
                yref="y domain",
                text=f"{name} diverged",
                showarrow=False,
                font={"color": colour},
            )
    figure.update_yaxes(type="log", title_text="loss", row=1, col=1)
    figure.update_yaxes(title_text="sharpness", rangemode="tozero", row=2, col=1)
    figure.update_xaxes(title_text="step", row=2, col=1)
    figure.update_layout(
        title=(
            f"Sharpness rises to 2/η and hovers there"
            f" (full-batch GD, {result.parameter_count:,} parameters, {result.examples} digits)"
        ),
        legend={"orientation": "h", "y": -0.12},
        hovermode="x unified",
        margin={"t": 80},
    )
    return figure
