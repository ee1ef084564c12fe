"""Feature averaging: GD's ±1-label network flips at √(d/k), the cluster-label one at √(d/2).

The references are independent of the demo's code: autograd for its hand-written GD step, a
float64 numpy forward pass for every flip radius, and the closed forms √(d/k), √(d/2), 1/√(k/2).
"""

import json
import math

import numpy as np
import pytest
import torch

from demos.sims.feature_averaging import compute as demo
from demos.sims.feature_averaging.params import Params

DIMENSION, CLUSTERS = 100, 10


def decision(hidden: np.ndarray, outputs: int, positive: int, x: np.ndarray) -> np.ndarray:
    """The ±1 decision in float64 numpy, from the weights alone: the top output voting +1 (the
    first ``positive``) minus the top output voting −1, each the mean of its m ReLU units."""
    logits = np.maximum(x @ hidden.T, 0).reshape(len(x), outputs, -1).mean(-1)
    return logits[:, :positive].max(-1) - logits[:, positive:].max(-1)


@pytest.fixture(scope="module")
def trained():
    """Both networks of the default setting, trained side by side as the demo trains them."""
    params = Params()
    data = demo.clustered_points(DIMENSION, CLUSTERS, 20, 0.1, seed=0)
    held_out = demo.clustered_points(DIMENSION, CLUSTERS, 10, 0.1, seed=0, salt=1)
    networks = [
        demo.binary_network(data, params, [0, CLUSTERS, 2]),
        demo.cluster_network(data, params, [0, CLUSTERS, 3]),
    ]
    training = demo.SideBySide(
        [t.network for t in networks], data.points, [t.targets for t in networks]
    )
    with torch.no_grad():
        for _ in range(params.steps):
            training.step(params.step_size)
    return networks, data, held_out


def test_the_centers_are_exactly_orthogonal_with_norm_sqrt_d():
    for dimension, clusters in ((100, 10), (57, 40), (1000, 2)):
        data = demo.clustered_points(dimension, clusters, 3, 0.1, seed=1)
        gram = (data.centers.double() @ data.centers.double().T).numpy()
        off_diagonal = gram[~np.eye(clusters, dtype=bool)]
        assert np.all(off_diagonal == 0)
        np.testing.assert_allclose(np.diag(gram), dimension, rtol=1e-6)
        # Half of the clusters of each label, the points around their own centers.
        assert data.center_labels.sum() == 0
        offsets = data.points - data.centers[data.cluster]
        assert offsets.norm(dim=1).max() < 0.2 * math.sqrt(dimension)


def test_the_hand_written_gd_step_is_autograds_gradient_of_the_cross_entropy():
    data = demo.clustered_points(40, 6, 5, 0.1, seed=2)
    params = Params(dimension=40, clusters=6, width=3)
    networks = [
        demo.binary_network(data, params, [2, 6, 2]),
        demo.cluster_network(data, params, [2, 6, 3]),
    ]
    points = data.points.double()
    for t in networks:  # a few steps in first, so that units are active on various points
        t.network.hidden = t.network.hidden.double() * 300
    losses, expected = [], []
    for t in networks:
        hidden = t.network.hidden.clone()
        weights = hidden.clone().requires_grad_(True)
        logits = torch.relu(points @ weights.T).view(len(points), t.network.outputs, -1).mean(-1)
        loss = torch.nn.functional.cross_entropy(logits, t.targets)
        losses.append(float(loss.detach()))
        (gradient,) = torch.autograd.grad(loss, weights)
        expected.append(hidden - 0.3 * gradient)
    training = demo.SideBySide([t.network for t in networks], points, [t.targets for t in networks])
    np.testing.assert_allclose(training.losses(), losses, rtol=1e-12)
    with torch.no_grad():
        training.step(0.3)
    for t, after in zip(networks, expected, strict=True):
        torch.testing.assert_close(t.network.hidden, after, rtol=1e-12, atol=1e-15)


def attacked(t, data, points, labels):
    """The flip radius along each attack's direction, with the directions."""
    reach = demo.REACH * math.sqrt(DIMENSION)
    directions = {
        "averaged": demo.averaged_directions(data, labels),
        "line": demo.line_directions(data, points, labels),
        "gradient": demo.deepfool_directions(t.network, points, labels),
    }
    with torch.no_grad():
        return {
            name: (demo.flip_radii(t.network, points, labels, u, reach), u)
            for name, u in directions.items()
        }


