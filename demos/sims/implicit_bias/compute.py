"""The implicit-bias demo computed: its run and its chart (the science is in __init__.py)."""

import numpy as np
import plotly.graph_objects as go

from demos.sims import logistic
from demos.sims.base import (
    DemoResult,
    ProgressCallback,
    ProgressReporter,
)
from demos.sims.implicit_bias.params import Params
from demos.sims.plotting import (
    PALETTE,
    equal_aspect,
    finish,
    frame_slider,
    labelled_points,
    number,
    play_pause_buttons,
    sentence,
    site_figure,
)
from demos.sims.words import _

CHECKPOINTS = 60  # log-spaced steps at which w is recorded: the animation's frames
ANGLE_GRID = 4096  # directions tried before refining the max-margin direction


class Result(DemoResult):
    points: list[tuple[float, float]]
    labels: list[int]
    max_margin_direction: tuple[float, float]  # unit vector
    max_margin: float  # min_i y_i <x_i, u> for that unit vector
    checkpoints: list[int]  # log-spaced steps
    weights: list[tuple[float, float]]  # w at the checkpoints
    loss: list[float]
    angle: list[float]  # degrees between w and the max-margin direction
    steps: int  # planned: a partial result's checkpoints stop short of it


def separable_points(params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in the unit disc labelled by a random line through 0, with a gap around it."""
    rng = np.random.default_rng(params.seed)
    hidden = rng.standard_normal(2)
    hidden /= np.linalg.norm(hidden)
    points = np.empty((0, 2))
    while len(points) < params.examples:
        radius = np.sqrt(rng.uniform(size=4 * params.examples))
        angle = rng.uniform(0, 2 * np.pi, size=4 * params.examples)
        batch = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        points = np.vstack([points, batch[np.abs(batch @ hidden) >= params.gap]])
    points = points[: params.examples]
    labels = np.where(points @ hidden > 0, 1, -1)
    return points, labels


def margin(signed_points: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """min_i y_i <x_i, u> for each unit direction u (rows of ``direction``)."""
    return (direction @ signed_points.T).min(axis=-1)


def max_margin_direction(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The unit u maximizing min_i y_i <x_i, u>, i.e. the hard-margin SVM without intercept.

    In 2-D the margin is a function of one angle, concave where it is positive (a minimum of
    cosines, each on its positive half-circle): a grid finds the peak, golden sections refine it.
    """
    signed = points * labels[:, None]

    def at(angles: np.ndarray) -> np.ndarray:
        return margin(signed, np.column_stack([np.cos(angles), np.sin(angles)]))

    grid = np.linspace(-np.pi, np.pi, ANGLE_GRID, endpoint=False)
    best = grid[np.argmax(at(grid))]
    low, high = best - 2 * np.pi / ANGLE_GRID, best + 2 * np.pi / ANGLE_GRID
    ratio = (np.sqrt(5) - 1) / 2
    while high - low > 1e-13:
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if at(np.array([left]))[0] < at(np.array([right]))[0]:
            low = left
        else:
            high = right
    angle = (low + high) / 2
    return np.array([np.cos(angle), np.sin(angle)])


def angle_between(w: np.ndarray, u: np.ndarray) -> float:
    """In degrees; atan2 keeps small angles accurate where arccos of a dot product would not."""
    return float(np.degrees(np.arctan2(abs(w[0] * u[1] - w[1] * u[0]), w @ u)))


def logistic_loss(signed: np.ndarray, w: np.ndarray) -> float:
    return logistic.loss(signed @ w)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    points, labels = separable_points(params)
    signed = points * labels[:, None]
    target = max_margin_direction(points, labels)
    start = np.radians(params.start_angle)
    w = params.start_norm * np.array([np.cos(start), np.sin(start)])
    # w = 0 has no direction, so step 0 is recorded only for a non-zero start.
    first = [0] if params.start_norm > 0 else []
    checkpoints = np.unique(
        np.concatenate([first, np.geomspace(1, params.steps, CHECKPOINTS).round().astype(int)])
    )
    recorded: list[tuple[int, np.ndarray]] = []
    report = ProgressReporter(progress)

    def result() -> Result:
        return Result(
            points=[tuple(p) for p in points.tolist()],
            labels=labels.tolist(),
            max_margin_direction=tuple(target.tolist()),
            max_margin=float(margin(signed, target[None, :])[0]),
            checkpoints=[step for step, _ in recorded],
            weights=[tuple(weights.tolist()) for _, weights in recorded],
            loss=[logistic_loss(signed, weights) for _, weights in recorded],
            angle=[angle_between(weights, target) for _, weights in recorded],
            steps=params.steps,
        )

    def drawable() -> Result | None:
        return result() if recorded else None  # the chart needs one recorded w

    next_checkpoint = 0
    report_every = max(1, params.steps // 500)
    for step in range(params.steps + 1):
        if step == checkpoints[next_checkpoint]:
            recorded.append((step, w.copy()))
            next_checkpoint += 1
        if step == params.steps:
            break
        slopes = logistic.slope(signed @ w)
        w = w + params.step_size * (slopes @ signed) / len(signed)
        if step % report_every == 0:
            report(step / params.steps, drawable)
    final = result()
    report(1.0, lambda: final)
    return final


def _boundary(w: np.ndarray, reach: float) -> tuple[list[float], list[float]]:
    """The segment of the line {x : w . x = 0} inside a box of half-width ``reach``."""
    norm = np.linalg.norm(w)
    if norm == 0:
        return [], []
    along = np.array([-w[1], w[0]]) / norm * reach * 1.5
    return [-along[0], along[0]], [-along[1], along[1]]


def figure(result: Result) -> go.Figure:
    points = np.array(result.points)
    labels = np.array(result.labels)
    target = np.array(result.max_margin_direction)
    weights = np.array(result.weights)
    reach = 1.1 * np.abs(points).max()
    figure = site_figure(
        rows=1,
        cols=2,
        column_widths=[0.5, 0.5],
        horizontal_spacing=0.1,
        subplot_titles=(
            _("Data and the two separators"),
            _("Angle of w(t) to the max-margin direction"),
        ),
    )
    for trace in labelled_points(points, labels):
        figure.add_trace(trace, row=1, col=1)
    x, y = _boundary(target, reach)
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": "black", "dash": "dash"},
            name=_("max margin (SVM)"),
        ),
        row=1,
        col=1,
    )
    # The last two traces change from frame to frame: GD's separator and the current angle.
    last = len(result.checkpoints) - 1
    x, y = _boundary(weights[last], reach)
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": PALETTE[1], "width": 2},
            name=_("GD's separator"),
        ),
        row=1,
        col=1,
    )
    steps = np.array(result.checkpoints)
    positive = steps > 0  # a log axis cannot show step 0
    figure.add_trace(
        go.Scatter(
            x=steps[positive].tolist(),
            y=np.array(result.angle)[positive].tolist(),
            mode="lines+markers",
            marker={"size": 4},
            line={"color": PALETTE[1]},
            name=_("angle"),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    figure.add_trace(
        go.Scatter(
            x=[int(steps[last])],
            y=[result.angle[last]],
            mode="markers",
            marker={"size": 12, "color": PALETTE[1], "symbol": "circle-open", "line": {"width": 2}},
            name=_("now"),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    gd_trace, marker_trace = 3, 5
    names = [str(step) for step in result.checkpoints]
    frames = []
    for index, step in enumerate(result.checkpoints):
        x, y = _boundary(weights[index], reach)
        frames.append(
            go.Frame(
                name=str(step),
                traces=[gd_trace, marker_trace],
                data=[
                    go.Scatter(x=x, y=y),
                    go.Scatter(x=[max(int(step), 1)], y=[result.angle[index]]),
                ],
            )
        )
    figure.frames = frames
    equal_aspect(figure, reach, row=1, col=1, x_title="x₁", y_title="x₂")
    figure.update_xaxes(type="log", title_text=_("step t"), row=1, col=2)
    figure.update_yaxes(type="log", title_text=_("angle (degrees)"), row=1, col=2)
    figure.update_layout(
        title=_(
            "GD on the logistic loss: after {steps} steps w(t) is {angle}° from the max-margin"
            " direction"
        ).format(steps=f"{steps[-1]:,}", angle=f"{result.angle[last]:.2g}"),
        height=640,  # the legend, the buttons and the slider go below the plots (finish)
        updatemenus=[play_pause_buttons(names)],
        sliders=[frame_slider(names, [f"{step:,}" for step in result.checkpoints], _("step "))],
    )
    return finish(figure, summary(result))


def summary(result: Result) -> str:
    """The run's result in one sentence: how far GD's direction ended from the max margin's."""
    if not result.checkpoints:
        return sentence(_("GD has not taken a step yet"), 0, result.steps, _("step"))
    done, first, last = result.checkpoints[-1], result.checkpoints[0], len(result.checkpoints) - 1
    norms = np.linalg.norm(np.array(result.weights), axis=1)
    if last:
        if result.angle[-1] < result.angle[0]:
            angle = _(
                "w(t) is {angle}° from the max-margin direction, down from {start}° at step {step}"
            )
        else:
            angle = _(
                "w(t) is {angle}° from the max-margin direction, up from {start}° at step {step}"
            )
        angle = angle.format(
            angle=number(result.angle[-1]), start=number(result.angle[0]), step=f"{first:,}"
        )
        if norms[-1] < norms[0]:
            norm = _("‖w‖ shrank from {start} to {end}")
        else:
            norm = _("‖w‖ grew from {start} to {end}")
        norm = norm.format(start=number(norms[0]), end=number(norms[-1]))
        if result.loss[-1] < result.loss[0]:
            loss = _("the loss fell from {start} to {end}")
        else:
            loss = _("the loss rose from {start} to {end}")
        loss = loss.format(start=number(result.loss[0]), end=number(result.loss[-1]))
        text = _("{angle}, while {norm} and {loss}").format(angle=angle, norm=norm, loss=loss)
    else:
        text = _("w(t) is {angle}° from the max-margin direction at step {step}, with ‖w‖ = {norm}")
        text = text.format(angle=number(result.angle[-1]), step=f"{done:,}", norm=number(norms[0]))
    if done >= result.steps:
        text = _("After {steps} steps {text}").format(steps=f"{done:,}", text=text)
    return sentence(text, done, result.steps, _("step"))
