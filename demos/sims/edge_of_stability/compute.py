"""The edge-of-stability demo computed: GD on the digits MLP, sharpness at checkpoints by
warm-started Lanczos certified against the last runner-up (hessian.SharpnessTracker), and its
chart.

The step sizes are trained side by side: their parameters are the rows of one array and each
step is one hand-written pass for all of them (digits.MLP.loss_and_gradient), so the per-call
cost of a pass is paid once per step, not once per step size.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from demos.sims.base import DemoResult, ProgressCallback, ProgressReporter
from demos.sims.digits import (
    MLP,
    DigitsSplit,
    StackedParameters,
    diverged,
    draw_digits,
    random_direction,
)
from demos.sims.edge_of_stability.params import Params
from demos.sims.hessian import SecondEigenvalueTracker, SharpnessTracker
from demos.sims.plotting import (
    finish,
    number,
    percent,
    sentence,
    series_style,
    site_figure,
    threshold_line,
)
from demos.sims.words import _

# The Lanczos residual test, relative. At the edge of stability several eigenvalues crowd
# within a few percent of 2/eta and keep swapping places; a looser test let warm starts settle
# on the second one (bench/sharpness.py measures the misses on seeds 0-4).
SHARPNESS_TOLERANCE = 5e-4


class Trajectory(DemoResult):
    step_size: float
    loss: list[float]  # at every step, before the update
    checkpoints: list[int]  # steps where sharpness and accuracy were measured
    sharpness: list[float]
    # The second Hessian eigenvalue at the checkpoints: where it nears the first, the two may
    # swap, and several directions hover at 2/eta together.
    second: list[float] = []
    accuracy: list[float]  # training accuracy at the checkpoints
    diverged_at: int | None = None


class Result(DemoResult):
    parameter_count: int
    examples: int
    steps: int  # planned: a partial result's trajectories are shorter
    trajectories: list[Trajectory]
    hvp_count: int


@dataclass(frozen=True)
class DescentSteps:
    """One step of several GD runs side by side; the arrays are valid until the next step."""

    step: int
    running: np.ndarray  # which step sizes (their indices) are still running
    theta: np.ndarray  # their parameters before this step's update, one row each
    losses: np.ndarray
    outputs: np.ndarray  # (running, examples, classes)
    at_checkpoint: bool


def descend_together(
    params: Params, step_sizes: list[float], data: DigitsSplit, network: MLP
) -> Iterator[DescentSteps]:
    """Full-batch GD from the seed's initialization with each step size, all at once; a run
    that diverges is dropped from the batch, so it cannot touch the others."""
    inputs, targets = data.arrays()
    start = network.initial_parameters(params.seed).numpy().astype(inputs.dtype)
    stack = StackedParameters(network, np.repeat(start[None], len(step_sizes), axis=0))
    rates = np.array(step_sizes, dtype=inputs.dtype)[:, None]
    running = np.arange(len(step_sizes))
    initial_losses = None
    for step in range(params.steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            losses, outputs = network.loss_and_gradient(stack, inputs, targets)
        if initial_losses is None:
            initial_losses = losses
        blown_up = diverged(losses, initial_losses)
        if blown_up.any():
            kept = ~blown_up
            running, stack, rates = running[kept], stack.rows(kept), rates[kept]
            losses, outputs, initial_losses = losses[kept], outputs[kept], initial_losses[kept]
            if not running.size:
                return
        at_checkpoint = step % params.sharpness_every == 0 or step == params.steps
        yield DescentSteps(step, running, stack.theta, losses, outputs, at_checkpoint)
        with np.errstate(over="ignore", invalid="ignore"):
            stack.theta -= rates * stack.gradient


@dataclass(frozen=True)
class DescentStep:
    step: int
    theta: torch.Tensor  # the parameters before this step's update (float64, exactly)
    loss: float
    at_checkpoint: bool


def gradient_descent(params: Params, step_size: float, data: DigitsSplit) -> Iterator[DescentStep]:
    """One step size's trajectory, exactly as the demo trains it, one step at a time; stops
    when it diverges."""
    for now in descend_together(params, [step_size], data, MLP(params)):
        theta = torch.from_numpy(now.theta[0].astype(np.float64))
        yield DescentStep(now.step, theta, float(now.losses[0]), now.at_checkpoint)


def sharpness_tracker(params: Params) -> SharpnessTracker:
    """One trajectory's sharpness estimates, the first started from the seed's random vector."""
    return SharpnessTracker(random_direction(params), SHARPNESS_TOLERANCE)


def second_tracker(params: Params) -> SecondEigenvalueTracker:
    """One trajectory's estimates of the second eigenvalue, by the same test."""
    return SecondEigenvalueTracker(random_direction(params), SHARPNESS_TOLERANCE)


