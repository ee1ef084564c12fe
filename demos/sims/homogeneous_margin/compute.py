"""The homogeneous-margin demo computed: its run and its chart (the science is in __init__.py)."""

import numpy as np
import plotly.graph_objects as go

from demos.sims import relu_network
from demos.sims.base import (
    DemoResult,
    ProgressCallback,
    ProgressReporter,
)
from demos.sims.homogeneous_margin.params import Params
from demos.sims.plotting import (
    PALETTE,
    equal_aspect,
    finish,
    frame_slider,
    labelled_points,
    number,
    percent,
    sentence,
    site_figure,
)
from demos.sims.words import _

HOMOGENEITY = 2  # f(c theta) = c^2 f(theta): one factor from each layer
CHECKPOINTS = 80  # log-spaced steps at which the margin is recorded
FRAMES = 20  # of them, log-spaced, keep theta: the decision-region animation's frames
GRID = 31  # points per side of the decision-region grid
REACH = 1.6  # half-width of the plotted square


class Result(DemoResult):
    points: list[tuple[float, float]]
    labels: list[int]
    checkpoints: list[int]
    loss: list[float]  # mean logistic loss at the checkpoints
    normalized_margin: list[float]  # min_i y_i f(x_i) / ||theta||^2 at the checkpoints
    parameter_norm: list[float]
    separated_at: int | None  # first checkpoint with summed loss < log 2 (all points correct)
    frame_steps: list[int]  # the checkpoints where theta is kept
    # theta at those steps, each as (w_j1, w_j2, a_j) per hidden unit
    parameters: list[list[tuple[float, float, float]]]
    steps: int  # planned: a partial result's checkpoints stop short of it


