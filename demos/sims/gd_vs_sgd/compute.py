"""The GD-versus-SGD demo computed: SGD at each batch size on the digits MLP, the final sharpness
of the full training loss, and its chart."""

import plotly.graph_objects as go
import torch

from demos.sims.base import DemoResult, ProgressCallback, ProgressReporter
from demos.sims.digits import (
    MLP,
    DigitsSplit,
    draw_digits,
    has_diverged,
    random_direction,
    squared_loss,
)
from demos.sims.gd_vs_sgd.params import Params
from demos.sims.hessian import Eigenpair, HessianVectorProduct, top_eigenpair
from demos.sims.plotting import PALETTE, site_figure, threshold_line

SHARPNESS_TOLERANCE = 1e-3
TEST_EXAMPLES = 500  # held-out digits for the test accuracy, as many as there are


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


def train(
    params: Params, step_size: float, batch_size: int, data: DigitsSplit, on_step
) -> tuple[torch.Tensor, bool]:
    """SGD with shuffled batches each epoch (full batch: plain GD); stops if the loss blows up."""
    inputs, targets = data.inputs, data.targets
    network = MLP(params)
    theta = network.initial_parameters(params.seed)
    with torch.no_grad():
        initial_loss = float(squared_loss(network(theta, inputs), targets))
    order = torch.Generator().manual_seed(params.seed)
    for _ in range(params.epochs):
        permutation = torch.randperm(params.examples, generator=order)
        for start in range(0, params.examples, batch_size):
            batch = permutation[start : start + batch_size]
            theta.requires_grad_(True)
            loss = squared_loss(network(theta, inputs[batch]), targets[batch])
            (gradient,) = torch.autograd.grad(loss, theta)
            if has_diverged(float(loss.detach()), initial_loss):
                return theta.detach(), True
            theta = (theta - step_size * gradient).detach()
            on_step()
    return theta, False


def final_sharpness(
    params: Params, network: MLP, data: DigitsSplit, theta: torch.Tensor
) -> Eigenpair:
    """The top eigenpair of the full training loss's Hessian, by Lanczos from a random start."""

    def full_loss(theta: torch.Tensor) -> torch.Tensor:
        return squared_loss(network(theta, data.inputs), data.targets)

    hvp = HessianVectorProduct(full_loss, theta)
    return top_eigenpair(hvp, random_direction(params), SHARPNESS_TOLERANCE, max_steps=100)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = draw_digits(params, held_out=TEST_EXAMPLES)
    inputs, targets, labels = data.inputs, data.targets, data.labels
    test_inputs, test_labels = data.held_out_inputs, data.held_out_labels
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

    def drawable() -> Result | None:
        return result() if outcomes else None  # the chart needs one finished batch size

    def on_step() -> None:
        nonlocal done
        done += 1
        report(done / total, drawable)

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
                    train_accuracy=network.accuracy(theta, inputs, labels),
                    test_accuracy=network.accuracy(theta, test_inputs, test_labels),
                    diverged=False,
                )
            )
            report(done / total, drawable)
    final = result()
    report(1.0, lambda: final)
    return final


def figure(result: Result) -> go.Figure:
    figure = site_figure(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=("Sharpness at the end of training", "Accuracy at the end of training"),
    )
    step_sizes = sorted({o.step_size for o in result.outcomes})
    batches = sorted({o.batch_size for o in result.outcomes})
    for step_size, colour in zip(step_sizes, PALETTE, strict=False):
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
            threshold_line(
                (batches[0], batches[-1]),
                2 / step_size,
                colour,
                f"2/η = {2 / step_size:g}",
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