@pytest.mark.parametrize("network", [0, 1], ids=["binary labels", "cluster labels"])
def test_every_flip_radius_is_a_flip_rechecked_in_float64(trained, network):
    networks, data, held_out = trained
    t = networks[network]
    hidden = t.network.hidden.double().numpy()
    shape = (t.network.outputs, t.network.positive)
    for points, labels in ((data.centers, data.center_labels), (held_out.points, held_out.labels)):
        x, y = points.double().numpy(), labels.double().numpy()
        assert np.all(y * decision(hidden, *shape, x) > 0)  # every clean point is right
        for name, (radii, directions) in attacked(t, data, points, labels).items():
            radii, u = radii.double().numpy(), directions.double().numpy()
            assert not np.isnan(radii).any(), name
            kept = y * decision(hidden, *shape, x + (radii * (1 - 1e-3))[:, None] * u)
            flipped = y * decision(hidden, *shape, x + (radii * (1 + 1e-3))[:, None] * u)
            assert np.all(kept > 0) and np.all(flipped <= 0), name


def test_the_directions_are_the_averaged_feature_and_the_nearest_opposite_center(trained):
    _, data, _ = trained
    centers, labels = data.centers, data.center_labels
    feature = centers[:5].sum(0) - centers[5:].sum(0)
    averaged = demo.averaged_directions(data, labels)
    torch.testing.assert_close(averaged[0], -feature / feature.norm())
    torch.testing.assert_close(averaged[7], feature / feature.norm())
    # From a center, √(2d) along the line is a center of the other label.
    line = demo.line_directions(data, centers, labels)
    arrived = centers + math.sqrt(2 * DIMENSION) * line
    nearest = torch.cdist(arrived, centers).argmin(1)
    assert torch.all(torch.cdist(arrived, centers).min(1).values < 1e-4)
    assert torch.all(labels[nearest] == -labels)


def test_the_binary_networks_learned_units_average_their_class_centers(trained):
    networks, data, _ = trained
    hidden = networks[0].network.hidden.double().numpy()
    centers = data.centers.double().numpy()
    cosines = np.abs(hidden @ centers.T) / np.outer(
        np.linalg.norm(hidden, axis=1), np.linalg.norm(centers, axis=1)
    )
    width = len(hidden) // 2
    positive_units = np.arange(len(hidden)) < width
    before = data.points.double().numpy() @ hidden.T
    labels = data.labels.numpy()
    learned = np.where(
        positive_units, (before[labels > 0] > 0).any(0), (before[labels < 0] > 0).any(0)
    )
    own = np.where(
        positive_units, cosines[:, :5].mean(1), cosines[:, 5:].mean(1)
    )  # each unit to its own class's 5 centers
    assert learned.mean() > 0.9
    assert own[learned].mean() == pytest.approx(1 / math.sqrt(CLUSTERS / 2), rel=0.2)
    # An averaged feature: every center of its class in about equal measure, none of the other.
    assert np.all(cosines[learned & positive_units][:, :5] > 0.3)
    assert np.all(cosines[learned & positive_units][:, 5:] < 0.1)
    # and the demo's own record agrees
    record = demo.network_record(networks[0], data, 0.0, deepfool=False)
    assert record.mean_cos == pytest.approx(own[learned].mean(), rel=1e-5)
    assert record.learned_neurons == learned.sum()


@pytest.fixture(scope="module")
def runs():
    """The default setting on three seeds, without the sweep."""
    return [demo.run(Params(seed=seed, sweep_clusters=[CLUSTERS])) for seed in (0, 1, 2)]


