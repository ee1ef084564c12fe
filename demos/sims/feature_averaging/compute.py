"""The feature-averaging demo computed: both networks trained side by side, their flip radii under
three attacks, a sweep over k, and the chart (science in __init__.py).

Everything is plain torch in float32. The two networks see the same points, so their hidden
weights are the rows of one matrix and a GD step is two matrix products for both. A flip radius
along a direction is found by scanning a grid of radii for the first flip and bisecting that
cell; the attacks are the averaged feature, the straight line to the nearest center of the other
label, and the ray of DeepFool's perturbation (a gradient attack), and the best is the shortest.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from demos.sims.base import DemoResult, ProgressCallback, ProgressReporter
from demos.sims.feature_averaging.params import (
    BISECTIONS,
    DEEPFOOL_STEPS,
    PARTIALS,
    SCAN_RADII,
    TEST_POINTS_PER_CLUSTER,
    Params,
)
from demos.sims.plotting import finish, number, sentence, series_style, site_figure
from demos.sims.words import N_, _, filled

INIT_NORM = 1e-3  # ‖w_r‖ at the start: small, the regime the paper analyses
REACH = 4.0  # flips are looked for within 4√d of a point: the cluster net's flip along the
# averaged feature, √(dk)/2, is at most 3.2√d for k ≤ 40
OVERSHOOT = 0.02  # each DeepFool step goes this much past the linearized boundary
# Rows × units of one batch of a step's or an evaluation's activations: they stay in the cache
# (2 MB), whose misses made the largest runs' steps take 2.4 times as long per unit.
CACHED = 1 << 19
MAX_ROWS = 200  # learned neurons shown per heatmap, at most (spread over the outputs)
COLORSCALE = [[0, "#ffffff"], [0.5, "#6baed6"], [1, "#08306b"]]  # |cos| 0 to 1, white to navy
# What a network was trained on, in English (the records keep it): shown as _(BINARY).
BINARY, CLUSTER = N_("±1 labels"), N_("cluster labels")


class Network(DemoResult):
    labels: str  # what it was trained on: BINARY or CLUSTER
    train_accuracy: float  # on the ±1 labels (the cluster net's induced classifier)
    cluster_accuracy: float | None  # the cluster net's, on the k cluster labels
    final_loss: float
    # Per clean center μ_j, the smallest radius found along each attack (None: no flip within
    # 4√d). DeepFool's and the held-out points' are empty in a snapshot taken while training.
    flip_averaged: list[float | None]
    flip_line: list[float | None]
    flip_gradient: list[float | None]
    flip_best: list[float | None]
    median_flip_averaged: float | None
    median_flip_best: float | None
    test_flip: list[float | None]  # per held-out point, the best attack's (0: misclassified)
    test_accuracy: float | None
    neurons: int
    learned_neurons: int  # active on some training point of their own output's class
    mean_cos: float | None  # mean |cos| of the learned neurons to their class's centers
    alignment: list[list[float]]  # |cos(w_r, μ_j)| of learned neurons (rows) and centers
    alignment_outputs: list[int]  # each row's output: 0 (+1), 1 (−1), or its cluster


class SweepPoint(DemoResult):
    clusters: int
    train_accuracy: float
    median_flip_averaged: float | None
    median_flip_best: float | None
    theory: float  # √(d/k)


class Result(DemoResult):
    dimension: int
    clusters: int
    points_per_cluster: int
    width: int
    steps: int  # planned
    step: int  # the networks' step: below ``steps`` in a snapshot taken while training
    averaged_radius: float  # √(d/k): where the averaged feature flips a center
    robust_radius: float  # √(d/2): half the distance between centers of the two labels
    averaged_cos: float  # 1/√(k/2): |cos| of an averaged feature to each of its centers
    networks: list[Network]  # trained on the ±1 labels, and on the cluster labels
    sweep_clusters: list[int]  # planned: k and the sweep's other values, ascending
    sweep: list[SweepPoint]  # the ±1-label networks done so far, k's included


# --- data and networks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    centers: torch.Tensor  # (k, d): √d times the first k standard basis vectors
    points: torch.Tensor  # (n, d)
    cluster: torch.Tensor  # (n,) each point's cluster

    @property
    def positive(self) -> torch.Tensor:
        """Per cluster: labelled +1 (the first half) or −1."""
        k = len(self.centers)
        return torch.arange(k) < k // 2

    @property
    def labels(self) -> torch.Tensor:
        """Each point's ±1 label."""
        return torch.where(self.positive[self.cluster], 1.0, -1.0)

    @property
    def center_labels(self) -> torch.Tensor:
        return torch.where(self.positive, 1.0, -1.0)


