"""GD versus SGD: smaller batches end in flatter places than full-batch GD, at the same step size.

Full-batch GD's sharpness climbs to 2/eta and hovers there (the edge of stability); SGD's noise
keeps it from settling in regions that sharp, and the smaller the batch, the flatter the end
point (Keskar et al. 2017; Jastrzebski et al. 2020; Cohen et al. 2021). The same MLP on the same
digits as the edge-of-stability demo is trained for the same number of epochs with each batch
size; the sharpness is the top eigenvalue of the full training loss's Hessian at the end.
"""

from typing import Annotated

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
from demos.sims.edge_of_stability import (
    EXAMPLES_PER_CLASS,
    MLP,
    Activation,
    Classes,
    DigitsNetwork,
    HiddenLayers,
    HiddenWidth,
    StepSize,
    TrainingExamples,
    load_training_set,
    squared_loss,
)
from demos.sims.hessian import Eigenpair, HessianVectorProduct, top_eigenpair

SHARPNESS_TOLERANCE = 1e-3
TEST_EXAMPLES = 500  # held-out digits for the test accuracy, as many as there are
BatchSize = Annotated[int, Field(ge=1, le=10 * EXAMPLES_PER_CLASS)]


class Params(DigitsNetwork, DemoParams):
    batch_sizes: list[BatchSize] = Field(
        [20, 50, 125, 500],
        min_length=1,
        max_length=6,
        title="Batch sizes",
        description="Examples per SGD step; the training set's size is full-batch GD",
    )
    step_sizes: list[StepSize] = Field(
        [0.2],
        min_length=1,
        max_length=3,
        title="Step sizes",
        description="Learning rates eta, each with every batch size",
    )
    epochs: int = Field(
        500,
        ge=1,
        le=5000,
        title="Epochs",
        description="Passes over the training set, the same for every batch size",
        json_schema_extra={"unit": "epochs"},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description="Size of the training set; the other digits of those classes test it"
    )
    seed: int = seed_field()

    cost_budget = 1e11
    cost_field = "epochs"

    @model_validator(mode="after")
    def _batches_fit(self) -> "Params":
        self.check_examples()
        if max(self.batch_sizes) > self.examples:
            raise field_error(
                self,
                "batch_sizes",
                "batch_too_large",
                "a batch cannot be larger than the {examples} training examples",
                examples=self.examples,
            )
        return self

    def cost(self) -> float:
        # Each epoch touches every example once per batch size and step size; small batches
        # pay a fixed cost per step too, counted as a batch of 32.
        per_epoch = sum(self.examples + 32 * (self.examples / b) for b in self.batch_sizes)
        return len(self.step_sizes) * self.epochs * per_epoch * self.parameter_count


class Outcome(DemoResult):
    step_size: float
    batch_size: int
    sharpness: float | None  # top Hessian eigenvalue of the full training loss at the end
    train_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    diverged: bool


class Result(DemoResult):
    examples: int
    test_examples: int
    parameter_count: int
    outcomes: list[Outcome]


