"""GD on the logistic loss turns toward the max-margin direction found by scikit-learn's SVM."""

import numpy as np
import pytest
from sklearn.svm import LinearSVC

from demos.sims.implicit_bias import compute as implicit_bias

DECADES = (10, 100, 1_000, 10_000, 100_000)


def svm_direction(result) -> np.ndarray:
    """The hard-margin SVM without intercept, approximated by a hinge-loss SVM with a large C."""
    svm = LinearSVC(loss="hinge", C=1e4, fit_intercept=False, tol=1e-10, max_iter=1_000_000)
    svm.fit(np.array(result.points), np.array(result.labels))
    return svm.coef_[0] / np.linalg.norm(svm.coef_[0])


def at_decades(result, values) -> np.ndarray:
    """The values at the checkpoints nearest to 10, 100, ..., 100,000 steps."""
    steps = np.array(result.checkpoints)
    return np.array([values[np.argmin(abs(steps - decade))] for decade in DECADES])


@pytest.fixture(scope="module")
def default_run():
    return implicit_bias.run(implicit_bias.Params())


@pytest.mark.parametrize(
    "settings", [{}, {"seed": 1}, {"seed": 2, "examples": 200, "gap": 0.02}, {"gap": 0.5}]
)
def test_the_demos_max_margin_direction_is_the_svm_solution(settings):
    result = implicit_bias.run(implicit_bias.Params(steps=10, **settings))
    direction = np.array(result.max_margin_direction)
    assert implicit_bias.angle_between(direction, svm_direction(result)) < 1e-4
    signed = np.array(result.points) * np.array(result.labels)[:, None]
    assert result.max_margin == pytest.approx((signed @ direction).min())


def test_gd_direction_approaches_the_svm_direction(default_run):
    reference = svm_direction(default_run)
    angles = [implicit_bias.angle_between(np.array(w), reference) for w in default_run.weights]
    by_decade = at_decades(default_run, angles)
    # The default data (seed 0): 5.1, 4.1, 2.4, 0.63 and 0.037 degrees at steps 10 ... 100,000.
    assert np.all(np.diff(by_decade) < 0)
    # Theory promises only O(1/log t) and that rate's constant depends on the data; 0.1 degree
    # leaves this run's 0.037 a factor of ~3 of room and is 50 times below the angle at step 10.
    assert by_decade[-1] < 0.1


@pytest.mark.parametrize("seed", range(1, 6))
def test_gd_ends_closer_to_the_svm_direction_than_early_on_for_other_data(seed):
    # On other data the unsigned angle need not fall at every checkpoint: w(t) can swing past
    # the max-margin direction (seed 2 does near 10,000 steps) before settling. Measured over
    # seeds 0-11, the angle at 100,000 steps is always below the angle at 100 steps.
    result = implicit_bias.run(implicit_bias.Params(seed=seed))
    reference = svm_direction(result)
    angles = [implicit_bias.angle_between(np.array(w), reference) for w in result.weights]
    first, *_, last = at_decades(result, angles)[1:]
    assert last < first


def test_the_norm_grows_like_log_t_and_the_loss_falls_like_1_over_t(default_run):
    norms = at_decades(default_run, np.linalg.norm(np.array(default_run.weights), axis=1))
    losses = at_decades(default_run, default_run.loss)
    # ||w(t)|| ~ log(t) / margin: the last decade adds 0.81 of log(10) / margin here, and each
    # decade adds more than the one before as the iterates near the asymptotic regime.
    last_decade = (norms[-1] - norms[-2]) / (np.log(10) / default_run.max_margin)
    assert 0.7 < last_decade < 1.05
    assert np.all(np.diff(np.diff(norms[1:])) > 0)
    # loss ~ 1/t up to log factors: 0.113 over the last (10.4-fold) stretch of steps.
    assert 0.09 < losses[-1] / losses[-2] < 0.15


def test_runs_are_deterministic_and_the_data_separable():
    params = implicit_bias.Params(steps=1000, examples=50, gap=0.2, seed=7)
    result = implicit_bias.run(params)
    assert result == implicit_bias.run(params)
    assert len(result.points) == 50
    assert result.max_margin >= 0.2  # at least the gap left around the hidden line


def test_figure_animates_gd_separator_over_log_spaced_steps():
    result = implicit_bias.run(implicit_bias.Params(steps=1000))
    figure = implicit_bias.figure(result)
    assert len(figure.frames) == len(result.checkpoints)
    assert figure.layout.xaxis2.type == "log"
    assert [s.label for s in figure.layout.sliders[0].steps][-1] == "1,000"
