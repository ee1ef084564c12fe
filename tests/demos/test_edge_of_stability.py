"""Full-batch GD on digits reaches the edge of stability: sharpness rises to 2/eta and stays."""

import json

import numpy as np
import pytest

from demos.sims.edge_of_stability import compute as eos

# eta = 0.2 on the default network crosses 2/eta near step 160; 800 steps leave a long tail.
FAST = {"step_sizes": [0.2], "steps": 800, "sharpness_every": 10}


@pytest.fixture(scope="module")
def fast_run():
    return eos.run(eos.Params(**FAST))


def test_sharpness_rises_to_two_over_eta_and_hovers_there(fast_run):
    trajectory = fast_run.trajectories[0]
    threshold = 2 / trajectory.step_size
    sharpness = np.array(trajectory.sharpness)
    assert sharpness[0] < 0.7 * threshold  # progressive sharpening has somewhere to go
    crossed = np.flatnonzero(sharpness > threshold)
    assert crossed.size, "sharpness never reached 2/eta"
    after = sharpness[crossed[0] :]
    assert np.median(after) == pytest.approx(threshold, rel=0.15)
    assert trajectory.loss[-1] < trajectory.loss[0]
    assert trajectory.diverged_at is None


def test_loss_falls_non_monotonically_at_the_edge(fast_run):
    trajectory = fast_run.trajectories[0]
    crossing = trajectory.checkpoints[np.argmax(np.array(trajectory.sharpness) > 10)]
    increases = np.diff(trajectory.loss[crossing:]) > 0
    assert increases.any()  # GD's classical descent lemma no longer holds
    assert trajectory.loss[-1] < trajectory.loss[crossing]


def test_the_default_run_shows_the_edge_of_stability():
    """What a visitor sees first: every step size sharpens; the two larger ones reach the edge."""
    result = eos.run(eos.Params())
    for trajectory in result.trajectories:
        threshold = 2 / trajectory.step_size
        sharpness = np.array(trajectory.sharpness)
        assert trajectory.diverged_at is None
        assert trajectory.loss[-1] < 0.25 * trajectory.loss[0]
        assert sharpness.max() > 1.5 * sharpness[0]  # progressive sharpening
        crossed = np.flatnonzero(sharpness > threshold)
        if trajectory.step_size >= 0.1:
            assert crossed.size and crossed[0] < 0.8 * len(sharpness)
            assert np.median(sharpness[crossed[0] :]) == pytest.approx(threshold, rel=0.15)
        else:  # eta = 0.05 is still sharpening toward its far higher edge at the end
            assert sharpness.max() < threshold


def test_runs_are_deterministic_for_a_seed():
    params = eos.Params(step_sizes=[0.1], steps=60, hidden_width=8, examples=100)
    first, second = eos.run(params), eos.run(params)
    assert first == second
    other_seed = eos.run(params.model_copy(update={"seed": 1}))
    assert other_seed.trajectories[0].loss != first.trajectories[0].loss


def test_a_diverging_step_size_is_stopped_and_reported():
    result = eos.run(eos.Params(step_sizes=[1.0, 0.05], steps=200, examples=100))
    diverged, stable = result.trajectories
    assert diverged.diverged_at is not None and diverged.diverged_at < 200
    assert stable.diverged_at is None and len(stable.loss) == 201
    json.dumps(result.model_dump(mode="json"), allow_nan=False)  # finite numbers only


def test_progress_streams_partial_results():
    reports = []
    params = eos.Params(step_sizes=[0.1, 0.2], steps=100, hidden_width=8, examples=100)
    result = eos.run(params, lambda fraction, partial: reports.append((fraction, partial)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert max(np.diff([0.0, *fractions])) <= 0.02
    # The step sizes are trained side by side: halfway, each has half of its steps.
    halfway = next(partial for fraction, partial in reports if fraction >= 0.5)
    assert [len(trajectory.loss) for trajectory in halfway.trajectories] == [51, 51]
    assert all(trajectory.sharpness for trajectory in halfway.trajectories)
    assert reports[-1][1] == result


def test_figure_overlays_step_sizes_with_their_thresholds():
    result = eos.run(eos.Params(step_sizes=[0.1, 0.2], steps=40, examples=100))
    figure = eos.figure(result)
    names = [trace.name for trace in figure.data]
    assert names.count("η = 0.1") == 2 and names.count("η = 0.2") == 2
    thresholds = {trace.y[0] for trace in figure.data if trace.name.startswith("2/η")}
    assert thresholds == {20.0, 10.0}
    assert figure.layout.yaxis.type == "log"
    seconds = {trace.name: trace for trace in figure.data if trace.name.startswith("λ₂")}
    assert set(seconds) == {"λ₂, η = 0.1", "λ₂, η = 0.2"}
    for trajectory in result.trajectories:
        assert list(seconds[f"λ₂, η = {trajectory.step_size:g}"].y) == trajectory.second


def test_the_second_eigenvalue_hovers_at_the_edge_below_the_first(fast_run):
    """At the edge of stability a second direction sharpens to 2/eta too: the near-crossings
    that make the top eigenvalue hard to track, which the summary names."""
    trajectory = fast_run.trajectories[0]
    first, second = np.array(trajectory.sharpness), np.array(trajectory.second)
    assert len(second) == len(first)
    assert (second <= first * (1 + eos.SHARPNESS_TOLERANCE)).all()
    late = slice(len(first) // 2, None)
    assert np.median(second[late]) == pytest.approx(2 / trajectory.step_size, rel=0.1)
    gaps = (first - second) / first
    nearest = int(np.argmin(gaps))
    summary = eos.summary(fast_run)
    assert f"came closest to λ₁ with η = 0.2, within {eos.percent(gaps[nearest])}" in summary
    assert f"at step {trajectory.checkpoints[nearest]:,}." in summary


def test_step_sizes_trained_together_follow_their_separate_runs():
    params = eos.Params(step_sizes=[0.05, 0.1, 0.2], steps=100, hidden_width=8, examples=100)
    together = eos.run(params)
    for trajectory in together.trajectories:
        alone = eos.run(params.model_copy(update={"step_sizes": [trajectory.step_size]}))
        (separate,) = alone.trajectories
        np.testing.assert_allclose(trajectory.loss, separate.loss, rtol=1e-5)
        np.testing.assert_allclose(trajectory.sharpness, separate.sharpness, rtol=1e-4)
        assert trajectory.checkpoints == separate.checkpoints


def test_a_diverging_step_size_leaves_the_others_alone():
    params = eos.Params(step_sizes=[1.0, 0.05], steps=200, examples=100)
    partials = []
    together = eos.run(params, lambda fraction, partial: partials.append(partial))
    alone = eos.run(params.model_copy(update={"step_sizes": [0.05]}))
    diverged_at = together.trajectories[0].diverged_at
    assert diverged_at is not None
    assert together.trajectories[1] == alone.trajectories[0]
    # The partial charts say so as soon as it happens, not only at the end.
    later = [partial for partial in partials if len(partial.trajectories[1].loss) > diverged_at]
    assert later and all(partial.trajectories[0].diverged_at == diverged_at for partial in later)
