"""The quadratic-stability demo computed: its run and its chart (the science is in __init__.py)."""

import math

import numpy as np
import plotly.graph_objects as go

from demos.sims.base import DemoResult, ProgressCallback, ProgressReporter
from demos.sims.plotting import PALETTE, equal_aspect, finish, number, sentence, site_figure
from demos.sims.quadratic_stability.params import Params
from demos.sims.words import _

# Past this distance from the minimum the iterates are shown as diverged and no longer followed.
ESCAPE_RADIUS = 1e12


SUBSCRIPTS = "₁₂"  # the axes' names in plain text: x₁, λ₂
CONTOUR_GRID = 41  # points per side of the loss contours: smooth ellipses, small JSON


class Result(DemoResult):
    curvatures: tuple[float, float]
    step_size: float
    iterates: list[tuple[float, float]]  # x(0), x(1), ... until the end or divergence
    loss: list[float]
    threshold: float  # 2 / lambda_max: the largest step size that still converges
    diverged: bool  # observed: the iterates escaped or ended with a higher loss than they started
    escaped: bool  # they passed ESCAPE_RADIUS and were no longer followed
    steps: int  # planned: fewer iterates than steps + 1 means escaped or, partway, not done yet


def loss(curvatures: np.ndarray, points: np.ndarray) -> np.ndarray:
    """L at one point (shape (2,)) or at a grid of them (shape (..., 2))."""
    return 0.5 * (points**2 @ curvatures)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    curvatures = np.array([params.curvature_1, params.curvature_2])
    point = np.array([params.start_1, params.start_2])
    iterates = [point.copy()]
    escaped = False
    report = ProgressReporter(progress)

    def result() -> Result:
        losses = [float(loss(curvatures, x)) for x in iterates]
        return Result(
            curvatures=tuple(curvatures),
            step_size=params.step_size,
            iterates=[tuple(map(float, x)) for x in iterates],
            loss=losses,
            threshold=2 / curvatures.max(),
            diverged=escaped or losses[-1] > losses[0],
            escaped=escaped,
            steps=params.steps,
        )

    for step in range(1, params.steps + 1):
        point = point - params.step_size * curvatures * point  # the gradient is lambda_i x_i
        if np.abs(point).max() > ESCAPE_RADIUS:
            escaped = True
            break
        iterates.append(point.copy())
        report(step / params.steps, result)
    final = result()
    report(1.0, lambda: final)
    return final