def clustered_points(
    dimension: int, clusters: int, per_cluster: int, noise: float, seed: int, salt: int = 0
) -> Clusters:
    """``per_cluster`` points around each of ``clusters`` orthogonal centers of norm √d; another
    ``salt`` draws other points around the same centers (held-out points)."""
    rng = np.random.default_rng([seed, clusters, salt])
    centers = math.sqrt(dimension) * np.eye(clusters, dimension)
    cluster = np.repeat(np.arange(clusters), per_cluster)
    points = centers[cluster] + noise * rng.standard_normal((len(cluster), dimension))
    return Clusters(
        centers=torch.from_numpy(centers).float(),
        points=torch.from_numpy(points).float(),
        cluster=torch.from_numpy(cluster),
    )


@dataclass
class TwoLayerNetwork:
    """Outputs f_o(x) = (1/m) Σ_{r of o} relu(w_r · x), m hidden units per output; the first
    ``positive`` outputs vote +1, the others −1, and the ±1 prediction is the sign of the top
    output voting +1 minus the top one voting −1. With two outputs that is the paper's network
    f(x) = Σ_r a_r relu(w_r · x) with a_r = ±1/m."""

    hidden: torch.Tensor  # (outputs × m, d): unit r belongs to output r // m
    outputs: int
    positive: int

    @property
    def width(self) -> int:
        return len(self.hidden) // self.outputs

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The outputs at each row of x, as columns: (outputs, rows)."""
        # Units × points: the means over m units and the maxima over outputs then run along
        # the points, which is many times faster than along a few units or outputs.
        active = torch.relu(self.hidden @ x.T)
        return active.view(self.outputs, self.width, len(x)).mean(1)

    def decision(self, x: torch.Tensor) -> torch.Tensor:
        """Positive where the network predicts +1, for each row of x."""
        return self.vote(self.logits(x))

    def vote(self, logits: torch.Tensor) -> torch.Tensor:
        return logits[: self.positive].amax(0) - logits[self.positive :].amax(0)

    def batch_rows(self, x: torch.Tensor) -> int:
        """Rows of x per batch whose activations stay in the cache."""
        return max(1, CACHED // max(len(self.hidden), x.shape[-1]))

    def many_logits(self, x: torch.Tensor) -> torch.Tensor:
        """``logits`` over many rows, in batches."""
        rows = self.batch_rows(x)
        if rows >= len(x):
            return self.logits(x)
        return torch.cat([self.logits(x[i : i + rows]) for i in range(0, len(x), rows)], dim=1)

    def decisions(self, x: torch.Tensor) -> torch.Tensor:
        """``decision`` over many rows, in batches."""
        rows = self.batch_rows(x)
        if rows >= len(x):
            return self.decision(x)
        return torch.cat([self.decision(x[i : i + rows]) for i in range(0, len(x), rows)])


def initial_network(
    outputs: int, positive: int, width: int, dimension: int, seed: list[int]
) -> TwoLayerNetwork:
    rng = np.random.default_rng(seed)
    scale = INIT_NORM / math.sqrt(dimension)
    hidden = scale * rng.standard_normal((outputs * width, dimension))
    return TwoLayerNetwork(torch.from_numpy(hidden).float(), outputs, positive)


class SideBySide:
    """Networks on the same points trained by full-batch GD on the cross-entropy together: their
    hidden weights are the rows of one matrix (each network's are a view of it), so a step is
    two matrix products for all of them. On two outputs the cross-entropy is the logistic loss.
    """

    def __init__(self, networks: list[TwoLayerNetwork], points: torch.Tensor, targets: list):
        self.networks, self.points = networks, points
        self.points_t = points.T.contiguous()  # d × n: the activations are units × points
        self.hidden = torch.cat([network.hidden for network in networks])
        self.spans = []
        start = 0
        for network in networks:
            stop = start + len(network.hidden)
            network.hidden = self.hidden[start:stop]
            self.spans.append((start, stop))
            start = stop
        n = len(points)
        self.targets = targets
        # d loss / d logit = (softmax - one-hot) / n; a unit's activation enters its logit / m.
        self.scales = [1 / (n * network.width) for network in networks]
        self.one_hots = [
            (
                torch.nn.functional.one_hot(target, network.outputs).to(points.dtype) * scale
            ).T.contiguous()
            for network, target, scale in zip(networks, targets, self.scales, strict=True)
        ]

    def step(self, step_size: float) -> None:
        count = len(self.points)
        columns = max(1, CACHED // len(self.hidden))
        if columns >= count:
            self.hidden.addmm_(self.slopes(0, count), self.points, alpha=-step_size)
            return  # in place: the networks' views follow
        # Points in batches whose activations stay in the cache: the same gradient, summed.
        gradient = torch.zeros_like(self.hidden)
        for start in range(0, count, columns):
            stop = min(start + columns, count)
            gradient.addmm_(self.slopes(start, stop), self.points[start:stop])
        self.hidden.add_(gradient, alpha=-step_size)

    def slopes(self, start: int, stop: int) -> torch.Tensor:
        """d loss / d activation of every unit (rows) at the points start:stop (columns); the
        loss's mean is over all the points."""
        before = self.hidden @ self.points_t[:, start:stop]
        active = torch.relu(before)
        slope = (before > 0).to(before.dtype)  # becomes the slopes, network by network
        for network, (first, last), scale, one_hot in zip(
            self.networks, self.spans, self.scales, self.one_hots, strict=True
        ):
            shape = (network.outputs, network.width, stop - start)
            logits = active[first:last].view(shape).mean(1)
            gradient = torch.softmax(logits, dim=0).mul_(scale).sub_(one_hot[:, start:stop])
            slope[first:last].view(shape).mul_(gradient[:, None, :])
        return slope

    def losses(self) -> list[float]:
        """Each network's mean cross-entropy now."""
        return [
            float(torch.nn.functional.cross_entropy(network.logits(self.points).T, target))
            for network, target in zip(self.networks, self.targets, strict=True)
        ]


# --- attacks -----------------------------------------------------------------------------------


def flip_radii(
    network: TwoLayerNetwork,
    points: torch.Tensor,
    labels: torch.Tensor,
    directions: torch.Tensor,
    reach: float,
    tick: Callable[[float], None] | None = None,
) -> torch.Tensor:
    """Per point, the smallest radius ε found at which the prediction at x + ε u is no longer
    its label y (y · decision ≤ 0): the first flip on a grid of radii out to ``reach``, then
    bisection of that cell (the radius returned flips; 2⁻¹⁶ of the cell less does not). 0 where
    the point itself is misclassified; NaN where nothing flips within the reach or the
    direction is zero. ``tick(fraction)`` after the scan and each bisection."""
    count = len(points)
    radii = torch.full((count,), math.nan)
    usable = directions.norm(dim=1) > 0
    grid = torch.linspace(0, reach, SCAN_RADII + 1)
    # Each point's rays at every radius of the grid, in batches of points.
    per_batch = max(1, CACHED // (len(grid) * max(len(network.hidden), points.shape[1])))
    margins = []
    for start in range(0, count, per_batch):
        rays = points[start : start + per_batch, None, :] + (
            grid[None, :, None] * directions[start : start + per_batch, None, :]
        )
        values = network.decisions(rays.reshape(-1, points.shape[1]))
        margins.append(values.view(-1, len(grid)) * labels[start : start + per_batch, None])
    flipped = torch.cat(margins) <= 0
    first = torch.where(flipped.any(1), flipped.float().argmax(1), -1)
    radii[(first == 0) & usable] = 0.0
    inside = (first > 0) & usable
    low, high = grid[(first - 1).clamp(min=0)], grid[first.clamp(min=0)]
    if tick:
        tick(1 / (1 + BISECTIONS))
    for index in range(BISECTIONS):
        middle = (low + high) / 2
        flips = labels * network.decisions(points + middle[:, None] * directions) <= 0
        high = torch.where(flips, middle, high)
        low = torch.where(flips, low, middle)
        if tick:
            tick((index + 2) / (1 + BISECTIONS))
    radii[inside] = high[inside]
    return radii


def averaged_directions(data: Clusters, labels: torch.Tensor) -> torch.Tensor:
    """−y (Σ_{j∈+} μ_j − Σ_{j∈−} μ_j) / ‖…‖ for each label y: against the averaged features."""
    feature = (data.center_labels[:, None] * data.centers).sum(0)
    return -labels[:, None] * (feature / feature.norm())[None, :]


def line_directions(data: Clusters, points: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Unit vectors from each point toward the nearest center of the other label."""
    distances = torch.cdist(points, data.centers)
    same = labels[:, None] == data.center_labels[None, :]
    nearest = torch.where(same, math.inf, distances).argmin(1)
    offsets = data.centers[nearest] - points
    return offsets / offsets.norm(dim=1, keepdim=True)


def deepfool_directions(
    network: TwoLayerNetwork, points: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Unit vectors along DeepFool's perturbations (Moosavi-Dezfooli et al., 2016): steps to the
    linearized boundary of the ±1 decision, DEEPFOOL_STEPS of them for every point (a point
    stops moving once it flips), so the work is the same for every run. Zero rows where the
    gradient vanished before anything moved."""
    delta = torch.zeros_like(points)
    for _iteration in range(DEEPFOOL_STEPS):
        x = (points + delta).requires_grad_(True)
        with torch.enable_grad():
            value = network.decision(x)
            (gradient,) = torch.autograd.grad(value.sum(), x)
        value = value.detach()
        squared = (gradient**2).sum(1)
        moving = (labels * value > 0) & (squared > 0)
        step = torch.where(moving, (1 + OVERSHOOT) * value / squared.clamp(min=1e-30), 0.0)
        delta = delta - step[:, None] * gradient
    norms = delta.norm(dim=1, keepdim=True)
    return torch.where(norms > 0, delta / norms.clamp(min=1e-30), 0.0)


def _floats(values: torch.Tensor) -> list[float | None]:
    return [None if math.isnan(v) else v for v in values.tolist()]


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.median(known)) if known else None


def _best(*radii: torch.Tensor) -> torch.Tensor:
    best = torch.stack(radii).nan_to_num(nan=math.inf).min(0).values
    return torch.where(torch.isinf(best), math.nan, best)


# --- one network's record ----------------------------------------------------------------------


@dataclass(frozen=True)
class Trained:
    """A network and the labels it was trained on: which output each training point and each
    center belongs to."""

    network: TwoLayerNetwork
    labels: str
    targets: torch.Tensor  # per training point
    center_outputs: torch.Tensor  # per center: the output it trains


def alignment(trained: Trained, data: Clusters) -> tuple[list[list[float]], list[int], int, float]:
    """|cos| of the learned units to each center (at most MAX_ROWS of them, spread over the
    outputs, sorted by output and by their closest center), each row's output, how many units
    learned, and their mean |cos| to their own output's centers."""
    network = trained.network
    hidden = network.hidden
    unit_outputs = torch.arange(len(hidden)) // network.width
    learned = torch.zeros(len(hidden), dtype=torch.bool)
    for output in range(network.outputs):  # each output's units at its own points only
        units = slice(output * network.width, (output + 1) * network.width)
        own = data.points[trained.targets == output]
        learned[units] = (hidden[units] @ own.T > 0).any(1)
    norms = hidden.norm(dim=1, keepdim=True).clamp(min=1e-30)
    cosines = ((hidden / norms) @ (data.centers / data.centers.norm(dim=1, keepdim=True)).T).abs()
    own_centers = unit_outputs[:, None] == trained.center_outputs[None, :]
    own = (cosines * own_centers).sum(1) / own_centers.sum(1)
    mean_cos = float(own[learned].mean()) if learned.any() else None
    per_output = max(1, MAX_ROWS // network.outputs)
    closest, own_cos = cosines.argmax(1).numpy(), own.numpy()
    shown_learned, outputs = learned.numpy(), unit_outputs.numpy()
    rows = []
    for output in range(network.outputs):
        units = np.flatnonzero(shown_learned & (outputs == output))[:per_output]
        rows += sorted(units.tolist(), key=lambda r: (closest[r], -own_cos[r]))
    shown = cosines[rows].numpy().round(3).tolist() if rows else []
    return shown, outputs[rows].tolist(), int(learned.sum()), mean_cos


def network_record(
    trained: Trained,
    data: Clusters,
    loss: float,
    held_out: Clusters | None = None,
    deepfool: bool = True,
    tick: Callable[[float], None] | None = None,
) -> Network:
    """The network's accuracy, alignment and flip radii at the clean centers: along the two fixed
    directions, and with ``deepfool`` along DeepFool's rays too (a snapshot taken while training
    skips those); with ``held_out``, the best attack's radius at each of those points."""
    network = trained.network
    reach = REACH * math.sqrt(data.points.shape[1])
    scans = 2 + deepfool + (3 if held_out is not None else 0)
    done = [0]

    def radii(points, labels, directions) -> torch.Tensor:
        def part(fraction: float) -> None:
            if tick:
                tick((done[0] + fraction) / scans)

        found = flip_radii(network, points, labels, directions, reach, part)
        done[0] += 1
        return found

    logits = network.many_logits(data.points)
    predicted = network.vote(logits) > 0
    train_accuracy = float((predicted == (data.labels > 0)).float().mean())
    cluster_accuracy = None
    if trained.labels == CLUSTER:
        cluster_accuracy = float((logits.argmax(0) == data.cluster).float().mean())
    rows, outputs, learned, mean_cos = alignment(trained, data)
    centers, labels = data.centers, data.center_labels
    attacks = [
        radii(centers, labels, averaged_directions(data, labels)),
        radii(centers, labels, line_directions(data, centers, labels)),
    ]
    if deepfool:
        attacks.append(radii(centers, labels, deepfool_directions(network, centers, labels)))
    test_flip, test_accuracy = [], None
    if held_out is not None:
        points, point_labels = held_out.points, held_out.labels
        best_test = _best(
            radii(points, point_labels, averaged_directions(data, point_labels)),
            radii(points, point_labels, line_directions(data, points, point_labels)),
            radii(points, point_labels, deepfool_directions(network, points, point_labels)),
        )
        test_flip = _floats(best_test)
        test_accuracy = float((best_test.nan_to_num(math.inf) > 0).float().mean())
    flip_averaged, flip_best = _floats(attacks[0]), _floats(_best(*attacks))
    return Network(
        labels=trained.labels,
        train_accuracy=train_accuracy,
        cluster_accuracy=cluster_accuracy,
        final_loss=loss,
        flip_averaged=flip_averaged,
        flip_line=_floats(attacks[1]),
        flip_gradient=_floats(attacks[2]) if deepfool else [],
        flip_best=flip_best,
        median_flip_averaged=_median(flip_averaged),
        median_flip_best=_median(flip_best),
        test_flip=test_flip,
        test_accuracy=test_accuracy,
        neurons=len(network.hidden),
        learned_neurons=learned,
        mean_cos=mean_cos,
        alignment=rows,
        alignment_outputs=outputs,
    )


def sweep_point(network: Network, clusters: int, dimension: int) -> SweepPoint:
    return SweepPoint(
        clusters=clusters,
        train_accuracy=network.train_accuracy,
        median_flip_averaged=network.median_flip_averaged,
        median_flip_best=network.median_flip_best,
        theory=math.sqrt(dimension / clusters),
    )


# --- the run -----------------------------------------------------------------------------------


def binary_network(data: Clusters, params: Params, seed: list[int]) -> Trained:
    """The ±1-label network: output 0 votes +1, output 1 votes −1."""
    network = initial_network(2, 1, params.width, params.dimension, seed)
    outputs = (~data.positive).long()  # per cluster: 0 for +1, 1 for −1
    return Trained(network, BINARY, targets=outputs[data.cluster], center_outputs=outputs)


def cluster_network(data: Clusters, params: Params, seed: list[int]) -> Trained:
    """The cluster-label network: an output per cluster, voting for its cluster's label."""
    k = len(data.centers)
    network = initial_network(k, k // 2, params.width, params.dimension, seed)
    return Trained(network, CLUSTER, targets=data.cluster, center_outputs=torch.arange(k))


class Phases:
    """Progress through the run's phases, each weighted by its predicted seconds."""

    def __init__(self, report: ProgressReporter, seconds: list[float]):
        self.report = report
        total = sum(seconds) or 1.0
        self.starts = np.concatenate([[0.0], np.cumsum(seconds)[:-1]]) / total
        self.shares = np.asarray(seconds) / total

    def __call__(self, phase: int, within: float, partial: Callable) -> None:
        self.report(float(self.starts[phase] + within * self.shares[phase]), partial)


def run(params: Params, progress: ProgressCallback | None = None) -> Result:
    with torch.no_grad():  # DeepFool alone takes gradients, and asks for them itself
        return _run(params, progress)


def _run(params: Params, progress: ProgressCallback | None) -> Result:
    d, k, steps = params.dimension, params.clusters, params.steps
    phases = Phases(ProgressReporter(progress), params.phase_seconds())
    data = clustered_points(d, k, params.points_per_cluster, params.noise, params.seed)
    held_out = clustered_points(d, k, TEST_POINTS_PER_CLUSTER, params.noise, params.seed, salt=1)
    trained = [
        binary_network(data, params, [params.seed, k, 2]),
        cluster_network(data, params, [params.seed, k, 3]),
    ]
    training = SideBySide([t.network for t in trained], data.points, [t.targets for t in trained])
    networks: list[Network] = []
    sweep: list[SweepPoint] = []
    step = 0

    def result(at: int) -> Result:
        return Result(
            dimension=d,
            clusters=k,
            points_per_cluster=params.points_per_cluster,
            width=params.width,
            steps=steps,
            step=at,
            averaged_radius=math.sqrt(d / k),
            robust_radius=math.sqrt(d / 2),
            averaged_cos=1 / math.sqrt(k / 2),
            networks=list(networks),
            sweep_clusters=sorted({k, *params.sweep_clusters}),
            sweep=sorted(sweep, key=lambda point: point.clusters),
        )

    # While training, a partial result is a snapshot of both networks (their alignment, and the
    # centers' flip radii along the two fixed directions), taken at most PARTIALS times and only
    # when progress is reported; in between, the latest is reported again.
    snapshots: list[Result] = []
    snapshot_every = math.ceil(steps / PARTIALS)

    def snapshot() -> Result:
        if not snapshots or step - snapshots[-1].step >= snapshot_every:
            records = [
                network_record(t, data, loss, deepfool=False)
                for t, loss in zip(trained, training.losses(), strict=True)
            ]
            taken = result(step).model_copy(update={"networks": records})
            taken.sweep.append(sweep_point(records[0], k, d))
            snapshots.append(taken)
        return snapshots[-1]

    report_every = max(1, steps // 200)
    for step in range(steps):  # noqa: B007 (snapshot() reads it)
        if step % report_every == 0:
            phases(0, step / steps, snapshot)
        training.step(params.step_size)

    def latest() -> Result | None:
        return snapshots[-1] if snapshots else None

    for index, (t, loss) in enumerate(zip(trained, training.losses(), strict=True)):
        record = network_record(
            t, data, loss, held_out, tick=lambda f, i=index: phases(1, (i + f) / 2, latest)
        )
        networks.append(record)
    step = steps
    sweep.append(sweep_point(networks[0], k, d))

    for phase, clusters in enumerate(params.swept, start=2):
        other = clustered_points(d, clusters, params.points_per_cluster, params.noise, params.seed)
        alone = binary_network(other, params, [params.seed, clusters, 2])
        training = SideBySide([alone.network], other.points, [alone.targets])
        for index in range(steps):
            if index % report_every == 0:
                phases(phase, 0.9 * index / steps, lambda: result(step))
            training.step(params.step_size)
        record = network_record(
            alone,
            other,
            training.losses()[0],
            tick=lambda f, p=phase: phases(p, 0.9 + 0.1 * f, lambda: result(step)),
        )
        sweep.append(sweep_point(record, clusters, d))
    final = result(step)
    phases.report(1.0, lambda: final)
    return final


# --- the chart ---------------------------------------------------------------------------------


def _heatmap(figure: go.Figure, network: Network | None, clusters: int, col: int) -> None:
    if network is None or not network.alignment:
        return
    rows = len(network.alignment)
    figure.add_trace(
        go.Heatmap(
            z=network.alignment,
            x=list(range(1, clusters + 1)),
            y=list(range(1, rows + 1)),
            coloraxis="coloraxis",
            xgap=1 if clusters <= 20 else 0,
            name=_(network.labels),
            hovertemplate=filled(
                _("neuron %{y}, center %{x}: |cos| %{z:.2f}<extra>{labels}</extra>"),
                labels=_(network.labels),
            ),
        ),
        row=1,
        col=col,
    )
    # Each output's rows, named at their middle: +1 and −1, or the cluster.
    outputs = network.alignment_outputs
    middles, names = [], []
    for output in sorted(set(outputs)):
        where = [i + 1 for i, o in enumerate(outputs) if o == output]
        middles.append((where[0] + where[-1]) / 2)
        names.append(("+1", "−1")[output] if network.labels == BINARY else str(output + 1))
    ticks = {"tickvals": middles, "ticktext": names} if len(middles) <= 20 else {}
    figure.update_yaxes(autorange="reversed", ticks="", showgrid=False, row=1, col=col, **ticks)
    figure.update_xaxes(showgrid=False, row=1, col=col)


def _survival(radii: list[float | None], reach: float) -> tuple[list[float], list[float]]:
    """The fraction of points whose flip radius exceeds ε, as a step line from 0 to ``reach``."""
    known = np.array([math.inf if r is None else r for r in radii])
    count = len(known)
    x, y = [0.0], [float(np.mean(known > 0))]
    for radius in np.unique(known[(known > 0) & (known < reach)]):
        x.append(float(radius))
        y.append(float(np.sum(known > radius)) / count)
    x.append(reach)
    y.append(y[-1])
    return x, y


def _reference(
    figure: go.Figure, x: list[float], y: list[float], label: str, row: int, col: int
) -> None:
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": "#555", "dash": "dot", "width": 1.5},
            name=label,
            showlegend=False,
            hovertemplate=label + "<extra></extra>",
        ),
        row=row,
        col=col,
    )


def figure(result: Result) -> go.Figure:
    k, d = result.clusters, result.dimension
    binary, cluster = (*result.networks, None, None)[:2]
    half = k // 2

    def cos_text(network: Network | None) -> str:
        return "–" if network is None or network.mean_cos is None else number(network.mean_cos, 3)

    # While training, a snapshot has attacked the clean centers only: those are drawn then.
    held_out = any(n.test_flip for n in (binary, cluster) if n is not None)
    attacked = N_("held-out points") if held_out or not result.networks else N_("clean centers")
    titles = {  # the panel of accuracy under attack, its y axis: whichever points were attacked
        "held-out points": (
            _("Held-out points still classified right, against the attack's radius ε"),
            _("held-out points kept"),
        ),
        "clean centers": (
            _("Clean centers still classified right, against the attack's radius ε"),
            _("clean centers kept"),
        ),
    }
    attacked_title, kept_axis = titles[attacked]
    figure = site_figure(
        rows=2,
        cols=2,
        horizontal_spacing=0.14,
        vertical_spacing=0.2,
        subplot_titles=(
            # Two lines at most on a desktop: the page keeps room for two above the panels.
            _("±1 labels: mean |cos| {cos} to class centers (1/√{half} = {averaged})").format(
                cos=cos_text(binary), half=half, averaged=number(result.averaged_cos, 3)
            ),
            _("Cluster labels: mean |cos| {cos} to its own center").format(cos=cos_text(cluster)),
            attacked_title,
            _("Median flip radius of a center against k, ±1 labels"),
        ),
    )
    _heatmap(figure, binary, k, col=1)
    _heatmap(figure, cluster, k, col=2)

    # Accuracy under attack: the best of the three attacks at each held-out point.
    theory = (result.averaged_radius, result.robust_radius)
    reach = 1.6 * max(theory)
    for index, network in enumerate(n for n in (binary, cluster) if n is not None):
        radii = network.test_flip if held_out else network.flip_best
        if not radii:
            continue
        style = series_style(index)
        x, y = _survival(radii, reach)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={**style["line"], "shape": "hv"},
                name=_("{labels}: {attacked}").format(
                    labels=_(network.labels), attacked=_(attacked)
                ),
                legendgroup=network.labels,
                showlegend=False,
                hovertemplate=filled(
                    _("ε = %{x:.3g}: %{y:.0%} kept<extra>{labels}</extra>"),
                    labels=_(network.labels),
                ),
            ),
            row=2,
            col=1,
        )
    for value, label, height in zip(theory, ("√(d/k)", "√(d/2)"), (0.55, 0.3), strict=True):
        _reference(figure, [value, value], [0, 1], f"{label} = {number(value, 3)}", row=2, col=1)
        # Short labels at different heights: on a phone the two lines are close.
        figure.add_annotation(
            x=value, y=height, text=label, xanchor="left", xshift=3, showarrow=False, row=2, col=1
        )

    # The flip radius against k, on log axes where √(d/k) is a line of slope −1/2.
    ks = result.sweep_clusters
    low, high = min(ks), max(ks)
    curve = np.geomspace(low / 1.25, high * 1.25, 30)  # the law runs a little past the points
    swept = [p for p in result.sweep if p.median_flip_best is not None]
    style = series_style(0)
    figure.add_trace(
        go.Scatter(
            x=[p.clusters for p in swept],
            y=[p.median_flip_best for p in swept],
            mode="lines+markers",
            line=style["line"],
            marker={**style["marker"], "size": 8},
            name=_(BINARY),
            legendgroup=BINARY,
            hovertemplate=filled(
                _("k = %{x}: flips at %{y:.3g}<extra>{labels}</extra>"), labels=_(BINARY)
            ),
        ),
        row=2,
        col=2,
    )
    style = series_style(1)
    robust = [] if cluster is None or cluster.median_flip_best is None else [cluster]
    figure.add_trace(
        go.Scatter(
            x=[k] * len(robust),
            y=[n.median_flip_best for n in robust],
            mode="markers",
            marker={**style["marker"], "size": 9},
            name=_(CLUSTER),
            legendgroup=CLUSTER,
            hovertemplate=filled(
                _("k = %{x}: flips at %{y:.3g}<extra>{labels}</extra>"), labels=_(CLUSTER)
            ),
        ),
        row=2,
        col=2,
    )

    # The law on top of the measured line, which it would otherwise hide.
    _reference(figure, curve.tolist(), np.sqrt(d / curve).tolist(), "√(d/k)", row=2, col=2)
    _reference(
        figure,
        [float(curve[0]), float(curve[-1])],
        [result.robust_radius] * 2,
        f"√(d/2) = {number(result.robust_radius, 3)}",
        row=2,
        col=2,
    )
    # √(d/k) under its line at the largest k; √(d/2) over its own at the smallest, clear of
    # the cluster-label network's mark at k.
    for text, x, y, side in (
        ("√(d/k)", high, math.sqrt(d / high), "right"),
        ("√(d/2)", low, result.robust_radius, "left"),
    ):
        figure.add_annotation(
            x=math.log10(x),  # a log axis's annotations are placed in decades
            y=math.log10(y),
            text=text,
            xanchor=side,
            yanchor="top" if side == "right" else "bottom",
            xshift=8 if side == "left" else 0,
            yshift=-6 if side == "right" else 4,
            showarrow=False,
            row=2,
            col=2,
        )
    top = figure.layout.yaxis.domain
    figure.update_layout(
        title=_title(result),
        height=860,
        coloraxis={
            "cmin": 0,
            "cmax": 1,
            "colorscale": COLORSCALE,
            "colorbar": {
                "title": {"text": "|cos|", "side": "right"},  # beside the bar: the top is busy
                "thickness": 12,
                "len": 0.8 * (top[1] - top[0]),  # clear of the subplot titles above
                "y": (top[0] + top[1]) / 2,
                "yanchor": "middle",
                "tickvals": [0, 0.5, 1],
            },
        },
    )
    center_axis = _("center j (1–{half}: label +1, {after}–{k}: −1)").format(
        half=half, after=half + 1, k=k
    )
    for col in (1, 2):
        figure.update_xaxes(title_text=center_axis, row=1, col=col)
    figure.update_yaxes(title_text=_("learned neurons, by output"), row=1, col=1)
    figure.update_xaxes(title_text=_("attack radius ε (L2)"), range=[0, reach], row=2, col=1)
    figure.update_yaxes(title_text=kept_axis, range=[0, 1.05], tickformat=".0%", row=2, col=1)
    figure.update_xaxes(type="log", title_text=_("clusters k"), row=2, col=2)
    figure.update_yaxes(type="log", title_text=_("median flip radius"), row=2, col=2)
    return finish(figure, summary(result))


def _title(result: Result) -> str:
    binary, cluster = (*result.networks, None, None)[:2]
    parts = []  # a clause per network, each whole (its "none" too)
    if binary is not None:
        theory = number(result.averaged_radius, 3)
        if binary.median_flip_best is None:
            part = _("none within 4√d with ±1 labels (√(d/k) = {theory})")
        else:
            part = _("{radius} with ±1 labels (√(d/k) = {theory})")
        parts.append(part.format(radius=_number(binary.median_flip_best), theory=theory))
    if cluster is not None:
        theory = number(result.robust_radius, 3)
        if cluster.median_flip_best is None:
            part = _("none within 4√d with cluster labels (√(d/2) = {theory})")
        else:
            part = _("{radius} with cluster labels (√(d/2) = {theory})")
        parts.append(part.format(radius=_number(cluster.median_flip_best), theory=theory))
    return _("A clean center flips at {clauses}").format(clauses=_(", at ").join(parts))


def _number(value: float | None) -> str:
    return "" if value is None else number(value, 3)


def summary(result: Result) -> str:
    """The run in one sentence: how the ±1-label network's neurons align and where its centers
    flip, against the averaged-feature law, then the same for the cluster-label network, then
    the sweep over k."""
    k, half = result.clusters, result.clusters // 2
    binary, cluster = (*result.networks, None, None)[:2]
    clauses = []
    if binary is not None:
        flips = (
            _("no clean center flips within 4√d")
            if binary.median_flip_best is None
            else _("a clean center flips at a median radius of {radius}").format(
                radius=_number(binary.median_flip_best)
            )
        )
        if binary.mean_cos is None:
            clause = _(
                "Trained on the ±1 labels, the network's neurons meet their class's {half} centers"
                " at a mean |cos| of no neuron learned (averaging gives 1/√{half} = {averaged})"
                " and {flips} (√(d/k) = {theory})"
            )
        else:
            clause = _(
                "Trained on the ±1 labels, the network's neurons meet their class's {half} centers"
                " at a mean |cos| of {cos} (averaging gives 1/√{half} = {averaged}) and {flips}"
                " (√(d/k) = {theory})"
            )
        clauses.append(
            clause.format(
                half=half,
                cos=_number(binary.mean_cos),
                averaged=number(result.averaged_cos, 3),
                flips=flips,
                theory=number(result.averaged_radius, 3),
            )
        )
    if cluster is not None:
        holds = (
            _("holds beyond 4√d")
            if cluster.median_flip_best is None
            else _("holds to a median {radius}").format(radius=_number(cluster.median_flip_best))
        )
        if cluster.mean_cos is None:
            clause = _(
                "trained on the {k} cluster labels, its neurons meet their own center at a mean"
                " |cos| of no neuron learned and its ±1 prediction {holds} (√(d/2) = {robust})"
            )
        else:
            clause = _(
                "trained on the {k} cluster labels, its neurons meet their own center at a mean"
                " |cos| of {cos} and its ±1 prediction {holds} (√(d/2) = {robust})"
            )
        clauses.append(
            clause.format(
                k=k,
                cos=_number(cluster.mean_cos),
                holds=holds,
                robust=number(result.robust_radius, 3),
            )
        )
    swept = [p for p in result.sweep if p.median_flip_best is not None]
    if len(swept) > 1:
        first, last = swept[0], swept[-1]
        clauses.append(
            _(
                "from k = {first} to {last} the ±1-label network's median flip radius goes from"
                " {start} to {end} (√(d/k): {theory_start} to {theory_end})"
            ).format(
                first=first.clusters,
                last=last.clusters,
                start=_number(first.median_flip_best),
                end=_number(last.median_flip_best),
                theory_start=number(first.theory, 3),
                theory_end=number(last.theory, 3),
            )
        )
    text = _("; ").join(clauses)
    if result.step < result.steps:
        return sentence(text, result.step, result.steps, _("step"))
    return sentence(text, len(result.sweep), len(result.sweep_clusters), _("sweep network"))
