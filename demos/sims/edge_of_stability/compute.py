"""The edge-of-stability demo computed: GD on the digits MLP, sharpness by warm-started Lanczos
at checkpoints, and its chart."""

from collections.abc import Iterator
from dataclasses import dataclass

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
from demos.sims.edge_of_stability.params import Params
from demos.sims.hessian import EigenvectorTracker, HessianVectorProduct, top_eigenpair
from demos.sims.plotting import PALETTE, site_figure, threshold_line

SHARPNESS_TOLERANCE = 1e-3


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


@dataclass(frozen=True)
class DescentStep:
    step: int
    theta: torch.Tensor  # the parameters before this step's update
    loss: float
    outputs: torch.Tensor
    gradient: torch.Tensor  # carries its graph at checkpoints, ready for Hessian-vector products
    at_checkpoint: bool


def gradient_descent(params: Params, step_size: float, data: DigitsSplit) -> Iterator[DescentStep]:
    """Full-batch GD from the seed's initialization, one step at a time; stops when it diverges."""
    inputs, targets = data.inputs, data.targets
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
        if has_diverged(loss_value, initial_loss):
            return
        yield DescentStep(step, theta, loss_value, outputs.detach(), gradient, at_checkpoint)
        theta = (theta - step_size * gradient).detach()


def sharpness_tracker(params: Params) -> EigenvectorTracker:
    """Warm starts for one trajectory's estimates, the first from the seed's random vector."""
    return EigenvectorTracker(random_direction(params))


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = draw_digits(params)
    labels = data.labels
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
    figure = site_figure(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("Training loss", "Sharpness (top Hessian eigenvalue) and 2/η"),
    )
    last_step = max(len(t.loss) for t in result.trajectories) - 1
    for trajectory, colour in zip(result.trajectories, PALETTE, strict=False):
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
            threshold_line(
                (0, last_step),
                threshold,
                colour,
                f"2/η = {threshold:g}",
                legendgroup=name,
                showlegend=False,
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