def figure(result: Result) -> go.Figure:
    iterates = np.array(result.iterates)
    curvatures = np.array(result.curvatures)
    figure = site_figure(
        rows=2,
        cols=2,
        specs=[[{"rowspan": 2}, {}], [None, {}]],
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.1,
        vertical_spacing=0.28,  # the lower title may take two lines on a narrow chart
        subplot_titles=(
            _("GD iterates on the loss contours"),
            _("Loss against step"),
            _("Contraction factor |1 − ηλ| per axis"),
        ),
    )

    # Contours over a square that holds the start and, unless it ran away, the whole path.
    shown = iterates[: max(2, min(len(iterates), 12))] if result.diverged else iterates
    half_width = 1.15 * max(np.abs(shown).max(), 1e-3)
    grid = np.linspace(-half_width, half_width, CONTOUR_GRID)
    figure.add_trace(
        go.Contour(
            x=grid.tolist(),
            y=grid.tolist(),
            z=loss(curvatures, np.stack(np.meshgrid(grid, grid), axis=-1)).tolist(),
            colorscale="Blues",
            reversescale=True,
            showscale=False,
            contours={"coloring": "lines"},
            ncontours=18,
            hoverinfo="skip",
            name=_("loss"),
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=shown[:, 0].tolist(),
            y=shown[:, 1].tolist(),
            mode="lines+markers",
            marker={"size": 5, "color": PALETTE[1]},
            line={"color": PALETTE[1], "width": 1},
            name=_("GD iterates"),
            text=[_("step {step}").format(step=t) for t in range(len(shown))],
        ),
        row=1,
        col=1,
    )
    equal_aspect(figure, half_width, row=1, col=1, x_title="x₁", y_title="x₂")

    figure.add_trace(
        go.Scatter(
            x=list(range(len(result.loss))),
            y=[max(value, 1e-300) for value in result.loss],
            mode="lines+markers",
            marker={"size": 4},
            line={"color": PALETTE[1]},
            name=_("loss"),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    figure.update_yaxes(type="log", title_text=_("loss"), row=1, col=2)
    figure.update_xaxes(title_text=_("step"), row=1, col=2)

    # Stability diagram: the chosen eta against the threshold 2 / lambda_max.
    eta_max = 1.5 * max(result.step_size, result.threshold)
    etas = np.linspace(0, eta_max, 200)
    for curvature, colour, dash, label in zip(
        curvatures, (PALETTE[0], PALETTE[4]), ("solid", "dash"), ("λ₁", "λ₂"), strict=True
    ):
        figure.add_trace(
            go.Scatter(
                x=etas.tolist(),
                y=np.abs(1 - etas * curvature).tolist(),
                mode="lines",
                line={"color": colour, "dash": dash},
                name=f"|1 − η{label}|, {label} = {curvature:g}",
            ),
            row=2,
            col=2,
        )
    figure.add_hline(y=1, line={"color": "grey", "dash": "dot"}, row=2, col=2)
    figure.add_vline(
        x=result.threshold,
        line={"color": "black", "dash": "dash"},
        annotation_text=f"2/λ<sub>max</sub> = {result.threshold:.3g}",
        annotation_position="top left" if result.step_size > result.threshold else "top right",
        row=2,
        col=2,
    )
    figure.add_vline(
        x=result.step_size,
        line={"color": PALETTE[1]},
        annotation_text=f"η = {result.step_size:g}",
        annotation_position="bottom right"
        if result.step_size > result.threshold
        else "bottom left",
        row=2,
        col=2,
    )
    figure.update_xaxes(title_text=_("step size η"), range=[0, eta_max], row=2, col=2)
    figure.update_yaxes(range=[0, 2.5], title_text="|1 − ηλ|", row=2, col=2)

    if result.diverged:
        title = _("η = {eta} {side} 2/λ<sub>max</sub> = {threshold}: GD diverges")
    elif at_edge(result) or not result.loss[-1] < result.loss[0]:
        title = _(
            "η = {eta} {side} 2/λ<sub>max</sub> = {threshold}: GD oscillates without converging"
        )
    else:
        title = _("η = {eta} {side} 2/λ<sub>max</sub> = {threshold}: GD converges")
    side = ">" if result.step_size > result.threshold else "≤"
    figure.update_layout(
        title=title.format(
            eta=f"{result.step_size:g}", side=side, threshold=f"{result.threshold:.3g}"
        ),
        height=580,
    )
    return finish(figure, summary(result))


def at_edge(result: Result) -> bool:
    """Whether η = 2/λ_max: the sharpest coordinate flips sign for ever without shrinking."""
    return math.isclose(result.step_size * max(result.curvatures), 2, rel_tol=1e-9)


def summary(result: Result) -> str:
    """The run's result in one sentence: the step size against 2/λ_max and what GD did."""
    curvatures = np.array(result.curvatures)
    sharpest = int(np.argmax(curvatures))
    axis = SUBSCRIPTS[sharpest]
    eta, threshold = result.step_size, result.threshold
    if eta < threshold:
        text = _("With η = {eta} below 2/λ{axis} = {threshold} ({largest}), GD {what}")
    elif eta > threshold:
        text = _("With η = {eta} above 2/λ{axis} = {threshold} ({largest}), GD {what}")
    else:
        text = _("With η = {eta} exactly at 2/λ{axis} = {threshold} ({largest}), GD {what}")
    done = len(result.iterates) - 1
    running = not result.escaped and done < result.steps
    start, end = number(result.loss[0]), number(result.loss[-1])
    steps = (_("{count} steps") if done != 1 else _("{count} step")).format(count=f"{done:,}")
    if result.escaped:
        factor = abs(1 - eta * curvatures[sharpest])
        what = _(
            "diverged: |x{axis}| grew {factor}-fold per step and passed {radius} at step {step}"
        ).format(
            axis=axis, factor=number(factor), radius=number(ESCAPE_RADIUS), step=f"{done + 1:,}"
        )
    elif at_edge(result):
        what = _(
            "does not converge: 1 − ηλ{axis} = −1, so x{axis} flips sign at every step without"
            " shrinking, while the loss went from {start} to {end} in {steps}"
        ).format(axis=axis, start=start, end=end, steps=steps)
    elif result.loss[-1] > result.loss[0]:
        if running:
            what = _("is diverging: the loss rose from {start} to {end} in {steps}")
        else:
            what = _("diverged: the loss rose from {start} to {end} in {steps}")
        what = what.format(start=start, end=end, steps=steps)
    elif result.loss[-1] < result.loss[0]:
        if running:
            what = _("is converging: the loss fell from {start} to {end} in {steps}")
        else:
            what = _("converged: the loss fell from {start} to {end} in {steps}")
        what = what.format(start=start, end=end, steps=steps)
    else:
        what = _("stays put: the loss stayed at {start}").format(start=start)
    if curvatures[0] != curvatures[1]:
        largest = _("λ{axis} = {value}, the larger curvature")
    else:
        largest = _("λ{axis} = {value}, as is λ{other}")
    largest = largest.format(
        axis=axis, value=f"{curvatures[sharpest]:g}", other=SUBSCRIPTS[1 - sharpest]
    )
    text = text.format(
        eta=f"{eta:g}", axis=axis, threshold=f"{threshold:.3g}", largest=largest, what=what
    )
    # Where 1/λ < η < 2/λ the coordinate's factor 1 − ηλ is negative: it changes sign each step.
    flipping = [
        _("x{axis} changed sign at every step (η > 1/λ{axis} = {value})").format(
            axis=SUBSCRIPTS[i], value=f"{1 / c:.3g}"
        )
        for i, c in enumerate(curvatures)
        if 1 < eta * c < 2 and result.iterates[0][i] != 0
    ]
    if flipping and not result.diverged and done > 1 and not at_edge(result):
        flips = flipping[0]
        if len(flipping) == 2:
            flips = _("{first} and {second}").format(first=flipping[0], second=flipping[1])
        text = _("; ").join([text, flips])
    return sentence(text, result.steps if result.escaped else done, result.steps, _("step"))