def snapshot(trajectory: Trajectory) -> Trajectory:
    """A copy that the run's later steps leave alone (a deep copy of the lists of floats is
    needlessly slow: it visits every float)."""
    lists = ("loss", "checkpoints", "sharpness", "second", "accuracy")
    return trajectory.model_copy(update={name: list(getattr(trajectory, name)) for name in lists})


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = draw_digits(params)
    inputs, targets = data.arrays()
    labels = data.labels.numpy()
    network = MLP(params)
    report = ProgressReporter(progress)
    trajectories = [
        Trajectory(
            step_size=step_size, loss=[], checkpoints=[], sharpness=[], second=[], accuracy=[]
        )
        for step_size in params.step_sizes
    ]
    trackers = [sharpness_tracker(params) for _ in params.step_sizes]
    second_trackers = [second_tracker(params) for _ in params.step_sizes]
    hvp_count = 0

    def result() -> Result:
        return Result(
            parameter_count=params.parameter_count,
            examples=params.examples,
            steps=params.steps,
            trajectories=[snapshot(trajectory) for trajectory in trajectories],
            hvp_count=hvp_count,
        )

    running = list(range(len(trajectories)))
    for now in descend_together(params, params.step_sizes, data, network):
        if len(now.running) < len(running):  # marked at once, for the partial charts
            for index in set(running) - set(now.running.tolist()):
                trajectories[index].diverged_at = now.step
            running = now.running.tolist()
        for row, index in enumerate(now.running.tolist()):
            trajectory = trajectories[index]
            trajectory.loss.append(float(now.losses[row]))
            if now.at_checkpoint:
                hvp = network.hessian_vector_product(now.theta[row], inputs, targets)
                top = trackers[index].estimate(hvp)
                second = second_trackers[index].estimate(hvp, top)
                hvp_count += top.products + second.products
                trajectory.checkpoints.append(now.step)
                trajectory.sharpness.append(top.value)
                trajectory.second.append(second.value)
                trajectory.accuracy.append(float((now.outputs[row].argmax(1) == labels).mean()))
        report((now.step + 1) / (params.steps + 1), result)
    for trajectory in trajectories:  # and those that stopped with the last of them
        if len(trajectory.loss) < params.steps + 1:
            trajectory.diverged_at = len(trajectory.loss)
    final = result()
    report(1.0, lambda: final)
    return final


def figure(result: Result) -> go.Figure:
    figure = site_figure(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=(
            _("Training loss"),
            _("Sharpness λ₁ (top Hessian eigenvalue, marked) and λ₂ (thin line)"),
        ),
    )
    last_step = max(len(t.loss) for t in result.trajectories) - 1
    for index, trajectory in enumerate(result.trajectories):
        name = f"η = {trajectory.step_size:g}"
        style = series_style(index)
        colour = style["line"]["color"]
        figure.add_trace(
            go.Scatter(
                x=list(range(len(trajectory.loss))),
                y=trajectory.loss,
                name=name,
                legendgroup=name,
                mode="lines",
                line={**style["line"], "width": 1.5},
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
                marker={**style["marker"], "size": 4},
                line=style["line"],
            ),
            row=2,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=trajectory.checkpoints[: len(trajectory.second)],
                y=trajectory.second,
                name=f"λ₂, {name}",
                legendgroup=name,
                showlegend=False,
                mode="lines",
                # Thin and faint in the series' own colour and dash (dotted is the 2/η lines').
                line={**style["line"], "width": 1},
                opacity=0.6,
            ),
            row=2,
            col=1,
        )
        threshold = 2 / trajectory.step_size
        label = f"2/η = {threshold:.3g}"
        figure.add_trace(
            threshold_line(
                (0, last_step), threshold, colour, label, legendgroup=name, showlegend=False
            ),
            row=2,
            col=1,
        )
        # Named where it is drawn: the legend shows no threshold, and colour alone is not enough.
        figure.add_annotation(
            x=last_step,
            y=threshold,
            text=label,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"color": colour, "size": 11},
            row=2,
            col=1,
        )
        if trajectory.diverged_at is not None:
            figure.add_annotation(
                x=trajectory.diverged_at,
                y=1,
                yref="y domain",
                text=_("{name} diverged").format(name=name),
                showarrow=False,
                font={"color": colour},
            )
    figure.update_yaxes(type="log", title_text=_("loss"), row=1, col=1)
    figure.update_yaxes(title_text=_("eigenvalue"), rangemode="tozero", row=2, col=1)
    figure.update_xaxes(title_text=_("step"), row=2, col=1)
    figure.update_layout(
        title=_(
            "Sharpness rises to 2/η and hovers there"
            " (full-batch GD, {parameters} parameters, {examples} digits)"
        ).format(parameters=f"{result.parameter_count:,}", examples=result.examples),
        height=620,
        hovermode="x unified",
    )
    return finish(figure, summary(result))