def sector_points(params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Points at radius 0.5 to 1.5, labelled +1/-1 by alternating sectors, away from the edges."""
    rng = np.random.default_rng(params.seed)
    sector = 2 * np.pi / params.sectors
    gap = np.radians(params.gap)
    # Labels alternate by sector index; with an odd count the last and first sectors share a
    # label, which a ReLU network separates just as well.
    kept = np.empty((0, 2))
    angles_kept = np.empty(0)
    while len(kept) < params.examples:
        angle = rng.uniform(0, 2 * np.pi, size=4 * params.examples)
        radius = rng.uniform(0.5, 1.5, size=angle.size)
        offset = np.mod(angle, sector)
        ok = (offset >= gap) & (offset <= sector - gap)
        batch = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])[ok]
        kept = np.vstack([kept, batch])
        angles_kept = np.concatenate([angles_kept, angle[ok]])
    points, angles = kept[: params.examples], angles_kept[: params.examples]
    labels = np.where((angles // sector).astype(int) % 2 == 0, 1, -1)
    return points, labels


def normalized_margin(margins: np.ndarray, parameter_norm: float) -> float:
    return float(margins.min()) / parameter_norm**HOMOGENEITY


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    points, labels = sector_points(params)
    rng = np.random.default_rng(params.seed + 1)
    hidden = params.init_scale * rng.standard_normal((params.width, 2))
    output = params.init_scale * rng.standard_normal(params.width)
    checkpoints = set(np.geomspace(1, params.steps, CHECKPOINTS).round().astype(int).tolist())
    frame_steps = set(np.geomspace(1, params.steps, FRAMES).round().astype(int).tolist())
    checkpoints |= frame_steps | {0}
    recorded: dict[str, list] = {
        "checkpoints": [],
        "loss": [],
        "normalized_margin": [],
        "parameter_norm": [],
        "frame_steps": [],
        "parameters": [],
    }
    separated_at: int | None = None
    report = ProgressReporter(progress)

    def result() -> Result:
        return Result(
            points=[tuple(p) for p in points.tolist()],
            labels=labels.tolist(),
            separated_at=separated_at,
            steps=params.steps,
            **{key: list(values) for key, values in recorded.items()},
        )

    def drawable() -> Result | None:
        return result() if recorded["parameters"] else None  # regions need a kept theta

    report_every = max(1, params.steps // 500)
    log_two_over_n = np.log(2) / len(labels)
    for step in range(params.steps + 1):
        gradients = relu_network.logistic_gradients(hidden, output, points, labels)
        loss, margins = gradients.loss, gradients.margins
        if step in checkpoints:
            if separated_at is None and loss < log_two_over_n:
                separated_at = step
            recorded["checkpoints"].append(step)
            recorded["loss"].append(loss)
            norm = float(np.sqrt((hidden**2).sum() + (output**2).sum()))
            recorded["normalized_margin"].append(normalized_margin(margins, norm))
            recorded["parameter_norm"].append(norm)
            if step in frame_steps:
                recorded["frame_steps"].append(step)
                recorded["parameters"].append(
                    [tuple(row) for row in np.column_stack([hidden, output]).tolist()]
                )
        if step == params.steps:
            break
        hidden = hidden - params.step_size * gradients.hidden
        output = output - params.step_size * gradients.output
        if step % report_every == 0:
            report(step / params.steps, drawable)
    final = result()
    report(1.0, lambda: final)
    return final


def _regions(parameters: list[tuple[float, float, float]], grid: np.ndarray) -> list[list[int]]:
    """The predicted label, +1 or -1, over the grid (integers keep the figure small)."""
    theta = np.array(parameters)
    values = relu_network.outputs(theta[:, :2], theta[:, 2], grid.reshape(-1, 2)).reshape(
        GRID, GRID
    )
    return np.where(values > 0, 1, -1).tolist()


def figure(result: Result) -> go.Figure:
    points = np.array(result.points)
    labels = np.array(result.labels)
    axis = np.linspace(-REACH, REACH, GRID)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1)
    steps = np.array(result.checkpoints)
    margins = np.array(result.normalized_margin)
    figure = site_figure(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            _("Decision regions of the network"),
            _("Normalized margin min y<sub>i</sub>f(x<sub>i</sub>)/‖θ‖<sup>2</sup>"),
        ),
    )
    figure.add_trace(
        go.Heatmap(
            x=axis.tolist(),
            y=axis.tolist(),
            z=_regions(result.parameters[-1], grid),
            zmin=-1,
            zmax=1,
            colorscale=[[0, "#fde0c5"], [1, "#cfe3f5"]],
            showscale=False,
            hoverinfo="skip",
            name=_("regions"),
        ),
        row=1,
        col=1,
    )
    for trace in labelled_points(points, labels):
        figure.add_trace(trace, row=1, col=1)
    # A log axis cannot show step 0; before the data are fitted (mean loss < log(2)/n, so every
    # point's loss < log 2: every point classified correctly) the margin is negative.
    fitted = steps >= (result.separated_at or steps[-1] + 1)
    for part, colour, dash, symbol, name in (
        ((steps > 0) & ~fitted, "#999999", "dash", "square", _("margin, some misfit")),
        (fitted, PALETTE[2], "solid", "circle", _("margin, all fitted")),
    ):
        figure.add_trace(
            go.Scatter(
                x=steps[part].tolist(),
                y=margins[part].tolist(),
                mode="lines+markers",
                marker={"size": 5, "symbol": symbol, "color": colour},
                line={"color": colour, "dash": dash},
                name=name,
            ),
            row=1,
            col=2,
        )
    top = float(margins.max()) if margins.max() > 0 else 1.0
    figure.frames = [
        go.Frame(
            name=str(step),
            data=[go.Heatmap(z=_regions(parameters, grid))],
            traces=[0],
        )
        for step, parameters in zip(result.frame_steps, result.parameters, strict=True)
    ]
    figure.update_layout(
        title=_(
            "A ReLU network without biases: after {steps} GD steps the normalized margin"
            " is {margin}"
        ).format(steps=f"{steps[-1]:,}", margin=f"{result.normalized_margin[-1]:.3g}"),
        height=580,  # the legend and the slider go below the plots (finish)
        sliders=[
            frame_slider(
                [str(step) for step in result.frame_steps],
                [f"{step:,}" for step in result.frame_steps],
                _("decision regions at step "),
            )
        ],
    )
    equal_aspect(figure, REACH, row=1, col=1, x_title="x₁", y_title="x₂")
    figure.update_xaxes(type="log", title_text=_("step"), row=1, col=2)
    # Zoomed on the fitted phase, where the theory says the margin rises.
    figure.update_yaxes(title_text=_("normalized margin"), range=[0, 1.15 * top], row=1, col=2)
    return finish(figure, summary(result))


def summary(result: Result) -> str:
    """The run's result in one sentence: whether the data were fitted and what the normalized
    margin did from then on."""
    done, margins = result.checkpoints[-1], result.normalized_margin
    if result.separated_at is None:
        finished = done >= result.steps
        if margins[-1] > 0:
            if finished:
                template = _(
                    "After {steps} GD steps every point is classified correctly (normalized"
                    " margin {margin}), but the loss is still above log(2)/n, the point from"
                    " which the theory says the margin rises"
                )
            else:
                template = _(
                    "every point is classified correctly (normalized margin {margin}), but the"
                    " loss is still above log(2)/n, the point from which the theory says the"
                    " margin rises"
                )
        elif finished:
            template = _(
                "After {steps} GD steps some point is still misclassified (normalized margin"
                " {margin}) and the loss is above log(2)/n"
            )
        else:
            template = _(
                "some point is still misclassified (normalized margin {margin}) and the loss is"
                " above log(2)/n"
            )
        text = template.format(steps=f"{done:,}", margin=number(margins[-1]))
    else:
        start = margins[result.checkpoints.index(result.separated_at)]
        values = {
            "fitted": f"{result.separated_at:,}",
            "done": f"{done:,}",
            "start": number(start),
            "end": number(margins[-1]),
        }
        if done > result.separated_at:
            change = margins[-1] / start - 1 if start > 0 else None
            rose = margins[-1] > start
            if change:
                values["change"] = f"{'+' if change > 0 else '−'}{percent(abs(change))}"
                template = (
                    _(
                        "By step {fitted} the loss was below log(2)/n, so every point was"
                        " classified correctly, and from then to step {done} the normalized"
                        " margin rose from {start} to {end} ({change})"
                    )
                    if rose
                    else _(
                        "By step {fitted} the loss was below log(2)/n, so every point was"
                        " classified correctly, and from then to step {done} the normalized"
                        " margin fell from {start} to {end} ({change})"
                    )
                )
            else:
                template = (
                    _(
                        "By step {fitted} the loss was below log(2)/n, so every point was"
                        " classified correctly, and from then to step {done} the normalized"
                        " margin rose from {start} to {end}"
                    )
                    if rose
                    else _(
                        "By step {fitted} the loss was below log(2)/n, so every point was"
                        " classified correctly, and from then to step {done} the normalized"
                        " margin fell from {start} to {end}"
                    )
                )
        else:
            template = _(
                "By step {fitted} the loss was below log(2)/n, so every point was classified"
                " correctly, with normalized margin {start}"
            )
        text = template.format(**values)
    return sentence(text, done, result.steps, _("step"))