def test_set(params: Params) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits of the same classes that the training set did not draw."""
    images, labels = load_digits(return_X_y=True)
    eligible = np.flatnonzero(labels < params.classes)
    chosen = set(
        np.random.default_rng(params.seed).choice(eligible, params.examples, replace=False)
    )
    rest = np.array([i for i in eligible if i not in chosen])[:TEST_EXAMPLES]
    return (
        torch.tensor(images[rest] / 16.0, dtype=torch.float64),
        torch.tensor(labels[rest], dtype=torch.long),
    )


def accuracy(network: MLP, theta: torch.Tensor, inputs: torch.Tensor, labels) -> float | None:
    if len(labels) == 0:
        return None
    with torch.no_grad():
        return float((network(theta, inputs).argmax(dim=1) == labels).double().mean())


def train(
    params: Params, step_size: float, batch_size: int, data, on_step
) -> tuple[torch.Tensor, bool]:
    """SGD with shuffled batches each epoch (full batch: plain GD); stops if the loss blows up."""
    inputs, targets, _ = data
    network = MLP(params)
    theta = network.initial_parameters(params.seed)
    order = torch.Generator().manual_seed(params.seed)
    for _ in range(params.epochs):
        permutation = torch.randperm(params.examples, generator=order)
        for start in range(0, params.examples, batch_size):
            batch = permutation[start : start + batch_size]
            theta.requires_grad_(True)
            loss = squared_loss(network(theta, inputs[batch]), targets[batch])
            (gradient,) = torch.autograd.grad(loss, theta)
            if not torch.isfinite(loss) or float(loss.detach()) > 1e3:
                return theta.detach(), True
            theta = (theta - step_size * gradient).detach()
            on_step()
    return theta, False


def final_sharpness(params: Params, network: MLP, data, theta: torch.Tensor) -> Eigenpair:
    """The top eigenpair of the full training loss's Hessian, by Lanczos from a random start."""
    inputs, targets, _ = data

    def full_loss(theta: torch.Tensor) -> torch.Tensor:
        return squared_loss(network(theta, inputs), targets)

    start = torch.randn(
        params.parameter_count,
        generator=torch.Generator().manual_seed(params.seed),
        dtype=torch.float64,
    )
    hvp = HessianVectorProduct(full_loss, theta)
    return top_eigenpair(hvp, start, SHARPNESS_TOLERANCE, max_steps=100)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = load_training_set(params)
    inputs, targets, labels = data
    test_inputs, test_labels = test_set(params)
    network = MLP(params)
    report = ProgressReporter(progress)
    outcomes: list[Outcome] = []
    steps_per_epoch = {b: -(-params.examples // b) for b in params.batch_sizes}
    total = len(params.step_sizes) * params.epochs * sum(steps_per_epoch.values())
    done = 0

    def result() -> Result:
        return Result(
            examples=params.examples,
            test_examples=len(test_labels),
            parameter_count=params.parameter_count,
            outcomes=list(outcomes),
        )

    def on_step() -> None:
        nonlocal done
        done += 1
        report(done / total, result)

    for step_size in params.step_sizes:
        for batch_size in params.batch_sizes:
            planned = done + params.epochs * steps_per_epoch[batch_size]
            theta, diverged = train(params, step_size, batch_size, data, on_step)
            done = planned  # a diverged run's remaining steps count as done
            if diverged:
                outcomes.append(
                    Outcome(
                        step_size=step_size,
                        batch_size=batch_size,
                        sharpness=None,
                        train_loss=None,
                        train_accuracy=None,
                        test_accuracy=None,
                        diverged=True,
                    )
                )
                continue

            top = final_sharpness(params, network, data, theta)
            outcomes.append(
                Outcome(
                    step_size=step_size,
                    batch_size=batch_size,
                    sharpness=top.value,
                    train_loss=float(squared_loss(network(theta, inputs), targets).detach()),
                    train_accuracy=accuracy(network, theta, inputs, labels),
                    test_accuracy=accuracy(network, theta, test_inputs, test_labels),
                    diverged=False,
                )
            )
            report(done / total, result)
    final = result()
    report(1.0, lambda: final)
    return final


def figure(result: Result) -> go.Figure:
    figure = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=("Sharpness at the end of training", "Accuracy at the end of training"),
    )
    palette = ["#1f77b4", "#d62728", "#2ca02c"]
    step_sizes = sorted({o.step_size for o in result.outcomes})
    batches = sorted({o.batch_size for o in result.outcomes})
    for step_size, colour in zip(step_sizes, palette, strict=False):
        rows = [o for o in result.outcomes if o.step_size == step_size and not o.diverged]
        rows.sort(key=lambda o: o.batch_size)
        figure.add_trace(
            go.Scatter(
                x=[o.batch_size for o in rows],
                y=[o.sharpness for o in rows],
                mode="lines+markers",
                line={"color": colour},
                name=f"η = {step_size:g}: sharpness",
                legendgroup=f"{step_size}",
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=[batches[0], batches[-1]],
                y=[2 / step_size, 2 / step_size],
                mode="lines",
                line={"color": colour, "dash": "dash"},
                name=f"2/η = {2 / step_size:g}",
                legendgroup=f"{step_size}",
            ),
            row=1,
            col=1,
        )
        for key, dash, label in (
            ("train_accuracy", "solid", "train"),
            ("test_accuracy", "dot", "test"),
        ):
            figure.add_trace(
                go.Scatter(
                    x=[o.batch_size for o in rows],
                    y=[getattr(o, key) for o in rows],
                    mode="lines+markers",
                    line={"color": colour, "dash": dash},
                    name=f"η = {step_size:g}: {label} accuracy",
                    legendgroup=f"{step_size}",
                ),
                row=1,
                col=2,
            )
    figure.update_layout(
        title=f"Same epochs, smaller batches: flatter end points ({result.examples} digits)",
        height=500,
        legend={"orientation": "h", "y": -0.2},
    )
    for col in (1, 2):
        figure.update_xaxes(
            type="log", title_text=f"batch size ({result.examples} = full-batch GD)", row=1, col=col
        )
    figure.update_yaxes(title_text="top Hessian eigenvalue", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="accuracy", range=[0, 1.02], row=1, col=2)
    return figure