def test_the_binary_network_flips_at_sqrt_d_over_k_and_the_cluster_one_at_sqrt_d_over_2(runs):
    # Measured on seeds 0-2: ±1 labels 3.16, 3.17, 3.18 (√(d/k) = 3.16), mean |cos| 0.447 each
    # (1/√5 = 0.447); cluster labels 7.11, 7.09, 7.11 (√(d/2) = 7.07): the finer labels keep a
    # center's prediction 2.2 times as far.
    for result in runs:
        binary, cluster = result.networks
        assert binary.train_accuracy == 1.0 and cluster.train_accuracy == 1.0
        assert cluster.cluster_accuracy == 1.0
        assert binary.median_flip_best == pytest.approx(result.averaged_radius, rel=0.2)
        assert binary.median_flip_averaged == pytest.approx(result.averaged_radius, rel=0.2)
        assert cluster.median_flip_best == pytest.approx(result.robust_radius, rel=0.15)
        assert binary.mean_cos == pytest.approx(result.averaged_cos, rel=0.2)
        assert cluster.mean_cos > 0.9
        assert cluster.median_flip_best > 1.8 * binary.median_flip_best
        # The best attack is the shortest of the three at every center.
        for best, *each in zip(
            binary.flip_best,
            binary.flip_averaged,
            binary.flip_line,
            binary.flip_gradient,
            strict=True,
        ):
            assert best == min(each)
        # Held-out points: all right when clean, all flipped by twice √(d/k) on the ±1 net.
        assert binary.test_accuracy == 1.0 and cluster.test_accuracy == 1.0
        assert max(binary.test_flip) < 2 * result.averaged_radius
        assert min(cluster.test_flip) > 1.5 * result.averaged_radius


def test_the_flip_radius_follows_sqrt_d_over_k_across_k():
    result = demo.run(Params(steps=500, sweep_clusters=[2, 4, 20, 40], seed=3))
    assert [point.clusters for point in result.sweep] == [2, 4, 10, 20, 40]
    for point in result.sweep:
        assert point.train_accuracy == 1.0
        assert point.median_flip_best == pytest.approx(point.theory, rel=0.2)
        assert point.theory == pytest.approx(math.sqrt(DIMENSION / point.clusters))


def test_the_chart_shows_both_networks_and_the_two_radii(runs):
    figure = demo.figure(runs[0])
    names = [trace.name for trace in figure.data]
    assert names.count(demo.BINARY) == 2 and names.count(demo.CLUSTER) == 2  # heatmap, sweep
    assert "√(d/k) = 3.16" in names and "√(d/2) = 7.07" in names
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    assert [len(h.z) for h in heatmaps] == [n.learned_neurons for n in runs[0].networks]
    summary = figure.layout.meta["summary"]
    assert "a median radius of 3.16 (√(d/k) = 3.16)" in summary


def test_while_training_the_accuracy_panel_draws_the_clean_centers_it_attacked():
    partials = []
    params = Params(steps=200, sweep_clusters=[CLUSTERS])
    demo.run(params, progress=lambda fraction, partial: partials.append(partial))
    training = [p for p in partials if p is not None and p.step < params.steps]
    assert training
    snapshot = training[-1]
    figure = demo.figure(snapshot)
    curves = {t.name: t for t in figure.data if t.name and t.name.endswith("clean centers")}
    assert set(curves) == {f"{demo.BINARY}: clean centers", f"{demo.CLUSTER}: clean centers"}
    for network in snapshot.networks:
        curve = curves[f"{network.labels}: clean centers"]
        x, y = list(curve.x), list(curve.y)
        # A step down at each center's flip radius: the fraction still right beyond it.
        for radius in (r for r in network.flip_best if r is not None and r < x[-1]):
            beyond = sum(r is None or r > radius for r in network.flip_best) / CLUSTERS
            assert y[x.index(radius)] == pytest.approx(beyond)
    assert figure.layout.yaxis3.title.text == "clean centers kept"
    # The finished run attacks held-out points, and says so.
    assert demo.figure(partials[-1]).layout.yaxis3.title.text == "held-out points kept"


def test_on_a_phone_the_colour_bar_lies_above_the_first_heatmap_in_a_replay_too(runs):
    from demos.replay import replay_figure

    final = json.loads(demo.figure(runs[0]).to_json())
    replay = replay_figure(final, [(0.5, final)])
    for layout in (final["layout"], replay["layout"]):
        # Laid flat between the first heatmap and its title, taking no width from the panels.
        phone = layout["meta"]["phone"]
        assert phone["coloraxis.colorbar.orientation"] == "h"
        assert phone["yaxis.domain"][1] < phone["coloraxis.colorbar.y"] < phone["annotations[0].y"]
        # and the desktop patch puts it back beside the top row
        desktop = layout["meta"]["desktop"]
        assert desktop["coloraxis.colorbar.y"] == layout["coloraxis"]["colorbar"]["y"]
