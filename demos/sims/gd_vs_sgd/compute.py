"""The GD-versus-SGD demo computed: SGD at each batch size on the digits MLP, the final sharpness
of the full training loss, and its chart.

At one batch size every step size sees the same shuffled batches, so they are trained side by
side: their parameters are the rows of one array, one hand-written pass per batch for all.
"""

from collections.abc import Callable

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
from demos.sims.gd_vs_sgd.params import Params
from demos.sims.hessian import Eigenpair, top_eigenpair
from demos.sims.plotting import (
    PALETTE,
    finish,
    number,
    percent,
    sentence,
    site_figure,
    threshold_line,
)
from demos.sims.words import N_, _

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
    epochs: int
    # planned: a partial result has the outcomes of the largest batch sizes only
    batch_sizes: list[int]
    step_sizes: list[float]
    outcomes: list[Outcome]


def train_together(
    params: Params,
    step_sizes: list[float],
    batch_size: int,
    data: DigitsSplit,
    on_step: Callable[[], None],
) -> tuple[np.ndarray, np.ndarray]:
    """SGD with each step size on the same shuffled batches each epoch (full batch: plain GD).

    Returns the final parameters, one row per step size, and which runs diverged: a run whose
    loss blew up leaves the batch then, its row holding the parameters it blew up at.
    """
    inputs, targets = data.arrays()
    network = MLP(params)
    start = network.initial_parameters(params.seed).numpy().astype(inputs.dtype)
    final = np.repeat(start[None], len(step_sizes), axis=0)
    initial_loss = network.loss_and_gradient(
        StackedParameters(network, final[:1]), inputs, targets
    )[0]
    stack = StackedParameters(network, final.copy())
    rates = np.array(step_sizes, dtype=inputs.dtype)[:, None]
    running = np.arange(len(step_sizes))
    order = torch.Generator().manual_seed(params.seed)
    with np.errstate(over="ignore", invalid="ignore"):
        for _epoch in range(params.epochs):
            permutation = torch.randperm(params.examples, generator=order).numpy()
            shuffled_inputs, shuffled_targets = inputs[permutation], targets[permutation]
            for begin in range(0, params.examples, batch_size):
                losses, _gradient = network.loss_and_gradient(
                    stack,
                    shuffled_inputs[begin : begin + batch_size],
                    shuffled_targets[begin : begin + batch_size],
                )
                blown_up = diverged(losses, initial_loss)
                if blown_up.any():
                    final[running] = stack.theta
                    kept = ~blown_up
                    running, stack, rates = running[kept], stack.rows(kept), rates[kept]
                    if not running.size:
                        return final, np.ones(len(step_sizes), dtype=bool)
                stack.theta -= rates * stack.gradient
                on_step()
    final[running] = stack.theta
    stopped = np.ones(len(step_sizes), dtype=bool)
    stopped[running] = False
    return final, stopped


def train(
    params: Params, step_size: float, batch_size: int, data: DigitsSplit, on_step
) -> tuple[torch.Tensor, bool]:
    """One step size's training, exactly as the demo does it: the final parameters (float64,
    exactly) and whether it diverged."""
    theta, stopped = train_together(params, [step_size], batch_size, data, on_step)
    return torch.from_numpy(theta[0].astype(np.float64)), bool(stopped[0])


def final_sharpness(
    params: Params, network: MLP, data: DigitsSplit, theta: torch.Tensor
) -> Eigenpair:
    """The top eigenpair of the full training loss's Hessian, by Lanczos from a random start."""
    inputs, targets = data.arrays()
    parameters = theta.numpy().astype(inputs.dtype)
    hvp = network.hessian_vector_product(parameters, inputs, targets)
    return top_eigenpair(hvp, random_direction(params), SHARPNESS_TOLERANCE, max_steps=100)