def summary(result: Result) -> str:
    """The run's result in one sentence: where each step size's sharpness met 2/η, if it did."""
    done = max(len(t.loss) for t in result.trajectories) - 1
    if all(t.diverged_at is not None for t in result.trajectories):
        done = result.steps  # nothing left to run
    clauses = []
    for trajectory in result.trajectories:
        eta, threshold = f"η = {trajectory.step_size:g}", 2 / trajectory.step_size
        edge = f"2/η = {number(threshold, 3)}"
        sharpness = np.array(trajectory.sharpness)
        crossed = np.flatnonzero(sharpness >= threshold)
        if trajectory.diverged_at is not None:
            clause = _("with {eta}, GD diverged at step {step}").format(
                eta=eta, step=f"{trajectory.diverged_at:,}"
            )
        elif not sharpness.size:
            clause = _("with {eta}, no sharpness is measured yet").format(eta=eta)
        elif crossed.size:
            step = trajectory.checkpoints[crossed[0]]
            if crossed[0] == 0:
                clause = _("with {eta}, sharpness started above {edge}, at {value}").format(
                    eta=eta, edge=edge, value=number(sharpness[0])
                )
            else:
                clause = _("with {eta}, sharpness reached {edge} at step {step}").format(
                    eta=eta, edge=edge, step=f"{step:,}"
                )
            after = sharpness[crossed[0] :]
            if after.size > 1:
                distance = np.median(np.abs(after / threshold - 1))
                start, end = trajectory.loss[step], trajectory.loss[-1]
                if end < start:
                    hovered = _(
                        "{clause} and then hovered within a median {distance} of it while the"
                        " loss kept falling, from {start} to {end}"
                    )
                else:
                    hovered = _(
                        "{clause} and then hovered within a median {distance} of it while the"
                        " loss rose, from {start} to {end}"
                    )
                clause = hovered.format(
                    clause=clause, distance=percent(distance), start=number(start), end=number(end)
                )
        elif sharpness.size == 1:
            clause = _("with {eta}, sharpness is {value}, below {edge}").format(
                eta=eta, value=number(sharpness[0]), edge=edge
            )
        else:
            if done < result.steps:
                clause = _(
                    "with {eta}, sharpness went from {start} to {end}"
                    " but has not yet reached {edge}"
                )
            else:
                clause = _(
                    "with {eta}, sharpness went from {start} to {end} but never reached {edge}"
                )
            clause = clause.format(
                eta=eta, start=number(sharpness[0]), end=number(sharpness[-1]), edge=edge
            )
        clauses.append(clause)
    closest = closest_approach(result)
    if closest is not None:
        clauses.append(closest)
    return sentence(_("; ").join(clauses), done, result.steps, _("step"))


def closest_approach(result: Result) -> str | None:
    """Where the second eigenvalue came nearest the first, in words: the near-crossings that the
    chart's thin lines show (None before any second eigenvalue is measured)."""
    nearest = None
    for trajectory in result.trajectories:
        for step, first, second in zip(
            trajectory.checkpoints, trajectory.sharpness, trajectory.second, strict=False
        ):
            gap = (first - second) / first
            if nearest is None or gap < nearest[0]:
                nearest = (gap, step, trajectory.step_size)
    if nearest is None:
        return None
    gap, step, step_size = nearest
    return _(
        "the second eigenvalue λ₂ came closest to λ₁ with {eta}, within {gap} at step {step}"
    ).format(eta=f"η = {step_size:g}", gap=percent(gap), step=f"{step:,}")