def accuracy(
    network: MLP, theta: np.ndarray, inputs: torch.Tensor, labels: torch.Tensor
) -> float | None:
    """The fraction of ``inputs`` classified as ``labels``; None for no inputs."""
    if len(labels) == 0:
        return None
    outputs = network.outputs(theta, inputs.numpy().astype(theta.dtype))
    return float((outputs.argmax(axis=-1) == labels.numpy()).mean())


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    data = draw_digits(params, held_out=TEST_EXAMPLES)
    inputs, targets = data.arrays()
    network = MLP(params)
    report = ProgressReporter(progress)
    outcomes: list[Outcome] = []
    steps_per_epoch = {b: -(-params.examples // b) for b in params.batch_sizes}
    total = params.epochs * sum(steps_per_epoch.values())
    done = 0

    def result() -> Result:
        return Result(
            examples=params.examples,
            test_examples=len(data.held_out_labels),
            parameter_count=params.parameter_count,
            epochs=params.epochs,
            batch_sizes=list(params.batch_sizes),
            step_sizes=list(params.step_sizes),
            outcomes=list(outcomes),
        )

    def drawable() -> Result | None:
        return result() if outcomes else None  # the chart needs one finished batch size

    def on_step() -> None:
        nonlocal done
        done += 1
        report(done / total, drawable)

    # The largest batches first: they take the fewest steps, so the chart has its first points
    # soon after the run starts.
    for batch_size in sorted(params.batch_sizes, reverse=True):
        planned = done + params.epochs * steps_per_epoch[batch_size]
        thetas, stopped = train_together(params, params.step_sizes, batch_size, data, on_step)
        done = planned  # a diverged run's remaining steps count as done
        for step_size, theta, blown_up in zip(params.step_sizes, thetas, stopped, strict=True):
            if blown_up:
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
            top = final_sharpness(params, network, data, torch.from_numpy(theta))
            alone = StackedParameters(network, theta[None])
            train_loss = network.loss_and_gradient(alone, inputs, targets)[0]
            outcomes.append(
                Outcome(
                    step_size=step_size,
                    batch_size=batch_size,
                    sharpness=top.value,
                    train_loss=float(train_loss[0]),
                    train_accuracy=accuracy(network, theta, data.inputs, data.labels),
                    test_accuracy=accuracy(
                        network, theta, data.held_out_inputs, data.held_out_labels
                    ),
                    diverged=False,
                )
            )
        report(done / total, drawable)
    final = result()
    report(1.0, lambda: final)
    return final


# How each measured quantity is drawn, whatever the step size's colour: never by colour alone.
# The trace names are translated when drawn.
QUANTITIES = (
    ("sharpness", N_("{group}: sharpness"), "solid", "circle", 1),
    ("train_accuracy", N_("{group}: train accuracy"), "dash", "square", 2),
    ("test_accuracy", N_("{group}: test accuracy"), "dashdot", "diamond", 2),
)


def figure(result: Result) -> go.Figure:
    figure = site_figure(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            _("Sharpness at the end of training"),
            _("Accuracy at the end of training"),
        ),
    )
    step_sizes = sorted({o.step_size for o in result.outcomes})
    batches = sorted({o.batch_size for o in result.outcomes})
    for step_size, colour in zip(step_sizes, PALETTE, strict=False):
        rows = [o for o in result.outcomes if o.step_size == step_size and not o.diverged]
        rows.sort(key=lambda o: o.batch_size)
        group = f"η = {step_size:g}"
        for key, label, dash, symbol, col in QUANTITIES:
            figure.add_trace(
                go.Scatter(
                    x=[o.batch_size for o in rows],
                    y=[getattr(o, key) for o in rows],
                    mode="lines+markers",
                    line={"color": colour, "dash": dash},
                    marker={"color": colour, "symbol": symbol, "size": 7},
                    name=_(label).format(group=group),
                    legendgroup=group,
                ),
                row=1,
                col=col,
            )
            if key == "sharpness":
                figure.add_trace(
                    threshold_line(
                        (batches[0], batches[-1]),
                        2 / step_size,
                        colour,
                        f"2/η = {2 / step_size:.3g}",
                        legendgroup=group,
                    ),
                    row=1,
                    col=1,
                )
    figure.update_layout(
        title=_("Same epochs, smaller batches: flatter end points ({examples} digits)").format(
            examples=result.examples
        ),
        height=500,
    )
    for col in (1, 2):
        figure.update_xaxes(
            type="log",
            title_text=_("batch size ({examples} = full-batch GD)").format(
                examples=result.examples
            ),
            row=1,
            col=col,
        )
    figure.update_yaxes(title_text=_("top Hessian eigenvalue"), rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text=_("accuracy"), range=[0, 1.02], row=1, col=2)
    return finish(figure, summary(result))


def summary(result: Result) -> str:
    """The run's result in one sentence: the largest and the smallest batch's end points."""
    clauses = []
    for step_size in result.step_sizes:
        outcomes = sorted(
            (o for o in result.outcomes if o.step_size == step_size), key=lambda o: o.batch_size
        )
        if not outcomes:
            continue
        trained = [o for o in outcomes if not o.diverged]
        blown_up = _(" and ").join(f"{o.batch_size:,}" for o in outcomes if o.diverged)
        if trained:
            largest, smallest = trained[-1], trained[0]
            values = {
                "eta": f"{step_size:g}",
                "batch": _batch(largest, result.examples),
                "sharpness": number(largest.sharpness, 3),
                "against": _against(largest.sharpness, 2 / step_size),
                "accuracy": _accuracy(largest),
            }
            if smallest is not largest:
                ratio = smallest.sharpness / largest.sharpness
                flatter = _("{percent} flatter") if ratio < 1 else _("no flatter")
                if ratio > 1:
                    flatter = _("{percent} sharper")
                values["comparison"] = flatter.format(percent=percent(abs(1 - ratio)))
                clause = _(
                    "at η = {eta}, {batch} ended with sharpness {sharpness} ({against}) and batch"
                    " {small_batch} with {small_sharpness}, {comparison}; test accuracy"
                    " {accuracy} and {small_accuracy}"
                ).format(
                    small_batch=f"{smallest.batch_size:,}",
                    small_sharpness=number(smallest.sharpness, 3),
                    small_accuracy=_accuracy(smallest),
                    **values,
                )
            else:
                clause = _(
                    "at η = {eta}, {batch} ended with sharpness {sharpness} ({against}), test"
                    " accuracy {accuracy}"
                ).format(**values)
            if blown_up:
                clause += _("; batch {batches} diverged").format(batches=blown_up)
        else:
            clause = _("at η = {eta}, batch {batches} diverged").format(
                eta=f"{step_size:g}", batches=blown_up
            )
        clauses.append(clause)
    text = _("After {epochs} epochs {clauses}").format(
        epochs=f"{result.epochs:,}", clauses=_("; ").join(clauses)
    )
    planned = len(result.batch_sizes)
    done = len({o.batch_size for o in result.outcomes})
    return sentence(text, done, planned, _("batch size"))


def _batch(outcome: Outcome, examples: int) -> str:
    size = f"{outcome.batch_size:,}"
    if outcome.batch_size == examples:
        return _("full-batch GD (batch {size})").format(size=size)
    return _("batch {size}").format(size=size)


def _against(sharpness: float, threshold: float) -> str:
    """Where a sharpness lies with respect to 2/η: "5.5% above 2/η = 10"."""
    template = (
        _("{percent} above 2/η = {threshold}")
        if sharpness > threshold
        else _("{percent} below 2/η = {threshold}")
    )
    return template.format(
        percent=percent(abs(sharpness / threshold - 1)), threshold=number(threshold, 3)
    )


def _accuracy(outcome: Outcome) -> str:
    return _("not measured") if outcome.test_accuracy is None else percent(outcome.test_accuracy)
